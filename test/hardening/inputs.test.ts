// Bad input of every kind gets a 4xx with the reason, in-process: malformed activities, bodies that
// stall, multipart where JSON is expected, replies aimed at other machines, odd watermarks.
import fs from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import restify from 'restify';
import { UploadQuota } from '../../bot/directline/uploadQuota';
import { readBody } from '../../bot/web/body';
import { checkField } from '../../dialogs/fieldValidators';
import { FieldDefSchema } from '../../rules/schema';
import { DirectLineSession } from '../directline/session';
import { servedDuringTests, tempDir, testApp } from '../helpers';
import { request } from './raw';

const base = { channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: 'http://127.0.0.1:1', conversation: { id: 'in-1' }, from: { id: 'u' }, recipient: { id: 'bot' } };

describe('inputs', () => {
  const app = testApp(tempDir());
  const served = servedDuringTests(app);
  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    request(`${served.url}/api/messages`, { headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it.each([
    ['membersAdded with a null', { type: 'conversationUpdate', membersAdded: [null] }, /membersAdded/],
    ['attachments that are not objects', { type: 'message', text: 'hi', attachments: [null] }, /attachments/],
    ['no conversation', { type: 'message', text: 'hi', conversation: undefined }, /conversation/],
    ['a mention without whom', { type: 'message', text: 'hi', channelId: 'msteams', entities: [{ type: 'mention' }] }, /mentioned\.id/],
    ['a card action without an action', { type: 'invoke', name: 'adaptiveCard/action', value: 'x' }, /value\.action/],
  ])('answers an activity with %s with 400 and the reason, and runs no turn', async (_name, activity, reason) => {
    const res = await post({ ...base, ...activity });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(reason);
  });

  it('without app credentials, sends replies only to this machine', async () => {
    const res = await post({ ...base, type: 'message', text: 'hi', deliveryMode: undefined, serviceUrl: 'http://10.1.2.3:8080/' });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/serviceUrl: without app credentials/);
    expect(await app.services.transcripts.list('in-1')).toEqual([]);
  });

  it('refuses multipart and form bodies on JSON routes (415) and writes nothing to disk', async () => {
    const uploadsBefore = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('upload_')).length;
    const multipart = `--b\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n\r\n${'x'.repeat(200_000)}\r\n--b--\r\n`;
    for (const path of ['/api/messages', '/api/directline/token', '/agent/login']) {
      const res = await request(`${served.url}${path}`, { headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: multipart });
      expect([path, res.status]).toEqual([path, 415]);
    }
    const form = await post('type=message&text=hi&conversation[id]=x', { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' });
    expect(form.status).toBe(415);
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('upload_')).length).toBe(uploadsBefore);
  });

  it('gives back the latest watermark, not whatever number was asked for', async () => {
    const s = await DirectLineSession.start(served.url);
    await app.directLine!.idle();
    for (const w of ['100000000000000000000000', '99999', '-5', '1e3']) {
      const page = await s.since(w);
      expect([w, page.watermark]).toEqual([w, '1']);
    }
  });

  it('refuses a pasted screenshot link too long to keep, with the reason', () => {
    const check = checkField(FieldDefSchema.parse({ label: 'Screenshot', type: 'screenshot', prompt: 'p' }), { text: `https://www.loom.com/share/${'a'.repeat(12_000)}` }, app.brain.rules.messages);
    expect(check).toEqual({ ok: false, reason: expect.stringMatching(/12,0\d\d characters long; please paste a shorter one/) });
  });
});

describe('a body that stalls', () => {
  it('is cut with a 408 once nothing has arrived for the idle time', async () => {
    const server = restify.createServer();
    server.post('/x', readBody({ maxBytes: 1024, idleMs: 150 }), async (_req, res) => { res.send(200); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const status = await new Promise<number>((resolve) => {
      const req = require('node:http').request({ port, host: '127.0.0.1', method: 'POST', path: '/x', headers: { 'content-type': 'application/json', 'content-length': '100' } },
        (res: { statusCode: number }) => resolve(res.statusCode));
      req.write('{"a":');
    });
    expect(status).toBe(408);
    server.close();
  });
});

describe('upload quotas per address', () => {
  const files = { usage: () => ({ files: 0, bytes: 0 }) } as unknown as ConstructorParameters<typeof UploadQuota>[0];
  it('lets one address read two uploads at once and send 100 MB an hour; others go on', () => {
    let now = 0;
    const quota = new UploadQuota(files, { conversationFiles: 20, conversationBytes: 1e9, totalFiles: 1e6, totalBytes: 1e12, concurrent: 32, concurrentPerAddress: 2, bytesPerAddressHour: 100 }, () => now);
    const a = quota.begin('c1', '203.0.113.1');
    const b = quota.begin('c2', '203.0.113.1');
    expect([a.ok, b.ok, quota.begin('c3', '203.0.113.1').ok, quota.begin('c4', '198.51.100.1').ok]).toEqual([true, true, false, true]);
    if (a.ok) a.release();
    quota.stored('203.0.113.1', 100);
    expect(quota.begin('c5', '203.0.113.1')).toMatchObject({ ok: false, reason: { key: 'upload_hourly' } });
    now += 3600_001;
    expect(quota.begin('c5', '203.0.113.1').ok).toBe(true);
  });
});
