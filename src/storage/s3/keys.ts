// The key layout in the bucket mirrors the local folders (README "Output"):
//   <prefix>/<YYYY-MM-DD>/<conversationId>_<recordingId>.<ext>
//   <prefix>/<YYYY-MM-DD>/manifest.jsonl
//   <prefix>/<YYYY-MM-DD>/.incomplete/<file>   a long recording between its upload and its copy (ms)
import { safeSegment } from '../../lib/paths.js';
import { checkedDate } from '../day.js';
import { MANIFEST_FILE } from '../manifest.js';

/** Sub-prefix of a day for uploads that are not final yet; the day's cleanup lists only this. */
export const INCOMPLETE = '.incomplete';

const join = (...parts: string[]) => parts.filter(Boolean).join('/');

/** `<prefix>/<date>/`, the prefix every key of the day starts with. */
export function dayPrefix(prefix: string, processDate: string): string {
  return `${join(prefix, checkedDate(processDate))}/`;
}

export function audioKey(prefix: string, processDate: string, fileName: string): string {
  return dayPrefix(prefix, processDate) + safeSegment('file name', fileName);
}

export function incompletePrefix(prefix: string, processDate: string): string {
  return `${dayPrefix(prefix, processDate)}${INCOMPLETE}/`;
}

export function stagingKey(prefix: string, processDate: string, fileName: string): string {
  return incompletePrefix(prefix, processDate) + safeSegment('file name', fileName);
}

export function manifestKey(prefix: string, processDate: string): string {
  return dayPrefix(prefix, processDate) + MANIFEST_FILE;
}

/** Where `doctor` and checkWritable put the object they write and delete again. */
export function probeKey(prefix: string, tag: string): string {
  return join(prefix, `.audio-extract-probe-${tag}`);
}
