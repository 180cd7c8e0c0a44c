// Declarative fault rules (FaultRule): which request they hit, how often, and a label for the journal.
import { createRng } from '../random.js';
import type { FaultRule } from '../types.js';

export interface FaultEngine {
  add(rule: FaultRule): void;
  clear(): void;
  /** the rule to apply to this request, if any (consumes one of its `times`) */
  take(method: string, path: string): FaultRule | undefined;
}

interface ActiveRule {
  rule: FaultRule;
  matchPath: (path: string) => boolean;
  used: number;
}

function pathMatcher(pattern: string | undefined): (path: string) => boolean {
  if (pattern === undefined) return () => true;
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    const re = new RegExp(pattern.slice(1, -1));
    return (path) => re.test(path);
  }
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (path) => path.startsWith(prefix);
  }
  return (path) => path === pattern;
}

export function validateFaultRule(rule: unknown): FaultRule {
  if (typeof rule !== 'object' || rule === null) throw new TypeError('a fault rule must be an object');
  const r = rule as FaultRule;
  if (typeof r.match !== 'object' || r.match === null)
    throw new TypeError('a fault rule needs a "match" object');
  if (r.probability !== undefined && (r.probability < 0 || r.probability > 1)) {
    throw new RangeError('fault rule probability must be within 0..1');
  }
  if (r.status !== undefined && (!Number.isInteger(r.status) || r.status < 100 || r.status > 599)) {
    throw new RangeError(`fault rule status must be an HTTP status, got ${r.status}`);
  }
  pathMatcher(r.match.path); // throws on a bad regex
  return r;
}

export function faultLabel(rule: FaultRule): string {
  const parts: string[] = [];
  if (rule.delayMs) parts.push(`delay:${rule.delayMs}`);
  if (rule.reset) parts.push('reset');
  if (rule.status) parts.push(`status:${rule.status}`);
  if (rule.truncate) parts.push('truncate');
  if (rule.invalidJson) parts.push('invalidJson');
  if (rule.expireUrl) parts.push('expireUrl');
  if (rule.stuckJob) parts.push('stuckJob');
  if (rule.failedJob) parts.push('failedJob');
  return parts.join(',') || 'noop';
}

export function createFaultEngine(initial: readonly FaultRule[], seed: string): FaultEngine {
  const rng = createRng(`faults:${seed}`);
  let rules: ActiveRule[] = [];
  const add = (rule: FaultRule) => {
    const r = validateFaultRule(rule);
    rules.push({ rule: r, matchPath: pathMatcher(r.match.path), used: 0 });
  };
  initial.forEach(add);
  return {
    add,
    clear() {
      rules = [];
    },
    take(method, path) {
      for (const a of rules) {
        const { rule } = a;
        if (rule.match.method && rule.match.method.toUpperCase() !== method.toUpperCase()) continue;
        if (!a.matchPath(path)) continue;
        if (rule.times !== undefined && a.used >= rule.times) continue;
        if (rule.probability !== undefined && !(rng.next() < rule.probability)) continue;
        a.used++;
        return rule;
      }
      return undefined;
    },
  };
}
