// The files beside a day's audio, in both stores (a local directory, and s3rver behind the fault proxy
// through the official AWS SDK): manifest.jsonl, manifest.csv and the _SUCCESS marker. What a user would
// notice if these failed: a manifest in another order or with other bytes for the same day, a CSV that
// does not read back to the manifest's records or that runs a formula in a spreadsheet, a marker that
// appears before the files it vouches for, or a re-run that rewrites a day that did not change.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DayFileStore } from '../../src/storage/day-files.js';
import { publishDay } from '../../src/storage/day-files.js';
import { localDayFiles } from '../../src/storage/day-files-local.js';
import { LocalStorage } from '../../src/storage/local.js';
import { type ManifestLine, sortManifestLines } from '../../src/storage/manifest.js';
import { S3Storage } from '../../src/storage/s3/storage.js';
import type { AudioStorage } from '../../src/storage/storage.js';
import { readManifestCsv } from '../support/manifest-csv.js';
import { type LocalS3, startLocalS3 } from '../support/s3-server.js';

const DAY = '2024-01-31';
const BUCKET = 'days';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function line(overrides: Partial<ManifestLine>): ManifestLine {
  return {
    conversationId: 'c-1',
    recordingId: 'r-1',
    queueId: 'q-1',
    queueIds: ['q-1'],
    agentUserIds: ['u-1'],
    conversationStart: '2024-01-31T10:00:00.000Z',
    conversationEnd: '2024-01-31T10:05:00.000Z',
    durationMs: 300_000,
    direction: 'inbound',
    contentType: 'audio/ogg',
    file: 'c-1_r-1.ogg',
    bytes: 1234,
    sha256: 'a'.repeat(64),
    status: 'downloaded',
    reason: null,
    // Every field the report writes (issue 17), with what makes a CSV cell hard: accents, commas,
    // quotes, a formula-looking note, nulls inside lists.
    queueName: 'Atención al Cliente',
    queueNames: ['Atención al Cliente'],
    agentNames: ['Rosa Quispe Mamani'],
    agentManagerIds: [null],
    agentManagerNames: [null],
    wrapUpCodes: ['w-1', 'ININ-WRAP-UP-TIMEOUT'],
    wrapUpNames: ['Reclamo, "urgente"', null],
    wrapUpNotes: ['=HYPERLINK("x")', null],
    recordingStart: null,
    recordingEnd: '2024-01-31T10:04:59.000Z',
    ani: null,
    dnis: null,
    ...overrides,
  };
}

let s3: LocalS3;
let root: string;
let n = 0;
beforeAll(async () => {
  s3 = await startLocalS3({ buckets: [BUCKET] });
  // The SDK's standard chain reads the credentials.
  for (const [k, v] of Object.entries(s3.env(BUCKET))) vi.stubEnv(k, v);
  root = await mkdtemp(path.join(tmpdir(), 'ae-day-files-'));
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.close();
  await rm(root, { recursive: true, force: true });
});

interface Store {
  storage: AudioStorage;
  /** The bytes of one of the day's files as the store holds them, or undefined. */
  bytesOf(name: string): Promise<Buffer | undefined>;
  /** Names under the day's folder or prefix (temporary ones included). */
  names(): Promise<string[]>;
}

const stores: Record<string, () => Store> = {
  local: () => {
    const storage = new LocalStorage(path.join(root, `t${++n}`));
    const dir = storage.dayLocation(DAY);
    return {
      storage,
      bytesOf: (name) => readFile(path.join(dir, name)).catch(() => undefined),
      names: async () => (await readdir(dir).catch(() => [] as string[])).sort(),
    };
  },
  s3: () => {
    const prefix = `t${++n}`;
    const storage = new S3Storage({
      location: { kind: 's3', bucket: BUCKET, prefix },
      url: `s3://${BUCKET}/${prefix}`,
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: true,
      timeoutMs: 10_000,
      tuning: { partSize: 5 * 1024 * 1024, queueSize: 2 },
    });
    const client = storage.client;
    return {
      storage,
      bytesOf: async (name) => {
        const { GetObjectCommand } = await import('@aws-sdk/client-s3');
        try {
          const got = await client.send(
            new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${DAY}/${name}` }),
          );
          return Buffer.from(await got.Body!.transformToByteArray());
        } catch {
          return undefined;
        }
      },
      names: async () => {
        const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
        const listed = await client.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/${DAY}/` }),
        );
        return (listed.Contents ?? []).map((o) => o.Key!.slice(`${prefix}/${DAY}/`.length)).sort();
      },
    };
  },
};

const DAY_FILES = ['_SUCCESS', 'manifest.csv', 'manifest.jsonl'];

/** The day files' hashes (comparing megabytes with toEqual takes seconds). */
async function hashes(store: Store): Promise<(string | undefined)[]> {
  return Promise.all(DAY_FILES.map(async (f) => ((b) => b && sha(b))(await store.bytesOf(f))));
}

describe.each(Object.keys(stores))('the day files in the %s store', (kind) => {
  const make = stores[kind]!;

  it('manifest.jsonl: sorted by conversationStart, conversationId, recordingId, in a fixed key order', async () => {
    const { storage, bytesOf } = make();
    const late = line({ conversationId: 'c-3', conversationStart: '2024-01-31T12:00:00.000Z' });
    const earlyB = line({ conversationId: 'c-2', recordingId: 'r-b' });
    const earlyA = line({
      conversationId: 'c-2',
      recordingId: 'r-a',
      status: 'unavailable',
      reason: 'archived',
    });
    // Same start as c-2: the conversation id decides before the recording id does.
    const earlyOther = line({ conversationId: 'c-10', recordingId: 'r-z' });
    const shuffled = Object.fromEntries(Object.entries(late).reverse()) as unknown as ManifestLine;
    await storage.publishDay(DAY, sortManifestLines([shuffled, earlyB, earlyA, earlyOther]));
    expect(await storage.readManifest(DAY)).toEqual([earlyOther, earlyA, earlyB, late]);
    const text = (await bytesOf('manifest.jsonl'))!.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(Object.keys(JSON.parse(text.split('\n')[3]!))).toEqual(Object.keys(line({})));
    await storage.close();
  });

  it('manifest.csv reads back (standard CSV parser) to exactly the records of manifest.jsonl', async () => {
    const { storage, bytesOf } = make();
    const tricky = [
      'Atención, "cliente" molesto',
      'línea uno\nlínea dos\r\ny tres',
      '=HYPERLINK("http://evil.example","clic")',
      '+51 1 555 0100',
      '-2+3+cmd|" /C calc"!A0',
      '@SUM(A1:A9)',
      '\tpestaña',
      '\rretorno',
      "'ya citado",
      '＝１＋１',
      'José Pérez Ñandú — 日本',
    ];
    const lines = sortManifestLines([
      ...tricky.map((reason, i) =>
        line({ conversationId: `c-${i}`, reason, status: 'failed', file: null, bytes: null, sha256: null }),
      ),
      line({
        conversationId: 'c-x',
        recordingId: null,
        queueIds: [],
        agentUserIds: ['u-1', 'u,2'],
        durationMs: null,
      }),
      line({ conversationId: 'c-y', queueIds: ['q-1', 'q-2'], direction: null, conversationEnd: null }),
    ]);
    await storage.publishDay(DAY, lines);
    const csv = (await bytesOf('manifest.csv'))!;
    // UTF-8 with a byte order mark (Excel), CRLF, a header of the manifest's fields in their order.
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const parsed = readManifestCsv(csv);
    expect(parsed.header).toEqual(Object.keys(line({})));
    expect(csv.toString('utf8').split('\r\n')[0]).toBe(`\uFEFF${parsed.header.join(',')}`);
    expect(parsed.lines).toEqual(await storage.readManifest(DAY));
    expect(parsed.lines).toEqual(lines);
    // No cell a spreadsheet would evaluate: text never starts with = + - @ (or their full-width forms),
    // a tab or a carriage return; numbers are numbers.
    for (const row of parsed.rows) {
      for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r＝＋－＠]/);
    }
    expect(parsed.rows.map((r) => r[parsed.header.indexOf('reason')])).toContain(
      `'=HYPERLINK("http://evil.example","clic")`,
    );
    await storage.close();
  });

  it('_SUCCESS comes last and names both files by size and SHA-256; lines per status', async () => {
    const { storage, bytesOf, names } = make();
    const lines = [
      line({ conversationId: 'c-1' }),
      line({ conversationId: 'c-2', status: 'pending', reason: 'still uploading', file: null }),
      line({ conversationId: 'c-3' }),
    ];
    const published = await storage.publishDay(DAY, lines);
    expect(published).toMatchObject({ changed: true, lines: 3 });
    expect(await names()).toEqual(DAY_FILES);
    const [jsonl, csv] = [(await bytesOf('manifest.jsonl'))!, (await bytesOf('manifest.csv'))!];
    const marker = JSON.parse((await bytesOf('_SUCCESS'))!.toString('utf8'));
    expect(marker).toEqual({
      processDate: DAY,
      lines: 3,
      statuses: { downloaded: 2, pending: 1 },
      files: {
        'manifest.jsonl': { bytes: jsonl.length, sha256: sha(jsonl) },
        'manifest.csv': { bytes: csv.length, sha256: sha(csv) },
      },
    });
    expect(await storage.readMarker(DAY)).toEqual(marker);
    await storage.close();
  });

  it('a re-run with the same lines writes nothing; with other lines it rewrites all three', async () => {
    const store = make();
    const { storage, bytesOf } = store;
    const lines = [line({ conversationId: 'c-1' }), line({ conversationId: 'c-2' })];
    await storage.publishDay(DAY, lines);
    const before = await hashes(store);
    s3.proxy.journal.length = 0;
    expect((await storage.publishDay(DAY, lines)).changed).toBe(false);
    if (kind === 's3') {
      const writes = s3.proxy.journal.filter((j) => !['HeadObject', 'GetObject'].includes(j.operation));
      expect(writes).toEqual([]);
    }
    expect(await hashes(store)).toEqual(before);

    const changed = [...lines, line({ conversationId: 'c-3' })];
    expect((await storage.publishDay(DAY, changed)).changed).toBe(true);
    expect(await storage.readManifest(DAY)).toEqual(changed);
    expect(readManifestCsv((await bytesOf('manifest.csv'))!).lines).toEqual(changed);
    expect((await storage.readMarker(DAY))?.lines).toBe(3);
    await storage.close();
  });

  it('an invalid or out-of-order line leaves all three as they were, and nothing temporary', async () => {
    const store = make();
    const { storage, names } = store;
    const lines = Array.from({ length: 3000 }, (_, i) =>
      line({ conversationId: `c-${String(i).padStart(5, '0')}`, recordingId: `r-${i}` }),
    );
    await storage.publishDay(DAY, lines);
    const before = await hashes(store);
    await expect(storage.publishDay(DAY, [lines[1]!, lines[0]!])).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringMatching(/entry 1 \(c-00000\/r-0\) is out of order/),
    });
    const bad = line({ status: 'done' as ManifestLine['status'] });
    await expect(storage.publishDay(DAY, [bad])).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    const failing = (async function* () {
      yield lines[0]!;
      throw new Error('the database went away');
    })();
    await expect(storage.publishDay(DAY, failing)).rejects.toThrow('the database went away');
    expect(await names()).toEqual(DAY_FILES);
    expect(await hashes(store)).toEqual(before);
    expect(await storage.readManifest(DAY)).toHaveLength(3000);
    await storage.close();
  });

  it('an empty day has an empty manifest, a CSV with its header only, and a marker', async () => {
    const { storage, bytesOf } = make();
    await storage.publishDay(DAY, []);
    expect((await bytesOf('manifest.jsonl'))!.length).toBe(0);
    expect(readManifestCsv((await bytesOf('manifest.csv'))!)).toMatchObject({ rows: [], lines: [] });
    expect(await storage.readMarker(DAY)).toMatchObject({ lines: 0, statuses: {} });
    expect(await storage.readManifest('2024-01-01')).toEqual([]);
    expect(await storage.openDayFile('2024-01-01', 'manifest.jsonl')).toBeUndefined();
    await storage.close();
  });
});

describe('the order a downstream reader can rely on', () => {
  it('the marker is removed before the manifest changes and written after both files (local)', async () => {
    const dir = path.join(root, 'ordered');
    const real = localDayFiles(dir);
    const events: string[] = [];
    // The real local store, with each step that changes what a reader sees written down as it happens.
    const observed: DayFileStore = {
      ...real,
      remove: async (date, name) => {
        events.push(`remove ${name}`);
        await real.remove(date, name);
      },
      stage: async (date, name, chunks) => {
        const staged = await real.stage(date, name, chunks);
        return {
          ...staged,
          commit: async () => {
            events.push(`commit ${name}`);
            await staged.commit();
          },
        };
      },
    };
    await publishDay(observed, DAY, [line({})]);
    await publishDay(observed, DAY, [line({}), line({ conversationId: 'c-2' })]);
    const once = ['remove _SUCCESS', 'commit manifest.jsonl', 'commit manifest.csv', 'commit _SUCCESS'];
    expect(events).toEqual([...once, ...once]);
    expect((await readdir(path.join(dir, DAY))).sort()).toEqual(DAY_FILES);
  });

  it('S3: DeleteObject _SUCCESS, PutObject manifest.jsonl, manifest.csv, then _SUCCESS', async () => {
    const { storage } = stores.s3!();
    await storage.publishDay(DAY, [line({})]);
    s3.proxy.journal.length = 0;
    await storage.publishDay(DAY, [line({}), line({ conversationId: 'c-2' })]);
    const writes = s3.proxy.journal
      .filter((j) => ['PutObject', 'DeleteObject', 'CopyObject'].includes(j.operation))
      .map((j) => `${j.operation} ${j.key.split('/').pop()}`);
    expect(writes).toEqual([
      'DeleteObject _SUCCESS',
      'PutObject manifest.jsonl',
      'PutObject manifest.csv',
      'PutObject _SUCCESS',
    ]);
    await storage.close();
  });

  it('S3: a manifest longer than one part is staged under a key of its own and copied into place', async () => {
    const { storage, bytesOf, names } = stores.s3!();
    // ~6 MB of lines: more than the 5 MiB part size these tests use.
    const lines = Array.from({ length: 9000 }, (_, i) =>
      line({ conversationId: `c-${String(i).padStart(5, '0')}`, reason: 'x'.repeat(600), status: 'failed' }),
    );
    s3.proxy.journal.length = 0;
    await storage.publishDay(DAY, lines);
    const staged = s3.proxy.journal.filter((j) => j.operation === 'CreateMultipartUpload');
    expect(staged.map((j) => j.key.split('/').slice(-2).join('/'))).toEqual([
      expect.stringMatching(/^\.incomplete\/manifest\.jsonl\.[0-9a-f]{8}-\d+-[0-9a-f]{8}$/),
      expect.stringMatching(/^\.incomplete\/manifest\.csv\.[0-9a-f]{8}-\d+-[0-9a-f]{8}$/),
    ]);
    expect(await names()).toEqual(DAY_FILES);
    expect(readManifestCsv((await bytesOf('manifest.csv'))!).lines).toEqual(lines);
    await storage.close();
  });

  it('a failure between the files leaves no marker, and the next publication completes the day', async () => {
    const { storage, names } = stores.s3!();
    await storage.publishDay(DAY, [line({})]);
    // Every attempt of the CSV's PutObject fails (the SDK tries 3 times).
    s3.proxy.faults.push({ operation: 'PutObject', fault: 'internal-error', keyIncludes: 'manifest.csv' });
    const changed = [line({}), line({ conversationId: 'c-2' })];
    await expect(storage.publishDay(DAY, changed)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    s3.proxy.faults.length = 0;
    expect(await names()).toEqual(['manifest.csv', 'manifest.jsonl']);
    expect(await storage.readMarker(DAY)).toBeUndefined();
    await storage.publishDay(DAY, changed);
    expect(await names()).toEqual(DAY_FILES);
    expect(await storage.readMarker(DAY)).toMatchObject({ lines: 2 });
    await storage.close();
  });

  it('the manifest is written out as its lines come, not held until the end (local)', async () => {
    const storage = new LocalStorage(path.join(root, 'streamed'));
    const dir = storage.dayLocation(DAY);
    const lines = Array.from({ length: 3000 }, (_, i) =>
      line({ conversationId: `c-${String(i).padStart(5, '0')}`, recordingId: `r-${i}` }),
    );
    let onDiskBeforeCommit = 0;
    await storage.publishDay(
      DAY,
      (async function* () {
        yield* lines;
        // 3,000 lines are about 1 MB; all but the last chunk must be in the temporary file by now.
        const tmp = (await readdir(dir)).find((f) => f.startsWith('manifest.jsonl.') && f.endsWith('.tmp'));
        onDiskBeforeCommit = tmp ? (await readFile(path.join(dir, tmp))).length : 0;
      })(),
    );
    expect(onDiskBeforeCommit).toBeGreaterThan(500_000);
  });

  it('a marker left from before, not naming these bytes, is replaced (and one that does not parse too)', async () => {
    const storage = new LocalStorage(path.join(root, 'stale-marker'));
    await storage.publishDay(DAY, [line({})]);
    await writeFile(path.join(storage.dayLocation(DAY), '_SUCCESS'), '{"cut short":');
    expect((await storage.publishDay(DAY, [line({})])).changed).toBe(true);
    expect(await storage.readMarker(DAY)).toMatchObject({ lines: 1 });
  });
});
