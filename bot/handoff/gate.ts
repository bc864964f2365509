import { ActivityTypes, HandoffEventNames, type Middleware, type TurnContext } from 'botbuilder';
import type { HandoffService } from './service';

/**
 * Runs before the bot: the customer's words go to the agents while the conversation waits for or talks
 * to a person, and while a person has it the bot stays silent. Handles handoff.status events.
 */
export class HandoffGate implements Middleware {
  constructor(private readonly service: HandoffService) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const a = context.activity;
    if (a.type === ActivityTypes.Event && a.name === HandoffEventNames.HandoffStatus) {
      await this.service.onStatus(context);
      return;
    }
    if ((await this.service.relayUser(context)) === 'stop') return;
    await next();
  }
}
