// Run as a child process by the storage tests, which SIGKILL it in the middle of an upload: it streams an
// endless recording (1 MiB every 10 ms) into the store STORAGE_URL names, for the day in WRITE_DATE, and
// prints "writing" once it has started.
import { Readable } from 'node:stream';
import { parseConfig } from '../../src/config/schema.js';
import { openStorage } from '../../src/storage/storage.js';

const storage = await openStorage(parseConfig(process.env));
const chunk = Buffer.alloc(1024 * 1024, 7);
const body = new Readable({
  read() {
    setTimeout(() => this.push(chunk), 10);
  },
});
process.stdout.write('writing\n');
await storage.writeAudio({
  processDate: process.env.WRITE_DATE ?? '2024-01-31',
  fileName: process.env.WRITE_FILE ?? 'killed_recording.wav',
  body,
});
