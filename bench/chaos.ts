// A day of chaos from the command line (docs/reliability.md): the harness of test/chaos/chaos.test.ts
// (test/support/chaos.ts) at any size.
//
//   npx tsx bench/chaos.ts --conversations 2000 [--token-ttl 60] [--stall-timeout 20] [--seed 5]
//
// Prints what was injected (from the emulator's journal) and what was survived; exits 1 on any loss.
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatChaos, runChaos } from '../test/support/chaos.js';
import { dataDirTemplate } from '../test/support/data-dirs.js';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '5' },
    'token-ttl': { type: 'string', default: '60' },
    'stall-timeout': { type: 'string', default: '20' },
    'http-timeout': { type: 'string', default: '2000' },
    'stuck-jobs': { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false },
  },
});
const template = await dataDirTemplate();
try {
  const report = await runChaos({
    conversations: Number(values.conversations),
    seed: Number(values.seed),
    tokenTtlSeconds: Number(values['token-ttl']),
    stallTimeoutSeconds: Number(values['stall-timeout']),
    httpTimeoutMs: Number(values['http-timeout']),
    stuckJobs: Number(values['stuck-jobs']),
    batchSize: Number(values['batch-size']),
    template,
    keep: values.keep,
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${formatChaos(report)}\n`);
  if (values.keep) process.stdout.write(`  data: ${report.dataDir}\n`);
  process.exitCode = report.problems.length === 0 ? 0 : 1;
} finally {
  await rm(template, { recursive: true, force: true });
}
