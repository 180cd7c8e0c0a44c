// A thin proxy in front of the local S3 server (s3rver 3.7.1) that adds what the product relies on and
// s3rver lacks (ADR 0012), and injects faults:
// - SigV4 signature verification (s3rver checks only the access key id, so a wrong secret would pass);
// - ListMultipartUploads, ListParts and AbortMultipartUpload (s3rver answers 501, the object, and 405),
//   done on s3rver's own upload folders (<dir>/<bucket>/._S3rver_uploads/<uploadId>/{key,metadata,<part>…});
// - the bucket's region: x-amz-bucket-region on HeadBucket, and AWS's 301 PermanentRedirect when a
//   request is signed for another region;
// - faults on chosen requests: 500 InternalError, 503 SlowDown, or a dropped connection.
// Everything else goes to s3rver unchanged (same Host header, so signatures still match there).
import { createHash, createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type S3Operation =
  | 'HeadBucket'
  | 'ListObjectsV2'
  | 'ListMultipartUploads'
  | 'ListParts'
  | 'PutObject'
  | 'CopyObject'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'HeadObject'
  | 'GetObject'
  | 'DeleteObject'
  | 'Other';

export type S3Fault = 'internal-error' | 'slow-down' | 'drop';

export interface S3FaultRule {
  operation: S3Operation;
  fault: S3Fault;
  /** Hit only these matching requests, counted from 1 since the rule was added (default: every one). */
  nth?: number[];
  /** Only requests whose key contains this. */
  keyIncludes?: string;
  /** Only this part of a multipart upload (UploadPart). */
  partNumber?: number;
}

export interface S3Exchange {
  operation: S3Operation;
  method: string;
  bucket: string;
  key: string;
  partNumber?: number;
  status: number;
  fault?: S3Fault;
}

export interface S3FaultProxy {
  url: string;
  /** Every request, in the order they were answered. */
  journal: S3Exchange[];
  /** Faults to inject; add and remove freely while tests run. */
  faults: S3FaultRule[];
  /**
   * At most this many faults on one request (its operation, key and part): a rule's `nth` hit that
   * falls on a request which had them all goes to the next matching request instead. The SDK tries a
   * request 3 times, so 2 makes every fault one it survives, whatever order concurrent requests take.
   * Default: no limit.
   */
  maxFaultsPerRequest: number;
  close(): Promise<void>;
}

export interface S3FaultProxyOptions {
  /** s3rver's URL. */
  upstream: string;
  /** s3rver's `directory`. */
  storeDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The region every bucket is in. */
  region: string;
}

export function classify(
  method: string,
  key: string,
  query: URLSearchParams,
  headers: http.IncomingHttpHeaders,
) {
  const bucketLevel = key === '';
  if (method === 'HEAD') return bucketLevel ? 'HeadBucket' : 'HeadObject';
  if (method === 'GET' && bucketLevel) {
    if (query.has('uploads')) return 'ListMultipartUploads';
    if (query.get('list-type') === '2') return 'ListObjectsV2';
    return 'Other';
  }
  if (method === 'GET' && query.has('uploadId')) return 'ListParts';
  if (method === 'GET') return 'GetObject';
  if (method === 'PUT' && query.has('uploadId')) return 'UploadPart';
  if (method === 'PUT') return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
  if (method === 'DELETE' && !bucketLevel) return 'DeleteObject';
  return 'Other';
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function errorXml(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${fields}</Error>`;
}

/** RFC 3986 encoding, as SigV4 wants it for query names and values. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Why the SigV4 Authorization header does not verify, or undefined when it does. */
export function signatureProblem(
  method: string,
  rawUrl: string,
  headers: http.IncomingHttpHeaders,
  secretAccessKey: string,
): string | undefined {
  const auth = String(headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return 'the Authorization header is not a SigV4 header';
  const [, , date, region, service, signedHeaders, signature] = m as unknown as string[];
  const [rawPath, rawQuery = ''] = rawUrl.split('?', 2) as [string, string?];
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [k, v = ''] = pair.split('=', 2) as [string, string?];
      return [encode(decodeURIComponent(k)), encode(decodeURIComponent(v.replace(/\+/g, '%20')))] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names
    .map((n) => {
      const v = headers[n];
      const value = Array.isArray(v) ? v.join(',') : String(v ?? '');
      return `${n}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const canonical = [
    method,
    rawPath,
    query,
    canonicalHeaders,
    signedHeaders,
    String(headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD'),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = [
    'AWS4-HMAC-SHA256',
    String(headers['x-amz-date'] ?? ''),
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, date!), region!), service!),
    'aws4_request',
  );
  const expected = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return expected === signature ? undefined : 'the signature does not match';
}

interface UploadInfo {
  key: string;
  uploadId: string;
  initiated: Date;
}

async function uploadsOf(storeDir: string, bucket: string): Promise<UploadInfo[]> {
  const dir = path.join(storeDir, bucket, '._S3rver_uploads');
  let ids: string[];
  try {
    ids = await readdir(dir);
  } catch {
    return [];
  }
  const out: UploadInfo[] = [];
  for (const uploadId of ids) {
    try {
      const key = await readFile(path.join(dir, uploadId, 'key'), 'utf8');
      const st = await stat(path.join(dir, uploadId, 'key'));
      out.push({ key, uploadId, initiated: st.mtime });
    } catch {
      // an upload being created or completed right now
    }
  }
  return out.sort((a, b) => (a.key === b.key ? (a.uploadId < b.uploadId ? -1 : 1) : a.key < b.key ? -1 : 1));
}

function listUploadsXml(bucket: string, query: URLSearchParams, all: UploadInfo[]): string {
  const prefix = query.get('prefix') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const idMarker = query.get('upload-id-marker') ?? '';
  const max = Math.min(Number(query.get('max-uploads') ?? 1000) || 1000, 1000);
  const after = all.filter(
    (u) =>
      u.key.startsWith(prefix) &&
      (keyMarker === '' ||
        u.key > keyMarker ||
        (u.key === keyMarker && idMarker !== '' && u.uploadId > idMarker)),
  );
  const page = after.slice(0, max);
  const truncated = after.length > page.length;
  const last = page[page.length - 1];
  const uploads = page
    .map(
      (u) =>
        `<Upload><Key>${xmlEscape(u.key)}</Key><UploadId>${u.uploadId}</UploadId>` +
        `<Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Bucket>${xmlEscape(bucket)}</Bucket><KeyMarker>${xmlEscape(keyMarker)}</KeyMarker>` +
    `<UploadIdMarker>${xmlEscape(idMarker)}</UploadIdMarker><Prefix>${xmlEscape(prefix)}</Prefix>` +
    `<MaxUploads>${max}</MaxUploads><IsTruncated>${truncated}</IsTruncated>` +
    (truncated && last
      ? `<NextKeyMarker>${xmlEscape(last.key)}</NextKeyMarker><NextUploadIdMarker>${last.uploadId}</NextUploadIdMarker>`
      : '') +
    `${uploads}</ListMultipartUploadsResult>`
  );
}

interface PartInfo {
  number: number;
  size: number;
  modified: Date;
  etag: string;
}

/** The parts s3rver stored for an upload: `<n>` with its bytes and `<n>.md5`. */
async function partsOf(uploadDir: string): Promise<PartInfo[]> {
  const out: PartInfo[] = [];
  for (const name of await readdir(uploadDir).catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const st = await stat(path.join(uploadDir, name));
      const md5 = await readFile(path.join(uploadDir, `${name}.md5`), 'utf8').catch(() => '');
      out.push({ number: Number(name), size: st.size, modified: st.mtime, etag: md5.trim() });
    } catch {
      // a part being written right now
    }
  }
  return out.sort((a, b) => a.number - b.number);
}

/** One page with every part (the product's uploads have far fewer than the 1,000 a page holds). */
function listPartsXml(bucket: string, upload: UploadInfo, parts: PartInfo[]): string {
  const items = parts
    .map(
      (p) =>
        `<Part><PartNumber>${p.number}</PartNumber><LastModified>${p.modified.toISOString()}</LastModified>` +
        `<ETag>"${p.etag}"</ETag><Size>${p.size}</Size></Part>`,
    )
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
    `<Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(upload.key)}</Key><UploadId>${upload.uploadId}</UploadId>` +
    `<PartNumberMarker>0</PartNumberMarker><MaxParts>1000</MaxParts><IsTruncated>false</IsTruncated>` +
    `${items}</ListPartsResult>`
  );
}

export async function startS3FaultProxy(options: S3FaultProxyOptions): Promise<S3FaultProxy> {
  const upstream = new URL(options.upstream);
  const journal: S3Exchange[] = [];
  const faults: S3FaultRule[] = [];
  const seen = new Map<S3FaultRule, number>();
  /** `nth` hits of a rule not injected yet (their request was at maxFaultsPerRequest) */
  const owed = new Map<S3FaultRule, number>();
  /** faults injected per request identity */
  const faulted = new Map<string, number>();
  // url and close are set once the server listens
  const proxy: S3FaultProxy = {
    url: '',
    journal,
    faults,
    maxFaultsPerRequest: Number.POSITIVE_INFINITY,
    close: async () => {},
  };
  const agent = new http.Agent({ keepAlive: true });

  const server = http.createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://proxy');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const operation = classify(method, key, url.searchParams, req.headers);
    const partNumber = url.searchParams.has('partNumber')
      ? Number(url.searchParams.get('partNumber'))
      : undefined;
    const record = (status: number, fault?: S3Fault) =>
      journal.push({ operation, method, bucket, key, partNumber, status, ...(fault ? { fault } : {}) });
    const answer = (status: number, body: string, headers: Record<string, string> = {}, fault?: S3Fault) => {
      req.resume();
      record(status, fault);
      const payload = method === 'HEAD' ? '' : body;
      res.writeHead(status, {
        'content-type': 'application/xml',
        'content-length': String(Buffer.byteLength(payload)),
        ...headers,
      });
      res.end(payload);
    };

    const credential = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    if (credential) {
      if (credential[1] !== options.accessKeyId) {
        return answer(
          403,
          errorXml('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'),
        );
      }
      if (credential[2] !== options.region && bucket) {
        return answer(
          301,
          errorXml(
            'PermanentRedirect',
            'The bucket you are attempting to access must be addressed using the specified endpoint.',
            {
              Bucket: bucket,
            },
          ),
          { 'x-amz-bucket-region': options.region },
        );
      }
      if (signatureProblem(method, rawUrl, req.headers, options.secretAccessKey)) {
        return answer(
          403,
          errorXml(
            'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
          ),
        );
      }
    }

    // Every matching rule counts the request; the first one that picks it injects its fault.
    const identity = `${operation} ${key} ${partNumber ?? ''}`;
    const open = (faulted.get(identity) ?? 0) < proxy.maxFaultsPerRequest;
    let rule: S3FaultRule | undefined;
    for (const r of faults) {
      if (r.operation !== operation || (r.keyIncludes && !key.includes(r.keyIncludes))) continue;
      if (r.partNumber !== undefined && r.partNumber !== partNumber) continue;
      const n = (seen.get(r) ?? 0) + 1;
      seen.set(r, n);
      if (!r.nth) {
        if (!rule && open) rule = r;
        continue;
      }
      const due = (owed.get(r) ?? 0) + (r.nth.includes(n) ? 1 : 0);
      if (!rule && open && due > 0) {
        rule = r;
        owed.set(r, due - 1);
      } else owed.set(r, due);
    }
    if (rule) faulted.set(identity, (faulted.get(identity) ?? 0) + 1);
    if (rule?.fault === 'drop') {
      record(0, 'drop');
      req.socket.destroy();
      return;
    }
    if (rule?.fault === 'slow-down') {
      return answer(503, errorXml('SlowDown', 'Please reduce your request rate.'), {}, 'slow-down');
    }
    if (rule?.fault === 'internal-error') {
      return answer(
        500,
        errorXml('InternalError', 'We encountered an internal error. Please try again.'),
        {},
        'internal-error',
      );
    }

    if (
      operation === 'ListMultipartUploads' ||
      operation === 'ListParts' ||
      operation === 'AbortMultipartUpload'
    ) {
      if (!existsSync(path.join(options.storeDir, bucket))) {
        return answer(
          404,
          errorXml('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket }),
        );
      }
      void (async () => {
        const uploads = await uploadsOf(options.storeDir, bucket);
        if (operation === 'ListMultipartUploads')
          return answer(200, listUploadsXml(bucket, url.searchParams, uploads));
        const id = url.searchParams.get('uploadId') ?? '';
        const found = uploads.find((u) => u.uploadId === id && u.key === key);
        if (!found)
          return answer(
            404,
            errorXml('NoSuchUpload', 'The specified upload does not exist.', { UploadId: id }),
          );
        if (operation === 'ListParts') {
          const parts = await partsOf(path.join(options.storeDir, bucket, '._S3rver_uploads', id));
          return answer(200, listPartsXml(bucket, found, parts));
        }
        await rm(path.join(options.storeDir, bucket, '._S3rver_uploads', id), {
          recursive: true,
          force: true,
        });
        return answer(204, '');
      })().catch((e: unknown) => answer(500, errorXml('InternalError', String(e))));
      return;
    }

    const up = http.request(
      { host: upstream.hostname, port: upstream.port, method, path: rawUrl, headers: req.headers, agent },
      (upRes) => {
        record(upRes.statusCode ?? 0);
        const headers = { ...upRes.headers };
        if (operation === 'HeadBucket' && upRes.statusCode === 200)
          headers['x-amz-bucket-region'] = options.region;
        res.writeHead(upRes.statusCode ?? 502, headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.on('aborted', () => up.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  proxy.url = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      agent.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
