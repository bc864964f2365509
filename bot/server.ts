import type { Activity } from 'botbuilder';
import restify from 'restify';
import { z } from 'zod';
import { mountAgentConsole } from './agent/routes';
import type { App } from './app';
import { mountDirectLine } from './directline/routes';
import { UploadQuota } from './directline/uploadQuota';
import type { Logger } from './logger';
import { AzureDirectLine } from './web/azureDirectLine';
import { OriginPolicy } from './web/origins';
import { readBody } from './web/body';
import { reasons } from './web/reasons';
import { mountWidget } from './web/widgetRoutes';

// The minimum an activity needs before the SDK sees it; the SDK checks the rest (and the JWT).
export const InboundActivitySchema = z.looseObject({
  type: z.string().min(1).max(100),
  id: z.string().max(500).optional(),
  channelId: z.string().min(1).max(100).optional(),
  serviceUrl: z.string().max(2000).optional(),
  text: z.string().max(100_000, 'text is longer than 100,000 characters').optional(),
  conversation: z.looseObject({ id: z.string().min(1).max(500) }).optional(),
  from: z.looseObject({ id: z.string().min(1).max(500) }).optional(),
});

/** As the SDK's own request handling does: the wire's timestamp strings become Dates, the raw ones are kept. */
function withDates(body: z.infer<typeof InboundActivitySchema>): Activity {
  const a = { ...body } as Record<string, unknown>;
  for (const [key, raw] of [['timestamp', 'rawTimestamp'], ['localTimestamp', 'rawLocalTimestamp'], ['expiration', 'rawExpiration']] as const) {
    if (typeof a[key] === 'string') { a[raw] = a[key]; a[key] = new Date(a[key]); }
  }
  return a as unknown as Activity;
}

const MAX_BODY_BYTES = 512 * 1024;
/** Uploads read into memory at once (each up to UPLOAD_MAX_BYTES × 5 files). */
const UPLOADS_AT_ONCE = 8;

export function createServer(app: App, log: Logger): restify.Server {
  // restify's own lines (e.g. one per throttled request) only from warn up, in the same JSON log. The cast:
  // @types/restify still describes restify 8's bunyan logger; restify 11 itself logs with pino.
  const restifyLog = log.child({ component: 'restify' }, { level: 'warn' }) as unknown as restify.ServerOptions['log'];
  const server = restify.createServer({ name: 'kartra-triage-bot', handleUncaughtExceptions: false, log: restifyLog });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  // Bodies are read per route: the Direct Line upload reads its multipart body as a stream.
  const json = readBody({ maxBytes: MAX_BODY_BYTES });

  server.on('after', (req: restify.Request, res: restify.Response) => {
    log.info({ method: req.method, url: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - req.time() }, 'request');
  });
  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, cb: () => void) => {
    if ((err.statusCode ?? 500) >= 500) log.error({ err, method: req.method, url: req.url?.split('?')[0] }, 'request failed');
    cb();
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });

  server.post('/api/messages', json, async (req, res) => {
    const body = InboundActivitySchema.safeParse(req.body);
    if (!body.success) {
      res.send(400, { error: 'invalid activity', details: reasons(body.error) });
      return;
    }
    const activity = withDates(body.data);
    const result = await app.adapter.handle(activity, String(req.headers.authorization ?? ''), (context) => app.bot.run(context));
    if (!result.ok) {
      log.warn({ reason: result.reason, channel: activity.channelId }, 'unauthenticated request refused');
      res.send(401, { error: 'Unauthorized: a valid Bot Framework token is required.' });
      return;
    }
    res.send(result.status, result.body);
  });

  const { config } = app;
  server.server.on('listening', () => app.address.listening(server.server.address()));
  const origins = new OriginPolicy(config.WIDGET_ORIGINS, app.address);
  if (app.directLine) {
    mountDirectLine(server, {
      channel: app.directLine, files: app.services.files, origins, address: app.address, uploadMaxBytes: config.UPLOAD_MAX_BYTES, log,
      uploads: new UploadQuota(app.services.files, {
        conversationFiles: config.UPLOAD_CONVERSATION_MAX_FILES, conversationBytes: config.UPLOAD_CONVERSATION_MAX_BYTES,
        totalFiles: config.UPLOAD_TOTAL_MAX_FILES, totalBytes: config.UPLOAD_TOTAL_MAX_BYTES, concurrent: UPLOADS_AT_ONCE,
      }),
    });
  }
  mountWidget(server, {
    channel: app.directLine, origins, address: app.address, log, tokensPerSecond: config.WIDGET_TOKENS_PER_SECOND, azureEndpoint: config.DIRECT_LINE_ENDPOINT,
    azure: config.DIRECT_LINE_SECRET ? new AzureDirectLine(config.DIRECT_LINE_ENDPOINT, config.DIRECT_LINE_SECRET) : undefined,
  });
  mountAgentConsole(server, { agents: config.AGENTS, sessions: app.agentSessions, signIns: app.signIns, handoff: app.handoff, relay: app.relay, address: app.address, log });
  return server;
}
