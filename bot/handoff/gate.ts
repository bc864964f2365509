import { ActivityTypes, HandoffEventNames, type Middleware, type TurnContext } from 'botbuilder';
import type { HandoffService } from './service';

/**
 * Runs before the bot: while a conversation waits for or talks to a person the bot stays silent and the
 * user's words go to the agent; "cancel" while waiting leaves the queue. Handles handoff.status events.
 */
export class HandoffGate implements Middleware {
  constructor(private readonly service: HandoffService, private readonly isCancel: (text: string) => boolean) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const a = context.activity;
    if (a.type === ActivityTypes.Event && a.name === HandoffEventNames.HandoffStatus) {
      await this.service.onStatus(context);
      return;
    }
    if (await this.service.relayUser(context, this.isCancel)) return;
    await next();
  }
}
