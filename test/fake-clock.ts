/**
 * Fakes Date only: the SDK's and the emulators' timers keep running, so that a test can let time-based
 * settings (visibility timeouts, idempotency expiry) pass with `jest.setSystemTime`.
 */
export function fakeClock(): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
    now: Date.now(),
  });
}
