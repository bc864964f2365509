import type { ConversationEvent } from '../store/analytics';

export const OUTCOMES = ['resolved', 'ticket', 'handed_off', 'abandoned', 'out_of_scope', 'no_request', 'in_progress'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** How each outcome is counted: shown on the analytics page and in `npm run report`, and in the README. */
export const OUTCOME_DEFINITIONS: Record<Outcome, string> = {
  handed_off: 'Handed to a person: the conversation was passed to the agents\' queue (asked for, or offered and taken).',
  ticket: 'Ticket opened: the bot opened a ticket, and the conversation was not handed to a person.',
  abandoned: 'Abandoned: the bot\'s last question was part of a form (a value or a choice) and the customer left without answering it for an hour.',
  resolved: 'Resolved by the bot: the bot answered from the help text, nothing was escalated, and for an hour after its last answer the customer wrote nothing but thanks, bye, an acknowledgement or a rating (not "that didn\'t help").',
  out_of_scope: 'Out of scope: the bot could not place what the customer wrote (or asked which topic was meant without getting further) and answered nothing.',
  no_request: 'No request: the customer only greeted, thanked or pressed nothing the bot could act on.',
  in_progress: 'In progress: no ticket or hand-off yet, and the customer wrote less than an hour ago.',
};

export interface ConversationSummary {
  conversationId: string;
  channel: string;
  startedAt: string;
  outcome: Outcome;
  /** The first topic the conversation was routed to. */
  intent?: string;
  /** For tickets: the department. */
  department?: string;
  /** The department of every ticket the conversation opened (a hand-off opens one too). */
  ticketDepartments: string[];
  /** For abandoned forms: the question left unanswered (flow.field or flow.step). */
  abandonedAt?: string;
  clarified: boolean;
  outOfScope: boolean;
  rating?: number;
}

const HOUR = 3600_000;
const BOT_TURN = new Set(['answered', 'ended', 'question', 'out_of_scope', 'clarify', 'ticket', 'handoff']);

/** One conversation's outcome from its events, in order. `now` decides whether it has ended. */
export function summarize(events: ConversationEvent[], now: number): ConversationSummary | undefined {
  const first = events[0];
  if (!first) return undefined;
  const has = (kind: ConversationEvent['kind']) => events.some((e) => e.kind === kind);
  const intent = events.find((e) => e.intent && e.kind !== 'message')?.intent;
  const rating = events.filter((e) => e.kind === 'csat').at(-1)?.rating;
  const base = {
    conversationId: first.conversationId, channel: first.channel, startedAt: first.at, clarified: has('clarify'), outOfScope: has('out_of_scope'),
    ticketDepartments: events.filter((e) => e.kind === 'ticket').map((e) => e.detail ?? 'unknown'),
    ...(intent ? { intent } : {}), ...(rating ? { rating } : {}),
  };
  const handoff = events.find((e) => e.kind === 'handoff');
  if (handoff) return { ...base, outcome: 'handed_off', ...(handoff.intent ? { intent: handoff.intent } : {}) };
  const ticket = events.find((e) => e.kind === 'ticket');
  if (ticket) return { ...base, outcome: 'ticket', ...(ticket.intent ? { intent: ticket.intent } : {}), ...(ticket.detail ? { department: ticket.detail } : {}) };
  const last = Date.parse(events.at(-1)?.at ?? first.at);
  if (now - last < HOUR) return { ...base, outcome: 'in_progress' };
  const lastBot = events.filter((e) => BOT_TURN.has(e.kind)).at(-1);
  if (lastBot?.kind === 'question') return { ...base, outcome: 'abandoned', ...(lastBot.detail ? { abandonedAt: lastBot.detail } : {}) };
  // A tree that reached its end after its answer ("yes, it worked") counts as the answer's moment.
  const lastAnswer = events.map((e, i) => ({ e, i })).filter(({ e, i }) => e.kind === 'answered' || (e.kind === 'ended' && events.slice(0, i).some((x) => x.kind === 'answered'))).at(-1);
  if (lastAnswer) {
    const answeredAt = Date.parse(lastAnswer.e.at);
    const cameBack = events.slice(lastAnswer.i + 1).some((e) => e.kind === 'message' && (!e.detail || e.detail === 'unhelpful') && Date.parse(e.at) - answeredAt <= HOUR);
    if (!cameBack) return { ...base, outcome: 'resolved' };
  }
  if (base.outOfScope || base.clarified || lastAnswer) return { ...base, outcome: 'out_of_scope' };
  return { ...base, outcome: 'no_request' };
}

interface Counted { conversations: number; outcomes: Record<Outcome, number> }
const counted = (): Counted => ({ conversations: 0, outcomes: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number> });

export interface Report {
  from: string;
  to: string;
  conversations: number;
  outcomes: Record<Outcome, number>;
  byIntent: Array<{ intent: string } & Counted>;
  byChannel: Array<{ channel: string; csat?: number; clarificationRate: number; outOfScopeRate: number } & Counted>;
  ticketsByDepartment: Record<string, number>;
  abandonedAt: Array<{ question: string; count: number }>;
  clarificationRate: number;
  outOfScopeRate: number;
  csat: { responses: number; average?: number; distribution: number[] };
}

const rate = (n: number, of: number) => (of ? Math.round((n / of) * 1000) / 1000 : 0);
const average = (xs: number[]) => (xs.length ? Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100 : undefined);

/** The numbers of a period, from its conversations' summaries. */
export function report(summaries: ConversationSummary[], from: string, to: string): Report {
  const all = counted();
  const byIntent = new Map<string, Counted>();
  const byChannel = new Map<string, Counted & { ratings: number[]; clarified: number; outOfScope: number }>();
  const departments: Record<string, number> = {};
  const abandoned = new Map<string, number>();
  const ratings: number[] = [];
  for (const s of summaries) {
    all.conversations++;
    all.outcomes[s.outcome]++;
    const i = byIntent.get(s.intent ?? 'none') ?? counted();
    i.conversations++;
    i.outcomes[s.outcome]++;
    byIntent.set(s.intent ?? 'none', i);
    const c = byChannel.get(s.channel) ?? { ...counted(), ratings: [], clarified: 0, outOfScope: 0 };
    c.conversations++;
    if (s.clarified) c.clarified++;
    if (s.outOfScope) c.outOfScope++;
    c.outcomes[s.outcome]++;
    if (s.rating) c.ratings.push(s.rating);
    byChannel.set(s.channel, c);
    for (const d of s.ticketDepartments) departments[d] = (departments[d] ?? 0) + 1;
    if (s.outcome === 'abandoned' && s.abandonedAt) abandoned.set(s.abandonedAt, (abandoned.get(s.abandonedAt) ?? 0) + 1);
    if (s.rating) ratings.push(s.rating);
  }
  const csatAverage = average(ratings);
  return {
    from, to, conversations: all.conversations, outcomes: all.outcomes,
    byIntent: [...byIntent].map(([intent, v]) => ({ intent, ...v })).sort((a, b) => b.conversations - a.conversations),
    byChannel: [...byChannel].map(([channel, { ratings: r, clarified, outOfScope, ...v }]) => {
      const csat = average(r);
      return { channel, ...v, clarificationRate: rate(clarified, v.conversations), outOfScopeRate: rate(outOfScope, v.conversations), ...(csat !== undefined ? { csat } : {}) };
    }),
    ticketsByDepartment: departments,
    abandonedAt: [...abandoned].map(([question, count]) => ({ question, count })).sort((a, b) => b.count - a.count),
    clarificationRate: rate(summaries.filter((s) => s.clarified).length, all.conversations),
    outOfScopeRate: rate(summaries.filter((s) => s.outOfScope).length, all.conversations),
    csat: { responses: ratings.length, ...(csatAverage !== undefined ? { average: csatAverage } : {}), distribution: [1, 2, 3, 4, 5].map((n) => ratings.filter((r) => r === n).length) },
  };
}

/** The report as CSV: one row per number, `section,key,value`. */
export function reportCsv(r: Report): string {
  const rows: Array<[string, string, string | number]> = [['period', 'from', r.from], ['period', 'to', r.to], ['all', 'conversations', r.conversations]];
  for (const o of OUTCOMES) rows.push(['outcome', o, r.outcomes[o]], ['outcome rate', o, rate(r.outcomes[o], r.conversations)]);
  for (const i of r.byIntent) for (const o of OUTCOMES) if (i.outcomes[o]) rows.push([`intent ${i.intent}`, o, i.outcomes[o]]);
  for (const c of r.byChannel) {
    rows.push([`channel ${c.channel}`, 'conversations', c.conversations]);
    for (const o of OUTCOMES) rows.push([`channel ${c.channel}`, o, c.outcomes[o]]);
    rows.push([`channel ${c.channel}`, 'clarification rate', c.clarificationRate], [`channel ${c.channel}`, 'out of scope rate', c.outOfScopeRate]);
    if (c.csat !== undefined) rows.push([`channel ${c.channel}`, 'csat average', c.csat]);
  }
  for (const [d, n] of Object.entries(r.ticketsByDepartment)) rows.push(['tickets by department', d, n]);
  for (const a of r.abandonedAt) rows.push(['abandoned at', a.question, a.count]);
  rows.push(['rates', 'clarification', r.clarificationRate], ['rates', 'out of scope', r.outOfScopeRate]);
  rows.push(['csat', 'responses', r.csat.responses], ['csat', 'average', r.csat.average ?? '']);
  r.csat.distribution.forEach((n, i) => rows.push(['csat', `rated ${i + 1}`, n]));
  const cell = (v: string | number) => (typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return ['section,key,value', ...rows.map((row) => row.map(cell).join(','))].join('\n') + '\n';
}
