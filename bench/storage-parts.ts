// `npm run bench:storage`: bytes per second into a local S3 server (s3rver 3.7.1, in its own process,
// objects on this machine's disk) through the S3 store, for several part sizes and queue sizes, with 8
// recordings uploading at once as the pipeline does (CONCURRENCY=8); the local store on the same disk
// as a reference. Figures for ADR 0012. Not a test (STYLE §18): it prints, and exits 0 whatever the times.
//
//   npm run bench:storage                       # 24 MB and 1.2 MB recordings, every configuration
//   npm run bench:storage -- --rounds 2 --mb 24
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LocalStorage } from '../src/storage/local.js';
import { S3Storage } from '../src/storage/s3/storage.js';
import type { AudioStorage } from '../src/storage/storage.js';

const MiB = 1024 * 1024;
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    writers: { type: 'string', default: '8' },
    files: { type: 'string', default: '3' },
    mb: { type: 'string', default: '24,1.2' },
    /** internal: measure one configuration in this process (`local` or `<part MiB>,<queue size>`) */
    one: { type: 'string' },
  },
});
const WRITERS = Number(values.writers);
const FILES = Number(values.files);
const ROUNDS = Number(values.rounds);

/** s3rver in a child process, so its CPU and memory are not the uploader's. */
async function startServer(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const script = `const S = require('s3rver');
new S({ address: '127.0.0.1', port: 0, silent: true, directory: process.argv[1], configureBuckets: [{ name: 'bench' }] })
  .run().then((a) => console.log(a.port));`;
  const child = spawn(process.execPath, ['-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => resolve(b.toString().trim()));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** A download as the pipeline sees it: 64 KiB chunks, as fast as they are taken. */
function body(data: Buffer): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) return this.push(null);
      this.push(data.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

interface Figures {
  mbPerSecond: number;
  peakRssMb: number;
}

async function measure(storage: AudioStorage, data: Buffer, tag: string): Promise<Figures> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let f = 0; f < FILES; f++) {
        await storage.writeAudio({
          processDate: '2024-01-31',
          fileName: `${tag}_w${w}_f${f}.wav`,
          body: body(data),
          expectedBytes: data.length,
        });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return { mbPerSecond: (WRITERS * FILES * data.length) / 1e6 / seconds, peakRssMb: peak / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One measurement in a fresh process, so one configuration's memory does not count for the next. */
function inChild(one: string, mb: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--one',
        one,
        '--mb',
        String(mb),
        '--writers',
        String(WRITERS),
        '--files',
        String(FILES),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Figures) : reject(new Error(`${one}: exit ${code}`)),
    );
  });
}

async function measureOne(one: string, mb: number): Promise<Figures> {
  const data = randomBytes(Math.round(mb * 1e6));
  if (one === 'local') {
    const dir = await mkdtemp(path.join(tmpdir(), 'ae-bench-local-'));
    try {
      return await measure(new LocalStorage(dir), data, 'local');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const [partMiB, queueSize] = one.split(',').map(Number) as [number, number];
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dir = await mkdtemp(path.join(tmpdir(), 'ae-bench-s3-'));
  const server = await startServer(dir);
  const storage = new S3Storage({
    location: { kind: 's3', bucket: 'bench', prefix: 'p' },
    url: 's3://bench/p',
    endpoint: server.url,
    region: 'us-east-1',
    forcePathStyle: true,
    timeoutMs: 60_000,
    tuning: { partSize: partMiB * MiB, queueSize },
  });
  try {
    return await measure(storage, data, `p${partMiB}q${queueSize}`);
  } finally {
    await storage.close();
    server.child.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (values.one) {
    process.stdout.write(JSON.stringify(await measureOne(values.one, Number(values.mb))));
    return;
  }
  const configs = ['local', '5,1', '5,2', '5,4', '8,1', '8,2', '8,4', '16,1', '16,2'];
  console.log(
    `node ${process.version}; ${WRITERS} uploads at once, ${FILES} recordings each, median of ${ROUNDS} (peak RSS: the highest)`,
  );
  for (const mb of String(values.mb).split(',').map(Number)) {
    console.log(
      `\n${mb} MB recordings\n| store | part size | queue size | MB/s | peak RSS (MB) |\n|---|---|---|---|---|`,
    );
    for (const one of configs) {
      const figures: Figures[] = [];
      for (let r = 0; r < ROUNDS; r++) figures.push(await inChild(one, mb));
      const speed = median(figures.map((f) => f.mbPerSecond));
      const rss = Math.max(...figures.map((f) => f.peakRssMb));
      const label =
        one === 'local'
          ? '| local disk | – | – '
          : `| S3 (s3rver) | ${one.split(',')[0]} MiB | ${one.split(',')[1]} `;
      console.log(`${label}| ${speed.toFixed(1)} | ${rss.toFixed(0)} |`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
