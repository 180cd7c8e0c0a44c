import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ManifestLine, readManifest, streamManifest, writeManifest } from '../../src/storage/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'audio-extract-manifest-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

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
    ...overrides,
  };
}

describe('manifest.jsonl', () => {
  it('round-trips, sorted by conversationStart, then conversationId, then recordingId', async () => {
    const late = line({ conversationId: 'c-3', conversationStart: '2024-01-31T12:00:00.000Z' });
    const earlyB = line({ conversationId: 'c-2', recordingId: 'r-b' });
    const earlyA = line({
      conversationId: 'c-2',
      recordingId: 'r-a',
      status: 'unavailable',
      file: null,
      bytes: null,
      sha256: null,
      contentType: null,
      queueId: null,
      reason: 'recording archived',
    });
    // Same start as c-2: the conversation id decides before the recording id does.
    const earlyOther = line({ conversationId: 'c-10', recordingId: 'r-z' });
    await writeManifest(dir, [late, earlyB, earlyA, earlyOther]);
    expect(await readManifest(dir)).toEqual([earlyOther, earlyA, earlyB, late]);
  });

  it('streams a large manifest in order and refuses a line out of order, keeping the old manifest', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) =>
      line({ conversationId: `c-${String(i).padStart(5, '0')}`, recordingId: `r-${i}` }),
    );
    let onDiskBeforeCommit = 0;
    await streamManifest(
      dir,
      (async function* () {
        yield* lines;
        // Written out in chunks as it goes, not held until the end (3,000 lines are about 1 MB).
        onDiskBeforeCommit = (await readFile(path.join(dir, 'manifest.jsonl.tmp'))).length;
      })(),
    );
    expect(onDiskBeforeCommit).toBeGreaterThan(500_000);
    expect(await readManifest(dir)).toEqual(lines);

    await expect(streamManifest(dir, [lines[1]!, lines[0]!])).rejects.toMatchObject({
      code: 'MANIFEST_INVALID',
      message: expect.stringMatching(/entry 1 \(c-00000\/r-0\) is out of order/),
    });
    expect(await readdir(dir)).toEqual(['manifest.jsonl']);
    expect(await readManifest(dir)).toHaveLength(3000);
  });

  it('writes one object per line with a stable key order, whatever order the caller used', async () => {
    const shuffled = Object.fromEntries(Object.entries(line({})).reverse()) as unknown as ManifestLine;
    await writeManifest(dir, [shuffled]);
    const text = await readFile(path.join(dir, 'manifest.jsonl'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const rows = text.trimEnd().split('\n');
    expect(rows).toHaveLength(1);
    expect(Object.keys(JSON.parse(rows[0]!))).toEqual([
      'conversationId',
      'recordingId',
      'queueId',
      'queueIds',
      'agentUserIds',
      'conversationStart',
      'conversationEnd',
      'durationMs',
      'direction',
      'contentType',
      'file',
      'bytes',
      'sha256',
      'status',
      'reason',
    ]);
  });

  it('is byte-identical when rewritten with the same lines', async () => {
    const lines = [line({ recordingId: 'r-2' }), line({ recordingId: 'r-1' })];
    await writeManifest(dir, lines);
    const a = await readFile(path.join(dir, 'manifest.jsonl'));
    await writeManifest(dir, [...lines].reverse());
    expect((await readFile(path.join(dir, 'manifest.jsonl'))).equals(a)).toBe(true);
  });

  it('replaces the whole file atomically and leaves no .tmp behind', async () => {
    await writeFile(path.join(dir, 'manifest.jsonl.tmp'), 'garbage from a crash');
    await writeManifest(dir, [line({})]);
    await writeManifest(dir, [line({ recordingId: 'r-9' })]);
    expect(await readdir(dir)).toEqual(['manifest.jsonl']);
    expect((await readManifest(dir)).map((l) => l.recordingId)).toEqual(['r-9']);
  });

  it('refuses to write an invalid line and keeps the previous manifest', async () => {
    await writeManifest(dir, [line({})]);
    const bad = line({ status: 'done' as ManifestLine['status'] });
    await expect(writeManifest(dir, [bad])).rejects.toMatchObject({ code: 'MANIFEST_INVALID' });
    expect(await readManifest(dir)).toEqual([line({})]);
    expect(await readdir(dir)).toEqual(['manifest.jsonl']);
  });

  it('reads an absent manifest as empty and a corrupt one as MANIFEST_INVALID with the line number', async () => {
    expect(await readManifest(dir)).toEqual([]);
    await writeFile(path.join(dir, 'manifest.jsonl'), `${JSON.stringify(line({}))}\n{not json\n`);
    await expect(readManifest(dir)).rejects.toThrow(/line 2/);
  });

  it('writes an empty manifest for a day without recordings', async () => {
    await writeManifest(dir, []);
    expect(await readFile(path.join(dir, 'manifest.jsonl'), 'utf8')).toBe('');
    expect(await readManifest(dir)).toEqual([]);
  });
});
