// kill -9 in the middle of conversations: does each one resume at the same question, with every earlier
// answer, and without the bot repeating itself?
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { activityFor, botText, ipBlock, playTurn, supportTicket, type CustomerScript } from './customers';
import { DirectLineSession } from './directLineClient';
import { Rng } from './rng';
import { startServer, type ServerProcess } from './serverProcess';
import { listTickets } from './tickets';

export interface ResumeReport {
  conversations: number;
  /** Resumed at the same question, and ended with a ticket holding every answer exactly. */
  resumed: number;
  /** Bot messages shown twice in a conversation (a turn's replies stored twice). */
  repeatedReplies: number;
  /** Kills that landed before the message was stored (the customer sent it again, as Web Chat's retry does). */
  resent: number;
  failures: string[];
}

function sameFields(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the bot's answer to the customer's activity with this client id, however the restart went. */
async function answerTo(s: DirectLineSession, clientId: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = (await s.since('')).activities;
    const at = all.findIndex((a) => (a.channelData as { clientActivityID?: string } | undefined)?.clientActivityID === clientId);
    const after = at >= 0 ? botText(all.slice(at + 1)) : '';
    if (after) return after;
    if (Date.now() > deadline) throw new Error('no answer after the restart');
    await sleep(50);
  }
}

/**
 * `databaseUrl`: failover instead of restart. Two instances share that PostgreSQL database; the one the
 * customer talks to is killed, and the customer's client reconnects to the other, as a load balancer
 * would send it; the killed one comes back as the spare.
 */
export async function runResume(opts: { conversations: number; seed: number; databaseUrl?: string; onProgress?: (done: number) => void }): Promise<ResumeReport> {
  const rng = new Rng(opts.seed);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kt-soak-resume-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', WIDGET_TOKENS_PER_SECOND: '1000', ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}) };
  let server: ServerProcess = await startServer(env);
  let spare: ServerProcess | undefined = opts.databaseUrl ? await startServer({ ...env, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'kt-soak-spare-')) }) : undefined;
  const port = String(server.port);
  const report: ResumeReport = { conversations: opts.conversations, resumed: 0, repeatedReplies: 0, resent: 0, failures: [] };
  const scripts: CustomerScript[] = [];
  try {
    for (let n = 0; n < opts.conversations; n++) {
      const script = n % 2 === 0 ? ipBlock(n) : supportTicket(n);
      scripts.push(script);
      const kill = rng.int(0, script.turns.length - 1);
      try {
        let s: DirectLineSession = await DirectLineSession.start(server.url);
        let watermark = (await s.replies('')).watermark;
        for (let t = 0; t < kill; t++) watermark = await playTurn(s, script.turns[t]!, watermark, `c${n}-${t}`);

        // The kill: after the message was accepted and at some point of its turn, or while it is in flight.
        const id = `c${n}-${kill}`;
        const turn = script.turns[kill]!;
        if (rng.chance(0.5)) {
          await s.post(activityFor(turn.say, id));
          await sleep(rng.int(0, 30));
        } else {
          void s.post(activityFor(turn.say, id)).catch(() => undefined);
          await sleep(rng.int(0, 3));
        }
        await server.stop('SIGKILL');
        if (spare) {
          // The other instance takes the conversation: the page reconnects there with its token.
          const killedPort = String(server.port);
          server = spare;
          s = new DirectLineSession(server.url, s.token, s.conversationId, s.userId);
          const reconnect = await s.call('GET', `/conversations/${s.conversationId}`);
          if (reconnect.status !== 200) throw new Error(`reconnect to the other instance: ${reconnect.status}`);
          spare = await startServer({ ...env, PORT: killedPort, DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'kt-soak-spare-')) });
        } else {
          server = await startServer({ ...env, PORT: port });
        }

        // As Web Chat does after reconnecting: if the message is not in the history, send it again.
        const history = (await s.since('')).activities;
        if (!history.some((a) => (a.channelData as { clientActivityID?: string } | undefined)?.clientActivityID === id)) {
          report.resent++;
          await s.post(activityFor(turn.say, id));
        }
        const answer = await answerTo(s, id);
        if (!turn.expect.test(answer)) throw new Error(`after the restart, expected ${turn.expect}, got ${JSON.stringify(answer.slice(0, 200))}`);
        watermark = (await s.since('')).watermark;
        for (let t = kill + 1; t < script.turns.length; t++) watermark = await playTurn(s, script.turns[t]!, watermark, `c${n}-${t}`);

        // A scripted conversation with valid answers never gets the same bot message twice.
        const said = (await s.since('')).activities.filter((a) => a.type === 'message' && a.from?.role === 'bot').map((a) => botText([a]));
        report.repeatedReplies += said.length - new Set(said).size;
        const ticket = (await listTickets(dataDir, opts.databaseUrl)).filter((x) => x.conversationId === s.conversationId);
        const expected = script.ticket;
        if (!expected || ticket.length !== 1 || !sameFields(ticket[0]?.fields ?? {}, expected.fields)) {
          throw new Error(`ticket: expected one with ${JSON.stringify(expected?.fields)}, got ${JSON.stringify(ticket.map((x) => x.fields))}`);
        }
        report.resumed++;
      } catch (err) {
        report.failures.push(`conversation ${n} (${script.name}, killed at turn ${kill + 1}): ${(err as Error).message}`);
        if (!server.alive()) server = await startServer({ ...env, PORT: port });
      }
      opts.onProgress?.(n + 1);
    }
  } finally {
    await server.stop();
    await spare?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return report;
}
