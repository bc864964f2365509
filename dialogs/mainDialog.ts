import { ActivityTypes, MessageFactory, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import {
  ChoicePrompt, ComponentDialog, ConfirmPrompt, DialogSet, DialogTurnStatus, ListStyle, WaterfallDialog,
  type DialogContext, type DialogState, type DialogTurnResult, type FoundChoice, type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { answerText } from '../knowledge';
import type { ControlId, RoutableIntent } from '../rules/schema';
import { checkField } from './fieldValidators';
import { FieldPrompt } from './fieldPrompt';
import {
  CHOICE_PROMPT, CONFIRM_PROMPT, FIELD_PROMPT, FLOW_DIALOG, FlowDialog, SUMMARY_PROMPT, type FlowOptions,
} from './flowDialog';
import { isStronglyNegative } from '../knowledge/sentiment';
import { withChoices } from './messages';
import type { TriageServices } from './services';
import { SummaryPrompt } from './summary';

export const MAIN_DIALOG = 'main';
const ROUTE = 'route';
const CLARIFY_PROMPT = 'clarify';
const SOMETHING_ELSE = 'Something else';
const SORRY = "I'm sorry this has been so frustrating. Let me get a person from the support team to help you.";

interface RouteValues { stage?: 'clarify' | 'miss' | 'flow'; guesses?: RoutableIntent[]; text?: string }
const vals = (step: WaterfallStepContext) => step.values as RouteValues;

const QUESTION = /\?\s*$|^(what|which|how|where|when|why|who|can|could|do|does|is|are|will|should|may)\b/i;

/**
 * Routes each new message to a tree (pattern rules, then the classifier, with a clarifying question when
 * unsure) and, while a tree runs, handles what may come at any point: cancel, start over, help, greetings,
 * thanks, a request for a person, and questions about something else (answered, then the tree resumes).
 */
export class MainDialog extends ComponentDialog {
  constructor(private readonly services: TriageServices) {
    super(MAIN_DIALOG);
    this.addDialog(new FlowDialog(services))
      .addDialog(new FieldPrompt(FIELD_PROMPT))
      .addDialog(new ChoicePrompt(CHOICE_PROMPT, undefined, 'en-us'))
      // Any text ends the clarifying question: a choice, or a new message that is routed afresh.
      .addDialog(new ChoicePrompt(CLARIFY_PROMPT, async (p) => p.recognized.succeeded || Boolean(p.context.activity.text?.trim()), 'en-us'))
      .addDialog(new ConfirmPrompt(CONFIRM_PROMPT, undefined, 'en-us'))
      .addDialog(new SummaryPrompt(SUMMARY_PROMPT))
      .addDialog(new WaterfallDialog(ROUTE, [
        this.routeStep.bind(this), this.afterFirstPromptStep.bind(this), async (step) => step.endDialog(step.result),
      ]));
    this.initialDialogId = ROUTE;
  }

  private get brain() { return this.services.brain; }

  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const set = new DialogSet(accessor);
    set.add(this);
    const dc = await set.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.id);
  }

  topicsMessage(text: string) {
    const { topics, intents } = this.brain.rules;
    return withChoices(text, topics.map((t) => intents[t].label));
  }

  greeting() {
    return this.topicsMessage("Hi! I'm the Kartra support assistant. Tell me in your own words what's going on, or pick a topic:");
  }

  // ---- routing a new message ----------------------------------------------------------------------------

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const a = step.context.activity;
    const text = (a.text ?? '').trim();
    if (!text) {
      if (a.value !== undefined) await step.context.sendActivity("That form is no longer active. Tell me what you need and we'll start fresh.");
      else await step.context.sendActivity(this.topicsMessage('I can only read text here. What can I help you with?'));
      return step.endDialog();
    }
    const control = this.brain.router.control(text);
    if (control) {
      await this.answerControl(step.context, control, false);
      return step.endDialog();
    }
    if (this.frustrated(text)) {
      await step.context.sendActivity(SORRY);
      return this.handOff(step, 'negative_sentiment', text);
    }
    const byLabel = this.intentByLabel(text);
    if (byLabel) return this.startFlow(step, byLabel, text);
    const r = this.brain.router.classify(text);
    if (r.intent === 'none') return this.miss(step, "Sorry, that's outside what I can help with here.");
    if (r.confidence < this.brain.rules.escalation.classifier.clarify_below) {
      const guesses = [r.intent, ...r.alternatives.map((x) => x.intent)]
        .filter((i): i is RoutableIntent => i !== 'none').slice(0, this.brain.rules.escalation.classifier.clarify_choices);
      vals(step).stage = 'clarify';
      vals(step).guesses = guesses;
      vals(step).text = text;
      return step.prompt(CLARIFY_PROMPT, {
        prompt: MessageFactory.text("I want to be sure I send you the right way. Which of these is it?"),
        choices: [...guesses.map((g) => this.brain.rules.intents[g].label), SOMETHING_ELSE],
        style: ListStyle.suggestedAction,
      });
    }
    return this.startFlow(step, r.intent, text);
  }

  private async afterFirstPromptStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    if (vals(step).stage !== 'clarify') return step.endDialog(step.result);
    const found = step.result as FoundChoice | undefined;
    // Not one of the choices: the user said something new ("actually, my IP is blocked"), so route that.
    if (!found) return step.replaceDialog(ROUTE);
    const guesses = vals(step).guesses ?? [];
    const chosen = guesses[found.index];
    if (chosen) return this.startFlow(step, chosen, vals(step).text ?? "");
    vals(step).stage = 'miss';
    return this.miss(step, 'OK, none of those.');
  }

  private async startFlow(step: WaterfallStepContext, intent: RoutableIntent, text: string): Promise<DialogTurnResult> {
    await this.services.misses.set(step.context, 0);
    vals(step).stage = 'flow';
    return step.beginDialog(FLOW_DIALOG, { intent, text } satisfies FlowOptions);
  }

  /** Counts a message the bot could not place; the Nth in a row hands the conversation to a person. */
  private async miss(step: WaterfallStepContext, lead: string): Promise<DialogTurnResult> {
    const misses = (await this.services.misses.get(step.context, 0)) + 1;
    await this.services.misses.set(step.context, misses);
    if (misses >= this.brain.rules.escalation.misunderstood_in_a_row) {
      await this.services.misses.set(step.context, 0);
      await step.context.sendActivity(`${lead} I don't want to keep you going round in circles, so I'll get a person to help.`);
      return this.handOff(step, 'misunderstood', vals(step).text ?? '');
    }
    await step.context.sendActivity(this.topicsMessage(`${lead} Could you say it in other words? These are the things I can help with:`));
    return step.endDialog();
  }

  private handOff(step: WaterfallStepContext, reason: string, text: string): Promise<DialogTurnResult> {
    return step.beginDialog(FLOW_DIALOG, { intent: 'handoff.human', text, carried: { fields: {}, attachments: [], reason } } satisfies FlowOptions);
  }

  /** A strongly negative message (sentiment threshold in rules/escalation.yaml). */
  private frustrated(text: string): boolean {
    return isStronglyNegative(text, this.brain.rules.escalation.negative_sentiment);
  }

  private intentByLabel(text: string): RoutableIntent | undefined {
    const t = text.trim().toLowerCase();
    const entry = Object.entries(this.brain.rules.intents).find(([, d]) => d.label.toLowerCase() === t);
    return entry?.[0] as RoutableIntent | undefined;
  }

  private async answerControl(context: TurnContext, control: ControlId, midFlow: boolean): Promise<void> {
    switch (control) {
      case 'greeting':
        await context.sendActivity(midFlow ? 'Hi! Let’s carry on where we were.' : this.greeting());
        return;
      case 'thanks':
        await context.sendActivity(midFlow ? "You're welcome!" : "You're welcome! Anything else I can help with?");
        return;
      case 'help':
        await context.sendActivity(midFlow
          ? 'Answer the question below and I’ll carry on. You can also say “cancel” to stop, “start over” for the menu, or “talk to a person” at any time.'
          : this.topicsMessage('I can help with login trouble, blocked IP addresses, purchases from sellers who use Kartra, custom domains, billing and currencies, and questions the help center answers. Say “talk to a person” at any time. Pick a topic or describe your problem:'));
        return;
      case 'cancel':
        await context.sendActivity(midFlow ? "OK, I've stopped that. Nothing was sent. What else can I help with?" : "There's nothing to cancel. What can I help you with?");
        return;
      case 'restart':
        await context.sendActivity(this.topicsMessage("OK, let's start over. What can I help you with?"));
    }
  }

  // ---- interruptions while a tree runs ------------------------------------------------------------------

  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    return (await this.interrupt(innerDc)) ?? super.onContinueDialog(innerDc);
  }

  private async interrupt(dc: DialogContext): Promise<DialogTurnResult | undefined> {
    const a = dc.context.activity;
    const text = (a.text ?? '').trim();
    if (a.type !== ActivityTypes.Message || !text) return undefined;
    const router = this.brain.router;

    const control = router.control(text);
    if (control === 'cancel' || control === 'restart') {
      await dc.cancelAllDialogs();
      await this.answerControl(dc.context, control, true);
      return { status: DialogTurnStatus.complete };
    }
    if (control) {
      await this.answerControl(dc.context, control, true);
      await dc.repromptDialog();
      return { status: DialogTurnStatus.waiting };
    }

    const flow = FlowDialog.state(dc);
    const asked = router.pattern(text) === 'handoff.human';
    if ((asked || this.frustrated(text)) && flow?.intent !== 'handoff.human') {
      if (!asked) await dc.context.sendActivity(SORRY);
      await dc.cancelAllDialogs();
      return dc.beginDialog(FLOW_DIALOG, {
        intent: 'handoff.human', text,
        carried: { fields: flow?.fields ?? {}, attachments: flow?.attachments ?? [], ...(flow ? { from: flow.intent } : {}), reason: asked ? 'user_request' : 'negative_sentiment' },
      } satisfies FlowOptions);
    }

    if (flow && QUESTION.test(text)) return this.digress(dc, text, flow.intent);
    return undefined;
  }

  /** Answers a question about another topic from its article, then repeats the pending question. */
  private async digress(dc: DialogContext, text: string, current: RoutableIntent): Promise<DialogTurnResult | undefined> {
    const r = this.brain.router.classify(text);
    if (r.intent === 'none' || r.intent === current || r.confidence < this.brain.rules.escalation.classifier.digression_above) return undefined;
    const flow = this.brain.rules.flows.get(this.brain.rules.intents[r.intent].tree);
    const entry = flow?.steps[flow.entry[r.intent] ?? ''];
    if (entry?.type !== 'answer') return undefined;
    // An answer that is valid for the pending field wins over a digression ("is it 10.0.0.1?").
    const pending = dc.activeDialog?.id === FIELD_PROMPT ? FieldPrompt.spec(dc.activeDialog.state.options) : undefined;
    if (pending && pending.def.type !== 'text' && checkField(pending.def, { text }).ok) return undefined;
    const answer = answerText(this.brain.knowledge, entry.article, r.intent, text);
    if (!answer) return undefined;
    await dc.context.sendActivity(answer);
    await dc.context.sendActivity('Now, back to where we were:');
    await dc.repromptDialog();
    return { status: DialogTurnStatus.waiting };
  }
}
