// The one S3 client of a storage instance. Credentials and, when S3_REGION is unset, the region come
// from the AWS SDK's standard chain (environment, profile, SSO, container or instance role); we pass
// only what our own settings say.
import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** S3_ENDPOINT (MinIO, Ceph, a local server); unset for AWS (or AWS_ENDPOINT_URL_S3, which the SDK reads). */
  endpoint?: string;
  /** S3_REGION; unset leaves it to AWS_REGION or the profile. */
  region?: string;
  forcePathStyle: boolean;
  /** HTTP_TIMEOUT_MS: a socket with no traffic for this long fails (and the SDK retries the request). */
  timeoutMs: number;
}

export function createS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
    forcePathStyle: options.forcePathStyle,
    // A wrong S3_REGION must surface (doctor names the right one), not be followed silently.
    followRegionRedirects: false,
    requestHandler: {
      connectionTimeout: Math.min(options.timeoutMs, 10_000),
      // Idle time, not total time: a 16 MB part over a slow link may take minutes but is never silent.
      socketTimeout: options.timeoutMs,
    },
  });
}
