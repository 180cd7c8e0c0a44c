// The audio file store. Local filesystem today; the surface is kept to a handful of functions
// (write, verify, clean up, manifest) so an S3 implementation can offer the same ones later.
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
