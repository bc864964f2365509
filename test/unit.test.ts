import { loadConfig } from '../bot/config';
import { hashSecret } from '../bot/agent/secrets';
import { commentIn, ratingOf } from '../dialogs/csat';
import { checkField } from '../dialogs/fieldValidators';
import { polarity } from '../dialogs/polarity';
import { extractSlots } from '../dialogs/slots';
import { foreignLanguage } from '../knowledge/language';
import { FieldDefSchema, type FieldDef } from '../rules/schema';
import { sharedBrain } from './helpers';

const def = (type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => FieldDefSchema.parse({ label: 'x', prompt: 'x?', type, ...extra });
const m = sharedBrain().rules.messages;
const check = (d: FieldDef, text: string) => checkField(d, { text }, m);

describe('field validators', () => {
  it('emails: found inside a sentence, refused with the reason otherwise, never a Kartra address', () => {
    expect(check(def('email'), 'it is Jane.Doe@Example.com.')).toEqual({ ok: true, value: 'jane.doe@example.com' });
    expect(check(def('email'), 'jane.example.com')).toMatchObject({ ok: false, reason: expect.stringMatching(/no @/) });
    expect(check(def('email'), 'jane@')).toMatchObject({ ok: false, reason: expect.stringMatching(/isn't a complete email address/) });
    expect(check(def('email'), 'notifications@kartra.com')).toMatchObject({ ok: false, reason: expect.stringMatching(/Kartra address, not the email of your own account/) });
  });

  it('IPs: public v4 and v6; out-of-range octets and private addresses explained', () => {
    expect(check(def('ip'), 'my ip is 8.8.4.4')).toEqual({ ok: true, value: '8.8.4.4' });
    expect(check(def('ip'), '2001:DB8::1')).toEqual({ ok: true, value: '2001:db8::1' });
    expect(check(def('ip'), '300.1.1.1')).toMatchObject({ ok: false, reason: expect.stringMatching(/between 0 and 255/) });
    for (const local of ['10.0.0.8', '192.168.1.20', '172.20.3.4', '127.0.0.1', '169.254.10.1', 'fe80::1', '::1']) {
      expect([local, check(def('ip'), local)]).toEqual([local, { ok: false, reason: expect.stringMatching(/private address.*speed test/s) }]);
    }
    expect(check(def('ip'), '172.32.0.1')).toEqual({ ok: true, value: '172.32.0.1' });
    for (const reserved of ['255.255.255.255', '224.0.0.1', '240.1.2.3', '198.18.0.5', 'ff02::1']) {
      expect([reserved, check(def('ip'), reserved)]).toEqual([reserved, { ok: false, reason: expect.stringMatching(/reserved address.*speed test/s) }]);
    }
  });

  it('yes/no keeps the detail; "not sure" is an answer; choices by name or number; a description only where allowed', () => {
    expect(check(def('yesno'), 'Yep')).toEqual({ ok: true, value: 'Yes' });
    expect(check(def('yesno'), 'yes, NordVPN sometimes')).toEqual({ ok: true, value: 'Yes (NordVPN sometimes)' });
    expect(check(def('yesno'), 'not sure')).toEqual({ ok: true, value: 'Not sure' });
    expect(check(def('yesno'), 'banana')).toMatchObject({ ok: false });
    const place = def('choice', { choices: ['Home', 'Hotel'], allow_other: true });
    expect(check(place, '2')).toEqual({ ok: true, value: 'Hotel' });
    expect(check(place, 'a coworking space')).toEqual({ ok: true, value: 'a coworking space' });
    for (const bad of ['banana', 'https://example.com/x', 'me@example.com', '203.0.113.9']) expect([bad, check(place, bad).ok]).toEqual([bad, false]);
    expect(check(def('support_code'), "I can't find it")).toMatchObject({ ok: true, value: expect.stringMatching(/Not provided/) });
    expect(check(def('domain'), 'https://Shop.Example.com/page')).toEqual({ ok: true, value: 'shop.example.com' });
  });

  it('reads yes, no and "not sure" from free answers; the last one counts', () => {
    expect(polarity("not sure, it's a cafe so probably yes")).toEqual({ answer: 'yes', detail: "it's a cafe" });
    expect(polarity('no, actually yes')).toEqual({ answer: 'yes' });
    expect(polarity('maybe?')).toEqual({ answer: 'unsure' });
    expect(polarity('hmm what do you mean')).toEqual({});
    // "Never mind" withdraws: it is no "no".
    expect(polarity('hmm actually never mind')).toEqual({});
    expect(polarity('nevermind, no')).toEqual({ answer: 'no' });
  });
});

describe('values volunteered in passing (fields\' extract rules)', () => {
  const fields = sharedBrain().rules.allFields();
  it('fills the fields a sentence mentions', () => {
    expect(extractSlots(fields, "I'm at home, no VPN, and it's just me on this connection")).toMatchObject({ ip_place: 'Home', vpn: 'No', ip_shared: 'No' });
    expect(extractSlots(fields, 'hotel wifi in Lisbon, my IP 203.0.113.4 is blocked')).toMatchObject({ ip_place: 'Hotel', ip_address: '203.0.113.4' });
    expect(extractSlots(fields, 'my username is jane_doe and I use NordVPN')).toMatchObject({ username: 'jane_doe', vpn: 'Yes' });
    // A number of people is about the IP only when they share it: not the recipients of a broadcast.
    expect(extractSlots(fields, 'sent a broadcast to 5000 ppl').ip_shared).toBeUndefined();
    expect(extractSlots(fields, 'I ran a webinar for 300 guests and then edited a page').ip_shared).toBeUndefined();
    expect(extractSlots(fields, 'yes lots of guests').ip_shared).toBe('Yes');
    expect(extractSlots(fields, 'we are 5 people on this wifi').ip_shared).toBe('Yes');
    expect(extractSlots(fields, 'my site www.myshop.com is down')).toMatchObject({ domain: 'www.myshop.com' });
  });
  it('takes an email as the account email only when the customer says it is theirs', () => {
    expect(extractSlots(fields, 'my account email is jo@example.com')).toMatchObject({ account_email: 'jo@example.com' });
    expect(extractSlots(fields, 'I never got the email from notifications@kartra.com')).not.toHaveProperty('account_email');
    expect(extractSlots(fields, 'the seller coach@example.com does not answer')).not.toHaveProperty('account_email');
    expect(extractSlots(fields, 'see https://www.loom.com/x and jo.kartra.com')).not.toHaveProperty('domain');
    expect(extractSlots(fields, 'my username is not working')).not.toHaveProperty('username');
  });
});

describe('messages in another language', () => {
  // knownShare 0: the worst case, a message the classifier knows none of the words of (names, places).
  it.each([
    ['Hola, no puedo entrar a mi cuenta', 'es'], ['Bonjour je ne peux pas me connecter', 'fr'], ['Ich kann mich nicht anmelden', 'de'],
    ["Bonjour, je n'arrive pas à me connecter à mon compte Kartra", 'fr'], ['Hallo, mein Konto ist gesperrt, ich kann mich nicht anmelden. Was soll ich tun?', 'de'],
    ['não consigo entrar na minha conta', 'pt'], ['sono bloccato fuori', 'it'],
  ])('finds %j is in %s', (text, lang) => expect(foreignLanguage(text, 0)).toBe(lang));
  it.each([
    'its paula_p', 'my name is Marta Lopez', 'username is carlos garcia', 'im in lisbon hotel', 'hotel la paz', 'jane doe smith',
    'cafe in paris', 'gracias amigo', 'it is 203.0.113.4 at casa_lopez', 'my home wifi in sao paulo brazil',
    'i was importing a csv of 2000 contacts and then sending a broadcast', 'csv import then broadcast',
  ])('leaves %j to the English conversation (names, places and values are not a language)', (text) => expect(foreignLanguage(text, 0)).toBeUndefined());
});

describe('router', () => {
  const { router } = sharedBrain();
  it('whole-message commands only', () => {
    expect(router.control('Hi!')).toBe('greeting');
    expect(router.control('start over please')).toBe('restart');
    expect(router.control("hi, I can't log in")).toBeUndefined();
  });
  it('near-certain patterns win, the classifier handles the rest', () => {
    expect(router.classify('It says This Kartra account is not active')).toMatchObject({ intent: 'login.account_inactive', source: 'pattern' });
    expect(router.classify('please connect me to a live agent')).toMatchObject({ intent: 'handoff.human' });
    expect(router.classify('how many people can attend my webinar')).toMatchObject({ intent: 'faq.webinar_limits' });
    expect(router.classify('what is the weather like in Paris').intent).toBe('none');
  });
  it('another product named without Kartra is out of scope, unless it is a phrase about Kartra', () => {
    expect(router.classify('how do I change my Facebook profile picture')).toMatchObject({ intent: 'none', source: 'pattern' });
    expect(router.classify('is there a Facebook group for users?').intent).toBe('support.contact');
    expect(router.classify('can my Kartra pages use a Facebook pixel').source).toBe('classifier');
  });
});

describe('configuration', () => {
  it('defaults to local mode on loopback, port 3978, ./data', () => {
    expect(loadConfig({})).toMatchObject({ PORT: 3978, host: '127.0.0.1', localMode: true, dataDir: expect.stringMatching(/data$/) });
  });
  it('explains what is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ MicrosoftAppId: 'id' })).toThrow(/MicrosoftAppPassword: required when MicrosoftAppId is set/);
    expect(() => loadConfig({ MicrosoftAppId: 'id', MicrosoftAppPassword: 'p', MicrosoftAppType: 'SingleTenant' })).toThrow(/MicrosoftAppTenantId: required/);
    expect(loadConfig({ MicrosoftAppId: 'id', MicrosoftAppPassword: 'p', PUBLIC_URL: 'https://bot.example.com' }).host).toBe('0.0.0.0');
    // Links are never built from a request's Host header: beyond loopback, the public address must be configured.
    expect(() => loadConfig({ MicrosoftAppId: 'id', MicrosoftAppPassword: 'p' })).toThrow(/PUBLIC_URL: required when the server listens on 0.0.0.0/);
    expect(loadConfig({ HOST: '127.0.0.1', MicrosoftAppId: 'id', MicrosoftAppPassword: 'p' }).host).toBe('127.0.0.1');
    // A lead must be one of the agents.
    expect(() => loadConfig({ AGENTS: `Lee=${hashSecret('lead-secret-77')}`, LEADS: 'Bob' })).toThrow(/LEADS: "Bob" is not one of AGENTS/);
    expect(loadConfig({ AGENTS: `Lee=${hashSecret('lead-secret-77')}`, LEADS: 'Lee' }).LEADS).toEqual(['Lee']);
  });
});

describe('ratings as customers write them', () => {
  it.each([
    ['4', 4], ['4/5', 4], ['5/5', 5], ['4 out of 5', 4], ['10/10', 5], ['5 stars', 5], ['⭐⭐⭐', 3], ['meh 2', 2], ['three', 3],
    ['👍', 5], ['thumbs up', 5], ['👎', 1], ['thumbs down', 1], ['😡', 1], ['great', 5], ['good', 4], ['it was ok', 3], ['meh', 3],
    ['not good', 2], ['terrible', 1], ['ten', undefined], ['it depends on the day really', undefined],
  ] as const)('%s → %s', (text, rating) => {
    expect(ratingOf(text, true)).toBe(rating);
  });

  it('reads words and thumbs only as the answer to the question; a number said with reasons carries a comment', () => {
    expect(ratingOf('great')).toBeUndefined();
    expect(ratingOf('4')).toBe(4);
    expect(commentIn('2, didnt really help')).toBe('didnt really help');
    expect(commentIn("I'd give it a solid 4 stars")).toBeUndefined();
    expect(commentIn('1 - useless')).toBeUndefined();
  });
});

describe('field answers as customers type them', () => {
  const fields = sharedBrain().rules.allFields();
  const field = (name: string) => fields.get(name) as FieldDef;
  it('reads "cafe" as the Internet cafe, asks again for a .con domain, and takes no username out of markup', () => {
    expect(check(field('ip_place'), 'cafe')).toMatchObject({ ok: true, value: 'Internet cafe' });
    expect(check(field('domain'), 'www.mybrand.con')).toMatchObject({ ok: false, reason: expect.stringMatching(/did you mean www\.mybrand\.com\?/) });
    expect(check(field('domain'), 'www.mybrand.com')).toMatchObject({ ok: true, value: 'www.mybrand.com' });
    expect(check(field('username'), '<img src=x onerror=alert(1)>')).toMatchObject({ ok: false });
    expect(check(field('username'), 'lena_fit')).toMatchObject({ ok: true, value: 'lena_fit' });
  });
});
