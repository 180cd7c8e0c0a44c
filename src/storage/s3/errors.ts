// An S3 failure an operator can fix becomes one error naming the cause and the fix: wrong or missing
// credentials, a missing bucket and a wrong region are configuration (ConfigError, exit 2); a refused
// permission, an unreachable endpoint or a server that keeps failing stop the run (EnvironmentError,
// exit 1) and the next run resumes. The SDK's own message and error object are not kept: a
// SignatureDoesNotMatch error carries the access key id and the string that was signed.
import { ConfigError, EnvironmentError } from '../../lib/errors.js';

export interface S3Context {
  /** The S3 operation, as the SDK names it without "Command": PutObject, UploadPart, … */
  operation: string;
  bucket: string;
  key?: string;
  /** Who was asked, for the message: S3_ENDPOINT, or "AWS S3". */
  endpoint: string;
  /** The region requests were signed for, when known. */
  region?: string;
}

/** The IAM action each operation needs (README lists them all). */
const PERMISSION: Record<string, string> = {
  PutObject: 's3:PutObject',
  CreateMultipartUpload: 's3:PutObject',
  UploadPart: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject',
  MultipartUpload: 's3:PutObject and s3:AbortMultipartUpload',
  CopyObject: 's3:GetObject and s3:PutObject',
  AbortMultipartUpload: 's3:AbortMultipartUpload',
  ListMultipartUploads: 's3:ListBucketMultipartUploads',
  ListParts: 's3:ListMultipartUploadParts',
  HeadObject: 's3:GetObject (and s3:ListBucket, or S3 answers 403 for a missing object)',
  GetObject: 's3:GetObject',
  DeleteObject: 's3:DeleteObject',
  ListObjectsV2: 's3:ListBucket',
  HeadBucket: 's3:ListBucket',
};

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
]);
const BAD_KEY = new Set(['InvalidAccessKeyId']);
const BAD_SECRET = new Set(['SignatureDoesNotMatch']);
const BAD_TOKEN = new Set(['ExpiredToken', 'InvalidToken', 'TokenRefreshRequired']);
const DENIED = new Set(['AccessDenied', 'Forbidden', 'AllAccessDisabled']);
const WRONG_REGION = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed']);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  Region?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
}

function fields(e: unknown): SdkErrorShape {
  return e !== null && typeof e === 'object' ? (e as SdkErrorShape) : {};
}

/** The region S3 says the bucket is in (301 and AuthorizationHeaderMalformed answers carry it). */
export function bucketRegionOf(e: unknown): string | undefined {
  const f = fields(e);
  const header = f.$response?.headers?.['x-amz-bucket-region'];
  if (typeof header === 'string' && header) return header;
  if (typeof f.Region === 'string' && f.Region) return f.Region;
  return undefined;
}

/** A 400 or 403 answer without an S3 error code: what a HEAD request gets, its body being empty. */
export function isBodilessRefusal(e: unknown): boolean {
  const f = fields(e);
  const status = f.$metadata?.httpStatusCode;
  return (
    (status === 400 || status === 403) &&
    (f.name === 'Unknown' || f.name === 'Forbidden' || f.name === 'BadRequest')
  );
}

function target(ctx: S3Context): string {
  return `s3://${ctx.bucket}${ctx.key ? `/${ctx.key}` : ''}`;
}

/**
 * The operator-facing error for an SDK failure during `ctx.operation`. Errors that are not S3 failures
 * (a bug, a stream error of the caller's) are returned as they are.
 */
export function describeS3Error(e: unknown, ctx: S3Context): unknown {
  const f = fields(e);
  const name = typeof f.name === 'string' ? f.name : 'Error';
  const code = typeof f.code === 'string' ? f.code : undefined;
  const status = f.$metadata?.httpStatusCode;
  const at = ctx.endpoint;

  if (name === 'CredentialsProviderError') {
    return new ConfigError(
      `no AWS credentials found for ${target({ ...ctx, key: undefined })}: set AWS_ACCESS_KEY_ID and ` +
        'AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role (the AWS SDK reads them; they are never set in audio-extract)',
    );
  }
  if (typeof f.message === 'string' && /Region is missing/.test(f.message)) {
    return new ConfigError(
      "no region for S3: set S3_REGION (AWS: the bucket's region, for example eu-west-1; MinIO and Ceph: us-east-1 unless configured otherwise)",
    );
  }
  if (BAD_KEY.has(name)) {
    return new ConfigError(
      `S3 at ${at} does not know the access key in use (InvalidAccessKeyId): check AWS_ACCESS_KEY_ID or AWS_PROFILE`,
    );
  }
  if (BAD_SECRET.has(name)) {
    return new ConfigError(
      `S3 at ${at} rejected the request signature (SignatureDoesNotMatch): the secret key does not belong to the ` +
        'access key in use; check AWS_SECRET_ACCESS_KEY or AWS_PROFILE',
    );
  }
  if (BAD_TOKEN.has(name)) {
    return new ConfigError(
      `S3 at ${at} refused the session token (${name}): refresh the credentials (AWS_SESSION_TOKEN, aws sso login, the role)`,
    );
  }
  const actual = bucketRegionOf(e);
  if (WRONG_REGION.has(name) || status === 301) {
    return new ConfigError(
      actual
        ? `bucket "${ctx.bucket}" is in region ${actual}, but requests are signed for ${ctx.region ?? 'another region'}: set S3_REGION=${actual}`
        : `bucket "${ctx.bucket}" is not in region ${ctx.region ?? '(unset)'} (${name}): set S3_REGION to the bucket's region`,
    );
  }
  if (name === 'NoSuchBucket' || (status === 404 && ctx.operation === 'HeadBucket')) {
    return new ConfigError(
      `bucket "${ctx.bucket}" does not exist at ${at}: create it, or fix the bucket name in STORAGE_URL`,
    );
  }
  if (DENIED.has(name) || status === 403) {
    const permission = PERMISSION[ctx.operation] ?? `the permission for ${ctx.operation}`;
    return new EnvironmentError(
      'STORAGE_ACCESS_DENIED',
      `S3 at ${at} refused ${ctx.operation} on ${target(ctx)} (${name}): grant the credentials in use ${permission} ` +
        `on arn:aws:s3:::${ctx.bucket}/* (README lists every permission audio-extract needs); run again to resume`,
    );
  }
  if ((code && NETWORK.has(code)) || name === 'TimeoutError' || name === 'RequestTimeout') {
    return new EnvironmentError(
      'STORAGE_UNREACHABLE',
      `cannot reach S3 at ${at} (${code ?? name} during ${ctx.operation}): check S3_ENDPOINT, the network and ` +
        'that the server is up; run again to resume',
    );
  }
  if (status !== undefined && status >= 500) {
    const attempts = f.$metadata?.attempts;
    return new EnvironmentError(
      'STORAGE_UNAVAILABLE',
      `S3 at ${at} kept failing ${ctx.operation} on ${target(ctx)} (${status} ${name}` +
        `${attempts ? ` after ${attempts} attempts` : ''}${f.$metadata?.requestId ? `, request id ${f.$metadata.requestId}` : ''}): ` +
        'it is overloaded or down; run again later to resume (AWS_MAX_ATTEMPTS raises the retries)',
    );
  }
  if (status !== undefined) {
    return new EnvironmentError(
      'STORAGE_FAILED',
      `S3 at ${at} refused ${ctx.operation} on ${target(ctx)} (${status} ${name}` +
        `${f.$metadata?.requestId ? `, request id ${f.$metadata.requestId}` : ''})`,
    );
  }
  return e;
}
