import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';

/** Channels that show a "typing…" indicator. */
const SHOWS_TYPING = new Set(['directline', 'webchat', 'msteams']);

/**
 * Sends a typing activity as soon as a message arrives, so the user sees the bot working while a turn that
 * writes a ticket or loads state runs. The channel drops it once the first reply arrives.
 */
export class TypingIndicator implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    if (context.activity.type === ActivityTypes.Message && SHOWS_TYPING.has(context.activity.channelId)) {
      await context.sendActivity({ type: ActivityTypes.Typing });
    }
    await next();
  }
}
