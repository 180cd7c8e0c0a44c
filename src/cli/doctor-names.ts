// doctor's "names" line: can the OAuth client look up what the manifest and the reports name (queues,
// users and their managers, wrap-up codes)? One request each. A missing permission is a warning, not a
// failure: runs then show ids instead of those names (src/pipeline/names.ts).
import type { Config } from '../config/schema.js';
import { GenesysError } from '../genesys/errors.js';
import type { GenesysClient } from '../genesys/types.js';
import { redactText } from '../lib/redact.js';
import { NAME_PERMISSIONS, nameProblem } from '../pipeline/names.js';
import type { NameKind } from '../store/schema.js';
import type { Check } from './commands/doctor.js';

/** An id no user has: asking for it costs one request and tells whether the lookup is allowed. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

export async function namesCheck(config: Config, genesys: GenesysClient): Promise<Check> {
  const problems: string[] = [];
  const missing: string[] = [];
  let queues: string[] = [];
  const attempt = async (kind: NameKind, look: () => Promise<void>) => {
    try {
      await look();
    } catch (e) {
      if (!(e instanceof GenesysError)) throw e;
      problems.push(redactText(nameProblem(kind, e)));
      if (e.status === 403) missing.push(NAME_PERMISSIONS[kind]);
    }
  };
  await attempt('queue', async () => {
    queues = (await genesys.queuesById(config.GENESYS_QUEUE_IDS)).map((q) => q.name);
  });
  await attempt('user', async () => {
    await genesys.usersById([NO_USER]);
  });
  await attempt('wrapUpCode', async () => {
    await genesys.wrapUpCodes();
  });
  if (problems.length === 0) {
    return {
      name: 'names',
      status: 'ok',
      detail: `queue, manager and wrap-up code names can be looked up${queues.length ? ` (queues: ${queues.join(', ')})` : ''}`,
    };
  }
  return {
    name: 'names',
    status: 'warn',
    detail: problems.join('; '),
    fix:
      (missing.length ? `grant ${missing.join(', ')} to the OAuth client's role; ` : '') +
      'until then the manifest, status, the dashboard and the e-mail show ids instead of those names',
  };
}
