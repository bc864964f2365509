import { CloudAdapter, type Activity, type InvokeResponse, type TurnContext } from 'botbuilder';
import { AuthenticationError, type AuthenticateRequestResult, type BotFrameworkAuthentication } from 'botframework-connector';

export type Authentication =
  | { ok: true; result: AuthenticateRequestResult }
  | { ok: false; reason: 'invalid_token' | 'unverifiable_token' };

/**
 * The CloudAdapter for /api/messages, with authentication as its own step: the SDK's `process()` answers
 * 500 (and prints the stack to stderr) when the signing keys cannot be fetched, and puts its error message
 * in the response. Here a request whose token cannot be verified, for whatever reason, runs no turn; the
 * route answers 401 and logs one line.
 */
export class ChannelAdapter extends CloudAdapter {
  constructor(private readonly authentication: BotFrameworkAuthentication) {
    super(authentication);
  }

  async authenticate(activity: Activity, authHeader: string): Promise<Authentication> {
    try {
      return { ok: true, result: await this.authentication.authenticateRequest(activity, authHeader) };
    } catch (err) {
      return { ok: false, reason: err instanceof AuthenticationError ? 'invalid_token' : 'unverifiable_token' };
    }
  }

  /** Runs the turn; resolves with what goes in the HTTP response (replies for expectReplies, invoke results). */
  run(auth: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(auth, activity, logic);
  }
}
