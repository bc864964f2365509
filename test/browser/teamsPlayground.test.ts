// End to end as Teams: Microsoft's Agents Playground (offline Teams client with a mock connector, channel
// msteams) talks to the real server process; its web UI is driven in headless Chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type ServerProcess } from '../serverProcess';
import { tempDir } from '../tmp';
import { launch, OUT, ticketsIn } from './widgetPage';

const CLI = require.resolve('@microsoft/m365agentsplayground/cli.js');

/** Starts the Playground against the bot on a free port; resolves with its URL once it listens. */
function startPlayground(botUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'start', '-e', `${botUrl}/api/messages`, '-c', 'msteams', '-p', '0', '--dt'], {
    env: { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' },
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /Listening on (\d+)/.exec(out)?.[1];
      if (port) resolve({ url: `http://localhost:${port}`, child });
    });
    child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('exit', () => reject(new Error(`Agents Playground exited:\n${out}`)));
  });
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator('[contenteditable=true][role=textbox]').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

describe('Teams end to end in Microsoft 365 Agents Playground', () => {
  let server: ServerProcess;
  let playground: { url: string; child: ChildProcess };
  let browser: Browser;
  const dataDir = tempDir();
  beforeAll(async () => {
    server = await startServer({ DATA_DIR: dataDir });
    [playground, browser] = await Promise.all([startPlayground(server.url), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    playground?.child.kill();
    await server?.stop();
  });

  it('greets on install and completes the "account not active" tree to a ticket, with the profile email confirmed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(playground.url);
    await page.getByText('pick a topic').last().waitFor();
    // The topics card (six choices, too many for Teams' suggested actions) works by clicking.
    await page.getByRole('button', { name: "I can't log in" }).click();
    await page.getByText('Which of these is closest to what happens?').last().waitFor();
    await say(page, 'Account is not active');
    // The Playground's signed-in user is Alex Wilber; the bot offers the profile email and waits for a yes.
    await page.getByText(/Your Teams profile says .+@.+\. Is that the email address of your Kartra account\?/).last().waitFor();
    await say(page, 'yes');
    await page.getByText('What is your Support Code?').last().waitFor();
    await say(page, 'AB12CD');
    await page.getByRole('button', { name: 'Open the ticket' }).click();
    const done = page.getByText(/Your ticket is open\. Reference: KT-[A-Z0-9]{6}/).last();
    await done.waitFor();
    await page.screenshot({ path: path.join(OUT, 'teams-playground-ticket.png') });

    const reference = /KT-[A-Z0-9]{6}/.exec((await done.textContent()) ?? '')?.[0];
    const ticket = (await ticketsIn(dataDir)).find((t) => t.reference === reference);
    expect(ticket).toMatchObject({ subject: 'This Kartra account is not active', fields: { support_code: 'AB12CD', account_email: expect.stringMatching(/@/) } });
    expect((ticket as unknown as { channel: string }).channel).toBe('msteams');
  }, 90_000);
});
