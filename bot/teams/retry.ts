import type { Middleware, ResourceResponse, TurnContext } from 'botbuilder';

/** Teams throttles bots (about 7 sends a second per thread) and has transient gateway errors. */
const RETRYABLE = new Set([412, 429, 502, 504]);

export interface RetryOptions { retries: number; baseMs: number; sleep?: (ms: number) => Promise<void> }

function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; response?: { status?: number } };
  return e?.statusCode ?? e?.response?.status;
}

/**
 * Retries a send to Teams that failed with 412/429/502/504, with exponential backoff and full jitter
 * (replies in a turn and proactive messages, such as an agent's, alike).
 */
export class TeamsRetry implements Middleware {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RetryOptions = { retries: 4, baseMs: 500 }) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.channelId === 'msteams') {
      context.onSendActivities(async (_ctx, _activities, send) => this.withRetry(send));
    }
    await next();
  }

  private async withRetry(send: () => Promise<ResourceResponse[]>): Promise<ResourceResponse[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        const status = statusOf(err);
        if (attempt >= this.options.retries || status === undefined || !RETRYABLE.has(status)) throw err;
        await this.sleep(Math.random() * this.options.baseMs * 2 ** attempt);
      }
    }
  }
}
