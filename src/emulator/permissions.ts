// Which permission each endpoint needs, and the 403 it answers without it (spec §10, §15). "any" lists
// come from the SDK docs' "Requires ANY permissions" (code missing.any.permissions), "all" lists from
// "Requires ALL permissions" (code missing.permissions). A client holds every permission of
// ALL_PERMISSIONS unless its options say it lacks some.
import type { EmulatorPermission } from './types.js';

export const ALL_PERMISSIONS: readonly EmulatorPermission[] = [
  'analytics:conversationDetail:view',
  'recording:recording:view',
  'recording:recording:viewSensitiveData',
  'routing:queue:view',
  'routing:wrapupCode:view',
  'directory:user:view',
];

export type PermissionRule = { any: readonly string[] } | { all: readonly string[] };

export const RULES = {
  /** details query: analytics:agentConversationDetail:view would do too (no client of ours has it) */
  detailsQuery: { any: ['analytics:conversationDetail:view', 'analytics:agentConversationDetail:view'] },
  detailsJobs: { any: ['analytics:conversationDetail:view'] },
  recordings: {
    any: [
      'recording:recording:view',
      'recording:recordingSegment:view',
      'recording:snippetRecording:view',
      'recording:screenRecording:view',
    ],
  },
  queues: { any: ['routing:queue:view'] },
  wrapUpCodes: { all: ['routing:wrapupCode:view'] },
  // The SDK docs list no permission for GET /api/v2/users; spec §15 names directory:user:view. The
  // emulator checks it so a client can be tested without it (docs/emulator.md, known differences).
  users: { all: ['directory:user:view'] },
} as const satisfies Record<string, PermissionRule>;

/** The 403 for a client holding `held`, or undefined when the rule is met. */
export function permissionDenial(
  rule: PermissionRule,
  held: ReadonlySet<string>,
): { code: string; message: string } | undefined {
  if ('any' in rule) {
    if (rule.any.some((p) => held.has(p))) return undefined;
    return {
      code: 'missing.any.permissions',
      message: `Unable to perform the requested action. You must have at least one of the following permissions assigned: [${rule.any.join(', ')}]`,
    };
  }
  const missing = rule.all.filter((p) => !held.has(p));
  if (missing.length === 0) return undefined;
  return {
    code: 'missing.permissions',
    message: `Unable to perform the requested action. You are missing the following permission(s): [${missing.join(', ')}]`,
  };
}
