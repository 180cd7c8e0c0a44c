// The day files (day-files.ts) in a local day folder: staged as `<name>.<writer tag>.tmp`, fsynced,
// then renamed into place, so a reader sees the old file or the new one, never half of one.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDir, TMP_SUFFIX, verifyFile } from './audio-files.js';
import { dayFolder } from './day.js';
import type { DayFileName, DayFileStore, FileDigest, StagedFile } from './day-files.js';
import { errnoCode, mapFsError } from './fs-errors.js';
import { tempName } from './temp-names.js';

export function localDayFiles(root: string): DayFileStore {
  const fileOf = (processDate: string, name: DayFileName) => path.join(dayFolder(root, processDate), name);
  return {
    location: fileOf,

    async stage(processDate, name, chunks): Promise<StagedFile> {
      const dir = dayFolder(root, processDate);
      const file = path.join(dir, name);
      const tmp = path.join(dir, tempName(name, TMP_SUFFIX));
      const hash = createHash('sha256');
      let bytes = 0;
      try {
        await mkdir(dir, { recursive: true });
        const fh = await open(tmp, 'w');
        try {
          for await (const chunk of chunks) {
            hash.update(chunk);
            bytes += chunk.length;
            await fh.write(chunk);
          }
          await fh.sync();
        } finally {
          await fh.close();
        }
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => {});
        throw mapFsError(e, dir);
      }
      let committed = false;
      return {
        bytes,
        sha256: hash.digest('hex'),
        read: () => createReadStream(tmp),
        async commit() {
          try {
            await rename(tmp, file);
          } catch (e) {
            throw mapFsError(e, dir);
          }
          committed = true;
          await syncDir(dir);
        },
        async discard() {
          if (!committed) await rm(tmp, { force: true });
        },
      };
    },

    async read(processDate, name) {
      try {
        return await readFile(fileOf(processDate, name));
      } catch (e) {
        if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
        throw e;
      }
    },

    matches: (processDate, name, digest: FileDigest) => verifyFile(fileOf(processDate, name), digest),

    async remove(processDate, name) {
      const dir = dayFolder(root, processDate);
      try {
        await rm(path.join(dir, name), { force: true });
      } catch (e) {
        throw mapFsError(e, dir);
      }
      await syncDir(dir);
    },
  };
}
