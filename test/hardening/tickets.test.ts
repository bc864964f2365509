// No valid input may make a ticket impossible to open: every field of every ticket step at the longest
// value its validator takes, on a conversation id and channel id as long as the endpoint accepts.
import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter } from 'botbuilder';
import { DialogSet, DialogTurnStatus, type DialogState } from 'botbuilder-dialogs';
import { ChoiceStepPrompt } from '../../dialogs/choicePrompt';
import { FieldPrompt } from '../../dialogs/fieldPrompt';
import { checkField } from '../../dialogs/fieldValidators';
import { CHOICE_PROMPT, FIELD_PROMPT, FLOW_DIALOG, FlowDialog, SUMMARY_PROMPT, type FlowOptions } from '../../dialogs/flowDialog';
import { SummaryPrompt } from '../../dialogs/summary';
import type { FieldDef } from '../../rules/schema';
import type { RoutableIntent } from '../../rules/schema';
import { Conversation, tempDir, testApp, sharedBrain } from '../helpers';

/** The longest value each field type accepts (checked below against the validator itself). */
function longest(def: FieldDef): string {
  const label = 'a'.repeat(63);
  switch (def.type) {
    case 'text': return 'x'.repeat(def.max_length ?? 2000);
    case 'email': return `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`;
    case 'ip': return '2001:0db8:85a3:0000:0000:8a2e:0370:7334';
    case 'domain': return `${label}.${label}.${label}.${'a'.repeat(57)}.com`;
    case 'username': return 'u'.repeat(64);
    case 'support_code': return 'K9'.padEnd(64, 'U');
    case 'yesno': return 'Yes';
    case 'choice': return def.allow_other ? 'a shared office '.repeat(40).slice(0, 500).trim() : [...(def.choices ?? [])].sort((x, y) => y.length - x.length)[0] ?? '';
    case 'screenshot': return `https://example.com/${'s'.repeat(1980)}`;
  }
}

describe('tickets with long but valid values', () => {
  const app = testApp(tempDir());
  afterAll(() => app.close());

  it('a 253-character domain gives a subject cut with an ellipsis, and the ticket opens', async () => {
    const c = new Conversation(app);
    await c.say('my custom domain is not working');
    expect(await c.say('no')).toMatch(/Which domain/);
    const domain = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(domain).toHaveLength(253);
    expect(await c.say(domain)).toMatch(/primary domain/);
    await c.say('Subdomain');
    await c.say('The certificate is not issued');
    await c.say('owner@example.com');
    await c.say('AB12CD');
    const done = await c.say('Open the ticket');
    const reference = /KT-[A-Z0-9]{6}/.exec(done)?.[0];
    const ticket = (await app.services.tickets.list()).find((t) => t.reference === reference);
    expect(ticket?.subject).toHaveLength(200);
    expect(ticket?.subject.endsWith('…')).toBe(true);
    expect(ticket?.fields.domain).toBe(domain);
  });

  // The rules, not the app (which is made in beforeAll), list the ticket steps when the tests are declared.
  const steps = [...sharedBrain().rules.flows.values()].flatMap((flow) => Object.entries(flow.steps)
    .filter(([, step]) => step.type === 'ticket')
    .map(([stepId]) => [`${flow.id}.${stepId}`, flow.id, stepId] as const));

  it.each(steps)('%s opens with every field at its longest valid value', async (_name, flowId, stepId) => {
    const rules = app.brain.rules;
    const step = rules.flows.get(flowId)?.steps[stepId];
    if (step?.type !== 'ticket') throw new Error('not a ticket step');
    const fields: Record<string, string> = {};
    for (const name of new Set([...step.fields, ...rules.tickets.always_include])) {
      const def = rules.field(flowId, name);
      if (!def) throw new Error(`no field ${name}`);
      const value = longest(def);
      expect([name, checkField(def, { text: value }, rules.messages).ok]).toEqual([name, true]);
      fields[name] = value;
    }
    const intent = Object.entries(rules.intents).find(([, d]) => d.tree === flowId)?.[0] as RoutableIntent;

    const state = new ConversationState(new MemoryStorage());
    const messages = () => rules.messages;
    const dialogs = new DialogSet(state.createProperty<DialogState>('dialog'))
      .add(new FlowDialog(app.services)).add(new FieldPrompt(FIELD_PROMPT, messages)).add(new ChoiceStepPrompt(CHOICE_PROMPT, messages))
      .add(new SummaryPrompt(SUMMARY_PROMPT, messages));
    const conversationId = `${flowId}.${stepId}.`.padEnd(500, 'c');
    const adapter = new TestAdapter(async (context) => {
      const dc = await dialogs.createContext(context);
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) {
        await dc.beginDialog(FLOW_DIALOG, { intent, step: stepId, carried: { fields, attachments: [] } } satisfies FlowOptions);
      }
      await state.saveChanges(context);
    }, { channelId: 'x'.repeat(100), conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' }, from: { id: 'u'.repeat(500), name: 'U' } });
    const before = (await app.services.tickets.list()).length;
    await adapter.receiveActivity({ type: ActivityTypes.Message, text: 'start' });
    // A ticket shown for confirmation opens on the customer's "open it"; the hand-off's opens at once.
    if (step.confirm) await adapter.receiveActivity({ type: ActivityTypes.Message, value: { summary: 'confirm' } });
    const replies = adapter.activeQueue.splice(0).map((a) => a.text ?? '');
    expect(replies.join('\n')).toMatch(/Your ticket is open|added this to your ticket/);
    expect((await app.services.tickets.list()).length).toBe(before + 1);
  });
});
