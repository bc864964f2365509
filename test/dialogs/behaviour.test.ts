import { Conversation, tempDir, testApp } from '../helpers';
import { finishTicket } from './complete';

describe('conversation behaviour', () => {
  const app = testApp();
  afterAll(() => app.close());

  describe('interruptions work in the middle of a tree', () => {
    it('help explains the way out and repeats the pending question', async () => {
      const c = new Conversation(app);
      await c.say('my ip is blocked');
      const help = await c.say('help');
      expect(help).toMatch(/“cancel”[\s\S]*“start over”[\s\S]*“talk to a person”/);
      expect(help).toMatch(/What is your Kartra account username\?/);
      expect(await c.say('jane_doe')).toMatch(/IP address that is blocked/);
    });

    it('greetings and thanks are answered without losing the place', async () => {
      const c = new Conversation(app);
      await c.say('my ip is blocked');
      expect(await c.say('hello')).toMatch(/carry on where we were[\s\S]*username/);
      expect(await c.say('thank you!')).toMatch(/You're welcome![\s\S]*username/);
    });

    it('cancel stops the tree and sends nothing; start over shows the topics', async () => {
      const before = (await app.services.tickets.list()).length;
      const c = new Conversation(app);
      await c.say('my ip is blocked');
      await c.say('jane_doe');
      expect(await c.say('cancel')).toMatch(/stopped that\. Nothing was sent/);
      expect(await c.say('jane_doe')).not.toMatch(/IP address that is blocked/);
      const d = new Conversation(app);
      await d.say('forgot my password');
      expect(await d.say('start over')).toMatch(/start over[\s\S]*I can't log in \| My IP address is blocked/);
      expect((await app.services.tickets.list()).length).toBe(before);
    });

    it('"talk to a person" mid-tree hands off and keeps what was already collected', async () => {
      const c = new Conversation(app);
      await c.say('my ip is blocked');
      await c.say('jane_doe');
      await c.say('203.0.113.50');
      expect(await c.say('can I speak to a real person please')).toMatch(/pass this conversation to a person/);
      await c.say('I am blocked since yesterday');
      const { reference } = await finishTicket(c);
      const t = await app.services.tickets.byReference(reference);
      expect(t).toMatchObject({ intent: 'ip_block', fields: { username: 'jane_doe', ip_address: '203.0.113.50', details: 'I am blocked since yesterday' } });
      expect(t?.note).toBe('Escalated (user_request) from ip_block.');
    });
  });

  it('a question about something else is answered and the tree resumes at the same question', async () => {
    const c = new Conversation(app);
    await c.say('my ip is blocked');
    await c.say('jane_doe');
    const d = await c.say('by the way, which currencies do you support?');
    expect(d).toMatch(/21 currencies/);
    expect(d).toMatch(/back to where we were[\s\S]*IP address that is blocked/);
    expect(await c.say('198.51.100.7')).toMatch(/What kind of place/);
  });

  it('an unsure guess becomes a clarifying question with the top guesses', async () => {
    const c = new Conversation(app);
    const q = await c.say('something is wrong with my account');
    expect(q).toMatch(/Which of these is it\?/);
    expect(q).toMatch(/\[.*I can't log in.*\| Something else\]/);
    expect(await c.say("I can't log in")).toMatch(/general tips/);
  });

  it('a new message instead of a choice is routed afresh, not answered with the same question', async () => {
    const c = new Conversation(app);
    expect(await c.say('something is wrong with my account')).toMatch(/Which of these is it\?/);
    expect(await c.say('actually kartra says my IP address is blocked')).toMatch(/IP block has to be cleared/);
  });

  it('two misses in a row hand the conversation to a person', async () => {
    const c = new Conversation(app);
    expect(await c.say('what is the capital of France?')).toMatch(/outside what I can help with[\s\S]*I can't log in/);
    const handoff = await c.say('tell me a joke');
    expect(handoff).toMatch(/going round in circles, so I'll get a person/);
    expect(handoff).toMatch(/pass this conversation to a person/);
  });

  describe('summary before the ticket opens', () => {
    it('lets the user correct a field by text, then shows the summary again', async () => {
      const c = new Conversation(app);
      await c.say('This Kartra account is not active');
      await c.say('wrong@example.com');
      expect(await c.say('XY99')).toMatch(/wrong@example\\\.com/);
      expect(await c.say('Correct a field')).toMatch(/Which one should I correct\?[\s\S]*Account email \| Support code/);
      expect(await c.say('Account email')).toMatch(/email address of your Kartra account/);
      const again = await c.say('right@example.com');
      expect(again).toMatch(/right@example\\\.com/);
      expect(again).not.toMatch(/wrong@example/);
      const done = await c.say('yes');
      const ref = /KT-[A-Z0-9]{6}/.exec(done)?.[0] ?? '';
      expect((await app.services.tickets.byReference(ref))?.fields.account_email).toBe('right@example.com');
    });

    it('shows an Adaptive Card in Web Chat whose confirm and correct buttons work', async () => {
      const c = new Conversation(app, { channelId: 'webchat' });
      await c.say('This Kartra account is not active');
      await c.say('card@example.com');
      const [card] = await c.send({ text: 'CODE42' });
      expect(card).toMatch(/"type":"AdaptiveCard"/);
      expect(card).toMatch(/"version":"1.5"/);
      expect(card).toContain('card@example\\\\.com');
      expect(await c.send({ value: { summary: 'correct', field: 'support_code' } })).toEqual([expect.stringMatching(/Support Code/)]);
      expect((await c.send({ text: 'CODE43' }))[0]).toMatch(/CODE43/);
      const done = (await c.send({ value: { summary: 'confirm' } })).join(' ');
      const ref = /KT-[A-Z0-9]{6}/.exec(done)?.[0] ?? '';
      expect((await app.services.tickets.byReference(ref))?.fields).toEqual({ account_email: 'card@example.com', support_code: 'CODE43' });
    });

    it('cancel at the summary opens nothing', async () => {
      const before = (await app.services.tickets.list()).length;
      const c = new Conversation(app);
      await c.say('This Kartra account is not active');
      await c.say('a@example.com');
      await c.say('CODE1');
      expect(await c.say('Cancel')).toMatch(/Nothing was sent/);
      expect((await app.services.tickets.list()).length).toBe(before);
    });
  });

  it('re-asks an email without @ and an empty answer with the reason', async () => {
    const c = new Conversation(app);
    await c.say('This Kartra account is not active');
    expect(await c.say('jane.example.com')).toMatch(/it has no @[\s\S]*email address of your Kartra account/);
    expect(await c.send({ text: '   ' })).toEqual([expect.stringMatching(/I didn't get an answer/)]);
    expect(await c.say('my email is Jane@Example.com thanks')).toMatch(/Support Code/);
  });

  it('three failed answers inside the hand-off offer a retry, not another hand-off', async () => {
    const c = new Conversation(app);
    await c.say('talk to a human');
    await c.say('my problem');
    await c.say('not an email');
    await c.say('still not');
    const third = await c.say('nope');
    expect(third).toMatch(/Shall we try once more\?/);
    expect(third).toMatch(/\[Try again \| Cancel\]/);
    expect(await c.say('Try again')).toMatch(/email address/);
  });

  it('resumes at the same question after the server restarts (state in SQLite)', async () => {
    const dir = tempDir();
    const first = testApp(dir);
    const c1 = new Conversation(first, { conversationId: 'restart-1' });
    await c1.say('my ip is blocked');
    expect(await c1.say('jane_doe')).toMatch(/IP address that is blocked/);
    await first.close();

    const second = testApp(dir);
    const c2 = new Conversation(second, { conversationId: 'restart-1' });
    expect(await c2.say('192.0.2.44')).toMatch(/What kind of place/);
    await second.close();
  });

  describe('bad input', () => {
    it('a 10,000-character message is handled and stored verbatim in the transcript', async () => {
      const c = new Conversation(app);
      const long = 'my ip is blocked '.repeat(600).slice(0, 10_000);
      expect(await c.say(long)).toMatch(/username/);
      expect(await c.say('x'.repeat(10_000))).toMatch(/That's 10,000 characters; please keep it under 64\.[\s\S]*username/);
      const t = app.services.transcripts.list(c.id);
      expect(t[0]?.text).toBe(long);
    });

    it('a too-long free-text answer is refused with the limit', async () => {
      const c = new Conversation(app);
      await c.say('open a support ticket');
      await c.say('Open a ticket');
      expect(await c.say('a'.repeat(2500))).toMatch(/That's 2,500 characters; please keep it under 2,000/);
    });

    it('emoji, right-to-left text and HTML are kept verbatim and echoed only as inert text', async () => {
      const c = new Conversation(app);
      await c.say('contact support');
      await c.say('Open a ticket');
      const html = '<script>alert(1)</script> <b>bold</b> 🙂 مرحبا بالعالم';
      await c.say(html);
      await c.say('rtl@example.com');
      const summary = await c.say('ABC123');
      expect(summary).not.toContain('<script>');
      expect(summary).toContain('\\<script\\>');
      const done = await c.say('Open the ticket');
      const ref = /KT-[A-Z0-9]{6}/.exec(done)?.[0] ?? '';
      const t = await app.services.tickets.byReference(ref);
      expect(t?.fields.details).toBe(html);
      expect(t?.transcript.some((e) => e.text === html)).toBe(true);
    });

    it('an emoji-only or unknown-script message gets a clear answer, not a crash', async () => {
      expect(await new Conversation(app).say('🙂🙂🙂')).toMatch(/outside what I can help with/);
      expect(await new Conversation(app).say('שלום עולם')).toMatch(/outside what I can help with/);
    });
  });
});
