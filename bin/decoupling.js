#!/usr/bin/env node
// `npx decoupling`: the operations command of this project (scripts/decoupling/cli.ts), run through
// tsx so that it needs no build step.
require('tsx/cjs');
const { main } = require('../scripts/decoupling/cli.ts');

// Output piped into a command that stops reading (| head) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  // The first Ctrl-C lets the command stop cleanly; a second one exits at once.
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\ndecoupling: interrupted, stopping cleanly (Ctrl-C again exits at once, skipping the clean-up)\n');
  controller.abort();
});
main(process.argv.slice(2), { out: process.stdout, err: process.stderr, progress: process.stderr, signal: controller.signal }).then(
  (code) => process.exit(code),
);
