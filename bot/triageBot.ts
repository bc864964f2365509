import {
  ActivityTypes, TeamsActivityHandler, TeamsInfo, TurnContext, type AdaptiveCardInvokeResponse, type AdaptiveCardInvokeValue,
  type BotState, type StatePropertyAccessor,
} from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { MainDialog } from '../dialogs/mainDialog';
import { readCustomer, readMemory } from '../dialogs/memory';
import { THANKS_EMOJI } from '../dialogs/messages';
import { recordEvent, type TriageServices } from '../dialogs/services';
import { extractSlots } from '../dialogs/slots';

const TEAMS = 'msteams';
const PROFILE_LOOKUP_MS = 2000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Greets new members and hands every message to the main dialog; state is saved at the end of each turn.
 * Every message is read for values the customer volunteers ("I'm at home, no VPN"), kept for the
 * questions ahead. In Teams it answers in channels and group chats only when @mentioned (mention
 * stripped before routing), greets on install, reads the user's email from their Teams profile (to
 * offer, not assume), and takes Adaptive Card Action.Execute invokes like Action.Submit messages.
 */
export class TriageBot extends TeamsActivityHandler {
  constructor(
    /** Conversation and user state, saved at the end of every turn. */
    private readonly states: BotState[],
    private readonly dialog: MainDialog,
    private readonly dialogState: StatePropertyAccessor<DialogState>,
    private readonly services: TriageServices,
  ) {
    super();
    this.onMessage(async (context, next) => {
      if (context.activity.channelId === TEAMS && !(await this.prepareTeamsMessage(context))) return next();
      // A quick-reply button posted as card data rather than as text (see TeamsShaping).
      const choice = (context.activity.value as { choice?: unknown } | undefined)?.choice;
      if (!context.activity.text && typeof choice === 'string') context.activity.text = choice;
      const memory = await readMemory(this.services.memory, context);
      // After a person had the conversation, the bot starts afresh rather than at a question from before.
      if (memory.withPerson && !(await this.services.handoff.waitingFor(context.activity.conversation.id)) && !(await this.services.handoff.isOpen(context.activity.conversation.id))) {
        memory.withPerson = false;
        await this.dialogState.delete(context);
        // An agent closed it and asked how it went: this message may be the rating, of that agent.
        const agent = await this.services.handoff.closedBy(context.activity.conversation.id);
        if (agent && memory.csatRating === undefined) { memory.csat = 'asked'; memory.csatAgent = agent; }
      }
      const text = context.activity.text ?? '';
      // A returning customer: the account email of their last ticket is offered where it is asked.
      if (memory.lastEmail === undefined) memory.lastEmail = (await readCustomer(this.services.customer, context)).lastEmail ?? '';
      // Every customer message counts for the lead's view; a "thanks" or "bye" is not coming back with a problem.
      // An answer to "how did I do?" is not coming back with a problem either.
      const control = text ? this.services.recognizer.control(text) ?? (THANKS_EMOJI.test(text) && !/[\p{L}\p{N}]/u.test(text) ? 'thanks' : undefined) : undefined;
      const rating = memory.csat && memory.csat !== 'done' ? 'csat' : undefined;
      await recordEvent(this.services, context, { kind: 'message', ...(control ?? rating ? { detail: control ?? rating } : {}) });
      // An address typed to look up a ticket is that ticket's, not necessarily the customer's own.
      if (text && !memory.lookingUp) memory.slots = { ...memory.slots, ...extractSlots(this.services.brain.rules.allFields(), text) };
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
        else if (botAdded) await context.sendActivity(this.dialog.greetingForGroups());
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
    const memory = await readMemory(this.services.memory, context);
    if (memory.profileEmail === undefined) {
      let email = '';
      try {
        // Not worth holding the customer's answer for: the connector retries a failing call for seconds.
        const member = await withTimeout(TeamsInfo.getMember(context, a.from.id), PROFILE_LOOKUP_MS);
        email = [member.email, member.userPrincipalName].find((v) => typeof v === 'string' && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) ?? '';
      } catch {
        // No profile (permissions, a guest, an outage, too slow): the bot simply asks, as everywhere else.
      }
      memory.profileEmail = email;
    }
    return true;
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    for (const state of this.states) await state.saveChanges(context, false);
  }
}
