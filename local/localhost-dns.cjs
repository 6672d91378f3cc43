// Resolves `localhost` and `*.localhost` (RFC 6761) to 127.0.0.1 in this process or worker, so that
// virtual-hosted-style S3 URLs (`bucket.s3.localhost:PORT`) and fauxqs queue URLs
// (`sqs.REGION.localhost:PORT`) reach the local emulators without a DNS server. Other names resolve
// as before. Plain CommonJS: the runtime's process and its Lambda worker threads both load it.
'use strict';
const dns = require('node:dns');

function isLocalhostName(hostname) {
  return hostname === 'localhost' || (typeof hostname === 'string' && hostname.endsWith('.localhost'));
}

let patched = false;

function resolveLocalhostNames() {
  if (patched) return;
  patched = true;
  const original = dns.lookup;
  dns.lookup = function lookup(hostname, options, callback) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    if (isLocalhostName(hostname)) {
      process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
      return;
    }
    return original.call(dns, hostname, options, callback);
  };
}

module.exports = { isLocalhostName, resolveLocalhostNames };
