// Replaces fauxqs's sqs/sqsTypes.js (see resolve-hooks.mjs): everything as fauxqs has it, except what
// fauxqs gets wrong there. It refuses every character above #xFFFF (emoji among them), which SQS accepts;
// it counts a Binary attribute by its base64 text, where SQS counts its bytes (both rules now come from
// messages.mjs); and SetQueueAttributes refuses the high-throughput FIFO settings and the redrive-allow
// policy, which SQS lets you change (SQS API Reference, SetQueueAttributes).
import { SETTABLE_ATTRIBUTES as FAUXQS_SETTABLE } from 'fauxqs-original:sqs/sqsTypes.js';

export * from 'fauxqs-original:sqs/sqsTypes.js';
export { calculateMessageSize, INVALID_MESSAGE_BODY_CHAR } from './messages.mjs';
export const SETTABLE_ATTRIBUTES = new Set([...FAUXQS_SETTABLE, 'DeduplicationScope', 'FifoThroughputLimit', 'RedriveAllowPolicy']);
