// Starts bench/emulator-process.ts as a child process (one fresh emulator per scenario, same seed, so
// every scenario sees the same day and its own empty journal and rate-limit window) and talks to its
// control port.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { CompactEntry, DayMix, DownloadableRecording } from './types.js';

export interface EmulatorKnobs {
  seed: string;
  conversationsPerDay: number;
  ratePerMinute: number;
  latencyMs: { mean: number; jitter: number };
  batchJobDurationMs: { min: number; max: number };
  audioBytes: { min: number; max: number };
}

export interface BenchEmulator {
  url: string;
  /** the emulator process' pid (the scale-out scenario reads its CPU time) */
  pid: number | undefined;
  queueIds: string[];
  journal(): Promise<CompactEntry[]>;
  day(date: string, queues: readonly string[]): Promise<DayMix>;
  downloadable(date: string, queues: readonly string[]): Promise<DownloadableRecording[]>;
  /** builds the local days around `date` in the emulator, so the timed run does not pay for it */
  warm(date: string): Promise<{ conversations: number; ms: number }>;
  stop(): Promise<void>;
}

export async function startEmulatorProcess(k: EmulatorKnobs, cwd: string): Promise<BenchEmulator> {
  const args = [
    '--import',
    'tsx',
    'bench/emulator-process.ts',
    '--seed',
    k.seed,
    '--conversations-per-day',
    String(k.conversationsPerDay),
    '--rate-limit',
    String(k.ratePerMinute),
    '--latency-mean',
    String(k.latencyMs.mean),
    '--latency-jitter',
    String(k.latencyMs.jitter),
    '--batch-min',
    String(k.batchJobDurationMs.min),
    '--batch-max',
    String(k.batchJobDurationMs.max),
    '--audio-min',
    String(k.audioBytes.min),
    '--audio-max',
    String(k.audioBytes.max),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => String(l)),
    once(child, 'exit').then(([code]) => {
      throw new Error(`emulator process exited (${String(code)}) before listening: ${stderr}`);
    }),
  ]);
  const info = JSON.parse(first) as { url: string; control: string; queueIds: string[] };
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${info.control}${path}`);
    if (!res.ok) throw new Error(`emulator control ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const q = (date: string, queues: readonly string[]) =>
    `date=${encodeURIComponent(date)}&queues=${encodeURIComponent(queues.join(','))}`;
  return {
    url: info.url,
    pid: child.pid,
    queueIds: info.queueIds,
    journal: () => get<CompactEntry[]>('/journal'),
    day: (date, queues) => get<DayMix>(`/day?${q(date, queues)}`),
    downloadable: (date, queues) => get<DownloadableRecording[]>(`/downloadable?${q(date, queues)}`),
    warm: (date) => get<{ conversations: number; ms: number }>(`/warm?date=${encodeURIComponent(date)}`),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
