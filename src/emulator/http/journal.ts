// Every request the emulator saw, in arrival order, for tests to assert on.
import type { JournalEntry } from '../types.js';

export interface Journal {
  push(entry: JournalEntry): void;
  entries(): JournalEntry[];
  clear(): void;
}

export function createJournal(max = 100_000): Journal {
  let list: JournalEntry[] = [];
  return {
    push(entry) {
      list.push(entry);
      if (list.length > max) list = list.slice(-max);
    },
    entries: () => list.map((e) => ({ ...e })),
    clear() {
      list = [];
    },
  };
}
