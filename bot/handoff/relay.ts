import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { AgentPresence } from '../store/presence';

export type AgentEvent =
  | { type: 'queue' }
  | { type: 'message'; handoffId: string; role: 'user' | 'bot' | 'agent'; text: string; at: string; attachments?: { name: string; url?: string }[] }
  | { type: 'typing'; handoffId: string }
  | { type: 'ended'; handoffId: string; status: string }
  | { type: 'notice'; handoffId: string; text: string };

const KEEP_ALIVE_MS = 25_000;
/** Console tabs one agent may have open; past this the oldest stream is closed. */
const STREAMS_PER_AGENT = 10;
/** Bytes queued for a console that does not read; past this its stream is dropped (EventSource reconnects). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

interface Subscriber { agent: string; session: string; id: string }

/**
 * Live updates for signed-in agents over server-sent events: queue changes go to everyone, a
 * conversation's messages only to the agent who took it. Each stream belongs to a sign-in session and
 * ends with it (sign-out, expiry).
 */
export class AgentRelay {
  private readonly streams = new Map<ServerResponse, Subscriber>();
  private readonly keepAlive: NodeJS.Timeout;

  /** `sessionValid` is asked now and then, so an expired session's stream does not outlive it. */
  /**
   * `presence`: who has a console open on any instance (for the wait estimate); without it, this
   * instance's streams count.
   */
  constructor(private readonly sessionValid: (session: string) => Promise<boolean> = async () => true, private readonly presence?: AgentPresence) {
    // A comment line now and then keeps proxies from closing an idle stream.
    this.keepAlive = setInterval(() => this.tick(), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  subscribe(agent: string, session: string, res: ServerResponse): void {
    const mine = [...this.streams].filter(([, s]) => s.agent === agent).map(([r]) => r);
    for (const old of mine.slice(0, Math.max(0, mine.length - STREAMS_PER_AGENT + 1))) this.drop(old);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    const id = crypto.randomUUID();
    this.streams.set(res, { agent, session, id });
    void this.presence?.here(id, agent).catch(() => undefined);
    res.on('close', () => {
      this.streams.delete(res);
      void this.presence?.gone(id).catch(() => undefined);
    });
  }

  /** To one agent, or to every agent when `agent` is undefined. */
  publish(event: AgentEvent, agent?: string): void {
    const data = `data: ${JSON.stringify(event)}\n\n`;
    for (const [res, s] of this.streams) if (agent === undefined || s.agent === agent) this.write(res, data);
  }

  /** Ends every stream of a sign-in session (the agent signed out). */
  endSession(session: string): void {
    for (const [res, s] of this.streams) if (s.session === session) this.drop(res);
  }

  /** Agents with the console open, on any instance. */
  async online(): Promise<number> {
    const here = new Set([...this.streams.values()].map((s) => s.agent)).size;
    if (!this.presence) return here;
    return Math.max(here, await this.presence.online().catch(() => here));
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const res of this.streams.keys()) res.end();
    this.streams.clear();
  }

  private tick(): void {
    // Keeps this instance's consoles counted as online; rows of an instance that stopped expire.
    void this.presence?.heartbeat([...this.streams.values()].map((s) => s.id)).catch(() => undefined);
    for (const [res, s] of this.streams) {
      void this.sessionValid(s.session).then((valid) => {
        if (!valid) this.drop(res);
        else if (this.streams.has(res)) this.write(res, ': keep-alive\n\n');
      }, () => undefined);
    }
  }

  private write(res: ServerResponse, data: string): void {
    if (res.writableLength > MAX_BUFFERED_BYTES) { this.drop(res); return; }
    res.write(data);
  }

  private drop(res: ServerResponse): void {
    this.streams.delete(res);
    res.end();
    res.destroy();
  }
}
