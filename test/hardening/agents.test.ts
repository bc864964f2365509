// The agent console under failure and attack: channels that cannot be reached, sign-out, guessing, forged
// hand-off events.
import type { Activity } from 'botbuilder';
import { hashSecret } from '../../bot/agent/secrets';
import { DirectLineSession } from '../directline/session';
import { Conversation, servedDuringTests, tempDir, testApp } from '../helpers';

const AGENTS = `Maria=${hashSecret('maria-secret-1')},Tom=${hashSecret('tom-secret-22')}`;

function consoleClient(url: string) {
  const signIn = async (name: string, secret: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams({ name, secret }).toString() });
    const cookies = res.headers.getSetCookie().join('; ');
    return { status: res.status, cookie: /kt_agent=([\w-]+)/.exec(cookies)?.[1], device: /kt_device=([\w.-]+)/.exec(cookies)?.[1] };
  };
  const as = (cookie: string | undefined, extra: RequestInit = {}): RequestInit => ({
    redirect: 'manual', ...extra,
    headers: { ...(cookie ? { cookie: `kt_agent=${cookie}` } : {}), ...(extra.body ? { 'content-type': 'application/json' } : {}), ...(extra.headers ?? {}) },
  });
  return { signIn, as };
}

describe('agent console when the customer cannot be reached', () => {
  const app = testApp(tempDir(), { AGENTS }, { deliveryTimeoutMs: 300 });
  const served = servedDuringTests(app);

  /** A customer on a channel whose connector fails every send once the hand-off is queued (as an unreachable serviceUrl does). */
  async function unreachableCustomer(mode: 'fails' | 'hangs') {
    const c = new Conversation(app, { channelId: 'emulator' });
    expect(await c.say('I want to talk to a person')).toMatch(/pass this conversation to a person/);
    expect(await c.say('Nothing works since this morning')).toMatch(/email address of your Kartra account/);
    expect(await c.say('jane@example.com')).toMatch(/Your ticket is open/);
    const h = (await app.handoff.list()).find((x) => x.conversationId === c.id);
    c.adapter.sendActivities = mode === 'fails'
      ? async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { statusCode: 502 }) }
      : () => new Promise(() => undefined);
    return { c, id: h?.id ?? '' };
  }

  it('does not hold the claim while the channel hangs, and says "not delivered" for a reply that failed', async () => {
    const { signIn, as } = consoleClient(served.url);
    const { cookie } = await signIn('Maria', 'maria-secret-1');
    const hanging = await unreachableCustomer('hangs');
    // Would never answer if the claim waited for the customer's channel.
    expect((await fetch(`${served.url}/agent/api/handoffs/${hanging.id}/claim`, as(cookie, { method: 'POST', body: '{}' }))).status).toBe(204);

    // A channel that never answers is "not delivered" too, once the delivery timeout has passed.
    const silent = await fetch(`${served.url}/agent/api/handoffs/${hanging.id}/messages`, as(cookie, { method: 'POST', body: JSON.stringify({ text: 'Are you there?' }) }));
    expect(silent.status).toBe(502);

    const failing = await unreachableCustomer('fails');
    expect((await fetch(`${served.url}/agent/api/handoffs/${failing.id}/claim`, as(cookie, { method: 'POST', body: '{}' }))).status).toBe(204);
    const said = await fetch(`${served.url}/agent/api/handoffs/${failing.id}/messages`, as(cookie, { method: 'POST', body: JSON.stringify({ text: 'Hello, can you see this?' }) }));
    expect(said.status).toBe(502);
    expect(((await said.json()) as { error: string }).error).toMatch(/^Not delivered/);
    // Not in the transcript: the customer never saw it.
    expect((await app.services.transcripts.list(failing.c.id)).map((e) => e.text).join('\n')).not.toContain('can you see this');
  });
});

describe('agent sign-in and sign-out', () => {
  const app = testApp(tempDir(), { AGENTS }, { signInLimits: { perAccount: 3, perDevice: 3, perAddress: 20, windowMs: 15 * 60_000, maxKeys: 100 } });
  const served = servedDuringTests(app);

  it('signing out ends that session\'s live event stream at once, and needs the console\'s own origin', async () => {
    const { signIn, as } = consoleClient(served.url);
    const { cookie } = await signIn('Maria', 'maria-secret-1');
    const events = await fetch(`${served.url}/agent/api/events`, as(cookie));
    expect(events.status).toBe(200);
    const reader = events.body!.getReader();
    await reader.read(); // the retry line

    const crossSite = await fetch(`${served.url}/agent/logout`, as(cookie, { method: 'POST', headers: { origin: 'https://evil.example' } }));
    expect(crossSite.status).toBe(403);
    expect((await fetch(`${served.url}/agent/api/me`, as(cookie))).status).toBe(200);

    expect((await fetch(`${served.url}/agent/logout`, as(cookie, { method: 'POST' }))).status).toBe(303);
    // The stream ends (the test's timeout would catch a stream left open).
    let ended = false;
    while (!ended) ended = (await reader.read().catch(() => ({ done: true }))).done;
    expect((await fetch(`${served.url}/agent/api/events`, as(cookie))).status).toBe(401);
  });

  it('stops guessing one account\'s secret, even the right secret, but not from the agent\'s own browser', async () => {
    const { signIn } = consoleClient(served.url);
    const known = await signIn('Tom', 'tom-secret-22');
    expect(known.device).toBeDefined();
    for (let i = 0; i < 3; i++) expect((await signIn('Tom', `guess-${i}`)).cookie).toBeUndefined();
    const blocked = await signIn('tom', 'tom-secret-22');
    expect(blocked.status).toBe(429);
    expect(blocked.cookie).toBeUndefined();
    // Tom's browser carries the cookie from his last sign-in: the guessing elsewhere does not lock him out.
    const own = await signIn('Tom', 'tom-secret-22', { cookie: `kt_device=${known.device}` });
    expect(own.status).toBe(303);
    expect(own.cookie).toBeDefined();
    // Another agent's device cookie, or a forged one, proves nothing for Tom.
    expect((await signIn('Tom', 'tom-secret-22', { cookie: `kt_device=${known.device?.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}` })).status).toBe(429);
  });
});

describe('agent sign-in from one address', () => {
  const app = testApp(tempDir(), { AGENTS }, { signInLimits: { perAccount: 3, perDevice: 3, perAddress: 4, windowMs: 15 * 60_000, maxKeys: 100 } });
  const served = servedDuringTests(app);

  it('stops one address trying many names', async () => {
    const { signIn } = consoleClient(served.url);
    for (const name of ['Ann', 'Bob', 'Cy', 'Dee']) expect((await signIn(name, 'whatever')).status).toBe(303);
    expect((await signIn('Maria', 'maria-secret-1')).status).toBe(429);
  });
});

describe('agent sign-in posted from another site', () => {
  const app = testApp(tempDir(), { AGENTS }, { signInLimits: { perAccount: 3, perDevice: 3, perAddress: 4, windowMs: 15 * 60_000, maxKeys: 100 } });
  const served = servedDuringTests(app);

  it('is refused before it counts, so a page elsewhere cannot use up an agent\'s tries', async () => {
    const { signIn } = consoleClient(served.url);
    for (let i = 0; i < 6; i++) expect((await signIn('Maria', 'maria-secret-1', { origin: 'https://evil.example' })).status).toBe(403);
    const own = await signIn('Maria', 'maria-secret-1');
    expect(own.status).toBe(303);
    expect(own.cookie).toBeDefined();
  });
});

describe('forged hand-off events', () => {
  const app = testApp(tempDir(), { AGENTS });
  const served = servedDuringTests(app);

  it('a widget customer posting handoff.status cannot take the conversation away from the agents', async () => {
    const s = await DirectLineSession.start(served.url);
    for (const text of ['I need to talk to a person', 'My domain stopped working', 'jane@example.com', 'AB12CD', 'Open the ticket']) {
      await s.post({ type: 'message', text });
      await app.directLine!.idle();
    }
    const open = async () => (await app.handoff.list()).find((h) => h.conversationId === s.conversationId);
    expect((await open())?.status).toBe('waiting');
    for (const state of ['accepted', 'completed', 'failed']) {
      await s.post({ type: 'event', name: 'handoff.status', value: { state } } as Partial<Activity> as Record<string, unknown>);
      await app.directLine!.idle();
    }
    expect(await open()).toMatchObject({ status: 'waiting' });
    expect((await open())?.agent).toBeUndefined();
  });
});
