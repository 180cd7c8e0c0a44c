// manifest.csv read the way a downstream program would: parsed by a standard CSV parser (csv-parse), then
// each cell turned back into its field by the rules README documents (empty = null, a leading ' added
// against formula injection dropped, lists as JSON, dotted columns as nested objects).
import { parse } from 'csv-parse/sync';
import { type ManifestLine, manifestLineSchema } from '../../src/storage/manifest.js';
import { csvColumns } from '../../src/storage/manifest-csv.js';

export interface ParsedCsv {
  header: string[];
  /** The cells as the parser gave them (what a spreadsheet shows, before any decoding). */
  rows: string[][];
  lines: ManifestLine[];
}

export function readManifestCsv(bytes: Buffer): ParsedCsv {
  const [header = [], ...rows] = parse(bytes, { bom: true, relax_column_count: false }) as string[][];
  const columns = new Map(csvColumns(manifestLineSchema).map((c) => [c.name, c]));
  const lines = rows.map((row) => {
    const line: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const column = columns.get(name);
      if (!column) throw new Error(`manifest.csv has an unknown column ${name}`);
      const cell = row[i]!;
      let value: unknown;
      if (cell === '') value = column.kind === 'text' && !column.nullable ? '' : null;
      else if (column.kind === 'text') value = cell.startsWith("'") ? cell.slice(1) : cell;
      else if (column.kind === 'number') value = Number(cell);
      else if (column.kind === 'boolean') value = cell === 'true';
      else value = JSON.parse(cell);
      let target = line;
      for (const key of column.path.slice(0, -1)) {
        target[key] ??= {};
        target = target[key] as Record<string, unknown>;
      }
      target[column.path.at(-1)!] = value;
    });
    return line as unknown as ManifestLine;
  });
  return { header, rows, lines };
}
