// /api/messages with app credentials: a request whose Bot Framework token cannot be verified gets 401 and
// one log line, whether the token is forged or the signing keys cannot be fetched; no turn runs, nothing
// goes to stderr. A token signed with the published key is let in.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import type restify from 'restify';
import type { App } from '../../bot/app';
import { startApp, capturingLogger, listen, tempDir } from '../helpers';

const APP_ID = '00000000-0000-0000-0000-000000000001';
const ISSUER = 'https://api.botframework.com';
const SERVICE_URL = 'https://smba.example.invalid/emea/';

/** Authentication settings that send every key look-up to `metadataUrl` (nothing leaves the machine). */
const authAt = (metadataUrl: string) => ({
  ValidateAuthority: true, ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com', ToBotFromChannelTokenIssuer: ISSUER, OAuthUrl: 'https://token.invalid',
  ToBotFromChannelOpenIdMetadataUrl: metadataUrl, ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl, CallerId: 'urn:botframework:azure',
});

function activity(conversationId: string) {
  return { type: 'message', text: 'my ip 203.0.113.9 is blocked', id: crypto.randomUUID(), channelId: 'emulator', deliveryMode: 'expectReplies', serviceUrl: SERVICE_URL,
    conversation: { id: conversationId }, from: { id: 'u' }, recipient: { id: 'bot' } };
}

function token(key: crypto.KeyObject, kid: string): string {
  return jwt.sign({ serviceurl: SERVICE_URL }, key, { algorithm: 'RS256', keyid: kid, issuer: ISSUER, audience: APP_ID, expiresIn: 300 });
}

describe('/api/messages with app credentials', () => {
  const published = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  let keys: http.Server;
  let keysUrl = '';
  beforeAll(async () => {
    const jwk = published.publicKey.export({ format: 'jwk' });
    keys = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/openid') res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${keysUrl}/keys` }));
      else res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'sig', kid: 'published', n: jwk.n, e: jwk.e, endorsements: ['emulator', 'msteams'] }] }));
    });
    await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
    keysUrl = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
  });
  afterAll(() => keys.close());

  async function serve(metadataUrl: string) {
    const captured = capturingLogger('info');
    const app: App = await startApp(tempDir(), { HOST: '127.0.0.1', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret' }, { authentication: authAt(metadataUrl) }, captured.log);
    const { server, url } = await listen(app, captured.log);
    const post = (body: unknown, authorization?: string) => fetch(`${url}/api/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body),
    });
    return { app, server, post, refusals: () => captured.lines().split('\n').filter((l) => l.includes('unauthenticated request refused')).length };
  }
  const stop = async (s: { app: App; server: restify.Server }) => { s.server.close(); await s.app.close(); };

  it('answers 401 with one log line and no stack trace when the signing keys cannot be fetched', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const s = await serve('http://127.0.0.1:1/openid');
    try {
      for (const auth of [undefined, 'Bearer not-a-jwt', `Bearer ${token(forger.privateKey, 'published')}`]) {
        const res = await s.post(activity('auth-down'), auth);
        expect(res.status).toBe(401);
      }
      expect(s.refusals()).toBe(3);
      expect(errors).not.toHaveBeenCalled();
      expect(await s.app.services.transcripts.list('auth-down')).toEqual([]);
    } finally {
      errors.mockRestore();
      await stop(s);
    }
  });

  it('answers 401 to a token signed with another key, and lets in one signed with the published key', async () => {
    // botbuilder prints the key it could not match to the console; the server sends that to the debug log.
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const s = await serve(`${keysUrl}/openid`);
    try {
      expect((await s.post(activity('auth-forged'), `Bearer ${token(forger.privateKey, 'published')}`)).status).toBe(401);
      expect(await s.app.services.transcripts.list('auth-forged')).toEqual([]);
      const ok = await s.post(activity('auth-ok'), `Bearer ${token(published.privateKey, 'published')}`);
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { activities: { text?: string }[] };
      expect(body.activities.map((a) => a.text ?? '').join('\n')).toMatch(/username/);
    } finally {
      errors.mockRestore();
      await stop(s);
    }
  });
});
