import type { Middleware, ResourceResponse, TurnContext } from 'botbuilder';

/** Teams throttles bots (about 7 sends a second per thread) and has transient gateway errors. */
const RETRYABLE = new Set([412, 429, 502, 504]);

export interface RetryOptions { retries: number; baseMs: number; sleep?: (ms: number) => Promise<void> }

export const DEFAULT_RETRY: RetryOptions = { retries: 4, baseMs: 500 };

function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; response?: { status?: number } };
  return e?.statusCode ?? e?.response?.status;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs a send, again after a 412/429/502/504, with exponential backoff and full jitter. */
export async function withRetry<T>(send: () => Promise<T>, options: RetryOptions = DEFAULT_RETRY): Promise<T> {
  const sleep = options.sleep ?? pause;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      const status = statusOf(err);
      if (attempt >= options.retries || status === undefined || !RETRYABLE.has(status)) throw err;
      await sleep(Math.random() * options.baseMs * 2 ** attempt);
    }
  }
}

/** Retries sends to Teams (proactive ones, such as an agent's; a turn's replies are retried as the adapter delivers them). */
export class TeamsRetry implements Middleware {
  constructor(private readonly options: RetryOptions = DEFAULT_RETRY) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.channelId === 'msteams') {
      context.onSendActivities(async (_ctx, _activities, send): Promise<ResourceResponse[]> => withRetry(send, this.options));
    }
    await next();
  }
}
