/**
 * The largest records that can reach the fan-out pattern's failure targets, built the way the
 * services build them, to check that every failure target accepts them.
 */

/** SNS's publish limit, message attributes included. */
const SNS_MAX_BYTES = 262_144;

/**
 * The worst notification for escaping: a body of `"` characters (each escaped to 2 bytes in the
 * SNS envelope's JSON) filling 256 KiB with its attributes.
 */
function worstNotification(): { body: string; attributes: Record<string, { Type: string; Value: string }> } {
  const attributes = { kind: { Type: 'String', Value: 'order-shipped' } };
  const attributeBytes = 'kind'.length + 'String'.length + 'order-shipped'.length;
  return { body: '"'.repeat(SNS_MAX_BYTES - attributeBytes), attributes };
}

/** The SNS JSON envelope, as a queue without raw delivery or a subscription DLQ receives it. */
function envelope(body: string, attributes: Record<string, { Type: string; Value: string }>): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '2f3c5b6a-1d2e-5f60-8a9b-0c1d2e3f4a5b',
    TopicArn: `arn:aws:sns:eu-central-1:123456789012:${'T'.repeat(256)}`,
    Subject: 'S'.repeat(100),
    Message: body,
    Timestamp: '2026-01-01T00:00:00.000Z',
    SignatureVersion: '1',
    Signature: 'A'.repeat(344),
    SigningCertURL: `https://sns.eu-central-1.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`,
    UnsubscribeURL: `https://sns.eu-central-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:eu-central-1:123456789012:${'T'.repeat(256)}:2f3c5b6a-1d2e-5f60-8a9b-0c1d2e3f4a5b`,
    MessageAttributes: attributes,
  });
}

/** Lambda's on-failure destination record for an SNS event whose invocation failed. */
function onFailureRecord(body: string, attributes: Record<string, { Type: string; Value: string }>): string {
  const topicArn = `arn:aws:sns:eu-central-1:123456789012:${'T'.repeat(256)}`;
  const event = {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2f3c5b6a-1d2e-5f60-8a9b-0c1d2e3f4a5b`,
        Sns: JSON.parse(envelope(body, attributes)),
      },
    ],
  };
  return JSON.stringify({
    version: '1.0',
    timestamp: '2026-01-01T00:00:00.000Z',
    requestContext: {
      requestId: '2f3c5b6a-1d2e-5f60-8a9b-0c1d2e3f4a5b',
      functionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${'F'.repeat(64)}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: {
      errorType: 'InvalidNotificationError',
      errorMessage: `invalid notification: ${'m'.repeat(1000)}`,
      trace: Array.from({ length: 10 }, (_, i) => `    at frame${i} (/var/task/index.js:1:${'9'.repeat(6)})`),
    },
  });
}

/** Sizes in UTF-8 bytes of the largest SNS envelope and Lambda on-failure record. */
export function largestRecords(): { envelope: number; onFailureRecord: number } {
  const { body, attributes } = worstNotification();
  return {
    envelope: Buffer.byteLength(envelope(body, attributes)),
    onFailureRecord: Buffer.byteLength(onFailureRecord(body, attributes)),
  };
}
