import {
  ActivityTypes, BotAdapter, TurnContext, type Activity, type ChannelAccount, type ConversationReference, type ResourceResponse,
} from 'botbuilder';
import type { ClaimsIdentity } from 'botframework-connector';

export const LOCAL_CHANNEL_ID = 'directline';
/** Marks conversation references of this channel; there is no connector service behind it. */
export const LOCAL_SERVICE_URL = 'urn:kartra:local-directline';

type Logic = (context: TurnContext) => Promise<void>;

/**
 * Runs the bot in-process for the local Direct Line channel, as the terminal chat does: the same middleware
 * and bot as /api/messages, but replies go straight into the channel's history and live streams instead of
 * through a Bot Connector service. Works the same with or without app credentials, and proactive messages
 * (an agent's replies) need no outbound token.
 */
export class LocalDirectLineAdapter extends BotAdapter {
  constructor(
    readonly bot: ChannelAccount,
    private readonly deliver: (activity: Partial<Activity>) => Promise<Partial<Activity>>,
  ) {
    super();
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const a of activities) {
      if (a.type === 'delay') {
        await new Promise((resolve) => setTimeout(resolve, typeof a.value === 'number' ? a.value : 1000));
        responses.push({ id: '' });
        continue;
      }
      if (a.type === ActivityTypes.InvokeResponse) { responses.push({ id: '' }); continue; }
      const incoming = context.activity;
      const stored = await this.deliver({
        ...a,
        channelId: LOCAL_CHANNEL_ID,
        serviceUrl: LOCAL_SERVICE_URL,
        conversation: a.conversation ?? incoming.conversation,
        from: { ...this.bot, role: 'bot' },
        recipient: a.recipient ?? incoming.from,
        timestamp: new Date(),
      });
      responses.push({ id: stored.id ?? '' });
    }
    return responses;
  }

  async updateActivity(): Promise<void> {
    throw new Error('The Direct Line channel cannot update an activity already sent.');
  }

  async deleteActivity(): Promise<void> {
    throw new Error('The Direct Line channel cannot delete an activity already sent.');
  }

  async continueConversation(reference: Partial<ConversationReference>, logic: Logic): Promise<void> {
    const activity = TurnContext.applyConversationReference({ type: ActivityTypes.Event, name: 'ContinueConversation' }, reference, true);
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override async continueConversationAsync(
    _botAppIdOrClaims: string | ClaimsIdentity, reference: Partial<ConversationReference>, logicOrAudience: Logic | string, maybeLogic?: Logic,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new TypeError('continueConversationAsync needs a logic function');
    await this.continueConversation(reference, logic);
  }

  /** One turn for an activity that arrived from the page. */
  async processActivity(activity: Partial<Activity>, logic: Logic): Promise<void> {
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }
}
