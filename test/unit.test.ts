import { loadConfig } from '../bot/config';
import { extractEntities } from '../dialogs/entities';
import { checkField } from '../dialogs/fieldValidators';
import type { FieldDef } from '../rules/schema';
import { sharedBrain } from './helpers';

const def = (type: FieldDef['type'], extra: Partial<FieldDef> = {}): FieldDef => ({ label: 'x', prompt: 'x?', type, allow_other: false, ...extra });

describe('field validators', () => {
  it('emails: found inside a sentence, refused with the reason otherwise', () => {
    expect(checkField(def('email'), { text: 'it is Jane.Doe@Example.com.' })).toEqual({ ok: true, value: 'jane.doe@example.com' });
    expect(checkField(def('email'), { text: 'jane.example.com' })).toMatchObject({ ok: false, reason: expect.stringMatching(/no @/) });
    expect(checkField(def('email'), { text: 'jane@' })).toMatchObject({ ok: false, reason: expect.stringMatching(/isn't a complete email address/) });
  });

  it('IPs: v4 and v6, octets out of range explained', () => {
    expect(checkField(def('ip'), { text: 'my ip is 8.8.4.4' })).toEqual({ ok: true, value: '8.8.4.4' });
    expect(checkField(def('ip'), { text: '2001:DB8::1' })).toEqual({ ok: true, value: '2001:db8::1' });
    expect(checkField(def('ip'), { text: '300.1.1.1' })).toMatchObject({ ok: false, reason: expect.stringMatching(/between 0 and 255/) });
  });

  it('yes/no, choices by name or number, support code that cannot be found, domains from URLs', () => {
    expect(checkField(def('yesno'), { text: 'Yep' })).toEqual({ ok: true, value: 'Yes' });
    expect(checkField(def('yesno'), { text: 'maybe' })).toMatchObject({ ok: false });
    expect(checkField(def('choice', { choices: ['Home', 'Hotel'] }), { text: '2' })).toEqual({ ok: true, value: 'Hotel' });
    expect(checkField(def('support_code'), { text: "I can't find it" })).toMatchObject({ ok: true, value: expect.stringMatching(/Not provided/) });
    expect(checkField(def('domain'), { text: 'https://Shop.Example.com/page' })).toEqual({ ok: true, value: 'shop.example.com' });
  });
});

describe('entities volunteered in passing', () => {
  it('finds an email, an IPv4 and a custom domain, but not Kartra or tool hosts', () => {
    expect(extractEntities('I am jo@example.com, IP 203.0.113.4, site www.myshop.com')).toEqual({ email: 'jo@example.com', ip: '203.0.113.4', domain: 'www.myshop.com' });
    expect(extractEntities('see https://www.loom.com/x and jo.kartra.com')).toEqual({});
  });
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
  });
});
