import { type FlowRecord, writeCsv, writeJsonLines } from './records';

/** The S3 destination settings of a flow, as the template gives them (`DestinationConnectorProperties.S3`). */
export interface S3DestinationSettings {
  readonly BucketName: string;
  readonly BucketPrefix?: string;
  readonly S3OutputFormatConfig?: {
    readonly FileType?: string;
    readonly AggregationConfig?: { readonly AggregationType?: string; readonly TargetFileSize?: number };
    readonly PrefixConfig?: {
      readonly PrefixType?: string;
      readonly PrefixFormat?: string;
      readonly PathPrefixHierarchy?: readonly string[];
    };
    readonly PreserveSourceDataTyping?: boolean;
  };
}

/** One object to write. */
export interface OutputObject {
  readonly key: string;
  readonly body: string;
  readonly records: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The date part of a prefix, as precise as `format` (YEAR, MONTH, DAY, HOUR, MINUTE), in UTC. */
export function datePath(format: string | undefined, at: Date, separator: string): string | undefined {
  if (format === undefined) return undefined;
  const parts = [
    String(at.getUTCFullYear()),
    pad(at.getUTCMonth() + 1),
    pad(at.getUTCDate()),
    pad(at.getUTCHours()),
    pad(at.getUTCMinutes()),
  ];
  const depth = ['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE'].indexOf(format) + 1;
  if (depth === 0) throw new Error(`PrefixFormat ${format} is not YEAR, MONTH, DAY, HOUR or MINUTE`);
  return parts.slice(0, depth).join(separator);
}

/**
 * The objects a run writes: under `<BucketPrefix>/<flow name>/`, then the date folders
 * (`PrefixType` PATH or PATH_AND_FILENAME, as precise as `PrefixFormat`), then the
 * `PathPrefixHierarchy` folders (the execution id, `schemaVersion_1`; the execution id when no
 * prefix configuration is given), then the files: one per source file (`AggregationType` None) or
 * one per run (`SingleFile`, split at `TargetFileSize` MB), named `part-<n>.<json|csv>` with the date
 * first when `PrefixType` is FILENAME or PATH_AND_FILENAME. A run that writes no record writes no file.
 * Values are written as strings unless `PreserveSourceDataTyping` is true.
 */
export function outputObjects(
  settings: S3DestinationSettings,
  flowName: string,
  executionId: string,
  at: Date,
  batches: readonly FlowRecord[][],
): OutputObject[] {
  const format = settings.S3OutputFormatConfig ?? {};
  const fileType = format.FileType ?? 'JSON';
  if (fileType !== 'JSON' && fileType !== 'CSV') throw new Error(`FileType ${fileType} is not written locally`);
  const prefixConfig = format.PrefixConfig;
  const inPath = prefixConfig?.PrefixType === 'PATH' || prefixConfig?.PrefixType === 'PATH_AND_FILENAME';
  const inName = prefixConfig?.PrefixType === 'FILENAME' || prefixConfig?.PrefixType === 'PATH_AND_FILENAME';
  const hierarchy = prefixConfig ? (prefixConfig.PathPrefixHierarchy ?? []) : ['EXECUTION_ID'];
  const folders = [
    settings.BucketPrefix,
    flowName,
    inPath ? datePath(prefixConfig?.PrefixFormat, at, '/') : undefined,
    ...hierarchy.map((h) => (h === 'EXECUTION_ID' ? executionId : `schemaVersion_${1}`)),
  ].filter((p): p is string => p !== undefined && p !== '');
  const namePrefix = inName ? `${datePath(prefixConfig?.PrefixFormat ?? 'MINUTE', at, '-')}-` : '';
  const typed = format.PreserveSourceDataTyping === true;
  const asWritten = (r: FlowRecord): FlowRecord =>
    typed
      ? r
      : Object.fromEntries(
          Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)]),
        );
  const serialize = (records: FlowRecord[]) =>
    fileType === 'CSV' ? writeCsv(records.map(asWritten)) : writeJsonLines(records.map(asWritten));

  let files: FlowRecord[][];
  if (format.AggregationConfig?.AggregationType === 'SingleFile') {
    const all = batches.flat();
    const limit = (format.AggregationConfig.TargetFileSize ?? 0) * 1024 * 1024;
    files = [];
    let current: FlowRecord[] = [];
    let size = 0;
    for (const record of all) {
      const bytes = Buffer.byteLength(serialize([record]));
      if (limit > 0 && current.length > 0 && size + bytes > limit) {
        files.push(current);
        current = [];
        size = 0;
      }
      current.push(record);
      size += bytes;
    }
    files.push(current);
  } else files = [...batches];
  return files
    .filter((records) => records.length > 0)
    .map((records, n) => ({
      key: `${folders.join('/')}/${namePrefix}part-${String(n).padStart(5, '0')}.${fileType === 'CSV' ? 'csv' : 'json'}`,
      body: serialize(records),
      records: records.length,
    }));
}
