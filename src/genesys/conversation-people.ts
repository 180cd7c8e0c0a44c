// What an analytics conversation says about who handled it and how it ended, for the manifest (issue
// 17): the agents' display names (participantName, spec §15), the wrap-up codes and notes of their
// finished wrap-up segments (spec §3.5), and the caller and dialled numbers.
import type { AnalyticsConversation } from '../contracts/genesys.js';

export interface ConversationPeople {
  /** participantName of each agent user id (the first one seen) */
  agentNames: Map<string, string>;
  /** one per finished wrap-up segment of an agent, in order of appearance */
  wrapUps: { code: string; note: string | null }[];
  /** the customer's (else the first) voice session's ani and dnis, as Genesys writes them (tel:+51…) */
  ani: string | null;
  dnis: string | null;
}

export function conversationPeople(c: AnalyticsConversation): ConversationPeople {
  const agentNames = new Map<string, string>();
  const wrapUps: ConversationPeople['wrapUps'] = [];
  let numbers: { ani: string | null; dnis: string | null } | undefined;
  let fallback: typeof numbers;
  for (const p of c.participants ?? []) {
    const isAgent = p.purpose === 'agent';
    if (isAgent && p.userId && p.participantName && !agentNames.has(p.userId))
      agentNames.set(p.userId, p.participantName);
    for (const s of p.sessions ?? []) {
      if ((s.ani || s.dnis) && s.mediaType === 'voice') {
        const found = { ani: s.ani ?? null, dnis: s.dnis ?? null };
        if (!numbers && (p.purpose === 'customer' || p.purpose === 'external')) numbers = found;
        fallback ??= found;
      }
      if (!isAgent) continue;
      for (const seg of s.segments ?? []) {
        // An open wrap-up segment's code is not final yet: the conversation is looked at again later.
        if (seg.segmentType === 'wrapup' && seg.wrapUpCode && seg.segmentEnd)
          wrapUps.push({ code: seg.wrapUpCode, note: seg.wrapUpNote ?? null });
      }
    }
  }
  const chosen = numbers ?? fallback;
  return { agentNames, wrapUps, ani: chosen?.ani ?? null, dnis: chosen?.dnis ?? null };
}
