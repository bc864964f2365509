import { Conversation, testApp } from '../helpers';

describe('IP block tree', () => {
  const app = testApp();
  afterAll(() => app.close());

  it('collects every item the help text lists, shows a summary and opens an "IP Blocked" ticket', async () => {
    const c = new Conversation(app);
    expect(await c.start()).toMatch(/My IP address is blocked/);
    expect(await c.say('My IP got blocked, I cannot reach Kartra')).toMatch(/Helpdesk[\s\S]*username/);
    expect(await c.say('jane_doe')).toMatch(/IP address that is blocked/);
    expect(await c.say('198.51.100.23')).toMatch(/What kind of place/);
    expect(await c.say('Hotel')).toMatch(/speedtest\.net/);
    expect(await c.send({ text: '', attachments: [{ name: 'speed.png', contentType: 'image/png', contentUrl: 'https://files.test/speed.png' }] }))
      .toEqual([expect.stringMatching(/email address of your Kartra account/)]);
    expect(await c.say('jane@example.com')).toMatch(/last things you did/);
    expect(await c.say('I imported 3 contact lists and then switched to the hotel wifi')).toMatch(/several people use/);
    expect(await c.say('yes')).toMatch(/screenshot of the IP block/);
    expect(await c.say('Here: https://www.loom.com/share/abc123')).toMatch(/VPN/);
    expect(await c.say('no')).toMatch(/Support Code/);
    const summary = await c.say("I can't find it");
    expect(summary).toMatch(/IP Blocked/);
    expect(summary).toMatch(/198\\\.51\\\.100\\\.23/);
    const done = await c.say('Open the ticket');
    const ref = /KT-[A-Z0-9]{6}/.exec(done)?.[0];
    expect(ref).toBeDefined();

    const ticket = await app.services.tickets.byReference(ref ?? '');
    expect(ticket).toMatchObject({
      department: 'Support', subject: 'IP Blocked', intent: 'ip_block', channel: 'test', status: 'open',
      fields: {
        username: 'jane_doe', ip_address: '198.51.100.23', ip_place: 'Hotel', account_email: 'jane@example.com',
        recent_actions: 'I imported 3 contact lists and then switched to the hotel wifi', ip_shared: 'Yes',
        block_screenshot: 'https://www.loom.com/share/abc123', vpn: 'No',
        support_code: 'Not provided (the customer could not find it)',
      },
    });
    expect(ticket?.attachments).toEqual([{ field: 'speed_test_screenshot', name: 'speed.png', contentType: 'image/png', url: 'https://files.test/speed.png' }]);
    expect(ticket?.transcript.map((t) => t.text)).toEqual(expect.arrayContaining(['jane_doe', 'Hotel', 'Open the ticket']));
  });

  it('does not ask again for an IP or email the user already gave, and says it is using them', async () => {
    const c = new Conversation(app);
    const first = await c.say('hello, my ip 203.0.113.9 is blocked, my account is bob@example.org');
    expect(first).toMatch(/username/);
    const afterUsername = await c.say('bobby');
    expect(afterUsername).toMatch(/I'll use 203\\\.0\\\.113\\\.9 as the IP address/);
    expect(afterUsername).toMatch(/What kind of place/);
    await c.say('Home');
    const afterShot = await c.say('https://www.loom.com/share/speed');
    expect(afterShot).toMatch(/I'll use bob@example\\\.org as the account email/);
    expect(afterShot).toMatch(/last things you did/);
  });

  it('re-asks an invalid IP with the reason, and hands over to a person after three failed tries', async () => {
    const c = new Conversation(app);
    await c.say('ip blocked');
    await c.say('jane_doe');
    expect(await c.say('999.1.1.1')).toMatch(/999\.1\.1\.1 isn't a valid IP address: each of the four numbers must be between 0 and 255[\s\S]*IP address that is blocked/);
    expect(await c.say('my home one')).toMatch(/That isn't an IP address/);
    const third = await c.say('dunno');
    expect(third).toMatch(/couldn't take that[\s\S]*Let me get a person/);
    // What was collected so far travels with the hand-off.
    expect(third).toMatch(/pass this conversation to a person/);
  });

  it('accepts a free description of the place and refuses a non-image file for a screenshot', async () => {
    const c = new Conversation(app);
    await c.say('my IP address is blocked');
    await c.say('jane_doe');
    await c.say('10.0.0.2');
    expect(await c.say('a coworking space')).toMatch(/speed test/);
    expect(await c.send({ attachments: [{ name: 'notes.txt', contentType: 'text/plain', contentUrl: 'https://files.test/n.txt' }] }))
      .toEqual([expect.stringMatching(/That file is text\/plain, not an image/)]);
  });
});
