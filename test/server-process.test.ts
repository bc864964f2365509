import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../rules/projectRoot';
import { tempDir } from './helpers';
import { npmRun } from './npmRun';
import { startServer } from './serverProcess';

describe('the server process (npm start)', () => {
  it('logs structured lines without message text, and shuts down cleanly on SIGTERM', async () => {
    const server = await startServer({ DATA_DIR: tempDir() });
    const secretText = 'my ip 203.0.113.200 is blocked and my password is hunter2';
    const res = await fetch(`${server.url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: secretText, channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:1',
        conversation: { id: 'proc-1' }, from: { id: 'u' }, recipient: { id: 'bot' } }),
    });
    expect(res.status).toBe(200);

    expect(await server.stop('SIGTERM')).toBe(0);
    const out = server.output();
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['ready', 'request', 'shutting down', 'stopped']));
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('203.0.113.200');
    expect(server.errors()).toBe('');
  }, 30_000);

  it('refuses to start with a rule pattern that would backtrack without end, and says where it is', async () => {
    const rulesDir = path.join(tempDir(), 'rules');
    fs.cpSync(path.join(projectRoot(), 'rules'), rulesDir, { recursive: true, filter: (f) => !f.endsWith('.ts') });
    const file = path.join(rulesDir, 'intents.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace("      - '\\b(webinar\\s?jam|ever\\s?webinar)\\b'", "      - '^(\\w+\\s?)*\\bwebinarjam\\b'"));
    const run = await npmRun(['start'], '', { DATA_DIR: tempDir(), RULES_DIR: rulesDir, PORT: '0' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rules\/intents\.yaml: patterns \(support\.contact\)\[0\]: too slow on some messages/);
  }, 30_000);
});
