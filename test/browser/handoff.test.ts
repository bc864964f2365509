// A customer in the widget and an agent in the console, in two real Chromium pages against the real
// server process: the whole hand-off, both directions, and back to the bot. Then the same with two
// instances on one PostgreSQL, the agent signed in on one and the customer's widget on the other.
// Screenshots in test-output/.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { hashSecret } from '../../bot/agent/secrets';
import { startServer, type ServerProcess } from '../serverProcess';
import { freshLocation } from '../store/engines';
import { tempDir } from '../tmp';
import { bubble, launch, OUT, step, ticketsIn, type } from './widgetPage';

const AGENTS = `Maria=${hashSecret('maria-secret-1')}`;

describe.each([
  ['one instance', false],
  ['the agent on instance B, the customer on instance A (PostgreSQL)', true],
])('hand-off in the browser: widget and agent console, %s', (_name, twoInstances) => {
  let customerSide: ServerProcess;
  let agentSide: ServerProcess;
  let browser: Browser;
  const dataDir = tempDir();
  let databaseUrl: string | undefined;
  beforeAll(async () => {
    databaseUrl = twoInstances ? (await freshLocation('postgres')).databaseUrl : undefined;
    const env = { DATA_DIR: dataDir, AGENTS, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
    [customerSide, agentSide, browser] = await Promise.all([
      startServer(env), twoInstances ? startServer({ ...env, DATA_DIR: tempDir() }) : Promise.resolve(undefined), launch(),
    ]).then(([c, a, b]) => [c, a ?? c, b] as const);
  });
  afterAll(async () => {
    await browser?.close();
    await customerSide?.stop();
    if (agentSide !== customerSide) await agentSide?.stop();
  });

  it('an agent takes the conversation, they talk both ways, the agent hands back, the bot answers; the ticket has it all', async () => {
    const agentPage = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await agentPage.goto(`${agentSide.url}/agent`);
    await agentPage.waitForURL(/\/agent\/login$/);
    await agentPage.getByLabel('Name').fill('Maria');
    await agentPage.getByLabel('Secret').fill('maria-secret-1');
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByText('Signed in as Maria').waitFor();

    const user = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await user.goto(customerSide.url);
    await step(user, () => user.getByRole('button', { name: 'Open chat with Kartra Support' }).click(), 'Tell me in your own words');
    // Queued at once (the agent is online, so a wait is given), then what the ticket needs, while waiting.
    await step(user, () => type(user, 'I want to talk to a person'), /A person from the support team will join this chat in about \d+ minute/);
    await step(user, () => type(user, 'My custom domain shows a blank page since yesterday'), 'email address of your Kartra account');
    await step(user, () => type(user, 'jane@example.com'), /Your ticket is open/);
    const reference = /KT-[A-Z0-9]{6}/.exec((await bubble(user, /KT-[A-Z0-9]{6}/).textContent()) ?? '')?.[0] ?? '';
    expect(reference).not.toBe('');

    // The agent sees the waiting conversation and takes it.
    const item = agentPage.locator('#queue li').filter({ hasText: 'handoff.human' }).first();
    await item.getByText(/waiting/).waitFor();
    await item.click();
    await agentPage.locator('#transcript').getByText('My custom domain shows a blank page since yesterday').waitFor();
    await agentPage.getByRole('button', { name: 'Take this conversation' }).click();
    await bubble(user, 'Maria from the support team has joined the chat.').waitFor();

    await agentPage.getByLabel('Message to the customer').fill('Hi Jane, checking the DNS of your domain now.');
    await step(user, () => agentPage.getByRole('button', { name: 'Send' }).click(), 'Hi Jane, checking the DNS of your domain now.');
    // While a person has the conversation the bot stays silent; the agent sees the customer live.
    await type(user, 'Thanks! The domain is shop.example.com <script>alert(1)</script>');
    await agentPage.locator('#transcript').getByText('Thanks! The domain is shop.example.com <script>alert(1)</script>').waitFor();
    expect(await agentPage.locator('#transcript script').count()).toBe(0);
    await agentPage.screenshot({ path: path.join(OUT, twoInstances ? 'console-conversation-two-instances.png' : 'console-conversation.png') });
    await user.screenshot({ path: path.join(OUT, twoInstances ? 'widget-with-agent-two-instances.png' : 'widget-with-agent.png') });

    await step(user, () => agentPage.getByRole('button', { name: 'Hand back to the bot' }).click(), 'handed you back to the assistant');
    await step(user, () => type(user, 'How many custom domains can I connect?'), /domain/i);
    await user.screenshot({ path: path.join(OUT, twoInstances ? 'widget-after-handback-two-instances.png' : 'widget-after-handback.png') });

    const ticket = (await ticketsIn(dataDir, databaseUrl)).find((t) => t.reference === reference);
    expect(ticket?.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(expect.arrayContaining([
      'user: I want to talk to a person',
      'agent: **Maria:** Hi Jane, checking the DNS of your domain now\\.',
      'user: Thanks! The domain is shop.example.com <script>alert(1)</script>',
    ]));
  }, 120_000);
});
