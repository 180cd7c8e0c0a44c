// Bandwidth reference: the same recordings, fetched as fast as plain parallel HTTP allows. Batches for
// every downloadable recording are submitted and awaited first (not timed as download), then every
// resultUrl is streamed to a file in a temp dir with N fetches in flight. Nothing is verified, hashed
// or recorded: this is the ceiling our download stage is compared with.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { DownloadableRecording } from './types.js';

export interface PlainDownloadResult {
  files: number;
  bytes: number;
  /** first download start → last download end */
  downloadMs: number;
  mbPerSecond: number;
  parallel: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collectUrls(baseUrl: string, items: DownloadableRecording[]): Promise<string[]> {
  const basic = Buffer.from('emulator:emulator').toString('base64');
  const tokenRes = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  const headers = { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' };
  const jobIds: string[] = [];
  for (let i = 0; i < items.length; i += 100) {
    const res = await fetch(`${baseUrl}/api/v2/recording/batchrequests`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ batchDownloadRequestList: items.slice(i, i + 100) }),
    });
    if (!res.ok) throw new Error(`plain: batch submit ${res.status} ${await res.text()}`);
    jobIds.push(((await res.json()) as { id: string }).id);
  }
  const urls: string[] = [];
  let open = [...jobIds];
  while (open.length > 0) {
    await sleep(1000);
    const still: string[] = [];
    for (const id of open) {
      const res = await fetch(`${baseUrl}/api/v2/recording/batchrequests/${id}`, { headers });
      if (!res.ok) throw new Error(`plain: batch poll ${res.status} ${await res.text()}`);
      const s = (await res.json()) as {
        expectedResultCount?: number;
        resultCount?: number;
        results?: { resultUrl?: string }[];
      };
      if (s.expectedResultCount !== s.resultCount) still.push(id);
      else for (const r of s.results ?? []) if (r.resultUrl) urls.push(r.resultUrl);
    }
    open = still;
  }
  return urls;
}

export async function runPlainDownload(
  baseUrl: string,
  items: DownloadableRecording[],
  parallel: number,
): Promise<PlainDownloadResult> {
  const urls = await collectUrls(baseUrl, items);
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-plain-'));
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < urls.length; i = next++) {
      const res = await fetch(urls[i]!);
      if (!res.ok || !res.body) throw new Error(`plain: download ${res.status}`);
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      await pipeline(body, createWriteStream(path.join(dir, `${i}.wav`)));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const downloadMs = performance.now() - started;
  await rm(dir, { recursive: true, force: true });
  return { files: urls.length, bytes, downloadMs, mbPerSecond: bytes / 1e6 / (downloadMs / 1000), parallel };
}
