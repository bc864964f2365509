// Sends fuzz cases to a running server and tallies what came back, per route family. It is built to keep
// going when the server misbehaves: every request has its own deadline and its own connection, and a dead
// server is noticed (through the caller's alive()) and reported with the cases that were in flight.
import http from 'node:http';
import net from 'node:net';
import { isRaw, ROUTE_FAMILIES, type FuzzCase, type HttpCase, type RawCase, type RouteFamily } from './types';

/**
 * What counts:
 * - an HTTP status line (any code, 101 included) is an answer; 5xx other than 501 is a server error, 501 is
 *   counted apart (it is how some stacks refuse unknown methods);
 * - no status line before the deadline is a hang, or, for a case marked expect: 'any' (deliberately
 *   incomplete requests), "silent as expected";
 * - a connection reset/closed before any status line is a connection error, again unless expect: 'any';
 * - a status line whose body does not end before the deadline is a body stall (server-sent events do that
 *   by design);
 * - a case node:http refuses to send is a client error: a bug in the generator, not in the server.
 */
export type FailureKind = '5xx' | 'hang' | 'connection' | 'body-stall' | 'client';

export interface FailureExample { name: string; kind: FailureKind; status?: number; error?: string; ms: number }

export interface FamilyStats {
  sent: number;
  /** Status code → count (raw cases included: 101 for an accepted upgrade). */
  statuses: Record<string, number>;
  /** 5xx answers other than 501. */
  serverErrors: number;
  notImplemented: number;
  hangs: number;
  bodyStalls: number;
  connErrors: number;
  /** Timeouts and closes on cases that expected nothing. */
  silentAsExpected: number;
  clientErrors: number;
  /** Slowest answered case, in ms. */
  maxMs: number;
  /** Up to MAX_EXAMPLES failures, in the order they happened, to replay by name. */
  examples: FailureExample[];
}

export interface CrashRecord {
  /** The cases started but not finished when the server was found dead: usually one of them killed it. */
  inFlight: { index: number; name: string }[];
  /**
   * The last cases answered before the death (as many as run at once). A server can answer and die a moment
   * later, e.g. when a part of the request it never read turns into an error: replay these too.
   */
  recent: { index: number; name: string }[];
  /** Cases fully recorded before the crash in this run. */
  afterCases: number;
}

export interface FuzzReport {
  families: Record<RouteFamily, FamilyStats>;
  sent: number;
  crashes: CrashRecord[];
  /** Index of the first case never started (cases.length when the run finished): where to carry on. */
  resumeFrom: number;
  elapsedMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  concurrency?: number;
  /** True while the server process runs; checked continuously and after every failed connection. */
  alive: () => boolean;
  onProgress?: (done: number) => void;
}

const MAX_EXAMPLES = 20;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_CONCURRENCY = 8;
/** A process that crashed takes a moment to be reaped: how long a failed connection waits before blaming nothing. */
const DEATH_GRACE_MS = 400;
const ALIVE_POLL_MS = 50;

type Outcome =
  | { kind: 'status'; status: number; ms: number; stalled: boolean }
  | { kind: 'timeout'; ms: number }
  | { kind: 'closed'; error: string; ms: number }
  | { kind: 'client'; error: string; ms: number };

/** A request in flight; `abort` ends it early once the server is known to be dead. */
interface Flight { index: number; name: string; abort: () => void }

function emptyStats(): FamilyStats {
  return { sent: 0, statuses: {}, serverErrors: 0, notImplemented: 0, hangs: 0, bodyStalls: 0, connErrors: 0, silentAsExpected: 0, clientErrors: 0, maxMs: 0, examples: [] };
}

export function emptyReport(): FuzzReport {
  const families = Object.fromEntries(ROUTE_FAMILIES.map((f) => [f, emptyStats()])) as Record<RouteFamily, FamilyStats>;
  return { families, sent: 0, crashes: [], resumeFrom: 0, elapsedMs: 0 };
}

function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}

/** Settles once; whatever happens after the first outcome (late errors, the deadline) is ignored. */
function settler(started: number, timeoutMs: number, onTimeout: () => Outcome, cleanup: () => void) {
  let done: ((o: Outcome) => void) | undefined;
  const promise = new Promise<Outcome>((resolve) => { done = resolve; });
  const timer = setTimeout(() => finish(onTimeout()), timeoutMs);
  function finish(o: Outcome): void {
    if (!done) return;
    const resolve = done;
    done = undefined;
    clearTimeout(timer);
    cleanup();
    resolve(o);
  }
  const ms = () => Date.now() - started;
  return { promise, finish, ms };
}

function sendHttp(base: URL, c: HttpCase, timeoutMs: number, register: (abort: () => void) => void): Promise<Outcome> {
  const started = Date.now();
  let status: number | undefined;
  let req: http.ClientRequest | undefined;
  const s = settler(started, timeoutMs, () => (status === undefined ? { kind: 'timeout', ms: Date.now() - started } : { kind: 'status', status, ms: Date.now() - started, stalled: true }), () => req?.destroy());
  try {
    // agent: false gives every case its own connection, so bytes a case leaves behind cannot reach the next one.
    req = http.request({ host: base.hostname, port: base.port, method: c.method, path: c.path, headers: c.headers, agent: false });
  } catch (err) {
    s.finish({ kind: 'client', error: errorCode(err), ms: s.ms() });
    return s.promise;
  }
  register(() => s.finish({ kind: 'closed', error: 'aborted', ms: s.ms() }));
  req.on('response', (res) => {
    status = res.statusCode ?? 0;
    const answered = (): Outcome => ({ kind: 'status', status: status ?? 0, ms: s.ms(), stalled: false });
    res.resume();
    res.on('end', () => s.finish(answered()));
    res.on('error', () => s.finish(answered()));
    res.on('aborted', () => s.finish(answered()));
  });
  req.on('error', (err) => s.finish(status === undefined ? { kind: 'closed', error: errorCode(err), ms: s.ms() } : { kind: 'status', status, ms: s.ms(), stalled: false }));
  req.end(c.body);
  return s.promise;
}

const STATUS_LINE = /^HTTP\/\d(?:\.\d)? (\d{3})/;

function sendRaw(base: URL, c: RawCase, timeoutMs: number, register: (abort: () => void) => void): Promise<Outcome> {
  const started = Date.now();
  const socket = net.connect({ host: base.hostname, port: Number(base.port) });
  const s = settler(started, timeoutMs, () => ({ kind: 'timeout', ms: Date.now() - started }), () => socket.destroy());
  register(() => s.finish({ kind: 'closed', error: 'aborted', ms: s.ms() }));
  let received = '';
  socket.on('connect', () => socket.write(c.raw));
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1');
    const m = STATUS_LINE.exec(received);
    if (m) s.finish({ kind: 'status', status: Number(m[1]), ms: s.ms(), stalled: false });
    else if (received.includes('\n') || received.length > 64) s.finish({ kind: 'closed', error: `not HTTP: ${JSON.stringify(received.slice(0, 40))}`, ms: s.ms() });
  });
  socket.on('error', (err) => s.finish({ kind: 'closed', error: errorCode(err), ms: s.ms() }));
  socket.on('close', () => s.finish({ kind: 'closed', error: received ? `partial: ${JSON.stringify(received.slice(0, 40))}` : 'closed without response', ms: s.ms() }));
  return s.promise;
}

function example(stats: FamilyStats, e: FailureExample): void {
  if (stats.examples.length < MAX_EXAMPLES) stats.examples.push(e);
}

/** Adds one outcome to its family's tally. */
function record(report: FuzzReport, c: FuzzCase, o: Outcome): void {
  const stats = report.families[c.family];
  stats.sent += 1;
  report.sent += 1;
  const quietOk = c.expect === 'any';
  if (o.kind === 'status') {
    stats.statuses[o.status] = (stats.statuses[o.status] ?? 0) + 1;
    stats.maxMs = Math.max(stats.maxMs, o.ms);
    if (o.status === 501) stats.notImplemented += 1;
    else if (o.status >= 500) { stats.serverErrors += 1; example(stats, { name: c.name, kind: '5xx', status: o.status, ms: o.ms }); }
    if (o.stalled && c.expect !== 'stream') { stats.bodyStalls += 1; example(stats, { name: c.name, kind: 'body-stall', status: o.status, ms: o.ms }); }
  } else if (o.kind === 'client') {
    stats.clientErrors += 1;
    example(stats, { name: c.name, kind: 'client', error: o.error, ms: o.ms });
  } else if (quietOk) {
    stats.silentAsExpected += 1;
  } else if (o.kind === 'timeout') {
    stats.hangs += 1;
    example(stats, { name: c.name, kind: 'hang', ms: o.ms });
  } else {
    stats.connErrors += 1;
    example(stats, { name: c.name, kind: 'connection', error: o.error, ms: o.ms });
  }
}

/** Resolves true if the server is (or becomes, within the grace period) dead. */
async function diedWithin(alive: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive()) return true;
    await new Promise((r) => setTimeout(r, ALIVE_POLL_MS));
  }
  return !alive();
}

/**
 * Sends `cases` to `baseUrl` with at most `concurrency` in flight and returns the tally. Stops at the first
 * crash: the report then names the cases in flight (replay them one by one to find the culprit) and
 * `resumeFrom`, the first case not yet sent, so a restarted server can take the rest.
 */
export async function runFuzz(baseUrl: string, cases: FuzzCase[], opts: RunOptions): Promise<FuzzReport> {
  const base = new URL(baseUrl);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const report = emptyReport();
  const started = Date.now();
  const inFlight = new Map<number, Flight>();
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY);
  const recent: { index: number; name: string }[] = [];
  let next = 0;
  let crashed = false;

  const crash = () => {
    if (crashed) return;
    crashed = true;
    report.crashes.push({ inFlight: [...inFlight.values()].map(({ index, name }) => ({ index, name })), recent: [...recent], afterCases: report.sent });
    for (const f of inFlight.values()) f.abort();
  };
  const watch = setInterval(() => { if (!opts.alive()) crash(); }, ALIVE_POLL_MS);

  const runOne = async (index: number) => {
    const c = cases[index] as FuzzCase;
    const flight: Flight = { index, name: c.name, abort: () => undefined };
    inFlight.set(index, flight);
    const register = (abort: () => void) => { flight.abort = abort; };
    const outcome = isRaw(c) ? await sendRaw(base, c, timeoutMs, register) : await sendHttp(base, c, timeoutMs, register);
    // A failed connection may be the server dying: wait to know before counting it against this case alone.
    if (outcome.kind !== 'status' && outcome.kind !== 'client' && await diedWithin(opts.alive, DEATH_GRACE_MS)) crash();
    if (!crashed) {
      record(report, c, outcome);
      recent.push({ index, name: c.name });
      if (recent.length > concurrency) recent.shift();
    }
    inFlight.delete(index);
    if (!crashed) opts.onProgress?.(report.sent);
  };
  const worker = async () => {
    while (!crashed && next < cases.length) {
      if (!opts.alive()) { crash(); break; }
      await runOne(next++);
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  // A server can answer the last case and die a moment later: look once more before calling the run clean.
  if (!crashed && await diedWithin(opts.alive, DEATH_GRACE_MS)) crash();
  clearInterval(watch);
  report.resumeFrom = next;
  report.elapsedMs = Date.now() - started;
  return report;
}

/** Sums two reports (e.g. the runs before and after a restart); examples stay capped per family. */
export function mergeReports(a: FuzzReport, b: FuzzReport): FuzzReport {
  const out = emptyReport();
  for (const f of ROUTE_FAMILIES) {
    const x = a.families[f];
    const y = b.families[f];
    const statuses = { ...x.statuses };
    for (const [code, n] of Object.entries(y.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
    out.families[f] = {
      sent: x.sent + y.sent, statuses, serverErrors: x.serverErrors + y.serverErrors, notImplemented: x.notImplemented + y.notImplemented,
      hangs: x.hangs + y.hangs, bodyStalls: x.bodyStalls + y.bodyStalls, connErrors: x.connErrors + y.connErrors,
      silentAsExpected: x.silentAsExpected + y.silentAsExpected, clientErrors: x.clientErrors + y.clientErrors,
      maxMs: Math.max(x.maxMs, y.maxMs), examples: [...x.examples, ...y.examples].slice(0, MAX_EXAMPLES),
    };
  }
  return { families: out.families, sent: a.sent + b.sent, crashes: [...a.crashes, ...b.crashes], resumeFrom: b.resumeFrom, elapsedMs: a.elapsedMs + b.elapsedMs };
}

/** A plain-text table of the report, one line per family, then crashes and the failing examples. */
export function formatReport(r: FuzzReport): string {
  const cols = ['family', 'sent', '5xx', '501', 'hang', 'stall', 'conn', 'silent', 'client', 'max ms', 'statuses'];
  const rows = ROUTE_FAMILIES.map((f) => {
    const s = r.families[f];
    const statuses = Object.entries(s.statuses).sort((p, q) => q[1] - p[1]).map(([c, n]) => `${c}:${n}`).join(' ');
    return [f, s.sent, s.serverErrors, s.notImplemented, s.hangs, s.bodyStalls, s.connErrors, s.silentAsExpected, s.clientErrors, s.maxMs, statuses].map(String);
  });
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => (i === cols.length - 1 ? 0 : (row[i] ?? '').length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ');
  const out = [line(cols), ...rows.map(line), '', `${r.sent} cases in ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.crashes.length} crash(es)`];
  r.crashes.forEach((c, i) => out.push(`crash ${i + 1} after ${c.afterCases} cases; in flight:`, ...c.inFlight.map((f) => `  ${f.name}`),
    '  answered just before:', ...c.recent.map((f) => `  ${f.name}`)));
  for (const f of ROUTE_FAMILIES) {
    const ex = r.families[f].examples;
    if (ex.length) out.push('', `${f}:`, ...ex.map((e) => `  ${e.kind}${e.status ? ` ${e.status}` : ''}${e.error ? ` ${e.error}` : ''} ${e.ms}ms  ${e.name}`));
  }
  return out.join('\n');
}
