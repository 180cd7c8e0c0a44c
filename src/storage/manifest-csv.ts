// manifest.csv: the manifest for people who open it in a spreadsheet. The same lines as manifest.jsonl,
// in the same order, with the same fields flattened into columns. The columns come from the manifest
// line's schema (manifest.ts), so a field added there gets its column without a change here:
// - a field holding an object becomes one column per leaf, named with dots (`agent.name`);
// - text, numbers and true/false are written as they are; null is an empty cell;
// - lists (and anything else) are written as JSON (`["id-1","id-2"]`), which reads back exactly.
// Excel-safe: UTF-8 with a byte order mark (without it Excel reads UTF-8 as the local code page and
// breaks every accent), CRLF line ends and RFC 4180 quoting; a text cell that a spreadsheet would take
// for a formula (it starts with = + - @, their full-width forms, a tab or a carriage return), or that starts with ', gets a
// leading ' (the OWASP advice against CSV injection), which a reader drops to get the text back.
import { z } from 'zod';
import type { ManifestLine } from './manifest.js';

export type CsvKind = 'text' | 'number' | 'boolean' | 'json';

export interface CsvColumn {
  /** The header: the field's path joined with dots. */
  name: string;
  path: string[];
  kind: CsvKind;
  /** Whether the field may be null (an empty cell); a text that may not be null reads '' from one. */
  nullable: boolean;
}

/** The field's type without nullable/optional/default/refinement wrappers, and whether it may be null. */
function unwrap(schema: z.ZodTypeAny): { inner: z.ZodTypeAny; nullable: boolean } {
  let nullable = false;
  for (let s = schema; ; ) {
    if (s instanceof z.ZodNullable || s instanceof z.ZodOptional) {
      nullable = true;
      s = s.unwrap();
    } else if (s instanceof z.ZodDefault) s = s.removeDefault();
    else if (s instanceof z.ZodEffects) s = s.innerType();
    else return { inner: s, nullable };
  }
}

function kindOf(schema: z.ZodTypeAny): CsvKind {
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum || schema instanceof z.ZodNativeEnum)
    return 'text';
  if (schema instanceof z.ZodLiteral) return typeof schema.value === 'string' ? 'text' : 'json';
  if (schema instanceof z.ZodNumber) return 'number';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  return 'json';
}

/** The columns of an object schema, in its key order, objects flattened. */
export function csvColumns(schema: z.ZodObject<z.ZodRawShape>, prefix: string[] = []): CsvColumn[] {
  const out: CsvColumn[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    const { inner, nullable } = unwrap(field);
    const path = [...prefix, key];
    if (inner instanceof z.ZodObject) out.push(...csvColumns(inner, path));
    else out.push({ name: path.join('.'), path, kind: kindOf(inner), nullable });
  }
  return out;
}

// Also the full-width = + - @, which some spreadsheets (Excel in East Asian locales) take as formulas.
const FORMULA_START = /^[=+\-@\t\r'\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text value as a cell that no spreadsheet evaluates. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function quote(cell: string): string {
  return NEEDS_QUOTES.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function valueAt(line: unknown, path: string[]): unknown {
  let v: unknown = line;
  for (const key of path) {
    if (v === null || v === undefined || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** One cell, before quoting. */
export function cellOf(value: unknown, kind: CsvKind): string {
  if (value === null || value === undefined) return '';
  if (kind === 'text' && typeof value === 'string') return neutralise(value);
  if (kind === 'number' && typeof value === 'number') return String(value);
  if (kind === 'boolean' && typeof value === 'boolean') return String(value);
  // JSON text starts with [ { " or a digit: never a formula.
  return JSON.stringify(value);
}

/** One CSV record (without its line end). */
export function csvRow(columns: readonly CsvColumn[], line: unknown): string {
  return columns.map((c) => quote(cellOf(valueAt(line, c.path), c.kind))).join(',');
}

export function csvHeader(columns: readonly CsvColumn[]): string {
  return columns.map((c) => quote(c.name)).join(',');
}

const BOM = '\uFEFF';
const EOL = '\r\n';
/** Characters gathered before a chunk is handed on (mostly ASCII, so about bytes). */
const CHUNK = 64 * 1024;

/** manifest.csv's bytes, 64 KiB at a time, from manifest lines in manifest order. */
export async function* csvChunks(
  columns: readonly CsvColumn[],
  lines: Iterable<ManifestLine> | AsyncIterable<ManifestLine>,
): AsyncGenerator<Buffer> {
  let chunk = `${BOM}${csvHeader(columns)}${EOL}`;
  for await (const line of lines) {
    chunk += `${csvRow(columns, line)}${EOL}`;
    if (chunk.length >= CHUNK) {
      yield Buffer.from(chunk, 'utf8');
      chunk = '';
    }
  }
  if (chunk) yield Buffer.from(chunk, 'utf8');
}
