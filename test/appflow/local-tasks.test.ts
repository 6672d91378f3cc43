import { missingGrant } from '../../local/appflow/bucket-access';
import { datePath, outputObjects } from '../../local/appflow/output';
import { RecordFormatError, readCsv, readJsonLines, writeCsv, writeJsonLines } from '../../local/appflow/records';
import { applyTasks, converted, type FlowTask, TaskDefinitionError, TerminatedRunError } from '../../local/appflow/tasks';
import { deliverEndOfRunReport, type ExecutionRecord, type LocalFlow } from '../../local/services/appflow';

const op = (operator: string) => ({ S3: operator });
const props = (entries: Record<string, string>) => Object.entries(entries).map(([Key, Value]) => ({ Key, Value }));
const map = (from: string, to = from, type?: string): FlowTask => ({
  TaskType: 'Map',
  SourceFields: [from],
  DestinationField: to,
  ConnectorOperator: op('NO_OP'),
  TaskProperties: type ? props({ DESTINATION_DATA_TYPE: type }) : [],
});
const filter = (operator: string, field: string, properties: Record<string, string>): FlowTask => ({
  TaskType: 'Filter',
  SourceFields: [field],
  ConnectorOperator: op(operator),
  TaskProperties: props(properties),
});
const validate = (operator: string, field: string, action = 'DropRecord'): FlowTask => ({
  TaskType: 'Validate',
  SourceFields: [field],
  ConnectorOperator: op(operator),
  TaskProperties: props({ VALIDATION_ACTION: action }),
});

describe('records', () => {
  test('CSV: header row, quoted fields with commas, quotes and newlines, empty values are null', () => {
    const text = 'id,name,note\r\n1,"Smith, Ann","said ""hi""\nthen left"\n2,Bob,\n';
    expect(readCsv(text, 'f.csv')).toEqual([
      { id: '1', name: 'Smith, Ann', note: 'said "hi"\nthen left' },
      { id: '2', name: 'Bob', note: null },
    ]);
  });

  test('CSV: a row with a different number of fields, and an unclosed quote, fail the file', () => {
    expect(() => readCsv('a,b\n1,2,3\n', 'f.csv')).toThrow(new RecordFormatError('f.csv: row 2 has 3 fields, the header 2'));
    expect(() => readCsv('a\n"open\n', 'f.csv')).toThrow('f.csv: a quoted CSV field is not closed');
  });

  test('JSON Lines: one object per line, blank lines skipped; anything else fails the file', () => {
    expect(readJsonLines('{"a":1}\n\n{"a":null}\n', 'f.json')).toEqual([{ a: 1 }, { a: null }]);
    expect(() => readJsonLines('{"a":1}\n[1]\n', 'f.json')).toThrow('f.json: line 2 is not a JSON object');
    expect(() => readJsonLines('{"a":\n', 'f.json')).toThrow('f.json: line 1 is not JSON');
  });

  test('writing: CSV has a header of every field in first-seen order and quotes what needs it; JSON is one object per line', () => {
    expect(
      writeCsv([
        { a: 'x,y', b: null },
        { b: 2, c: 'say "no"' },
      ]),
    ).toBe('a,b,c\n"x,y",,\n,2,"say ""no"""\n');
    expect(writeJsonLines([{ a: 1 }, { b: 'x' }])).toBe('{"a":1}\n{"b":"x"}\n');
  });
});

describe('tasks', () => {
  const records = [
    { id: 'a', status: 'shipped', qty: 2, price: 1.5, secret: '1234567890', text: 'abcdefghij' },
    { id: 'b', status: 'pending', qty: 1, price: 3, secret: '1111', text: 'xy' },
    { id: 'c', status: 'shipped', qty: -1, price: 2, secret: '2222', text: 'z' },
    { id: 'd', status: 'shipped', qty: 5, price: null, secret: '3333', text: 'w' },
  ];

  test('projection keeps only the listed fields; a field left out cannot be mapped', () => {
    const projection: FlowTask = { TaskType: 'Filter', SourceFields: ['id'], ConnectorOperator: op('PROJECTION') };
    expect(applyTasks([projection, map('id'), map('status')], records.slice(0, 1)).records).toEqual([{ id: 'a', status: null }]);
  });

  test('filters: EQUAL_TO with VALUES is any of; NOT_EQUAL_TO none of; numeric comparisons use DATA_TYPE', () => {
    const run = (f: FlowTask) => applyTasks([f, map('id')], records).records.map((r) => r.id);
    expect(run(filter('EQUAL_TO', 'status', { DATA_TYPE: 'string', VALUES: 'pending,other' }))).toEqual(['b']);
    expect(run(filter('EQUAL_TO', 'status', { DATA_TYPE: 'string', VALUE: 'shipped' }))).toEqual(['a', 'c', 'd']);
    expect(run(filter('NOT_EQUAL_TO', 'status', { DATA_TYPE: 'string', VALUES: 'shipped,x' }))).toEqual(['b']);
    expect(run(filter('GREATER_THAN', 'qty', { DATA_TYPE: 'integer', VALUE: '1' }))).toEqual(['a', 'd']);
    expect(run(filter('LESS_THAN_OR_EQUAL_TO', 'qty', { DATA_TYPE: 'integer', VALUE: '1' }))).toEqual(['b', 'c']);
    expect(run(filter('BETWEEN', 'qty', { DATA_TYPE: 'integer', LOWER_BOUND: '1', UPPER_BOUND: '2' }))).toEqual(['a', 'b']);
    expect(run(filter('CONTAINS', 'text', { DATA_TYPE: 'string', VALUE: 'cde' }))).toEqual(['a']);
    // A null value satisfies no comparison, not even NOT_EQUAL_TO.
    expect(run(filter('NOT_EQUAL_TO', 'price', { DATA_TYPE: 'double', VALUE: '7' }))).toEqual(['a', 'b', 'c']);
    // Numbers compare as numbers: "10" > "9", which as strings would not hold.
    expect(applyTasks([filter('GREATER_THAN', 'n', { DATA_TYPE: 'double', VALUE: '9' }), map('n')], [{ n: '10' }]).records).toHaveLength(1);
    expect(applyTasks([filter('GREATER_THAN', 'n', { DATA_TYPE: 'string', VALUE: '9' }), map('n')], [{ n: '10' }]).records).toHaveLength(0);
  });

  test('instants compare as times: epoch milliseconds or ISO dates', () => {
    const t = filter('GREATER_THAN', 'at', { DATA_TYPE: 'datetime', VALUE: String(Date.parse('2024-01-01T00:00:00Z')) });
    expect(applyTasks([t, map('at')], [{ at: '2024-06-01T00:00:00Z' }, { at: '2023-06-01T00:00:00Z' }]).records).toEqual([
      { at: '2024-06-01T00:00:00Z' },
    ]);
  });

  test('validations: DropRecord drops and counts; DropDataset terminates the run; filtered records are not validated', () => {
    const tasks = [
      filter('EQUAL_TO', 'status', { DATA_TYPE: 'string', VALUE: 'shipped' }),
      validate('VALIDATE_NON_NEGATIVE', 'qty'),
      validate('VALIDATE_NON_NULL', 'price'),
      map('id'),
    ];
    expect(applyTasks(tasks, records)).toEqual({ records: [{ id: 'a' }], read: 4, filtered: 1, dropped: 2 });
    expect(() => applyTasks([validate('VALIDATE_NON_NULL', 'price', 'DropDataset'), map('id')], records)).toThrow(
      new TerminatedRunError('validation VALIDATE_NON_NULL failed for record 4: price is null; the run was terminated'),
    );
    expect(
      applyTasks([filter('EQUAL_TO', 'id', { VALUE: 'a' }), validate('VALIDATE_NON_NULL', 'price', 'DropDataset'), map('id')], records)
        .records,
    ).toEqual([{ id: 'a' }]);
    expect(applyTasks([validate('VALIDATE_NON_ZERO', 'n'), map('n')], [{ n: 0 }, { n: '0.0' }, { n: 2 }]).records).toEqual([{ n: 2 }]);
    expect(applyTasks([validate('VALIDATE_NUMERIC', 'n'), map('n')], [{ n: 'x' }, { n: '12' }, { n: null }]).records).toEqual([
      { n: '12' },
    ]);
  });

  test('mask and truncate change the source value before it is mapped', () => {
    const mask = (operator: string, p: Record<string, string>): FlowTask => ({
      TaskType: 'Mask',
      SourceFields: ['secret'],
      ConnectorOperator: op(operator),
      TaskProperties: props(p),
    });
    const one = records.slice(0, 1);
    expect(applyTasks([mask('MASK_ALL', { MASK_VALUE: '#' }), map('secret')], one).records).toEqual([{ secret: '##########' }]);
    expect(applyTasks([mask('MASK_FIRST_N', { MASK_VALUE: '*', MASK_LENGTH: '6' }), map('secret')], one).records).toEqual([
      { secret: '******7890' },
    ]);
    expect(applyTasks([mask('MASK_LAST_N', { MASK_VALUE: '*', MASK_LENGTH: '20' }), map('secret')], one).records).toEqual([
      { secret: '**********' },
    ]);
    const truncate: FlowTask = {
      TaskType: 'Truncate',
      SourceFields: ['text'],
      ConnectorOperator: op('NO_OP'),
      TaskProperties: props({ TRUNCATE_LENGTH: '3' }),
    };
    expect(applyTasks([truncate, map('text')], one).records).toEqual([{ text: 'abc' }]);
  });

  test('merge and arithmetic write an intermediate field that a Map task writes out', () => {
    const merge: FlowTask = {
      TaskType: 'Merge',
      SourceFields: ['id', 'status'],
      DestinationField: 'id,status',
      ConnectorOperator: op('NO_OP'),
      TaskProperties: props({ CONCAT_FORMAT: `\${id}/\${status}` }),
    };
    const times: FlowTask = {
      TaskType: 'Arithmetic',
      SourceFields: ['qty', 'price'],
      DestinationField: 'qty,price',
      ConnectorOperator: op('MULTIPLICATION'),
      TaskProperties: props({ MATH_OPERATION_FIELDS_ORDER: 'qty,price' }),
    };
    const minus: FlowTask = {
      ...times,
      ConnectorOperator: op('SUBTRACTION'),
      TaskProperties: props({ MATH_OPERATION_FIELDS_ORDER: 'price,qty' }),
      DestinationField: 'price,qty',
    };
    const result = applyTasks(
      [merge, times, minus, map('id,status', 'ref'), map('qty,price', 'total', 'double'), map('price,qty', 'diff')],
      records,
    );
    expect(result.records.slice(0, 2)).toEqual([
      { ref: 'a/shipped', total: 3, diff: -0.5 },
      { ref: 'b/pending', total: 3, diff: 2 },
    ]);
    expect(result.records[3]).toEqual({ ref: 'd/shipped', total: null, diff: null });
  });

  test('Map converts to DESTINATION_DATA_TYPE; Map_all copies every field but the excluded ones', () => {
    expect(converted('12.7', 'integer')).toBe(12);
    expect(converted('x', 'double')).toBeNull();
    expect(converted(3, 'string')).toBe('3');
    expect(converted('TRUE', 'boolean')).toBe(true);
    const all: FlowTask = {
      TaskType: 'Map_all',
      SourceFields: [],
      ConnectorOperator: op('NO_OP'),
      TaskProperties: props({ EXCLUDE_SOURCE_FIELDS_LIST: '["secret","text"]' }),
    };
    expect(applyTasks([all], records.slice(0, 1)).records).toEqual([{ id: 'a', status: 'shipped', qty: 2, price: 1.5 }]);
  });

  test('bad task definitions fail clearly', () => {
    expect(() => applyTasks([filter('EQUAL_TO', 'id', {})], records)).toThrow(TaskDefinitionError);
    expect(
      () => applyTasks([filter('EQUAL_TO', 'id', { VALUE: 'a' }), map('id')], records.concat({ id: 'e' } as never)).records,
    ).not.toThrow();
    expect(() => applyTasks([filter('LESS_THAN', 'qty', { DATA_TYPE: 'integer', VALUE: 'many' }), map('id')], records)).toThrow(
      'the LESS_THAN filter on qty has a integer bound that is not one: "many"',
    );
    expect(() => applyTasks([filter('EQUAL_TO', 'id', { VALUE: 'a' })], records)).toThrow(
      'the flow has no Map, Map_all or Passthrough task',
    );
    expect(() => applyTasks([{ TaskType: 'Partition', SourceFields: [], ConnectorOperator: op('NO_OP') }, map('id')], records)).toThrow(
      'task type Partition is not run locally',
    );
  });
});

describe('output layout', () => {
  const at = new Date('2026-03-04T05:06:07Z');
  const settings = (config: object) => ({ BucketName: 'b', BucketPrefix: 'curated', S3OutputFormatConfig: config });

  test('date folders as precise as PrefixFormat, then the execution id; one file per run with SingleFile', () => {
    expect(datePath('DAY', at, '/')).toBe('2026/03/04');
    expect(datePath('MINUTE', at, '-')).toBe('2026-03-04-05-06');
    const objects = outputObjects(
      settings({
        FileType: 'JSON',
        AggregationConfig: { AggregationType: 'SingleFile' },
        PrefixConfig: { PrefixType: 'PATH', PrefixFormat: 'DAY', PathPrefixHierarchy: ['EXECUTION_ID'] },
        PreserveSourceDataTyping: true,
      }),
      'flow',
      'exec-1',
      at,
      [[{ a: 1 }], [{ a: 2 }], []],
    );
    expect(objects).toEqual([{ key: 'curated/flow/2026/03/04/exec-1/part-00000.json', body: '{"a":1}\n{"a":2}\n', records: 2 }]);
  });

  test('one file per source file without aggregation; values become strings unless typing is preserved; CSV has a header', () => {
    const objects = outputObjects(
      settings({ FileType: 'CSV', PrefixConfig: { PrefixType: 'FILENAME', PrefixFormat: 'HOUR' } }),
      'flow',
      'exec-2',
      at,
      [[{ a: 1, b: null }], [{ a: 2 }]],
    );
    expect(objects.map((o) => o.key)).toEqual(['curated/flow/2026-03-04-05-part-00000.csv', 'curated/flow/2026-03-04-05-part-00001.csv']);
    expect(objects[0].body).toBe('a,b\n1,\n');
    const json = outputObjects(settings({ FileType: 'JSON' }), 'flow', 'exec-3', at, [[{ a: 1, b: true }]]);
    expect(json).toEqual([{ key: 'curated/flow/exec-3/part-00000.json', body: '{"a":"1","b":"true"}\n', records: 1 }]);
  });

  test('SingleFile splits at TargetFileSize MB', () => {
    const big = 'x'.repeat(600 * 1024);
    const objects = outputObjects(
      settings({ FileType: 'JSON', AggregationConfig: { AggregationType: 'SingleFile', TargetFileSize: 1 } }),
      'f',
      'e',
      at,
      [[{ big }, { big }, { big }]],
    );
    expect(objects.map((o) => o.records)).toEqual([1, 1, 1]);
  });
});

describe('bucket access', () => {
  const caller = { account: '111122223333', flowArn: 'arn:aws:appflow:us-east-1:111122223333:flow/f' };
  const statement = (extra: object = {}) => ({
    Effect: 'Allow',
    Principal: { Service: 'appflow.amazonaws.com' },
    Action: ['s3:GetObject', 's3:ListBucket'],
    Resource: ['arn:aws:s3:::raw', 'arn:aws:s3:::raw/orders/*'],
    Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnEqualsIfExists: { 'aws:SourceArn': caller.flowArn } },
    ...extra,
  });
  const wanted: Array<[string, string]> = [
    ['s3:ListBucket', 'arn:aws:s3:::raw'],
    ['s3:GetObject', 'arn:aws:s3:::raw/orders/x'],
  ];

  test('a statement for AppFlow, this account and this flow allows the source actions', () => {
    expect(missingGrant([statement()], wanted, caller)).toBeUndefined();
  });

  test('another account, another flow, another folder, another principal, or a Deny: refused', () => {
    expect(missingGrant([statement({ Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } } })], wanted, caller)).toBe(
      's3:ListBucket on arn:aws:s3:::raw',
    );
    expect(
      missingGrant(
        [statement({ Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:appflow:us-east-1:111122223333:flow/other' } } })],
        wanted,
        caller,
      ),
    ).toBeDefined();
    expect(missingGrant([statement({ Resource: ['arn:aws:s3:::raw', 'arn:aws:s3:::raw/other/*'] })], wanted, caller)).toBe(
      's3:GetObject on arn:aws:s3:::raw/orders/x',
    );
    expect(missingGrant([statement({ Principal: { Service: 'logging.s3.amazonaws.com' } })], wanted, caller)).toBeDefined();
    expect(
      missingGrant(
        [statement(), { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: 'arn:aws:s3:::raw/*' }],
        wanted,
        caller,
      ),
    ).toBe('s3:GetObject on arn:aws:s3:::raw/orders/x (denied)');
    // The TLS-only Deny does not apply: AppFlow calls over TLS.
    const tls = {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: 'arn:aws:s3:::raw/*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    expect(missingGrant([statement(), tls], wanted, caller)).toBeUndefined();
  });
});

describe('end-of-run event', () => {
  const flow = {
    name: 'orders',
    arn: 'arn:aws:appflow:us-east-1:000000000000:flow/orders',
    source: { bucket: 'raw', prefix: 'orders', format: 'JSON' },
    destination: { BucketName: 'curated', BucketPrefix: 'curated/orders' },
  } as unknown as LocalFlow;
  const run: ExecutionRecord = {
    executionId: 'e-1',
    executionStatus: 'Error',
    executionResult: { recordsProcessed: 9, bytesProcessed: 100, bytesWritten: 0 },
    startedAt: 1_700_000_000,
    lastUpdatedAt: 1_700_000_001,
    local: { filtered: 3, dropped: 2, written: [] },
  };

  test('goes to the default event bus as AppFlow sends it', async () => {
    const deliver = jest.fn().mockResolvedValue(undefined);
    const onError = jest.fn();
    await deliverEndOfRunReport({ deliver, onError, region: 'us-east-1', accountId: '000000000000' }, flow, run, 'ONDEMAND');
    expect(deliver).toHaveBeenCalledTimes(1);
    const [arn, payload] = deliver.mock.calls[0];
    expect(arn).toBe('arn:aws:events:us-east-1:000000000000:event-bus/default');
    const event = JSON.parse(payload.body);
    expect(event).toMatchObject({ source: 'aws.appflow', 'detail-type': 'AppFlow End Flow Run Report' });
    expect(event.detail).toMatchObject({
      'flow-name': 'orders',
      'flow-arn': flow.arn,
      'execution-id': 'e-1',
      'trigger-type': 'ONDEMAND',
      'num-of-records-processed': '9',
      'num-of-records-filtered': '3',
      'num-of-record-failures': '2',
      'source-object': 's3://raw/orders',
      'destination-object': 's3://curated/curated/orders',
      'start-time': '2023-11-14T22:13:20.000Z[UTC]',
      status: 'Execution Failed',
    });
    expect(onError).not.toHaveBeenCalled();
  });

  test('a bus nobody serves is reported through onError, not thrown', async () => {
    const deliver = jest
      .fn()
      .mockRejectedValue(new Error('delivery target arn:aws:events:us-east-1:000000000000:event-bus/default is not emulated locally'));
    const onError = jest.fn();
    await deliverEndOfRunReport(
      { deliver, onError, region: 'us-east-1', accountId: '000000000000' },
      flow,
      { ...run, executionStatus: 'Successful' },
      'SCHEDULED',
    );
    expect(onError).toHaveBeenCalledWith(
      new Error(
        'AppFlow flow orders: the end-of-run event was not delivered: delivery target arn:aws:events:us-east-1:000000000000:event-bus/default is not emulated locally',
      ),
    );
  });
});
