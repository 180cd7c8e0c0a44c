// The fixed cast of the emulated org: queues, agents, IVR flow, division, phone numbers.
import { createRng, hash32, uuidFor } from '../random.js';

/** Well-known ids of the three default queues; stable across seeds so a sandbox .env keeps working. */
export const EMULATOR_QUEUE_IDS: readonly string[] = Object.freeze([
  '39988345-a7c5-4ce5-851e-334cb54efc79',
  '6b1f2c8e-4d3a-4f7b-9e21-5c8d0a7b3e14',
  'c2e7a9d4-8b16-4c3f-a5e0-1d9b7f6c2a58',
]);

const QUEUE_NAMES = ['Support', 'Sales', 'Billing', 'Claims', 'Technical', 'Premium', 'Retail', 'Partners'];

export interface Queue {
  id: string;
  name: string;
}

export function configuredQueues(count: number): Queue[] {
  return Array.from({ length: count }, (_, i) => ({
    id: EMULATOR_QUEUE_IDS[i] ?? uuidFor(`emulator-queue-${i}`),
    name: QUEUE_NAMES[i] ?? `Queue ${i + 1}`,
  }));
}

/** Queues of the same org that the extraction is NOT configured for (their calls must be filtered out). */
export const FOREIGN_QUEUES: readonly Queue[] = [
  { id: uuidFor('emulator-foreign-queue-0'), name: 'Collections' },
  { id: uuidFor('emulator-foreign-queue-1'), name: 'Retention' },
];

export const DIVISION_ID = '5b703b3e-b3d6-4733-994e-bf09ceecd1a1';
export const IVR_FLOW = { flowId: '19993269-789e-4f58-851e-502acccfe7e9', flowName: 'Main IVR', flowVersion: '5.0' };
export const EDGE_ID = 'b5713e32-7dd1-4c16-a149-0e7661f2f57e';
export const ORG_DNIS = 'tel:+5116402000';

export const AGENT_COUNT = 48;

export function agentIds(seed: string): string[] {
  return Array.from({ length: AGENT_COUNT }, (_, i) => uuidFor(`${seed}|agent|${i}`));
}

export const WRAP_UP_CODES = ['ININ-WRAP-UP-TIMEOUT', 'Resolved', 'Follow-up', 'Sale', 'Complaint', 'Info'];

export function phoneNumber(seedHash: number, n: number): string {
  const r = createRng(seedHash ^ hash32(`phone${n}`));
  return `+519${String(r.int(0, 99_999_999)).padStart(8, '0')}`;
}
