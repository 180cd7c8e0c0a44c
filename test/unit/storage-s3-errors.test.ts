// How an S3 failure is told to the operator: one error class and code per cause, a message that names
// the cause and the fix, and never a credential. The errors are the SDK's own exception classes.
import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ConfigError, EnvironmentError } from '../../src/lib/errors.js';
import { describeS3Error, isBodilessRefusal, type S3Context } from '../../src/storage/s3/errors.js';

const ctx: S3Context = {
  operation: 'PutObject',
  bucket: 'recordings',
  key: 'audio/2024-01-31/c_r.ogg',
  endpoint: 'https://minio.example.com',
  region: 'us-east-1',
};

function s3Error(name: string, status: number, extra: Record<string, unknown> = {}): S3ServiceException {
  return Object.assign(
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status, attempts: 3, requestId: 'REQ123' },
      message: `the server said ${name}`,
    }),
    extra,
  );
}
const network = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

describe('describeS3Error', () => {
  const cases: [string, unknown, S3Context, typeof ConfigError | typeof EnvironmentError, string, RegExp][] =
    [
      [
        'no credentials anywhere',
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
        ctx,
        ConfigError,
        'CONFIG_INVALID',
        /no AWS credentials found for s3:\/\/recordings: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/,
      ],
      ['no region', new Error('Region is missing'), ctx, ConfigError, 'CONFIG_INVALID', /set S3_REGION/],
      [
        'unknown access key',
        s3Error('InvalidAccessKeyId', 403),
        ctx,
        ConfigError,
        'CONFIG_INVALID',
        /check AWS_ACCESS_KEY_ID/,
      ],
      [
        'wrong secret',
        s3Error('SignatureDoesNotMatch', 403, { AWSAccessKeyId: 'AKIASECRETKEYID', StringToSign: 'AWS4…' }),
        ctx,
        ConfigError,
        'CONFIG_INVALID',
        /SignatureDoesNotMatch.*check AWS_SECRET_ACCESS_KEY/,
      ],
      [
        'expired session',
        s3Error('ExpiredToken', 400),
        ctx,
        ConfigError,
        'CONFIG_INVALID',
        /refresh the credentials/,
      ],
      [
        'missing bucket',
        new NoSuchBucket({
          $metadata: { httpStatusCode: 404 },
          message: 'The specified bucket does not exist',
        }),
        ctx,
        ConfigError,
        'CONFIG_INVALID',
        /bucket "recordings" does not exist at https:\/\/minio\.example\.com: create it, or fix the bucket name in STORAGE_URL/,
      ],
      [
        'missing bucket, seen by a HEAD',
        s3Error('NotFound', 404),
        { ...ctx, operation: 'HeadBucket' },
        ConfigError,
        'CONFIG_INVALID',
        /bucket "recordings" does not exist/,
      ],
      [
        'wrong region (301 with the bucket region header)',
        s3Error('Unknown', 301, { $response: { headers: { 'x-amz-bucket-region': 'eu-west-1' } } }),
        ctx,
        ConfigError,
        'CONFIG_INVALID',
        /is in region eu-west-1, but requests are signed for us-east-1: set S3_REGION=eu-west-1/,
      ],
      [
        'wrong region (AuthorizationHeaderMalformed with Region)',
        s3Error('AuthorizationHeaderMalformed', 400, { Region: 'sa-east-1' }),
        ctx,
        ConfigError,
        'CONFIG_INVALID',
        /set S3_REGION=sa-east-1/,
      ],
      [
        'permission missing',
        s3Error('AccessDenied', 403),
        { ...ctx, operation: 'AbortMultipartUpload' },
        EnvironmentError,
        'STORAGE_ACCESS_DENIED',
        /refused AbortMultipartUpload on s3:\/\/recordings\/audio\/2024-01-31\/c_r\.ogg \(AccessDenied\): grant the credentials in use s3:AbortMultipartUpload/,
      ],
      [
        'endpoint down',
        network('ECONNREFUSED'),
        ctx,
        EnvironmentError,
        'STORAGE_UNREACHABLE',
        /cannot reach S3 at https:\/\/minio\.example\.com \(ECONNREFUSED during PutObject\): check S3_ENDPOINT/,
      ],
      ['DNS', network('ENOTFOUND'), ctx, EnvironmentError, 'STORAGE_UNREACHABLE', /ENOTFOUND/],
      [
        'silent socket',
        Object.assign(new Error('the request socket timed out'), { name: 'TimeoutError' }),
        ctx,
        EnvironmentError,
        'STORAGE_UNREACHABLE',
        /TimeoutError during PutObject/,
      ],
      [
        'throttled after every retry',
        s3Error('SlowDown', 503),
        ctx,
        EnvironmentError,
        'STORAGE_UNAVAILABLE',
        /kept failing PutObject .*\(503 SlowDown after 3 attempts, request id REQ123\).*run again later/,
      ],
      [
        'anything else S3 refuses',
        s3Error('EntityTooLarge', 400),
        ctx,
        EnvironmentError,
        'STORAGE_FAILED',
        /refused PutObject .*\(400 EntityTooLarge, request id REQ123\)/,
      ],
    ];

  it.each(cases)('%s', (_, error, context, type, code, message) => {
    const out = describeS3Error(error, context);
    expect(out).toBeInstanceOf(type);
    expect(out).toMatchObject({ code });
    expect((out as Error).message).toMatch(message);
    // The SDK error (which may carry the access key id and the signed string) is not kept.
    expect((out as Error).cause).toBeUndefined();
    expect((out as Error).message).not.toMatch(/AKIA|AWS4…|the server said/);
  });

  it('leaves errors that are not S3 failures alone', () => {
    const bug = new TypeError('x is not a function');
    expect(describeS3Error(bug, ctx)).toBe(bug);
  });

  it('a refused HEAD (no body, so no code) is recognised for a closer look', () => {
    expect(isBodilessRefusal(s3Error('Unknown', 403))).toBe(true);
    expect(isBodilessRefusal(s3Error('AccessDenied', 403))).toBe(false);
    expect(isBodilessRefusal(s3Error('NotFound', 404))).toBe(false);
  });
});
