// The implementation is plain CommonJS so that the Lambda worker threads (worker.cjs) load the same code.
const shared = require('./localhost-dns.cjs') as {
  isLocalhostName(hostname: string): boolean;
  resolveLocalhostNames(): void;
};

/** Whether a host name is loopback by the localhost convention (RFC 6761): `localhost` and `*.localhost`. */
export const isLocalhostName: (hostname: string) => boolean = shared.isLocalhostName;

/**
 * Resolves `localhost` and `*.localhost` to 127.0.0.1 in this process, so that virtual-hosted-style
 * S3 URLs and fauxqs queue URLs reach the emulator without a DNS server. Idempotent.
 */
export const resolveLocalhostNames: () => void = shared.resolveLocalhostNames;
