// One of several processes drawing on one OAuth client's rate budget (test/scale/shared-rate-limit.test.ts):
// the composed Genesys client, as `run` or `worker` builds it on PostgreSQL, with `CALLERS` callers
// asking for recording metadata. It says {ready} once connected, calls from the parent's {go: {until}}
// until then, and answers {done: {answers, rateLimited}}: when each of its requests was answered.
import { compose } from '../../src/cli/compose.js';
import { parseConfig } from '../../src/config/schema.js';
import { createLogger } from '../../src/lib/logger.js';

const callers = Number(process.env.CALLERS);
const conversationId = process.env.CONVERSATION_ID!;

const app = await compose(parseConfig(process.env), { logger: createLogger({ level: 'silent' }) });
// One token per process before the clock starts (the token request is not rate limited).
await app.deps.genesys.checkCredentials();
const until = await new Promise<number>((resolve) => {
  process.on('message', (m: { go?: { until: number } }) => {
    if (m.go) resolve(m.go.until);
  });
  process.send!({ ready: true });
});
const answers: { at: number; ok: boolean }[] = [];
await Promise.all(
  Array.from({ length: callers }, async () => {
    while (Date.now() < until) {
      const ok = await app.deps.genesys.recordingMetadata(conversationId).then(
        () => true,
        () => false,
      );
      answers.push({ at: Date.now(), ok });
    }
  }),
);
const stats = app.deps.genesys.stats();
await app.close();
process.send!({ done: { answers, rateLimited: stats.rateLimited } }, () => process.exit(0));
