// manifest.csv's columns and cells: taken from the manifest line's schema (a field added there gets its
// column), flattened, and never something a spreadsheet would evaluate.

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { manifestLineSchema } from '../../src/storage/manifest.js';
import { cellOf, csvColumns, csvHeader, csvRow, neutralise } from '../../src/storage/manifest-csv.js';

describe('csvColumns', () => {
  it("are the manifest line's fields, in order", () => {
    expect(csvColumns(manifestLineSchema).map((c) => c.name)).toEqual(Object.keys(manifestLineSchema.shape));
  });

  it('flatten objects into dotted columns and keep lists whole, whatever is added to the schema', () => {
    const schema = z.object({
      id: z.string(),
      agent: z.object({ name: z.string().nullable(), manager: z.object({ name: z.string() }).nullable() }),
      wrapUps: z.array(z.object({ code: z.string(), name: z.string() })),
      score: z.number().optional(),
      redacted: z.boolean(),
      kind: z.enum(['a', 'b']),
    });
    expect(csvColumns(schema).map((c) => [c.name, c.kind, c.nullable])).toEqual([
      ['id', 'text', false],
      ['agent.name', 'text', true],
      ['agent.manager.name', 'text', false],
      ['wrapUps', 'json', false],
      ['score', 'number', true],
      ['redacted', 'boolean', false],
      ['kind', 'text', false],
    ]);
    const columns = csvColumns(schema);
    expect(csvHeader(columns)).toBe('id,agent.name,agent.manager.name,wrapUps,score,redacted,kind');
    expect(
      csvRow(columns, {
        id: 'x',
        agent: { name: 'Pérez, Ana', manager: null },
        wrapUps: [{ code: 'w1', name: 'Venta "cerrada"' }],
        redacted: false,
        kind: 'a',
      }),
    ).toBe('x,"Pérez, Ana",,"[{""code"":""w1"",""name"":""Venta \\""cerrada\\""""}]",,false,a');
  });
});

describe('cells', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+51 1 555 0100', "'+51 1 555 0100"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ["'already", "''already"],
    ['＝1', "'＝1"],
    ['plain text', 'plain text'],
    ['a=b', 'a=b'],
    ['', ''],
  ])('text %j is written %j', (text, cell) => {
    expect(neutralise(text)).toBe(cell);
  });

  it.each([
    [null, 'text', ''],
    [undefined, 'number', ''],
    [-5, 'number', '-5'],
    [1.5, 'number', '1.5'],
    [true, 'boolean', 'true'],
    [['q1', 'q2'], 'json', '["q1","q2"]'],
    [[], 'json', '[]'],
  ] as const)('%j as %s is %j', (value, kind, cell) => {
    expect(cellOf(value, kind)).toBe(cell);
  });
});
