// A real S3 server for tests, started by the tests themselves (and so by CI): s3rver 3.7.1 (pure
// JavaScript, objects on disk) on 127.0.0.1, behind the fault proxy that adds what it lacks
// (s3-fault-proxy.ts, ADR 0012). Tests talk to the proxy's URL with the official AWS SDK.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { type S3FaultProxy, startS3FaultProxy } from './s3-fault-proxy.js';

/** s3rver's built-in account. */
export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

export interface LocalS3 {
  /** The proxy's URL: what S3_ENDPOINT points at. */
  endpoint: string;
  /** s3rver itself, without the proxy (no fault injection, no multipart listing). */
  directEndpoint: string;
  region: string;
  /** s3rver's directory: `<dir>/<bucket>/<key>._S3rver_object`. */
  dir: string;
  proxy: S3FaultProxy;
  /**
   * Environment for audio-extract and the AWS SDK: the s3rver credentials through the SDK's standard
   * variables, S3_ENDPOINT, S3_REGION, path-style addressing and STORAGE_URL for `bucket`/`prefix`.
   */
  env(bucket: string, prefix?: string): Record<string, string>;
  close(): Promise<void>;
}

export async function startLocalS3(options: { buckets: string[]; region?: string }): Promise<LocalS3> {
  const region = options.region ?? 'us-east-1';
  const dir = await mkdtemp(path.join(tmpdir(), 'ae-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  const address = (await server.run()) as AddressInfo;
  const directEndpoint = `http://127.0.0.1:${address.port}`;
  const proxy = await startS3FaultProxy({
    upstream: directEndpoint,
    storeDir: dir,
    accessKeyId: S3_ACCESS_KEY_ID,
    secretAccessKey: S3_SECRET_ACCESS_KEY,
    region,
  });
  return {
    endpoint: proxy.url,
    directEndpoint,
    region,
    dir,
    proxy,
    env: (bucket, prefix = '') => ({
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
      // No instance-metadata probing (a second of timeouts) when a test leaves credentials out.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      S3_ENDPOINT: proxy.url,
      S3_REGION: region,
      S3_FORCE_PATH_STYLE: 'true',
      STORAGE_URL: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
    }),
    close: async () => {
      await proxy.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
