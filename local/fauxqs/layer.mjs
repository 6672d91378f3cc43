// The launcher's validating layer: guards run around fauxqs's action handlers, installed on the routers'
// register() before fauxqs builds its app, so no request reaches a handler unguarded. A guard is
// (body, args, next) => result, where args are the handler's other arguments and next(body?) calls the
// rest of the chain; guards of an action run in the order given.

/** Merges guard maps ({ sqs: { Action: [guard] }, sns: {...} }) in order. */
export function mergeGuards(...maps) {
  const merged = { sqs: {}, sns: {} };
  for (const map of maps) {
    for (const service of Object.keys(merged)) {
      for (const [action, guards] of Object.entries(map[service] ?? {})) {
        merged[service][action] = [...(merged[service][action] ?? []), ...guards];
      }
    }
  }
  return merged;
}

/** Wraps every handler a router of this class registers; `handlers` receives the guarded handlers by action. */
export function guardRouter(Router, guards, handlers) {
  const register = Router.prototype.register;
  Router.prototype.register = function registerGuarded(action, handler) {
    const chain = (guards[action] ?? []).reduceRight(
      (next, guard) =>
        (body, ...args) =>
          guard(body, args, (nextBody = body) => next(nextBody, ...args)),
      handler,
    );
    handlers[action] = chain;
    register.call(this, action, chain);
  };
}

/**
 * SQS's JSON protocol carries the legacy query error code in the x-amzn-query-error header, and the SDK
 * names the error after it. Only the errors SQS's API model marks so have an "AWS.SimpleQueueService."
 * prefix (BatchRequestTooLong, NonExistentQueue...); the common ones are plain (InvalidParameterValue,
 * MissingParameter, InvalidMessageContents...). fauxqs prefixes every code, so the SDK named, for
 * example, an oversized message "AWS.SimpleQueueService.InvalidParameterValue" instead of
 * "InvalidParameterValue".
 */
const PREFIXED_QUERY_CODES = new Set([
  'BatchEntryIdsNotDistinct',
  'BatchRequestTooLong',
  'EmptyBatchRequest',
  'InvalidBatchEntryId',
  'MessageNotInflight',
  'NonExistentQueue',
  'PurgeQueueInProgress',
  'QueueDeletedRecently',
  'TooManyEntriesInBatchRequest',
  'UnsupportedOperation',
]);

export function useAwsQueryErrorCodes(SqsError) {
  Object.defineProperty(SqsError.prototype, 'queryErrorHeader', {
    get() {
      const code = PREFIXED_QUERY_CODES.has(this.queryCode) ? `AWS.SimpleQueueService.${this.queryCode}` : this.queryCode;
      return `${code};${this.senderFault ? 'Sender' : 'Receiver'}`;
    },
  });
}
