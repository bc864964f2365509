import type { AnalyticsLog } from '../store/analytics';
import { report, summarize, type ConversationSummary, type Report } from './outcomes';

const UNITS: Record<string, number> = { h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "7d", "24h", "2w", or a date (2026-11-01): the start of a period ending now. Undefined when unreadable. */
export function periodStart(since: string, now: number): number | undefined {
  const m = /^(\d{1,4})([hdw])$/.exec(since.trim());
  if (m) return now - Number(m[1]) * (UNITS[m[2] ?? 'd'] ?? 0);
  const t = since.trim();
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(t) ? Date.parse(t) : NaN;
  // A date that does not exist (2026-02-31) is no date, not the 3rd of March.
  return Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== t.slice(0, 10) ? undefined : at;
}

/** The numbers of the conversations that started in [from, to). */
export async function periodReport(log: AnalyticsLog, from: number, to: number, now: number): Promise<{ report: Report; conversations: ConversationSummary[] }> {
  const fromIso = new Date(from).toISOString();
  const toIso = new Date(to).toISOString();
  const events = await log.conversationsStarted(fromIso, toIso);
  const conversations = [...events.values()].map((e) => summarize(e, now)).filter((s): s is ConversationSummary => s !== undefined);
  return { report: report(conversations, fromIso, toIso), conversations };
}
