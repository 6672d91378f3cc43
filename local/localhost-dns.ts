import dns from 'node:dns';

/** Whether a host name is loopback by the localhost convention (RFC 6761): `localhost` and `*.localhost`. */
export function isLocalhostName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

let patched = false;

/**
 * Resolves `localhost` and `*.localhost` to 127.0.0.1 in this process, so that virtual-hosted-style
 * S3 URLs (`bucket.s3.localhost:PORT`) and fauxqs queue URLs (`sqs.REGION.localhost:PORT`) reach
 * the emulator without a DNS server. Other names resolve as before. Idempotent.
 */
export function resolveLocalhostNames(): void {
  if (patched) return;
  patched = true;
  const original = dns.lookup;
  const patchedLookup = (hostname: string, options: unknown, callback?: unknown): void => {
    const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
    if (typeof hostname === 'string' && isLocalhostName(hostname)) {
      process.nextTick(() => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
      return;
    }
    (original as (...args: unknown[]) => void).call(dns, hostname, options, callback);
  };
  dns.lookup = patchedLookup as typeof dns.lookup;
}
