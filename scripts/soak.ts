// `npm run soak`: the reliability suite, against real server processes on loopback. Seeded fuzzing of every
// route, kill -9 in the middle of conversations, many customers at once, memory over many conversations;
// prints a table of figures and exits non-zero when a target is missed.
//   npm run soak -- [--seed 1] [--fuzz 10000] [--resume 20] [--load-users 200] [--load-seconds 60] [--memory 10000] [--quick]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashSecret } from '../bot/agent/secrets';
import { DirectLineSession } from './soak/directLineClient';
import { fuzzCases, type FuzzContext } from './soak/fuzzCases';
import { emptyReport, formatReport, mergeReports, runFuzz, type FuzzReport } from './soak/fuzzRunner';
import { runLoad, runMemory, type LoadReport, type MemoryReport } from './soak/load';
import { runResume, type ResumeReport } from './soak/resume';
import { startServer, type ServerProcess } from './soak/serverProcess';

interface Options { seed: number; fuzz: number; resume: number; loadUsers: number; loadSeconds: number; memory: number }

function options(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const opts: Options = quick
    ? { seed: 1, fuzz: 1000, resume: 5, loadUsers: 50, loadSeconds: 15, memory: 1000 }
    : { seed: 1, fuzz: 10_000, resume: 20, loadUsers: 200, loadSeconds: 60, memory: 10_000 };
  const flags: Record<string, keyof Options> = { '--seed': 'seed', '--fuzz': 'fuzz', '--resume': 'resume', '--load-users': 'loadUsers', '--load-seconds': 'loadSeconds', '--memory': 'memory' };
  for (let i = 0; i < argv.length; i++) {
    const key = flags[argv[i] ?? ''];
    if (!key) continue;
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${argv[i - 1]} needs a whole number, got ${argv[i]}`);
    opts[key] = value;
  }
  return opts;
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const tmp = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `kt-soak-${name}-`));
const AGENT_SECRET = 'soak-agent-secret-1';

/** A server for fuzzing, with an agent signed in and a conversation open, so cases reach past the auth checks. */
async function fuzzTarget(dataDir: string): Promise<{ server: ServerProcess; ctx: FuzzContext }> {
  const uploadMaxBytes = 256 * 1024;
  const server = await startServer({
    DATA_DIR: dataDir, LOG_LEVEL: 'warn', AGENTS: `Soak=${hashSecret(AGENT_SECRET)}`, UPLOAD_MAX_BYTES: String(uploadMaxBytes),
    WIDGET_TOKENS_PER_SECOND: '1000',
  });
  const s = await DirectLineSession.start(server.url);
  const login = await fetch(`${server.url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `name=Soak&secret=${AGENT_SECRET}` });
  const agentCookie = /kt_agent=[\w-]+/.exec(login.headers.getSetCookie().join('; '))?.[0];
  return { server, ctx: { token: s.token, conversationId: s.conversationId, userId: s.userId, uploadMaxBytes, ...(agentCookie ? { agentCookie } : {}) } };
}

/** Every case once; a crash is recorded, the server restarted on the same data, and the run carried on. */
async function fuzz(opts: Options): Promise<FuzzReport> {
  const dataDir = tmp('fuzz');
  let { server, ctx } = await fuzzTarget(dataDir);
  const cases = fuzzCases(opts.seed, opts.fuzz, ctx);
  let report = emptyReport();
  let from = 0;
  while (from < cases.length) {
    const part = await runFuzz(server.url, cases.slice(from), { alive: server.alive, onProgress: (n) => { if ((from + n) % 1000 === 0) say(`  fuzz: ${from + n}/${cases.length}`); } });
    for (const crash of part.crashes) for (const list of [crash.inFlight, crash.recent]) for (const c of list) c.index += from;
    report = mergeReports(report, part);
    from += part.resumeFrom;
    if (from < cases.length) {
      say(`  fuzz: the server died near case ${from}; restarting it`);
      if (server.alive()) await server.stop('SIGKILL');
      ({ server } = await fuzzTarget(dataDir));
    }
  }
  const stderr = server.errors();
  if (await server.stop() !== 0 || stderr) say(`  fuzz: the server's exit was not clean${stderr ? `; stderr:\n${stderr.slice(0, 2000)}` : ''}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return report;
}

async function load(opts: Options): Promise<{ load: LoadReport; memory: MemoryReport }> {
  const dataDir = tmp('load');
  // One test client on one address plays every customer: lift the per-address limits meant for strangers.
  const server = await startServer({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', WIDGET_TOKENS_PER_SECOND: '10000', STREAMS_PER_ADDRESS: '100000' });
  try {
    say(`  load: ${opts.loadUsers} customers for ${opts.loadSeconds} s`);
    const loadReport = await runLoad({ url: server.url, dataDir, customers: opts.loadUsers, seconds: opts.loadSeconds });
    say(`  memory: ${opts.memory} conversations`);
    const memory = await runMemory({ url: server.url, rss: server.rss, conversations: opts.memory, concurrency: 20, onProgress: (n) => { if (n % 2000 === 0) say(`  memory: ${n}/${opts.memory}`); } });
    return { load: loadReport, memory };
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function table(rows: Array<[string, string | number, string]>): string {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => String(r[1]).length));
  return rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${String(b).padStart(w1)}  ${c}`).join('\n');
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  say(`soak: seed ${opts.seed}`);
  say(`fuzz: ${opts.fuzz} cases`);
  const f = await fuzz(opts);
  say(`resume: ${opts.resume} conversations, each killed with SIGKILL once`);
  const r: ResumeReport = await runResume({ conversations: opts.resume, seed: opts.seed, onProgress: (n) => say(`  resume: ${n}/${opts.resume}`) });
  const { load: l, memory: m } = await load(opts);

  const families = Object.values(f.families);
  const sum = (pick: (s: (typeof families)[number]) => number) => families.reduce((n, s) => n + pick(s), 0);
  const fiveHundreds = sum((s) => s.serverErrors);
  const hangs = sum((s) => s.hangs);
  const unanswered = sum((s) => s.connErrors);
  console.log(`\n${formatReport(f)}\n`);
  console.log(table([
    ['fuzzed requests (seed ' + opts.seed + ')', f.sent, ''],
    ['  crashes', f.crashes.length, 'target 0'],
    ['  5xx (other than 501)', fiveHundreds, 'target 0'],
    ['  hangs over 5 s', hangs, 'target 0'],
    ['  connections closed unanswered', unanswered, 'target 0'],
    ['kill -9 resumes', `${r.resumed}/${r.conversations}`, `same question, every earlier answer, one ticket (${r.resent} messages re-sent, as Web Chat does)`],
    ['  bot messages shown twice', r.repeatedReplies, 'target 0'],
    [`concurrent customers (${l.customers} for ${l.seconds} s)`, l.conversations, `conversations, ${l.turns} turns`],
    ['  errors', l.errors, 'target 0'],
    ['  tickets per ticket conversation', `${l.tickets.one} one`, `${l.tickets.none} none, ${l.tickets.more} more than one (target 0 and 0)`],
    ['  reply time p50 / p99', `${l.p50Ms} / ${l.p99Ms} ms`, ''],
    [`RSS before / after ${m.conversations} conversations`, `${m.rssBeforeMb} / ${m.rssAfterMb} MB`, `${m.errors} errors`],
  ]));
  for (const failure of [...r.failures, ...l.failures].slice(0, 20)) console.log(`  - ${failure}`);
  const ok = f.crashes.length === 0 && fiveHundreds === 0 && hangs === 0 && unanswered === 0 && r.resumed === r.conversations && r.repeatedReplies === 0
    && l.errors === 0 && l.tickets.none === 0 && l.tickets.more === 0 && m.errors === 0;
  console.log(ok ? '\nAll targets met.' : '\nTargets missed: see above.');
  process.exitCode = ok ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
