import { z } from 'zod';

const TokenResponseSchema = z.object({
  conversationId: z.string().min(1),
  token: z.string().min(1),
  expires_in: z.number().int().positive(),
}).loose();
export type AzureToken = z.infer<typeof TokenResponseSchema>;

export class DirectLineServiceError extends Error {}

/**
 * Azure Bot Service's Direct Line token API, called from the server so the secret never reaches a browser:
 * `tokens/generate` exchanges the secret for a token bound to one new conversation (and the user id),
 * `tokens/refresh` renews an unexpired token.
 */
export class AzureDirectLine {
  constructor(private readonly endpoint: string, private readonly secret: string, private readonly timeoutMs = 10_000) {}

  generate(userId: string): Promise<AzureToken> {
    return this.call('tokens/generate', this.secret, { user: { id: userId } });
  }

  refresh(token: string): Promise<AzureToken> {
    return this.call('tokens/refresh', token);
  }

  private async call(path: string, bearer: string, body?: unknown): Promise<AzureToken> {
    let res: Response;
    try {
      res = await fetch(`${this.endpoint}/${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new DirectLineServiceError(`Direct Line ${path} unreachable: ${(err as Error).name}`);
    }
    if (!res.ok) throw new DirectLineServiceError(`Direct Line ${path} answered ${res.status}`);
    const parsed = TokenResponseSchema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new DirectLineServiceError(`Direct Line ${path} sent an unexpected body`);
    return parsed.data;
  }
}
