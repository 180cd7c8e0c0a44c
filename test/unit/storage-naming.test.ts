import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, EnvironmentError } from '../../src/lib/errors.js';
import { resolveInside, safeSegment } from '../../src/lib/paths.js';
import { dayFolder } from '../../src/storage/day.js';
import { mapFsError } from '../../src/storage/fs-errors.js';
import { dayLocationOf, extensionFor, fileNameFor } from '../../src/storage/index.js';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('safeSegment', () => {
  it.each([
    '5f1c2a9e-0d3b-4c1e-9a7f-1b2c3d4e5f60',
    '2024-01-31',
    'rec.1_a',
    '..hidden-but-harmless',
    'a'.repeat(128),
  ])('accepts the Genesys-style id %s', (id) => {
    expect(safeSegment('recording id', id)).toBe(id);
  });

  it.each([['../x'], ['a/b'], ['a\\b'], [''], ['.'], ['..'], ['a b'], ['x\0y'], ['a'.repeat(129)], ['ñ']])(
    'rejects %j so a remote id can never escape the data directory',
    (id) => {
      expect(() => safeSegment('conversation id', id)).toThrowError(
        expect.objectContaining({ code: 'UNSAFE_PATH' }),
      );
    },
  );

  it('names the kind and shows a truncated value in the error', () => {
    const long = `../${'z'.repeat(300)}`;
    let err: unknown;
    try {
      safeSegment('recording id', long);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const msg = (err as Error).message;
    expect(msg).toContain('recording id');
    expect(msg).toContain('"../zzz');
    expect(msg.length).toBeLessThan(250);
  });
});

describe('resolveInside', () => {
  const root = path.resolve('/data/root');
  it('resolves nested segments inside the root', () => {
    expect(resolveInside(root, 'audio', '2024-01-31')).toBe(path.join(root, 'audio', '2024-01-31'));
    expect(resolveInside(root)).toBe(root);
  });
  it.each([['..'], ['../sibling'], ['a/../../b'], ['/etc/passwd']])('refuses %j', (seg) => {
    expect(() => resolveInside(root, seg)).toThrowError(expect.objectContaining({ code: 'UNSAFE_PATH' }));
  });
});

describe('dayFolder', () => {
  it('is <root>/<YYYY-MM-DD>', () => {
    expect(dayFolder('/srv/data/audio', '2024-01-31')).toBe(path.resolve('/srv/data/audio/2024-01-31'));
  });
  it('rejects anything that is not a date', () => {
    expect(() => dayFolder('/srv/data/audio', '../2024')).toThrowError(/YYYY-MM-DD/);
  });
});

describe('extensionFor', () => {
  it.each([
    ['audio/wav', 'wav'],
    ['audio/x-wav', 'wav'],
    ['audio/wave', 'wav'],
    ['AUDIO/WAV', 'wav'],
    ['audio/ogg', 'ogg'],
    ['audio/ogg; codecs=opus', 'ogg'],
    ['audio/opus', 'opus'],
    ['audio/webm', 'webm'],
    ['audio/mpeg', 'mp3'],
    ['audio/mp3', 'mp3'],
    ['application/json', 'json'],
    ['application/octet-stream', 'bin'],
    ['', 'bin'],
    [null, 'bin'],
    [undefined, 'bin'],
  ])('%s → %s', (type, ext) => {
    expect(extensionFor(type)).toBe(ext);
  });
});

describe('fileNameFor', () => {
  it('is <conversationId>_<recordingId>.<ext>', () => {
    expect(fileNameFor({ conversationId: 'c-1', recordingId: 'r-2', contentType: 'audio/ogg' })).toBe(
      'c-1_r-2.ogg',
    );
  });
  it.each([['../x'], ['a/b'], ['']])('rejects the unsafe id %j', (bad) => {
    expect(() => fileNameFor({ conversationId: bad, recordingId: 'r', contentType: null })).toThrowError(
      /conversation id/,
    );
    expect(() => fileNameFor({ conversationId: 'c', recordingId: bad, contentType: null })).toThrowError(
      /recording id/,
    );
  });
});

describe('mapFsError', () => {
  it.each([['ENOSPC'], ['EDQUOT']])('%s becomes DISK_FULL with what to do', (code) => {
    const e = mapFsError(errno(code), '/srv/data/audio/2024-01-31');
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e).toMatchObject({ code: 'DISK_FULL' });
    expect((e as Error).message).toMatch(
      /disk full writing \/srv\/data\/audio\/2024-01-31: free space and run again; finished files are kept/,
    );
  });
  it.each([['EACCES'], ['EPERM'], ['EROFS'], ['ENOTDIR']])('%s becomes DATA_DIR_NOT_WRITABLE', (code) => {
    const e = mapFsError(errno(code), '/srv/data');
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e).toMatchObject({ code: 'DATA_DIR_NOT_WRITABLE' });
    expect((e as Error).message).toContain('DATA_DIR');
  });
  it('leaves other errors untouched', () => {
    const original = errno('EIO');
    expect(mapFsError(original, '/x')).toBe(original);
  });
});

describe('dayLocationOf (what status and the logs show, without opening a storage)', () => {
  it('is the date folder under a local root', () => {
    expect(dayLocationOf({ kind: 'file', root: '/srv/audio' }, '2026-12-01')).toBe('/srv/audio/2026-12-01');
  });
  it('is an s3:// URL ending in a slash, with or without a prefix', () => {
    expect(dayLocationOf({ kind: 's3', bucket: 'calls', prefix: 'a/b' }, '2026-12-01')).toBe(
      's3://calls/a/b/2026-12-01/',
    );
    expect(dayLocationOf({ kind: 's3', bucket: 'calls', prefix: '' }, '2026-12-01')).toBe(
      's3://calls/2026-12-01/',
    );
  });
  it('refuses a date that is not YYYY-MM-DD, for either kind', () => {
    expect(() => dayLocationOf({ kind: 'file', root: '/srv/audio' }, '../etc')).toThrow(/YYYY-MM-DD/);
    expect(() => dayLocationOf({ kind: 's3', bucket: 'calls', prefix: '' }, '2026-1-1')).toThrow(
      /YYYY-MM-DD/,
    );
  });
});
