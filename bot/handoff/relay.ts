import type { ServerResponse } from 'node:http';

export type AgentEvent =
  | { type: 'queue' }
  | { type: 'message'; handoffId: string; role: 'user' | 'bot' | 'agent'; text: string; at: string; attachments?: { name: string; url?: string }[] }
  | { type: 'typing'; handoffId: string }
  | { type: 'ended'; handoffId: string; status: string };

const KEEP_ALIVE_MS = 25_000;

/**
 * Live updates for signed-in agents over server-sent events: queue changes go to everyone, a
 * conversation's messages only to the agent who took it.
 */
export class AgentRelay {
  private readonly streams = new Map<ServerResponse, string>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor() {
    // A comment line now and then keeps proxies from closing an idle stream.
    this.keepAlive = setInterval(() => { for (const res of this.streams.keys()) res.write(': keep-alive\n\n'); }, KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  subscribe(agent: string, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.streams.set(res, agent);
    res.on('close', () => this.streams.delete(res));
  }

  /** To one agent, or to every agent when `agent` is undefined. */
  publish(event: AgentEvent, agent?: string): void {
    const data = `data: ${JSON.stringify(event)}\n\n`;
    for (const [res, who] of this.streams) if (agent === undefined || who === agent) res.write(data);
  }

  /** Agents with the console open. */
  online(): number {
    return new Set(this.streams.values()).size;
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const res of this.streams.keys()) res.end();
    this.streams.clear();
  }
}
