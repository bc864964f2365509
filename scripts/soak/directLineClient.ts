import type { Activity } from 'botbuilder';

export interface TokenResponse { token: string; conversationId: string; userId: string; expiresIn: number; domain: string; resumed: boolean }
export interface ActivitySet { activities: Partial<Activity>[]; watermark: string }

/** Raw Direct Line calls for protocol tests (the real-client tests use botframework-directlinejs). */
export class DirectLineSession {
  constructor(readonly url: string, public token: string, readonly conversationId: string, readonly userId: string) {}

  static async token(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${url}/api/directline/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  }

  /** Token endpoint, then POST /conversations, as Web Chat does. */
  static async start(url: string): Promise<DirectLineSession & { streamUrl: string }> {
    const t = (await (await DirectLineSession.token(url)).json()) as TokenResponse;
    const s = new DirectLineSession(url, t.token, t.conversationId, t.userId);
    const res = await s.call('POST', '/conversations', { user: { id: t.userId }, locale: 'en-US' });
    if (res.status !== 201) throw new Error(`start: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { streamUrl: string };
    return Object.assign(s, { streamUrl: body.streamUrl });
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
}
