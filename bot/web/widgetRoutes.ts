import crypto from 'node:crypto';
import path from 'node:path';
import restify from 'restify';
import { z } from 'zod';
import { projectRoot } from '../../rules/projectRoot';
import type { DirectLineChannel } from '../directline/channel';
import { DIRECT_LINE_PATH } from '../directline/routes';
import type { Logger } from '../logger';
import { AzureDirectLine } from './azureDirectLine';
import type { OriginPolicy } from './origins';
import type { PublicAddress } from './publicAddress';
import { readBody } from './body';
import { reasons } from './reasons';
import { StaticAssets } from './staticAssets';
import type { VisitorPasses } from './visitors';

const TokenRequestSchema = z.object({
  /** A page that already has a conversation (reload, reopened tab) asks to carry on with it. */
  resume: z.object({
    conversationId: z.string().min(1).max(200),
    token: z.string().min(1).max(4000),
    userId: z.string().min(1).max(200).optional(),
  }).optional(),
  /** The browser's visitor pass from an earlier conversation: a new one keeps the same user. */
  visitor: z.string().min(1).max(2000).optional(),
}).strict();

/** Tokens one address may get at once before the rate (one a second) applies. */
export const TOKEN_BURST = 60;

export interface TokenResponse { token: string; conversationId: string; userId: string; expiresIn: number; domain: string; resumed: boolean; visitor?: string }

export interface WidgetRouteOptions {
  /** Local Direct Line channel; undefined when DIRECT_LINE_SECRET sends the widget to Azure instead. */
  channel: DirectLineChannel | undefined;
  azure: AzureDirectLine | undefined;
  azureEndpoint: string;
  origins: OriginPolicy;
  address: PublicAddress;
  log: Logger;
  visitors: VisitorPasses;
  /** New conversations one address may start per second, after a burst of TOKEN_BURST. */
  tokensPerSecond: number;
}

function webchatBundle(): string {
  // The package's exports hide dist/; find it next to the CommonJS entry point.
  return path.join(path.dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');
}

/** The demo help-center page, the embed script and Web Chat, and the token endpoint the widget starts from. */
export function mountWidget(server: restify.Server, o: WidgetRouteOptions): void {
  const web = path.join(projectRoot(), 'web');
  // blob: for Web Chat's attachments: it reads a chosen file in a worker made from a blob: URL, and fetches it.
  const connect = ["'self'", 'blob:', 'ws:', 'wss:', new URL(o.azureEndpoint).origin, new URL(o.azureEndpoint).origin.replace(/^https/, 'wss')].join(' ');
  const assets = new StaticAssets({
    '/': path.join(web, 'index.html'),
    '/widget/embed.js': path.join(web, 'widget', 'embed.js'),
    '/widget/widget.css': path.join(web, 'widget', 'widget.css'),
    '/widget/demo.css': path.join(web, 'widget', 'demo.css'),
    '/favicon.ico': path.join(web, 'widget', 'icon.svg'),
    '/widget/webchat.js': webchatBundle(),
  }, (urlPath): Record<string, string> => urlPath === '/'
    ? { 'Content-Security-Policy': `default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; font-src 'self' data:; media-src 'self' blob:; connect-src ${connect}; frame-ancestors 'self'`, 'Referrer-Policy': 'same-origin' }
    // The embed script is loaded by other sites' pages.
    : { 'Cross-Origin-Resource-Policy': 'cross-origin' });
  for (const route of assets.paths()) {
    server.get(route, async (req, res) => { assets.serve(route, req, res); });
    server.head(route, async (req, res) => { assets.serve(route, req, res); });
  }

  const answer = (res: restify.Response, status: number, body: TokenResponse | { error: string }) => {
    res.setHeader('Cache-Control', 'no-store');
    res.send(status, body);
  };
  const json = readBody({ maxBytes: 16 * 1024, required: false });

  server.opts('/api/directline/token', async (req, res) => {
    if (!o.origins.apply(req, res)) { res.send(403); return; }
    res.send(204);
  });
  // Each token can open a conversation: a page needs one, a script minting thousands gets 429.
  const throttle = restify.plugins.throttle({ burst: TOKEN_BURST, rate: o.tokensPerSecond, ip: true });
  server.post('/api/directline/token', throttle, json, async (req, res) => {
    if (!o.origins.apply(req, res)) { answer(res, 403, { error: 'This website is not allowed to use the chat. Add its origin to WIDGET_ORIGINS.' }); return; }
    const body = TokenRequestSchema.safeParse(req.body ?? {});
    if (!body.success) { answer(res, 400, { error: `Invalid request: ${reasons(body.error).join('; ')}` }); return; }
    const resume = body.data.resume;
    // The same browser is the same visitor in a new conversation; a pass that does not verify is ignored.
    const visitor = o.visitors.userOf(body.data.visitor);
    const pass = (userId: string) => o.visitors.issue(userId);

    if (o.channel) {
      const channel = o.channel;
      const domain = `${o.address.base}${DIRECT_LINE_PATH}`;
      const claims = resume && (await channel.store.get(resume.conversationId)) ? channel.tokens.renewable(resume.token, resume.conversationId) : undefined;
      if (claims) {
        answer(res, 200, { token: channel.tokens.issue(claims.conv, claims.user), conversationId: claims.conv, userId: claims.user, expiresIn: channel.tokens.ttlSeconds, domain, resumed: true, visitor: pass(claims.user) });
        return;
      }
      const s = channel.newSession(visitor);
      answer(res, 200, { token: s.token, conversationId: s.conversationId, userId: s.userId, expiresIn: s.expiresIn, domain, resumed: false, visitor: pass(s.userId) });
      return;
    }

    const azure = o.azure;
    if (!azure) { answer(res, 503, { error: 'The chat is not configured on this server.' }); return; }
    try {
      if (resume?.userId) {
        const renewed = await azure.refresh(resume.token).catch(() => undefined);
        if (renewed && renewed.conversationId === resume.conversationId) {
          answer(res, 200, { token: renewed.token, conversationId: renewed.conversationId, userId: resume.userId, expiresIn: renewed.expires_in, domain: o.azureEndpoint, resumed: true, ...(visitor === resume.userId ? { visitor: pass(visitor) } : {}) });
          return;
        }
      }
      // Direct Line wants user ids that start with dl_ when they come inside a token.
      const userId = visitor ?? `dl_${crypto.randomBytes(12).toString('base64url')}`;
      const t = await azure.generate(userId);
      answer(res, 200, { token: t.token, conversationId: t.conversationId, userId, expiresIn: t.expires_in, domain: o.azureEndpoint, resumed: false, visitor: pass(userId) });
    } catch (err) {
      o.log.error({ reason: (err as Error).message }, 'Direct Line token exchange failed');
      answer(res, 502, { error: 'The chat service is not reachable right now. Please try again in a minute.' });
    }
  });
}
