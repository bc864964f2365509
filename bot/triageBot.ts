import {
  ActivityTypes, TeamsActivityHandler, TeamsInfo, TurnContext, type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue,
  type ConversationState, type StatePropertyAccessor,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { extractEntities, type Entities } from '../dialogs/entities';
import type { MainDialog } from '../dialogs/mainDialog';

const TEAMS = 'msteams';
const PROFILE_LOOKUP_MS = 2000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Greets new members and hands every message to the main dialog; state is saved at the end of each turn.
 * In Teams it answers in channels and group chats only when @mentioned (mention stripped before routing),
 * greets on install, reads the user's email from their Teams profile (to offer, not assume), and takes
 * Adaptive Card Action.Execute invokes like Action.Submit messages.
 */
export class TriageBot extends TeamsActivityHandler {
  constructor(
    private readonly conversationState: ConversationState,
    private readonly dialog: MainDialog,
    private readonly dialogState: StatePropertyAccessor<DialogState>,
    private readonly entities: StatePropertyAccessor<Entities>,
  ) {
    super();
    this.onMessage(async (context, next) => {
      if (context.activity.channelId === TEAMS && !(await this.prepareTeamsMessage(context))) return next();
      // A quick-reply button posted as card data rather than as text (see TeamsShaping).
      const choice = (context.activity.value as { choice?: unknown } | undefined)?.choice;
      if (!context.activity.text && typeof choice === 'string') context.activity.text = choice;
      const text = context.activity.text ?? '';
      if (text) {
        const found = extractEntities(text);
        if (Object.keys(found).length) await this.entities.set(context, { ...(await this.entities.get(context, {})), ...found });
      }
      await this.dialog.run(context, this.dialogState);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const a = context.activity;
      const added = a.membersAdded ?? [];
      const botAdded = added.some((m) => m.id === a.recipient?.id);
      const others = added.filter((m) => m.id !== a.recipient?.id);
      if (a.channelId === TEAMS) {
        // Installed: a welcome with the topics in personal chat; in a team or group chat, how to ask.
        if (botAdded && a.conversation?.conversationType === 'personal') await context.sendActivity(this.dialog.greeting());
        else if (botAdded) await context.sendActivity("Hi! I'm the Kartra support assistant. Mention me (@Kartra Support) with a question about logging in, a blocked IP, a purchase, custom domains or billing.");
      } else if (others.length > 0) {
        await context.sendActivity(this.dialog.greeting());
      }
      await next();
    });
  }

  /** Action.Execute on a card: the same as Action.Submit (a message whose value is the card's data). */
  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    context.activity.type = ActivityTypes.Message;
    context.activity.value = invokeValue.action?.data ?? {};
    await this.dialog.run(context, this.dialogState);
    // Teams wants a string value for a message response; the SDK's type only allows an object.
    return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'OK' } as unknown as AdaptiveCardInvokeResponse;
  }

  /**
   * Teams specifics before routing: false for a channel or group message that does not mention the bot.
   * Strips the mention, and looks up the user's profile email once per conversation.
   */
  private async prepareTeamsMessage(context: TurnContext): Promise<boolean> {
    const a = context.activity;
    if (a.conversation?.conversationType !== 'personal') {
      const mentioned = (a.entities ?? []).some((e) => e.type === 'mention' && (e as { mentioned?: { id?: string } }).mentioned?.id === a.recipient?.id);
      if (!mentioned) return false;
    }
    if (a.text) a.text = TurnContext.removeRecipientMention(a).replace(/&nbsp;/g, ' ').trim();
    const known = await this.entities.get(context, {});
    if (known.profileEmail === undefined) {
      let email = '';
      try {
        // Not worth holding the customer's answer for: the connector retries a failing call for seconds.
        const member = await withTimeout(TeamsInfo.getMember(context, a.from.id), PROFILE_LOOKUP_MS);
        email = [member.email, member.userPrincipalName].find((v) => typeof v === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) ?? '';
      } catch {
        // No profile (permissions, a guest, an outage, too slow): the bot simply asks, as everywhere else.
      }
      await this.entities.set(context, { ...known, profileEmail: email });
    }
    return true;
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
  }
}
