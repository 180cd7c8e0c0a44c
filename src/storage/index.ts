// The audio file store, as the rest of the program sees it: the AudioStorage interface (openStorage
// picks the local or the S3 one from STORAGE_URL), the names of the files beside a day's audio, and
// the manifest line. The file functions behind the local store stay inside src/storage.

export { type StorageLocation, storageLocation } from '../config/storage-url.js';
export { extensionFor, fileNameFor } from './audio-files.js';
export {
  CSV_FILE,
  DAY_FILE_TYPES,
  DAY_FILES,
  type DayFileName,
  type DayMarker,
  type PublishedDay,
} from './day-files.js';
export {
  MANIFEST_FILE,
  MANIFEST_STATUSES,
  type ManifestLine,
  type ManifestStatus,
} from './manifest.js';
export { protectDataDir } from './modes.js';
export { chooseContentType, normalizeContentType, peekHead, sniffAudio } from './sniff.js';
export type {
  AudioStorage,
  CleanupResult,
  OpenedFile,
  StorageCheck,
  StoredAudio,
  WriteAudioRequest,
} from './storage.js';
export { dayLocationOf, openStorage } from './storage.js';
