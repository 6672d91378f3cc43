/**
 * Records in the formats AppFlow reads from and writes to Amazon S3: CSV with a header row, and JSON
 * Lines (one object per line). A record is a plain object of field values; a CSV value is a string,
 * an empty CSV value is null (a missing value, as VALIDATE_NON_NULL sees it).
 */

/** A record's fields, in the order they were read or written. */
export type FlowRecord = Record<string, unknown>;

/** A source file AppFlow cannot read: the run fails with this message. */
export class RecordFormatError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'RecordFormatError';
  }
}

/** Splits CSV text into rows of fields (RFC 4180: quoted fields, doubled quotes, CRLF or LF). */
function csvRows(text: string, where: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i += 1;
    } else field += c;
    i += 1;
  }
  if (quoted) throw new RecordFormatError(`${where}: a quoted CSV field is not closed`);
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** The records of a CSV file: its first row names the fields (AppFlow requires a header row). */
export function readCsv(text: string, where: string): FlowRecord[] {
  const [header, ...rows] = csvRows(text.replace(/^\uFEFF/, ''), where);
  if (!header) return [];
  if (header.some((name) => name.trim() === '')) throw new RecordFormatError(`${where}: the header row has an empty field name`);
  return rows.map((row, n) => {
    if (row.length !== header.length) {
      throw new RecordFormatError(`${where}: row ${n + 2} has ${row.length} fields, the header ${header.length}`);
    }
    return Object.fromEntries(header.map((name, k) => [name, row[k] === '' ? null : row[k]]));
  });
}

/** The records of a JSON Lines file: one JSON object per non-empty line. */
export function readJsonLines(text: string, where: string): FlowRecord[] {
  const records: FlowRecord[] = [];
  for (const [n, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new RecordFormatError(`${where}: line ${n + 1} is not JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RecordFormatError(`${where}: line ${n + 1} is not a JSON object`);
    }
    records.push(value as FlowRecord);
  }
  return records;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text with a header row: every field any record has, in first-seen order; null is empty. */
export function writeCsv(records: readonly FlowRecord[]): string {
  const fields: string[] = [];
  for (const record of records) for (const name of Object.keys(record)) if (!fields.includes(name)) fields.push(name);
  const lines = [fields.map(csvField).join(','), ...records.map((r) => fields.map((f) => csvField(r[f])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** JSON Lines text: one object per line. */
export function writeJsonLines(records: readonly FlowRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}
