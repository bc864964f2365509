import restify from 'restify';
import { z } from 'zod';
import { mountAgentConsole } from './agent/routes';
import type { App } from './app';
import { mountDirectLine } from './directline/routes';
import type { Logger } from './logger';
import { AzureDirectLine } from './web/azureDirectLine';
import { OriginPolicy } from './web/origins';
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

const MAX_BODY_BYTES = 512 * 1024;

export function createServer(app: App, log: Logger): restify.Server {
  const server = restify.createServer({ name: 'kartra-triage-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  // Body parsers are per route: the Direct Line upload reads its multipart body as a stream.
  const json = restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false, rejectUnknown: true });

  server.on('after', (req: restify.Request, res: restify.Response) => {
    log.info({ method: req.method, url: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - req.time() }, 'request');
  });
  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, cb: () => void) => {
    if ((err.statusCode ?? 500) >= 500) log.error({ err, url: req.url }, 'request failed');
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
    await app.adapter.process(req, res, (context) => app.bot.run(context));
  });

  const { config } = app;
  const origins = new OriginPolicy(config.WIDGET_ORIGINS, config.PUBLIC_URL);
  if (app.directLine) {
    mountDirectLine(server, { channel: app.directLine, files: app.services.files, origins, publicUrl: config.PUBLIC_URL, uploadMaxBytes: config.UPLOAD_MAX_BYTES, log });
  }
  mountWidget(server, {
    channel: app.directLine, origins, publicUrl: config.PUBLIC_URL, log, azureEndpoint: config.DIRECT_LINE_ENDPOINT,
    azure: config.DIRECT_LINE_SECRET ? new AzureDirectLine(config.DIRECT_LINE_ENDPOINT, config.DIRECT_LINE_SECRET) : undefined,
  });
  mountAgentConsole(server, { agents: config.AGENTS, sessions: app.agentSessions, handoff: app.handoff, relay: app.relay, publicUrl: config.PUBLIC_URL, log });
  return server;
}
