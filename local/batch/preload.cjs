// Loaded (node --require) into every AWS Batch job process of the local runtime: *.localhost names
// resolve to 127.0.0.1, so that virtual-hosted-style S3 URLs (bucket.s3.localhost:PORT) reach the
// local emulator, as in the runtime's own process and its Lambda workers.
'use strict';
require('../localhost-dns.cjs').resolveLocalhostNames();
