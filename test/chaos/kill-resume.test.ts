// Crash at any point, resume, same result: test/support/kill-resume.ts at a size that fits CI. The run is
// SIGKILLed at ≥ 20 random moments over every stage and restarted each time; what a user would notice
// if this failed is a lost or duplicated recording, a different manifest, or a second e-mail.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirTemplate } from '../support/data-dirs.js';
import { formatKillResume, type KillResumeReport, runKillResume } from '../support/kill-resume.js';

const KILLS = 21;

describe('killing the run at random moments and running it again', () => {
  let template: string;
  let report: KillResumeReport;

  beforeAll(async () => {
    template = await dataDirTemplate();
    report = await runKillResume({ conversations: 60, kills: KILLS, batchSize: 5, seed: 11, template });
    process.stdout.write(`${formatKillResume(report)}\n`);
  }, 30 * 60_000);

  afterAll(async () => {
    if (template) await rm(template, { recursive: true, force: true });
  });

  it(`was killed ${KILLS} times over the stages and then completed`, () => {
    expect(report.kills).toBeGreaterThanOrEqual(KILLS);
    expect(report.attemptsEndedOnTheirOwn).toEqual([{ code: 0, stderr: '' }]);
    // The kills are aimed at the seven stages; where each landed is read from the log.
    expect(Object.keys(report.killsPerStage).length).toBeGreaterThanOrEqual(5);
  });

  it('ends with the same manifest, files and database rows as an uninterrupted run, nothing lost', () => {
    expect(report.problems).toEqual([]);
    expect(report.filesVerified).toBe(report.downloadable);
    expect(report.downloadable).toBeGreaterThan(20);
  });

  it('submits no recording twice unless a kill fell between the submission and its recording', () => {
    expect(report.unexplainedDuplicates).toEqual([]);
  });

  it('e-mails once (plus one per kill that fell inside the send window)', () => {
    expect(report.notificationsSent).toBe(1 + report.notificationsExplainedByKill);
  });
});
