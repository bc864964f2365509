import { ActivityTypes, CloudAdapter, TurnContext, type Activity, type InvokeResponse, type ResourceResponse } from 'botbuilder';
import { AuthenticationError, type AuthenticateRequestResult, type BotFrameworkAuthentication } from 'botframework-connector';
import { currentTurn } from './store/turnUnit';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './teams/retry';

/** What takes effect at once rather than as a message to the channel: typing, an invoke's answer, traces. */
const NOT_HELD = new Set<string>([ActivityTypes.Typing, ActivityTypes.InvokeResponse, ActivityTypes.Trace]);

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
  constructor(private readonly authentication: BotFrameworkAuthentication, private readonly retry: RetryOptions = DEFAULT_RETRY) {
    super(authentication);
  }

  /**
   * A turn's replies are sent after its commit (the route commits, then runs the unit's `after`): a
   * channel never shows a reply whose state a crash could still lose. The revocable turn context is gone
   * by then, so a plain one carries the connector client. Each reply is sent on its own, retried when
   * throttled, so a retry never repeats one that went through.
   */
  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const unit = currentTurn(context.activity.conversation?.id);
    if (!unit || activities.every((a) => NOT_HELD.has(a.type ?? ''))) return super.sendActivities(context, activities);
    const later = new TurnContext(this, context.activity);
    later.turnState.set(this.ConnectorClientKey, context.turnState.get(this.ConnectorClientKey));
    const held = activities.map((a) => ({ ...a }));
    unit.after.push(async () => {
      let refused: unknown;
      for (const a of held) {
        try {
          await withRetry(() => super.sendActivities(later, [{ ...a }]), this.retry);
        } catch (err) {
          refused ??= err;
        }
      }
      if (refused) throw refused;
    });
    return activities.map(() => ({ id: '' }));
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
