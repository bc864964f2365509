import { Conversation, testApp } from '../helpers';
import { finishTicket } from './complete';

describe('login tree', () => {
  const app = testApp();
  afterAll(() => app.close());
  const ticket = async (ref: string) => app.services.tickets.byReference(ref);

  it("can't log in: tips, then the symptom question; not active leads to a Billing ticket", async () => {
    const c = new Conversation(app);
    const tips = await c.say("I can't log in to my account");
    expect(tips).toMatch(/don't try to log in over and over/);
    expect(tips).toMatch(/Account is not active \| I forgot my password \| Security question \| Something else/);
    expect(await c.say('Account is not active')).toMatch(/Billing[\s\S]*email address of your Kartra account/);
    const { reference } = await finishTicket(c);
    expect(await ticket(reference)).toMatchObject({ department: 'Billing', subject: 'This Kartra account is not active', fields: { account_email: 'owner@example.com', support_code: 'AB12CD' } });
  });

  it('the "not active" error message itself goes straight to the Billing ticket', async () => {
    const c = new Conversation(app);
    expect(await c.say('It says “This Kartra account is not active”')).toMatch(/investigated[\s\S]*Billing/);
    const { reference } = await finishTicket(c);
    expect((await ticket(reference))?.intent).toBe('login.account_inactive');
  });

  it('forgotten password: self-service steps, and "yes, that worked" ends happily', async () => {
    const c = new Conversation(app);
    const steps = await c.say('I forgot my password');
    expect(steps).toMatch(/spam/);
    expect(steps).toMatch(/promotions/);
    expect(steps).toMatch(/notifications@kartra\.com/);
    expect(steps).toMatch(/temporary password/);
    expect(steps).toMatch(/Did that get you back in\?/);
    expect(await c.say('yes')).toMatch(/glad that worked/);
  });

  it('forgotten password that still fails opens a ticket tied to the account email', async () => {
    const c = new Conversation(app);
    await c.say('forgot password');
    expect(await c.say('no')).toMatch(/tied to your account email[\s\S]*What happens when you try to reset/);
    expect(await c.say('The reset email never arrives, not even in spam')).toMatch(/email address of your Kartra account/);
    const { reference } = await finishTicket(c);
    expect(await ticket(reference)).toMatchObject({ subject: 'Unable to reset password', department: 'Support', fields: { reset_problem: 'The reset email never arrives, not even in spam' } });
  });

  it('security question: email support from the account email with the exact subject, and no ticket', async () => {
    const before = (await app.services.tickets.list()).length;
    const c = new Conversation(app);
    const answer = await c.say('I need to reset my security question');
    expect(answer).toMatch(/support@kartra\.com/);
    expect(answer).toMatch(/from the email address currently attached to your Kartra account/);
    expect(answer).toMatch(/Reset my Security Question/);
    expect((await app.services.tickets.list()).length).toBe(before);
  });

  it('security question from the symptom menu', async () => {
    const c = new Conversation(app);
    await c.say('cannot login');
    expect(await c.say('Security question')).toMatch(/Reset my Security Question/);
  });

  it('"something else": asks not to keep retrying and offers a ticket, a person or nothing', async () => {
    const c = new Conversation(app);
    await c.say('my login does not work');
    expect(await c.say('Something else')).toMatch(/don't keep retrying[\s\S]*Open a ticket \| Talk to a person \| No, thanks/);
    expect(await c.say('Open a ticket')).toMatch(/username/);
    expect(await c.say('janedoe')).toMatch(/What exactly happens when you try to log in/);
    await c.say('Spinner forever after I press the button');
    const { reference } = await finishTicket(c);
    expect(await ticket(reference)).toMatchObject({ subject: "Can't log in", fields: { username: 'janedoe', login_problem: 'Spinner forever after I press the button' } });

    const d = new Conversation(app);
    await d.say('my login does not work');
    await d.say('Something else');
    expect(await d.say('No, thanks')).toBe('');
  });

  it('the symptom menu leads to the password steps; "something else" can go to a person', async () => {
    const c = new Conversation(app);
    await c.say('I cannot sign in');
    expect(await c.say('I forgot my password')).toMatch(/temporary password[\s\S]*Did that get you back in\?/);
    const d = new Conversation(app);
    await d.say('I cannot sign in');
    await d.say('Something else');
    expect(await d.say('Talk to a person')).toMatch(/pass this conversation to a person/);
  });

  it('username: "no, that\'s all" ends without a ticket', async () => {
    const c = new Conversation(app);
    await c.say('can I change my username?');
    expect(await c.say("No, that's all")).toBe('');
  });

  it('change email: self-service answer', async () => {
    const c = new Conversation(app);
    expect(await c.say('How do I change the email address on my account?')).toMatch(/update the email address associated with your Kartra account yourself/);
  });

  it('username: cannot be changed, no "Kartra" in it, and hiding it through a custom domain goes to the domains tree', async () => {
    const c = new Conversation(app);
    const a = await c.say('can I change my username?');
    expect(a).toMatch(/can't be changed/);
    expect(a).toMatch(/"Kartra"\*\* is trademarked/);
    expect(a).toMatch(/Use a custom domain \| Cancel and repurchase \| No, that's all/);
    const d = await c.say('Use a custom domain');
    expect(d).toMatch(/primary name/);
    expect(d).toMatch(/Does that sort it out\?/);
  });

  it('username: cancel and repurchase opens a ticket that says a new account is wanted and asks about assets', async () => {
    const c = new Conversation(app);
    await c.say('I want to hide my username');
    expect(await c.say('Cancel and repurchase')).toMatch(/new account with a new username[\s\S]*email address of your Kartra account/);
    const { reference } = await finishTicket(c);
    const t = await ticket(reference);
    expect(t?.subject).toBe('New account with a new username');
    expect(t?.note).toMatch(/new account so that they have a new username[\s\S]*transfer their assets/);
  });

  it('profile will not save: required fields and security answer advice; if it still fails, a person is offered via a ticket', async () => {
    const c = new Conversation(app);
    const a = await c.say("my profile won't save");
    expect(a).toMatch(/outlined in red/);
    expect(a).toMatch(/"Required"/);
    expect(a).toMatch(/security answer/);
    expect(await c.say('yes')).toMatch(/glad/);

    const d = new Conversation(app);
    await d.say('profile changes are not saving');
    expect(await d.say('no')).toMatch(/pass this conversation to a person[\s\S]*what is going wrong/);
    await d.say('Still the same error');
    const { reference } = await finishTicket(d);
    expect(await ticket(reference)).toMatchObject({ subject: 'Customer asked for a person', intent: 'account.profile_update', note: 'Escalated (not_resolved) from account.profile_update.' });
  });
});
