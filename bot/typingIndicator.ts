import { ActivityTypes, DeliveryModes, TurnContext, type Activity, type Middleware } from 'botbuilder';

/** Channels that show a "typing…" indicator. */
const SHOWS_TYPING = new Set(['directline', 'webchat', 'msteams']);

/**
 * Sends a typing activity as soon as a message arrives, so the user sees the bot working while a turn
 * that writes a ticket or loads state runs. The channel drops it once the first reply arrives.
 *
 * It goes out past TurnContext.sendActivity on purpose: that marks the turn as "responded", and
 * botbuilder's prompts skip their retry prompt on a turn that has responded, so in every channel that
 * shows typing a refused answer got no reply at all. A typing indicator is not a response.
 */
export class TypingIndicator implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.type === ActivityTypes.Message && SHOWS_TYPING.has(context.activity.channelId)) {
      const typing = TurnContext.applyConversationReference({ type: ActivityTypes.Typing }, TurnContext.getConversationReference(context.activity)) as Partial<Activity>;
      if (context.activity.deliveryMode === DeliveryModes.ExpectReplies) context.bufferedReplyActivities.push(typing);
      else await context.adapter.sendActivities(context, [typing]);
    }
    await next();
  }
}
