// A customer in the widget and an agent in the console, in two real Chromium pages against the real
// server process: the whole hand-off, both directions, and back to the bot. Screenshots in test-output/.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { hashSecret } from '../../bot/agent/secrets';
import { startServer, type ServerProcess } from '../serverProcess';
import { tempDir } from '../tmp';
import { bubble, launch, OUT, step, ticketsIn, type } from './widgetPage';

describe('hand-off in the browser: widget and agent console', () => {
  let server: ServerProcess;
  let browser: Browser;
  const dataDir = tempDir();
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer({ DATA_DIR: dataDir, AGENTS: `Maria=${hashSecret('maria-secret-1')}` }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an agent takes the conversation, they talk both ways, the agent hands back, the bot answers; the ticket has it all', async () => {
    const agentPage = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await agentPage.goto(`${server.url}/agent`);
    await agentPage.waitForURL(/\/agent\/login$/);
    await agentPage.getByLabel('Name').fill('Maria');
    await agentPage.getByLabel('Secret').fill('maria-secret-1');
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByText('Signed in as Maria').waitFor();

    const user = await (await browser.newContext({ viewport: { width: 1200, height: 800 } })).newPage();
    await user.goto(server.url);
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
    await agentPage.screenshot({ path: path.join(OUT, 'console-conversation.png') });
    await user.screenshot({ path: path.join(OUT, 'widget-with-agent.png') });

    await step(user, () => agentPage.getByRole('button', { name: 'Hand back to the bot' }).click(), 'handed you back to the assistant');
    await step(user, () => type(user, 'How many custom domains can I connect?'), /domain/i);
    await user.screenshot({ path: path.join(OUT, 'widget-after-handback.png') });

    const ticket = (await ticketsIn(dataDir)).find((t) => t.reference === reference);
    expect(ticket?.transcript.map((t) => `${t.role}: ${t.text}`)).toEqual(expect.arrayContaining([
      'user: I want to talk to a person',
      'agent: **Maria:** Hi Jane, checking the DNS of your domain now\\.',
      'user: Thanks! The domain is shop.example.com <script>alert(1)</script>',
    ]));
  }, 120_000);
});
