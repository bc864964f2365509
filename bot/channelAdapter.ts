import { CloudAdapter, type Activity, type TurnContext } from 'botbuilder';
import { AuthenticationError, type AuthenticateRequestResult, type BotFrameworkAuthentication } from 'botframework-connector';

export type ChannelResult =
  | { ok: true; status: number; body?: unknown }
  | { ok: false; status: 401; reason: 'invalid_token' | 'unverifiable_token' };

/**
 * The CloudAdapter for /api/messages, with authentication done first and separately: the SDK's own
 * `process()` answers 500 (and prints the stack to stderr) when the signing keys cannot be fetched, and
 * puts its error message in the response. Here any request whose token cannot be verified is a 401 with
 * no turn run, whatever the reason; the caller logs one line.
 */
export class ChannelAdapter extends CloudAdapter {
  constructor(private readonly authentication: BotFrameworkAuthentication) {
    super(authentication);
  }

  async handle(activity: Activity, authHeader: string, logic: (context: TurnContext) => Promise<void>): Promise<ChannelResult> {
    let auth: AuthenticateRequestResult;
    try {
      auth = await this.authentication.authenticateRequest(activity, authHeader);
    } catch (err) {
      return { ok: false, status: 401, reason: err instanceof AuthenticationError ? 'invalid_token' : 'unverifiable_token' };
    }
    const invoke = await this.processActivity(auth, activity, logic);
    return { ok: true, status: invoke?.status ?? 200, ...(invoke?.body !== undefined ? { body: invoke.body } : {}) };
  }
}
