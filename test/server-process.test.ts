import { spawn } from 'node:child_process';
import path from 'node:path';
import { tempDir } from './helpers';

const ENTRY = path.resolve(__dirname, '../dist/bot/index.js');

describe('the server process (npm start)', () => {
  it('logs structured lines without message text, and shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [ENTRY], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', DATA_DIR: tempDir() } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const ready = await new Promise<{ url: string }>((resolve, reject) => {
      child.stdout.on('data', () => {
        const line = out.split('\n').find((l) => l.includes('"msg":"ready"'));
        if (line) resolve(JSON.parse(line) as { url: string });
      });
      child.on('exit', () => reject(new Error(`server exited before ready:\n${out}`)));
    });
    const secretText = 'my ip 203.0.113.200 is blocked and my password is hunter2';
    const res = await fetch(`${ready.url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: secretText, channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:1',
        conversation: { id: 'proc-1' }, from: { id: 'u' }, recipient: { id: 'bot' } }),
    });
    expect(res.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['ready', 'request', 'shutting down', 'stopped']));
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('203.0.113.200');
  }, 30_000);
});
