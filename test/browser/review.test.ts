// The review inbox in headless Chromium, against the real server process: a message the bot did not
// understand shows up (masked); the lead assigns it to a topic; the bot retrains without a restart and the
// same message, written again by a customer, now goes to that topic. Then a live rule change: a broken
// file is refused in the console with its reason, the repaired and edited file serves the next customer. An
// agent who is not a lead reads the inbox without the controls only a lead may use.
// Screenshots in test-output/review.png and test-output/rules-reload.png.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../rules/projectRoot';
import type { Browser } from 'playwright-core';
import { hashSecret } from '../../bot/agent/secrets';
import { DirectLineSession } from '../directline/session';
import { startServer, type ServerProcess } from '../serverProcess';
import { tempDir } from '../tmp';
import { launch, OUT } from './widgetPage';

const UNKNOWN = 'the gateway keeps saying forbidden 403 from my hotel wifi';

async function ask(url: string, text: string): Promise<string> {
  const s = await DirectLineSession.start(url);
  const { watermark } = await s.replies('');
  await s.post({ type: 'message', text });
  return (await s.replies(watermark)).activities.filter((a) => a.from?.role === 'bot').map((a) => a.text ?? '').join('\n');
}

describe('the review inbox (Chromium)', () => {
  let server: ServerProcess;
  let browser: Browser;
  // The server reads its rules and knowledge from copies this test edits.
  const copy = tempDir();
  beforeAll(async () => {
    for (const dir of ['rules', 'knowledge']) fs.cpSync(path.join(projectRoot(), dir), path.join(copy, dir), { recursive: true, filter: (f) => !f.endsWith('.ts') });
    [server, browser] = await Promise.all([startServer({
      DATA_DIR: tempDir(), AGENTS: `Lee=${hashSecret('lead-secret-77')},Ana=${hashSecret('agent-secret-77')}`, LEADS: 'Lee', RULES_DIR: path.join(copy, 'rules'), KNOWLEDGE_DIR: path.join(copy, 'knowledge'),
    }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('assign a misunderstood message to a topic: the bot learns it without a restart', async () => {
    expect(await ask(server.url, UNKNOWN)).toMatch(/outside what I can help with/);
    expect(await ask(server.url, `${UNKNOWN}, write to me at lee.customer@example.com`)).toMatch(/outside what I can help with/);

    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.url}/agent/login`);
    await page.getByLabel('Name').fill('Lee');
    await page.getByLabel('Secret').fill('lead-secret-77');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Review inbox' }).click();
    const group = page.locator('#groups > li').first();
    await group.getByText('2 messages · not understood').waitFor();
    expect(await group.textContent()).toContain('[email]');
    expect(await page.content()).not.toContain('lee.customer@example.com');
    await group.getByLabel('Topic for this group').selectOption('ip_block');
    await page.screenshot({ path: path.join(OUT, 'review.png') });
    await group.getByRole('button', { name: 'Assign' }).click();
    await page.getByText(/^Learned: the bot now reads these as ip_block\. Held-out accuracy \d+\.\d% → \d+\.\d%/).waitFor();
    await page.getByText('Nothing to review.').waitFor();

    expect(await ask(server.url, UNKNOWN)).toMatch(/What is your Kartra account username\?/);
    // Taken back: the bot unlearns it, and the messages are in the inbox again.
    const decision = page.locator('#decisions tr').nth(1);
    await decision.getByText('assigned to ip_block').waitFor();
    await decision.getByRole('button', { name: 'Undo' }).click();
    await page.getByText('Taken back: the bot no longer learns these as ip_block.').waitFor();
    await page.locator('#groups > li').first().getByText('2 messages · not understood').waitFor();
    expect(await ask(server.url, UNKNOWN)).toMatch(/outside what I can help with/);

    // A live rule change: a broken file is refused with its reason, and the rules before it keep serving.
    const messages = path.join(copy, 'rules', 'messages.yaml');
    const original = fs.readFileSync(messages, 'utf8');
    fs.writeFileSync(messages, original.replace(/^greeting: .*$/m, 'greeting: "Hi {nobody}"'));
    await page.getByRole('button', { name: 'Reload rules now' }).click();
    await page.getByText(/^Refused, the previous rules keep serving: Invalid rules \(1 problem\):\s+rules\/messages\.yaml: greeting: unknown placeholder \{nobody\}/).waitFor();
    await page.locator('#reloads tr.refused').first().waitFor();
    expect(await ask(server.url, 'hello')).toMatch(/Kartra support assistant/);
    // Repaired and edited: the file watch applies it, and the console lists it.
    fs.writeFileSync(messages, original.replace(/^greeting: .*$/m, 'greeting: "Welcome to Kartra support, edited live! What is going on?"'));
    for (let i = 0; i < 100 && !/edited live/.test(await ask(server.url, 'hello')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await ask(server.url, 'hello')).toMatch(/Welcome to Kartra support, edited live!/);
    await page.reload();
    await page.locator('#reloads tr').nth(1).getByText('applied').waitFor();
    expect(await page.locator('#reloads tr').nth(1).textContent()).toMatch(/file change\s*rules\/messages\.yaml\s*applied/);
    await page.screenshot({ path: path.join(OUT, 'rules-reload.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  it('an agent who is not a lead reads the inbox, without the controls only a lead may use', async () => {
    expect(await ask(server.url, 'zorp blorp the wibble is not wobbling')).toMatch(/outside what I can help with/);
    const page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
    await page.goto(`${server.url}/agent/login`);
    await page.getByLabel('Name').fill('Ana');
    await page.getByLabel('Secret').fill('agent-secret-77');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(`${server.url}/agent/review`);
    await page.getByText('Teaching the bot, reloading the rules and a customer\'s data are for the leads (LEADS).').waitFor();
    await page.locator('#groups > li').first().waitFor();
    expect(await page.getByRole('button', { name: 'Assign' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reload rules now' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Erase' }).isVisible()).toBe(false);
  });
});

