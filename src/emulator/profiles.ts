// Named sets of option values. 'production' is a production-like day: every case of issue 16 that a
// real org sends and a tidy data set does not, mixed at small shares (docs/emulator.md lists them).
import type { EmulatorOptions } from './types.js';

export const PROFILES = {
  default: {},
  production: {
    otherMedia: { chat: 0.05, email: 0.03, message: 0.04, callback: 0.03 },
    codecs: { ogg: 5, opus: 1.5, webm: 1.5, wav: 2 },
    genericContentTypeShare: 0.2,
    separateDownloadHost: true,
    redirectShare: 0.25,
    sensitiveData: { share: 0.03, expectedResultCount: 'includes-excluded' },
    missingPermissions: ['recording:recording:viewSensitiveData'],
    emptyMediaUris: { share: 0.04, forMs: 5 * 60_000 },
    metadataLag: { share: 0.04, forMs: 30 * 60_000 },
    fileStates: { restoring: 0.01, restored: 0.015, error: 0.01, titleCase: 0.2 },
    unusualParticipants: 0.03,
    handleTimeLag: 0.02,
    noRecordingFlag: 0.02,
    departedAgents: 2,
    lookBackDays: 35,
  },
} as const satisfies Record<string, EmulatorOptions>;

export type ProfileName = keyof typeof PROFILES;

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}
