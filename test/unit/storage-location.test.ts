// STORAGE_URL and the S3 settings: what is accepted, what is refused (with a reason), and the key layout
// in the bucket, which mirrors the local folders.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/schema.js';
import { describeLocation, parseStorageUrl, storageLocation } from '../../src/config/storage-url.js';
import { formatBytes } from '../../src/lib/bytes.js';
import { audioKey, dayFileKey, dayPrefix, probeKey, stagingKey } from '../../src/storage/s3/keys.js';
import { hostTag } from '../../src/storage/temp-names.js';

describe('parseStorageUrl', () => {
  it.each([
    ['file:///var/lib/audio-extract/audio', { kind: 'file', root: '/var/lib/audio-extract/audio' }],
    ['file:///srv/audio/', { kind: 'file', root: '/srv/audio' }],
    ['s3://recordings', { kind: 's3', bucket: 'recordings', prefix: '' }],
    ['s3://recordings/', { kind: 's3', bucket: 'recordings', prefix: '' }],
    [
      's3://recordings/audio-extract/prod',
      { kind: 's3', bucket: 'recordings', prefix: 'audio-extract/prod' },
    ],
    ['s3://my.bucket-1/a//b/', { kind: 's3', bucket: 'my.bucket-1', prefix: 'a/b' }],
  ])('%s', (url, expected) => {
    expect(parseStorageUrl(url)).toEqual(expected);
  });

  it.each([
    ['/var/lib/audio', /file:\/\/\/absolute\/path or s3:\/\/bucket\/prefix/],
    ['https://bucket.s3.amazonaws.com/x', /must start with file:\/\/ or s3:\/\//],
    ['s3://AKIA:secret@recordings/x', /must not carry credentials/],
    ['s3://Recordings_Upper/x', /not a valid bucket name/],
    ['s3://ab/x', /not a valid bucket name/],
    ['s3://recordings:9000/x', /S3_ENDPOINT/],
    ['s3://recordings/a/../b', /prefix segment/],
    ['s3://recordings/a b', /prefix segment/],
    ['s3://recordings/x?versionId=1', /query string/],
    ['file://host/share/audio', /no host/],
    ['file:///', /filesystem root/],
  ])('refuses %s', (url, reason) => {
    expect(() => parseStorageUrl(url)).toThrow(reason);
  });

  it('defaults to DATA_DIR/audio, and describes a location without credentials', () => {
    expect(storageLocation({ DATA_DIR: '/data' })).toEqual({ kind: 'file', root: '/data/audio' });
    expect(describeLocation({ kind: 'file', root: '/data/audio' })).toBe('file:///data/audio');
    expect(describeLocation({ kind: 's3', bucket: 'b', prefix: '' })).toBe('s3://b');
    expect(describeLocation({ kind: 's3', bucket: 'b', prefix: 'p/q' })).toBe('s3://b/p/q');
  });
});

describe('config: the object storage variables', () => {
  it('parses a MinIO setup', () => {
    const c = parseConfig({
      STORAGE_URL: 's3://recordings/ae',
      S3_ENDPOINT: 'http://127.0.0.1:9000/',
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: 'TRUE',
    });
    expect(c).toMatchObject({
      STORAGE_URL: 's3://recordings/ae',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'us-east-1',
      S3_FORCE_PATH_STYLE: true,
    });
    expect(parseConfig({}).S3_FORCE_PATH_STYLE).toBe(false);
    expect(parseConfig({}).STORAGE_URL).toBeUndefined();
  });

  it('names each bad variable, and never echoes credentials put in a URL', () => {
    let message = '';
    try {
      parseConfig({
        STORAGE_URL: 's3://AKIAXXXX:topsecret@bucket/p',
        S3_ENDPOINT: 'http://user:pass@minio:9000',
        S3_REGION: 'US EAST',
        S3_FORCE_PATH_STYLE: 'maybe',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/STORAGE_URL .*must not carry credentials/);
    expect(message).toMatch(/S3_ENDPOINT .*without credentials/);
    expect(message).toMatch(/S3_REGION .*us-east-1/);
    expect(message).toMatch(/S3_FORCE_PATH_STYLE .*true or false/);
    expect(message).not.toMatch(/topsecret|AKIAXXXX|pass@/);
  });
});

describe('S3 key layout', () => {
  it('mirrors the local folders', () => {
    expect(dayPrefix('ae/prod', '2024-01-31')).toBe('ae/prod/2024-01-31/');
    expect(dayPrefix('', '2024-01-31')).toBe('2024-01-31/');
    expect(audioKey('ae', '2024-01-31', 'c_r.ogg')).toBe('ae/2024-01-31/c_r.ogg');
    expect(dayFileKey('ae', '2024-01-31', 'manifest.jsonl')).toBe('ae/2024-01-31/manifest.jsonl');
    expect(dayFileKey('ae', '2024-01-31', '_SUCCESS')).toBe('ae/2024-01-31/_SUCCESS');
    // A key of this writer's own: this machine, this process, a nonce.
    const staging = new RegExp(
      `^ae/2024-01-31/\\.incomplete/c_r\\.wav\\.${hostTag()}-${process.pid}-[0-9a-f]{8}$`,
    );
    expect(stagingKey('ae', '2024-01-31', 'c_r.wav')).toMatch(staging);
    expect(stagingKey('ae', '2024-01-31', 'c_r.wav')).not.toBe(stagingKey('ae', '2024-01-31', 'c_r.wav'));
    expect(probeKey('', '1-2')).toBe('.audio-extract-probe-1-2');
  });

  it('refuses dates and names that would leave the day', () => {
    expect(() => dayPrefix('ae', '2024-01-31/..')).toThrow(/YYYY-MM-DD/);
    expect(() => audioKey('ae', '2024-01-31', '../x.ogg')).toThrow(/unsafe file name/);
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [999, '999 bytes'],
    [1000, '1.0 kB'],
    [1_234_567, '1.2 MB'],
    [176e9, '176.0 GB'],
    [5.3e12, '5.3 TB'],
  ])('%d → %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});
