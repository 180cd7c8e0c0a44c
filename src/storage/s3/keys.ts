// The key layout in the bucket mirrors the local folders (README "Output"):
//   <prefix>/<YYYY-MM-DD>/<conversationId>_<recordingId>.<ext>
//   <prefix>/<YYYY-MM-DD>/manifest.jsonl, manifest.csv, _SUCCESS
//   <prefix>/<YYYY-MM-DD>/.incomplete/<file>.<writer tag>   an object longer than one part, between its
//                                                           upload and its copy (ADR 0015)
import { safeSegment } from '../../lib/paths.js';
import { checkedDate } from '../day.js';
import type { DayFileName } from '../day-files.js';
import { tempName } from '../temp-names.js';

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

/** A new staging key for `fileName`, this writer's own (a tag of its host, its pid and a nonce). */
export function stagingKey(prefix: string, processDate: string, fileName: string): string {
  return incompletePrefix(prefix, processDate) + tempName(safeSegment('file name', fileName), '');
}

export function dayFileKey(prefix: string, processDate: string, name: DayFileName): string {
  return dayPrefix(prefix, processDate) + name;
}

/** Where `doctor` and checkWritable put the object they write and delete again. */
export function probeKey(prefix: string, tag: string): string {
  return join(prefix, `.audio-extract-probe-${tag}`);
}
