// Live rule changes: edits to the rules and knowledge files take effect without a restart; a broken file
// is refused with its reason and the previous rules keep serving; a conversation at a step a reload
// removed is told and helped; every reload is recorded; the console's button asks for one.
import fs from 'node:fs';
import path from 'node:path';
import type restify from 'restify';
import { hashSecret } from '../bot/agent/secrets';
import { createApp, type App } from '../bot/app';
import { loadConfig } from '../bot/config';
import { createLogger } from '../bot/logger';
import { IntentClassifier } from '../knowledge/classifier';
import { rulePatterns, slowPatterns } from '../bot/patternCheck';
import { loadBrain } from '../rules';
import { projectRoot } from '../rules/projectRoot';
import { DirectLineSession } from './directline/session';
import { listen } from './helpers';
import { tempDir } from './tmp';

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

describe('live rule changes', () => {
  const copy = tempDir();
  const rulesDir = path.join(copy, 'rules');
  const knowledgeDir = path.join(copy, 'knowledge');
  let app: App;
  let server: restify.Server;
  let url = '';
  beforeAll(async () => {
    fs.cpSync(path.join(projectRoot(), 'rules'), rulesDir, { recursive: true, filter: (f) => !f.endsWith('.ts') });
    fs.cpSync(path.join(projectRoot(), 'knowledge'), knowledgeDir, { recursive: true, filter: (f) => !f.endsWith('.ts') });
    app = await createApp(loadConfig({ DATA_DIR: tempDir(), LOG_LEVEL: 'silent', RULES_DIR: rulesDir, KNOWLEDGE_DIR: knowledgeDir, AGENTS: `Lee=${hashSecret('lead-secret-77')}` }),
      createLogger('silent'), loadBrain({ rulesDir, knowledgeDir }));
    ({ server, url } = await listen(app));
    app.rules.watch();
  });
  afterAll(async () => { server.close(); await app.close(); });

  // As editors save: a new file renamed over the old one (a watch on the file itself would lose it).
  const edit = (file: string, change: (text: string) => string) => {
    const target = path.join(copy, file);
    fs.writeFileSync(`${target}.tmp~`, change(fs.readFileSync(target, 'utf8')));
    fs.renameSync(`${target}.tmp~`, target);
  };
  async function turn(s: DirectLineSession, text: string): Promise<string[]> {
    const { watermark } = await s.since();
    await s.post({ type: 'message', text });
    await app.directLine!.idle();
    return s.botTexts(watermark);
  }

  it('an edited text serves the next conversation; a broken file is refused and the previous rules keep serving', async () => {
    // A reload trains its classifier in a worker thread: none on the thread that serves customers.
    const trainedHere = jest.spyOn(IntentClassifier, 'train');
    edit('rules/messages.yaml', (t) => t.replace(/^greeting: .*$/m, 'greeting: "Hello from the edited rules! What can I do for you?"'));
    await until('the reload', () => app.services.brain.rules.messages.say('greeting').startsWith('Hello from the edited rules'));
    const s = await DirectLineSession.start(url);
    await app.directLine!.idle();
    expect((await s.botTexts())[0]).toBe('Hello from the edited rules! What can I do for you?');
    const applied = (await app.store.ruleReloads.recent())[0];
    expect(applied).toMatchObject({ by: 'file change' });
    expect(applied?.files.some((f) => f.endsWith(path.join('rules', 'messages.yaml')))).toBe(true);
    expect(applied?.error).toBeUndefined();

    const serving = app.services.brain;
    edit('rules/flows/login.yaml', (t) => t.replace(/next: reset_steps/, 'next: nowhere'));
    for (let i = 0; i < 200 && !(await app.store.ruleReloads.recent())[0]?.error; i++) await new Promise((r) => setTimeout(r, 50));
    const refused = (await app.store.ruleReloads.recent())[0];
    expect(refused?.error).toMatch(/rules\/flows\/login\.yaml: steps\.symptom\.options\[1\]\.next: unknown step "nowhere"/);
    expect(app.services.brain).toBe(serving);
    expect((await turn(s, 'my ip is blocked')).join('\n')).toMatch(/What is your Kartra account username\?/);
    edit('rules/flows/login.yaml', (t) => t.replace(/next: nowhere/, 'next: reset_steps'));
    await until('the repaired rules', () => app.services.brain !== serving);
    expect(trainedHere).not.toHaveBeenCalled();
    trainedHere.mockRestore();
  });

  it('a pattern that would backtrack without end is refused with where it is, and customers keep getting answers', async () => {
    const serving = app.services.brain;
    edit('rules/intents.yaml', (t) => t.replace("      - '\\b(webinar\\s?jam|ever\\s?webinar)\\b'", "      - '\\b(webinar\\s?jam|ever\\s?webinar)\\b'\n      - '^(\\w+\\s?)*\\bwebinarjam\\b'"));
    for (let i = 0; i < 300 && !(await app.store.ruleReloads.recent())[0]?.error?.includes('too slow'); i++) await new Promise((r) => setTimeout(r, 50));
    expect((await app.store.ruleReloads.recent())[0]?.error).toMatch(/^rules\/intents\.yaml: patterns \(support\.contact\)\[1\]: too slow on some messages \(it never finished\)/);
    expect(app.services.brain).toBe(serving);
    const s = await DirectLineSession.start(url);
    await app.directLine!.idle();
    expect((await turn(s, 'my account keeps logging me out whenever i try to open the editor page today')).length).toBeGreaterThan(0);
    edit('rules/intents.yaml', (t) => t.replace("\n      - '^(\\w+\\s?)*\\bwebinarjam\\b'", ''));
    await until('the repaired rules', () => app.services.brain !== serving, 15_000);
  }, 30_000);

  it('a conversation at a step the reload removed is told, keeps what it said, and is helped from its message', async () => {
    const s = await DirectLineSession.start(url);
    await app.directLine!.idle();
    expect((await turn(s, 'my ip is blocked, my email is ann@example.com')).join('\n')).toMatch(/What is your Kartra account username\?/);
    const before = app.services.brain;
    edit('rules/flows/ip_block.yaml', (t) => t.replace(/^ {2}ticket:$/m, '  ip_ticket:').replace(/next: ticket$/m, 'next: ip_ticket'));
    await until('the reload', () => app.services.brain !== before);
    const replies = await turn(s, 'actually it is my password I forgot');
    expect(replies[0]).toMatch(/^I've just been updated, and the question I asked you is no longer one I ask\./);
    expect(replies.join('\n')).toMatch(/password/i);
  });

  it('the console asks for a reload; a refused one answers 422 with the reason', async () => {
    const login = await fetch(`${url}/agent/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Lee&secret=lead-secret-77' });
    const cookie = `kt_agent=${/kt_agent=([\w-]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1] ?? ''}`;
    const reload = () => fetch(`${url}/agent/api/rules/reload`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
    expect(await (await reload()).json()).toEqual({ ok: true, files: [] });
    app.rules.stop();
    edit('knowledge/answers.yaml', (t) => `${t}\n  - this is: [not valid\n`);
    const refused = await reload();
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { error: string }).error).toMatch(/^knowledge\/answers\.yaml: .*line \d+/s);
    const list = (await (await fetch(`${url}/agent/api/rules/reloads`, { headers: { cookie } })).json()) as Array<{ by: string; error?: string }>;
    expect(list[0]).toMatchObject({ by: 'Lee', error: expect.stringMatching(/answers\.yaml/) });
    expect(list[1]).toMatchObject({ by: 'Lee' });
    expect(list[1]?.error).toBeUndefined();
  });

  it('the pattern check tries each pattern on its own text, runs commands as the router does, and covers the direct answers', async () => {
    const brain = loadBrain();
    // Ours pass.
    expect(await slowPatterns(rulePatterns(brain))).toEqual([]);
    // A command whose own repetition compounds the router's: slow only as the router runs it.
    const controls = { ...brain.rules.controls, ack: [...brain.rules.controls.ack, 'ok(?:\\s*!+)*'] };
    expect((await slowPatterns(rulePatterns({ ...brain, rules: { ...brain.rules, controls } }), { timeoutMs: 2000 }))[0]).toMatch(/^rules\/intents\.yaml: controls\.ack: too slow/);
    // Overlapping alternatives, slow only on a run of the pattern's own word; and a direct answer's pattern.
    const answers = new Map([...brain.knowledge.answers, ['domains.limit', [{ when: /^(?:yes|ye|s)+$/iu, say: 'x' }]]]);
    expect((await slowPatterns(rulePatterns({ ...brain, knowledge: { ...brain.knowledge, answers } }), { timeoutMs: 2000 }))[0]).toMatch(/^knowledge\/answers\.yaml: domains\.limit\[0\]\.when: too slow/);
  }, 20_000);
});

