// Whose temporary file is it, and may the day's cleanup remove it (ADR 0015): the rule as a table.
import { describe, expect, it } from 'vitest';
import {
  hostTag,
  isStale,
  parseTempName,
  type StaleRule,
  type TempName,
  tempName,
} from '../../src/storage/temp-names.js';

describe('temporary names', () => {
  it('carry the final name, this machine, this process and a nonce, and differ for every write', () => {
    const a = tempName('c_r.wav', '.part');
    expect(a).toMatch(new RegExp(`^c_r\\.wav\\.${hostTag()}-${process.pid}-[0-9a-f]{8}\\.part$`));
    expect(tempName('c_r.wav', '.part')).not.toBe(a);
    expect(parseTempName(a, '.part')).toEqual({
      finalName: 'c_r.wav',
      owner: { host: hostTag(), pid: process.pid },
    });
  });

  it.each([
    [
      'c_r.wav.0a1b2c3d-42-deadbeef.part',
      '.part',
      { finalName: 'c_r.wav', owner: { host: '0a1b2c3d', pid: 42 } },
    ],
    [
      'manifest.jsonl.0a1b2c3d-7-00000000.tmp',
      '.tmp',
      { finalName: 'manifest.jsonl', owner: { host: '0a1b2c3d', pid: 7 } },
    ],
    ['c_r.wav.0a1b2c3d-42-deadbeef', '', { finalName: 'c_r.wav', owner: { host: '0a1b2c3d', pid: 42 } }],
    // Written before tags: the final name, no owner.
    ['c_r.wav.part', '.part', { finalName: 'c_r.wav' }],
    ['manifest.jsonl.tmp', '.tmp', { finalName: 'manifest.jsonl' }],
    ['c_r.wav', '', { finalName: 'c_r.wav' }],
    // Not a temporary name of this kind.
    ['c_r.wav', '.part', undefined],
    ['.part', '.part', undefined],
    // A pid of 0 or with leading zeros is not one of ours: read as an untagged name.
    ['c_r.wav.0a1b2c3d-0-deadbeef.part', '.part', { finalName: 'c_r.wav.0a1b2c3d-0-deadbeef' }],
  ])('%j with suffix %j reads as %j', (name, suffix, expected) => {
    expect(parseTempName(name, suffix)).toEqual(expected);
  });
});

describe('isStale: may the day cleanup remove it?', () => {
  // This machine is "aaaaaaaa", where pid 10 runs and pid 20 does not; one minute of idleness is the bound.
  const rule: StaleRule = { host: 'aaaaaaaa', alive: (pid) => pid === 10, idleMs: 60_000 };
  const here = (pid: number): TempName => ({ finalName: 'f', owner: { host: 'aaaaaaaa', pid } });
  const elsewhere: TempName = { finalName: 'f', owner: { host: 'bbbbbbbb', pid: 20 } };
  const untagged: TempName = { finalName: 'f' };

  it.each([
    ['a writer of this machine that is gone', here(20), 0, true],
    ['a live writer of this machine', here(10), 59_000, false],
    ['a live pid of this machine, idle for too long (a reused pid)', here(10), 61_000, true],
    ['a writer of another machine, active', elsewhere, 59_000, false],
    ['a writer of another machine, idle for too long', elsewhere, 61_000, true],
    ['an untagged leftover, recent', untagged, 59_000, false],
    ['an untagged leftover, old', untagged, 61_000, true],
  ])('%s: %s', (_what, temp, idleFor, stale) => {
    expect(isStale(temp, idleFor, rule)).toBe(stale);
  });
});
