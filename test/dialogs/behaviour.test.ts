// Dialog logic with a stub recognizer: what the bot does with a route does not hang on the trained
// classifier's scores (those are measured by npm run eval). Plus state across a restart and oversized input.
import type { Recognizer } from '../../dialogs/recognizer';
import type { IntentRoute } from '../../rules/router';
import type { RoutableIntent } from '../../rules/schema';
import { startApp, Conversation, sharedBrain, tempDir, testApp } from '../helpers';

/** A recognizer that answers from a table: text → route; anything else is out of scope. */
function stub(routes: Record<string, Partial<IntentRoute>>): Recognizer {
  const real = sharedBrain().router;
  return {
    control: (text) => real.control(text),
    pattern: (text) => (routes[text]?.intent === 'handoff.human' ? 'handoff.human' : undefined),
    classify: (text) => ({ intent: 'none', confidence: 1, source: 'classifier', alternatives: [], coverage: 1, ...routes[text] }),
  };
}

const unsure = (intent: RoutableIntent, ...others: RoutableIntent[]): Partial<IntentRoute> =>
  ({ intent, confidence: 0.4, alternatives: others.map((i) => ({ intent: i, score: 0.2 })) });

describe('dialog logic (stub recognizer)', () => {
  const app = testApp();
  afterAll(() => app.close());
  const withRecognizer = (r: Recognizer) => { app.services.recognizer = r; };
  afterEach(() => { app.services.recognizer = sharedBrain().router; });

  it('an unsure route asks which of the guesses it is, plus "something else"; a pick starts that tree', async () => {
    withRecognizer(stub({ 'it is broken': unsure('login.cant_login', 'ip_block', 'domains.connect') }));
    const c = new Conversation(app);
    expect(await c.say('it is broken')).toMatch(/Which of these is it\?[\s\S]*\[I can't log in \| My IP address is blocked \| Connect or fix a custom domain \| Something else\]/);
    expect(await c.say('the second one')).toMatch(/IP block has to be cleared[\s\S]*username/);
  });

  it('an answer that is none of the guesses is routed as a new message', async () => {
    withRecognizer(stub({ 'it is broken': unsure('login.cant_login', 'ip_block'), 'my domain': { intent: 'domains.connect', confidence: 0.95 } }));
    const c = new Conversation(app);
    await c.say('it is broken');
    expect(await c.say('my domain')).toMatch(/connect your own domain/);
  });

  it('"Something else" says so and shows the topics', async () => {
    withRecognizer(stub({ 'it is broken': unsure('login.cant_login', 'ip_block') }));
    const c = new Conversation(app);
    await c.say('it is broken');
    expect(await c.say('Something else')).toMatch(/none of those[\s\S]*\[I can't log in \|/);
  });

  it('out-of-scope messages are declined with the topics; the second in a row offers a person, and opens nothing', async () => {
    withRecognizer(stub({}));
    const before = (await app.services.tickets.list()).length;
    const c = new Conversation(app);
    expect(await c.say('first thing')).toMatch(/outside what I can help with[\s\S]*\[I can't log in \|/);
    expect(await c.say('second thing')).toMatch(/going round in circles[\s\S]*\[Talk to a person \| No, thanks\]/);
    expect(await c.say('No, thanks')).toMatch(/let's keep going/);
    expect((await app.services.tickets.list()).length).toBe(before);
    expect((await app.handoff.list()).some((h) => h.conversationId === c.id)).toBe(false);
  });

  it('a follow-up is answered from the topic just answered when the help text answers it directly', async () => {
    withRecognizer(stub({ 'webinar limits please': { intent: 'faq.webinar_limits', confidence: 0.99 } }));
    const c = new Conversation(app);
    expect(await c.say('webinar limits please')).toMatch(/Growth/);
    expect(await c.say('and on Starter?')).toBe('Webinars are not included with the Starter plan.');
    // Nothing the help text says about it: not made up, the usual routing answers.
    expect(await c.say('and what about the moon?')).toMatch(/outside what I can help with/);
  });
});

describe('state and bad input', () => {
  const app = testApp();
  afterAll(() => app.close());

  it('resumes at the same question after the server restarts (state in SQLite)', async () => {
    const dir = tempDir();
    const first = await startApp(dir);
    const c1 = new Conversation(first, { conversationId: 'restart-1' });
    await c1.say('my ip is blocked');
    expect(await c1.say('jane_doe')).toMatch(/IP address that is blocked/);
    await first.close();

    const second = await startApp(dir);
    const c2 = new Conversation(second, { conversationId: 'restart-1' });
    expect(await c2.say('192.0.2.44')).toMatch(/What kind of place/);
    await second.close();
  });

  it('a 10,000-character message is handled and stored verbatim; an over-long answer is refused with the limit', async () => {
    const c = new Conversation(app);
    const long = 'my ip is blocked '.repeat(600).slice(0, 10_000);
    expect(await c.say(long)).toMatch(/username/);
    expect(await c.say('x'.repeat(10_000))).toMatch(/That's 10,000 characters; please keep it under 64\.[\s\S]*username/);
    expect((await app.services.transcripts.list(c.id))[0]?.text).toBe(long);
    const d = new Conversation(app);
    await d.say('open a support ticket');
    await d.say('Open a ticket');
    expect(await d.say('a'.repeat(2500))).toMatch(/That's 2,500 characters; please keep it under 2,000/);
  });
});
