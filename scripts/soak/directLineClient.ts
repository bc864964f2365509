import type { Activity } from 'botbuilder';
import WebSocket from 'ws';

export interface TokenResponse { token: string; conversationId: string; userId: string; expiresIn: number; domain: string; resumed: boolean; visitor?: string }
export interface ActivitySet { activities: Partial<Activity>[]; watermark: string }

/** Raw Direct Line calls, as Web Chat makes them: for protocol tests and the reliability suite (the real-client tests use botframework-directlinejs). */
export class DirectLineSession {
  constructor(readonly url: string, public token: string, readonly conversationId: string, readonly userId: string) {}

  static async token(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${url}/api/directline/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  }

  /** Token endpoint (with the browser's visitor pass, if given), then POST /conversations, as Web Chat does. */
  static async start(url: string, visitor?: string): Promise<DirectLineSession & { streamUrl: string; visitor?: string }> {
    const tokenRes = await DirectLineSession.token(url, visitor ? { visitor } : {});
    if (tokenRes.status !== 200) throw new Error(`token: ${tokenRes.status} ${await tokenRes.text()}`);
    const t = (await tokenRes.json()) as TokenResponse;
    const s = new DirectLineSession(url, t.token, t.conversationId, t.userId);
    const res = await s.call('POST', '/conversations', { user: { id: t.userId }, locale: 'en-US' });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { streamUrl: string };
    return Object.assign(s, { streamUrl: body.streamUrl, ...(t.visitor ? { visitor: t.visitor } : {}) });
  }

  call(method: string, path: string, body?: unknown, token: string | undefined = this.token, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.url}/v3/directline${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  }

  async post(activity: Record<string, unknown>): Promise<string> {
    const res = await this.call('POST', `/conversations/${this.conversationId}/activities`, { from: { id: this.userId }, ...activity });
    if (res.status !== 200) throw new Error(`post: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  }

  async since(watermark = ''): Promise<ActivitySet> {
    const res = await this.call('GET', `/conversations/${this.conversationId}/activities?watermark=${watermark}`);
    if (res.status !== 200) throw new Error(`activities: ${res.status} ${await res.text()}`);
    return (await res.json()) as ActivitySet;
  }

  /** The bot's message texts after a watermark. */
  async botTexts(watermark = ''): Promise<string[]> {
    return (await this.since(watermark)).activities.filter((a) => a.from?.role === 'bot' && a.type === 'message').map((a) => a.text ?? '');
  }

  /**
   * Polls until the bot has sent a message after `watermark`: a turn's replies are stored together, so
   * they arrive together. Resolves with the new activities and watermark; rejects after `timeoutMs`.
   */
  async replies(watermark: string, timeoutMs = 10_000): Promise<ActivitySet> {
    const deadline = Date.now() + timeoutMs;
    let seen: ActivitySet = { activities: [], watermark };
    for (;;) {
      const next = await this.since(seen.watermark);
      seen = { activities: [...seen.activities, ...next.activities], watermark: next.watermark };
      if (seen.activities.some((a) => a.from?.role === 'bot' && a.type === 'message')) return seen;
      if (Date.now() > deadline) throw new Error(`no reply from the bot within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** The conversation's WebSocket stream, as Web Chat holds it: every activity pushed, in order. */
export class ActivityStream {
  readonly activities: Partial<Activity>[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      this.activities.push(...(JSON.parse(data.toString()) as ActivitySet).activities);
      for (const wake of this.waiters.splice(0)) wake();
    });
    ws.on('close', () => { for (const wake of this.waiters.splice(0)) wake(); });
  }

  static open(streamUrl: string): Promise<ActivityStream> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(streamUrl);
      ws.once('open', () => resolve(new ActivityStream(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`stream refused: ${res.statusCode}`)));
    });
  }

  /** Resolves with the bot's messages after position `from`, once there is one; rejects after `timeoutMs`. */
  async botReplies(from: number, timeoutMs = 10_000): Promise<Partial<Activity>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const replies = this.activities.slice(from).filter((a) => a.type === 'message' && a.from?.role === 'bot');
      if (replies.length > 0) return replies;
      if (this.ws.readyState !== WebSocket.OPEN) throw new Error('the stream closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply from the bot within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}
