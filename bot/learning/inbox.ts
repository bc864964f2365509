import crypto from 'node:crypto';
import type { AnalyticsLog } from '../store/analytics';
import { mask } from '../mask';

export interface InboxGroup {
  /** Stable id of the group (its first message, normalised). */
  key: string;
  count: number;
  /** The distinct messages, masked, oldest first (at most 20): what assigning the group teaches. */
  texts: string[];
  /** Why they are here: out_of_scope, clarify, rerouted, low_rating. */
  reasons: string[];
  lastAt: string;
}

const normalise = (text: string) => mask(text).toLowerCase().replace(/[^\p{L}\p{N}\[\]\s]/gu, ' ').replace(/\s+/g, ' ').trim();
const words = (text: string) => new Set(normalise(text).split(' ').filter((w) => w.length > 2));

/** Share of words two messages have in common (Jaccard): "how do I export contacts" ~ "export my contacts how". */
function similarity(a: Set<string>, b: Set<string>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

export const groupKey = (text: string) => crypto.createHash('sha256').update(normalise(text)).digest('hex').slice(0, 24);

interface Group extends InboxGroup { words: Set<string>; members: Set<string> }

/** Texts a group shows, and teaches when assigned: the same ones. */
const GROUP_TEXTS = 20;

/**
 * Groups messages oldest first, so a group's key (its first message) stays the same as newer ones join it.
 * Identical messages join at once; a new one is compared only with the groups sharing a word with it.
 */
function groupMessages(events: Awaited<ReturnType<AnalyticsLog['reviewable']>>, decided: Set<string>): Group[] {
  const groups: Group[] = [];
  const byKey = new Map<string, Group>();
  const byWord = new Map<string, Set<Group>>();
  for (const e of [...events].reverse()) {
    const text = mask(e.text ?? '').trim();
    if (!text) continue;
    const key = groupKey(text);
    if (decided.has(key)) continue;
    const reason = e.kind === 'csat' ? 'low_rating' : e.kind;
    const w = words(text);
    let group = byKey.get(key);
    if (!group) {
      const candidates = new Set([...w].flatMap((x) => [...(byWord.get(x) ?? [])]));
      group = [...candidates].find((g) => similarity(g.words, w) >= 0.6);
    }
    if (group) {
      group.count++;
      if (e.at > group.lastAt) group.lastAt = e.at;
      // Only what the group teaches is decided with it: messages past the shown texts wait for a later group.
      if (group.texts.includes(text) || group.texts.length < GROUP_TEXTS) {
        group.members.add(key);
        if (!group.texts.includes(text)) group.texts.push(text);
      }
      if (!group.reasons.includes(reason)) group.reasons.push(reason);
    } else {
      group = { key, count: 1, texts: [text], reasons: [reason], lastAt: e.at, words: w, members: new Set([key]) };
      groups.push(group);
      for (const x of w) (byWord.get(x) ?? byWord.set(x, new Set()).get(x))?.add(group);
    }
    byKey.set(key, group);
  }
  return groups.sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt));
}

/**
 * The review inbox: messages the bot did not understand (it could not place them, it had to ask which
 * topic was meant, the customer said its guesses were wrong, or rated the chat 1 or 2 with a comment),
 * masked, similar ones grouped (same words, or most words in common), biggest groups first, without the
 * messages the lead has decided.
 */
export async function reviewInbox(analytics: AnalyticsLog, decided: Set<string>, limit = 100): Promise<InboxGroup[]> {
  return groupMessages(await analytics.reviewable(), decided).slice(0, limit).map(({ words: _w, members: _m, ...g }) => g);
}

/** A group of the inbox by its key: the keys of all its messages (to decide them all) and its distinct texts. */
export async function inboxGroup(analytics: AnalyticsLog, decided: Set<string>, key: string): Promise<{ members: string[]; texts: string[] } | undefined> {
  const group = groupMessages(await analytics.reviewable(), decided).find((g) => g.key === key);
  return group ? { members: [...group.members], texts: group.texts } : undefined;
}
