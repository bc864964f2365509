import { Conversation, testApp } from '../helpers';
import { finishTicket } from './complete';

describe('vendor purchase, domains, billing, FAQ and hand-off trees', () => {
  const app = testApp();
  afterAll(() => app.close());
  const ticket = async (ref: string) => app.services.tickets.byReference(ref);
  const ticketCount = async () => (await app.services.tickets.list()).length;

  describe('vendor purchase', () => {
    it('a business that uses Kartra: go to the seller (invoice email, their contact page), no ticket', async () => {
      const before = await ticketCount();
      const c = new Conversation(app);
      expect(await c.say('I bought a course from a coach and I cannot access it')).toMatch(/Who did you buy from\?[\s\S]*A business that uses Kartra \| Kartra itself \| WebinarJam or EverWebinar/);
      const a = await c.say('A business that uses Kartra');
      expect(a).toMatch(/original purchase invoice/);
      expect(a).toMatch(/contact page or helpdesk/);
      expect(a).toMatch(/the seller can/);
      expect(await ticketCount()).toBe(before);
    });

    it('Kartra itself goes to the billing tree', async () => {
      const c = new Conversation(app);
      await c.say('I purchased a membership and need help');
      expect(await c.say('Kartra itself')).toMatch(/Billing Support[\s\S]*open a ticket with the Billing department/);
    });

    it('WebinarJam or EverWebinar: Genesis Digital products that support does help with', async () => {
      const c = new Conversation(app);
      await c.say('I paid for a program but did not get access');
      const a = await c.say('WebinarJam or EverWebinar');
      expect(a).toMatch(/Genesis Digital products only/);
      expect(a).toMatch(/Submit a support ticket/);
    });
  });

  describe('domains', () => {
    it('connect: primary and subdomain, each counts, a certificate per domain; solved ends', async () => {
      const c = new Conversation(app);
      const a = await c.say('How do I connect my own domain?');
      expect(a).toMatch(/primary name/);
      expect(a).toMatch(/subdomain/);
      expect(a).toMatch(/each one counts as a separate domain/);
      expect(a).toMatch(/security certificate \(SSL\)/);
      expect(a).toMatch(/documentation\.kartra\.com\/category\/custom-domains/);
      expect(await c.say('yes')).toMatch(/Great/);
    });

    it('a domain problem that persists opens a ticket with the domain, its type and what goes wrong', async () => {
      const c = new Conversation(app);
      await c.say('my custom domain shop.example.com is not working');
      expect(await c.say('no')).toMatch(/I'll use shop\\\.example\\\.com as the domain[\s\S]*primary domain .* or as a subdomain/);
      expect(await c.say('Subdomain')).toMatch(/What goes wrong/);
      expect(await c.say('The browser says the certificate is invalid')).toMatch(/email address/);
      const { reference } = await finishTicket(c);
      expect(await ticket(reference)).toMatchObject({ subject: 'Custom domain problem: shop.example.com', fields: { domain: 'shop.example.com', domain_type: 'Subdomain', domain_problem: 'The browser says the certificate is invalid' } });
    });

    it('refuses a kartra.com address as a custom domain, with the reason', async () => {
      const c = new Conversation(app);
      await c.say('domain not connecting');
      expect(await c.say('no')).toMatch(/Which domain/);
      expect(await c.say('jane.kartra.com')).toMatch(/is a Kartra address, not your own domain/);
    });

    it('limit: fixed per plan, shown under Billing, both kinds count', async () => {
      const c = new Conversation(app);
      const a = await c.say('How many custom domains does my plan include?');
      expect(a).toMatch(/fixed limit/);
      expect(a).toMatch(/\*\*Billing\*\* section/);
      expect(a).toMatch(/each count as one domain/);
    });

    it('system URLs: tracking, split-test and double-opt-in links cannot be customised', async () => {
      const c = new Conversation(app);
      const a = await c.say('why do my tracking links still show kartra?');
      expect(a).toMatch(/tracking links/);
      expect(a).toMatch(/split-test links/);
      expect(a).toMatch(/double-opt-in confirmation links/);
    });
  });

  describe('billing', () => {
    it('subscription: the Billing Support page, then a Billing ticket on request', async () => {
      const c = new Conversation(app);
      expect(await c.say('I was charged twice this month')).toMatch(/Billing Support/);
      expect(await c.say('Open a Billing ticket')).toMatch(/what is going wrong/);
      await c.say('Two charges of $99 on the 3rd');
      const { reference } = await finishTicket(c);
      expect(await ticket(reference)).toMatchObject({ department: 'Billing', subject: 'Billing question', fields: { details: 'Two charges of $99 on the 3rd' } });
    });

    it('subscription answer that covers it ends; "not active" goes to the inactive ticket', async () => {
      const c = new Conversation(app);
      await c.say('how do I cancel my subscription');
      expect(await c.say('That covers it')).toBe('');
      const d = new Conversation(app);
      await d.say('update my credit card');
      expect(await d.say('My account is not active')).toMatch(/investigated[\s\S]*Billing/);
    });

    it('currency: all 21 with GBP (not the help text typo BGP), changed in Settings, and a direct answer for one currency', async () => {
      const c = new Conversation(app);
      const a = await c.say('which currencies can I use?');
      expect(a).toMatch(/these 21 currencies/);
      expect(a).toMatch(/GBP \(Pound Sterling\)/);
      expect(a).not.toMatch(/BGP/);
      expect(a).toMatch(/\*\*Settings\*\*/);
      expect(await new Conversation(app).say('Can I set my account currency to BGP?')).toMatch(/^Yes: GBP \(Pound Sterling\) is one of the 21 account currencies/);
      expect(await new Conversation(app).say('can my account currency be japanese yen?')).toMatch(/JPY \(Japanese Yen\) isn't one of the 21 account currencies/);
    });
  });

  describe('FAQ', () => {
    it('checkout languages: 24 languages, single or by geo-location, interface English only', async () => {
      const a = await new Conversation(app).say('What languages can my checkout be shown in?');
      expect(a).toMatch(/24 checkout languages/);
      expect(a).toMatch(/Afrikaans.*Thai/);
      expect(a).toMatch(/geo-location/);
      expect(a).toMatch(/English only/);
      expect(await new Conversation(app).say('is checkout available in Thai?')).toMatch(/^Yes: Thai is one of the 24 checkout languages/);
      expect(await new Conversation(app).say('can the checkout language be Korean?')).toMatch(/^Korean isn't one of the 24 checkout languages/);
    });

    it('webinar limits per plan, and none on Starter', async () => {
      const a = await new Conversation(app).say('what are the webinar limits?');
      expect(a).toMatch(/Growth\*\*: 300 attendees, 6 presenters, events up to 4 hours/);
      expect(a).toMatch(/Professional\*\*: 1000 attendees/);
      expect(a).toMatch(/Enterprise\*\*: 5000 attendees/);
      expect(a).toMatch(/not included\*\* with the Starter plan/);
      expect(await new Conversation(app).say('how many webinar attendees on the Professional plan?')).toMatch(/^On the Professional plan, webinars allow 1000 attendees and 6 presenters, for up to 4 hours/);
    });

    it('certified partners: not employees, do your own due diligence', async () => {
      const a = await new Conversation(app).say('can I hire a certified partner to build my funnel?');
      expect(a).toMatch(/not Kartra employees/);
      expect(a).toMatch(/due diligence/);
    });

    it('contacting support: ticket, support code in the profile, community group; then a ticket, a person or nothing', async () => {
      const c = new Conversation(app);
      const a = await c.say('how do I contact support?');
      expect(a).toMatch(/Support Code is in your \*\*account profile\*\*/);
      expect(a).toMatch(/facebook\.com\/groups\/kartra/);
      expect(a).toMatch(/Open a ticket \| Talk to a person \| No, thanks/);
      expect(await c.say('Open a ticket')).toMatch(/what is going wrong/);
      await c.say('My automations stopped sending emails');
      const { reference } = await finishTicket(c);
      expect(await ticket(reference)).toMatchObject({ subject: 'Support request', department: 'Support' });

      const d = new Conversation(app);
      await d.say('how can I reach kartra support');
      expect(await d.say('Talk to a person')).toMatch(/pass this conversation to a person/);
      const e = new Conversation(app);
      await e.say('support email');
      expect(await e.say('No, thanks')).toBe('');
    });
  });

  describe('hand-off', () => {
    it('"talk to a human" opens a hand-off ticket with the transcript, so the request survives with nobody online', async () => {
      const c = new Conversation(app);
      expect(await c.say('I want to talk to a human')).toMatch(/pass this conversation to a person[\s\S]*what is going wrong/);
      await c.say('I need help with a refund dispute');
      const { reference } = await finishTicket(c);
      const t = await ticket(reference);
      expect(t).toMatchObject({ subject: 'Customer asked for a person', intent: 'handoff.human' });
      expect(t?.transcript[0]).toMatchObject({ role: 'user', text: 'I want to talk to a human' });
    });
  });
});
