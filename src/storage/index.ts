// The audio file store: the AudioStorage interface (openStorage picks the local or the S3 one from
// STORAGE_URL), and the local file functions it is built on, still used directly by the pipeline.

export { type StorageLocation, storageLocation } from '../config/storage-url.js';
export {
  audioDir,
  checkWritable,
  extensionFor,
  fileNameFor,
  hashFile,
  removeStaleParts,
  verifyFile,
  type WriteAudioFileInput,
  type WrittenFile,
  writeAudioFile,
} from './audio-files.js';
export { mapFsError } from './fs-errors.js';
export {
  MANIFEST_FILE,
  MANIFEST_STATUSES,
  type ManifestLine,
  type ManifestStatus,
  readManifest,
  serializeManifestLine,
  streamManifest,
  writeManifest,
} from './manifest.js';
export { protectDataDir } from './modes.js';
export type {
  AudioStorage,
  CleanupResult,
  ManifestFile,
  StorageCheck,
  StoredAudio,
  WriteAudioRequest,
} from './storage.js';
export { openStorage } from './storage.js';
