// Many customers at once through the widget's Direct Line (WebSocket streams, as Web Chat): errors,
// reply times, and whether every ticket conversation ended with exactly one ticket.
import { activityFor, botText, SCRIPTS } from './customers';
import { ActivityStream, DirectLineSession } from './directLineClient';
import { listTickets, ticketsPerConversation } from './tickets';

export interface LoadReport {
  customers: number;
  seconds: number;
  conversations: number;
  turns: number;
  errors: number;
  /** Conversations that should have opened a ticket: with none, exactly one, more than one. */
  tickets: { none: number; one: number; more: number };
  p50Ms: number;
  p99Ms: number;
  failures: string[];
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0 : 0;
}

/** `customers` loops of start → script → next, until `seconds` have passed; each finishes its conversation. */
export async function runLoad(opts: { url: string; dataDir: string; customers: number; seconds: number }): Promise<LoadReport> {
  const until = Date.now() + opts.seconds * 1000;
  const latencies: number[] = [];
  const withTickets: string[] = [];
  const failures: string[] = [];
  let conversations = 0;
  let turns = 0;
  let errors = 0;
  let n = 0;

  async function customer(): Promise<void> {
    while (Date.now() < until) {
      const id = n++;
      const script = SCRIPTS[id % SCRIPTS.length]!(id);
      let stream: ActivityStream | undefined;
      try {
        const s = await DirectLineSession.start(opts.url);
        stream = await ActivityStream.open(s.streamUrl);
        await stream.botReplies(0);
        for (const [t, turn] of script.turns.entries()) {
          const from = stream.activities.length;
          const started = Date.now();
          await s.post(activityFor(turn.say, `l${id}-${t}`));
          const replies = await stream.botReplies(from);
          latencies.push(Date.now() - started);
          turns++;
          const said = botText(replies);
          if (!turn.expect.test(said)) throw new Error(`expected ${turn.expect} after ${JSON.stringify(turn.say)}, got ${JSON.stringify(said.slice(0, 200))}`);
        }
        conversations++;
        if (script.ticket) withTickets.push(s.conversationId);
      } catch (err) {
        errors++;
        if (failures.length < 20) failures.push(`${script.name} #${id}: ${(err as Error).message}`);
      } finally {
        stream?.close();
      }
    }
  }

  await Promise.all(Array.from({ length: opts.customers }, () => customer()));
  const sorted = latencies.sort((a, b) => a - b);
  return {
    customers: opts.customers, seconds: opts.seconds, conversations, turns, errors,
    tickets: ticketsPerConversation(await listTickets(opts.dataDir), withTickets),
    p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), failures,
  };
}

export interface MemoryReport { conversations: number; rssBeforeMb: number; rssAfterMb: number; errors: number }

/** Resident memory before and after many short conversations (a greeting and one question each). */
export async function runMemory(opts: { url: string; rss: () => number | undefined; conversations: number; concurrency: number; onProgress?: (done: number) => void }): Promise<MemoryReport> {
  const mb = (b: number | undefined) => Math.round(((b ?? 0) / (1024 * 1024)) * 10) / 10;
  // Warm up first (the classifier, the sentiment vocabulary, prepared statements), so "before" is a running server.
  for (let i = 0; i < 20; i++) await shortConversation(opts.url);
  const before = opts.rss();
  let next = 0;
  let errors = 0;
  let done = 0;
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (next < opts.conversations) {
      next++;
      try { await shortConversation(opts.url); } catch { errors++; }
      if (++done % 500 === 0) opts.onProgress?.(done);
    }
  }));
  return { conversations: opts.conversations, rssBeforeMb: mb(before), rssAfterMb: mb(opts.rss()), errors };
}

async function shortConversation(url: string): Promise<void> {
  const s = await DirectLineSession.start(url);
  const greeted = await s.replies('');
  await s.post({ type: 'message', text: 'which currencies does Kartra support?' });
  await s.replies(greeted.watermark);
}
