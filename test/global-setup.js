// Every temporary file of a test run (cloud assemblies, CDK's own cdk.out folders, fixtures) goes
// into one folder, removed when the run ends: by global-teardown.js, or here when the run is
// interrupted (SIGINT, SIGTERM, SIGHUP) or exits early. Test workers inherit the folder through
// TMPDIR (TMP and TEMP on Windows); os.tmpdir() reads it on every call.
const { execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

module.exports = async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'decoupling-jest-'));
  const remove = () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (error) {
      console.error(`could not remove ${dir}: ${error.message}`);
    }
  };
  // The local brokers keep their state under the machine's temporary folder (scripts/brokers.sh,
  // local/mq/local-brokers.ts): pinned before TMPDIR changes, or the broker tests would not find them.
  process.env.DECOUPLING_BROKERS_DIR ??= path.join(tmpdir(), 'decoupling-patterns-brokers');
  for (const name of ['TMPDIR', 'TMP', 'TEMP']) process.env[name] = dir;
  globalThis.__decouplingTestRunDir = { dir, remove };
  process.once('exit', remove);
  for (const signal of SIGNALS) {
    const onSignal = () => {
      // A signal sent to this process alone (not to its terminal's process group) would leave the
      // test workers running, writing into the folder and keeping their emulators alive: pass it on.
      for (const pid of children(process.pid)) {
        try {
          process.kill(pid, signal);
        } catch {
          // already gone
        }
      }
      remove();
      // End the way the signal would have ended the run, unless jest handles it itself.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
};

/** The child processes of `pid`: from /proc where there is one, else from pgrep. */
function children(pid) {
  try {
    if (existsSync('/proc/self/stat')) {
      return readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((entry) => {
          try {
            const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
            return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
          } catch {
            return false;
          }
        })
        .map(Number);
    }
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
