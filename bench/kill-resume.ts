// Kill and resume from the command line (docs/reliability.md): the harness of
// test/chaos/kill-resume.test.ts (test/support/kill-resume.ts) at any size.
//
//   npx tsx bench/kill-resume.ts --conversations 300 --kills 20 [--seed 11] [--batch-size 10]
//
// Prints the figures and exits 1 on any loss or duplicate.
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { dataDirTemplate } from '../test/support/data-dirs.js';
import { formatKillResume, runKillResume } from '../test/support/kill-resume.js';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '300' },
    kills: { type: 'string', default: '20' },
    seed: { type: 'string', default: '11' },
    'batch-size': { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const template = await dataDirTemplate();
try {
  const report = await runKillResume({
    conversations: Number(values.conversations),
    kills: Number(values.kills),
    seed: Number(values.seed),
    batchSize: Number(values['batch-size']),
    template,
    keep: values.keep,
    log: values.quiet ? undefined : (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${formatKillResume(report)}\n`);
  if (values.keep) process.stdout.write(`  data: ${report.dataDirs.killed} ${report.dataDirs.reference}\n`);
  process.exitCode = report.problems.length === 0 && report.kills >= Number(values.kills) ? 0 : 1;
} finally {
  await rm(template, { recursive: true, force: true });
}
