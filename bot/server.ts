import restify from 'restify';
import { mountAgentConsole } from './agent/routes';
import type { App } from './app';
import type { IntentId } from '../rules/schema';
import { mountDirectLine } from './directline/routes';
import { UploadQuota } from './directline/uploadQuota';
import type { Logger } from './logger';
import { mountMessages } from './messagesRoute';
import { AzureDirectLine } from './web/azureDirectLine';
import { OriginPolicy } from './web/origins';
import { guardRequestTargets } from './web/requestTarget';
import { mountWidget } from './web/widgetRoutes';

/** Uploads read into memory at once (each up to UPLOAD_MAX_BYTES × 5 files), in all and from one address. */
const UPLOADS_AT_ONCE = 32;
const UPLOADS_AT_ONCE_PER_ADDRESS = 2;
/** Bytes one address may upload in an hour: filling the store takes many addresses, not one. */
const UPLOAD_BYTES_PER_ADDRESS_HOUR = 100 * 1024 * 1024;

/** A request's path as the log keeps it: no query (stream tokens), and not longer than a path of this server. */
function logged(url: string | undefined): string {
  const path = url?.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

export function createServer(app: App, log: Logger): restify.Server {
  // restify's own lines (e.g. one per throttled request) only from warn up, in the same JSON log. The cast:
  // @types/restify still describes restify 8's bunyan logger; restify 11 itself logs with pino.
  const restifyLog = log.child({ component: 'restify' }, { level: 'warn' }) as unknown as restify.ServerOptions['log'];
  const server = restify.createServer({ name: 'kartra-triage-bot', handleUncaughtExceptions: false, log: restifyLog });
  guardRequestTargets(server.server);
  server.use(restify.plugins.queryParser({ mapParams: false }));
  // Slow clients are not held for Node's default five minutes: headers within 20 s, a whole request
  // within two minutes (a 25 MB upload on a slow line); a body that stalls is cut sooner (readBody).
  server.server.headersTimeout = 20_000;
  server.server.requestTimeout = 120_000;

  server.on('after', (req: restify.Request, res: restify.Response) => {
    log.info({ method: req.method, url: logged(req.url), status: res.statusCode, ms: Date.now() - req.time() }, 'request');
  });
  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, cb: () => void) => {
    if ((err.statusCode ?? 500) >= 500) log.error({ err, method: req.method, url: logged(req.url) }, 'request failed');
    cb();
  });

  server.get('/healthz', async (_req, res) => {
    res.send(200, { status: 'ok' });
  });
  // Ready to take traffic: the store answers (a load balancer stops sending here while it doesn't).
  server.get('/readyz', async (_req, res) => {
    const ok = await app.store.ping().then(() => true, () => false);
    res.send(ok ? 200 : 503, { status: ok ? 'ready' : 'store unavailable' });
  });

  mountMessages(server, app, log);

  const { config } = app;
  server.server.on('listening', () => app.address.listening(server.server.address()));
  const origins = new OriginPolicy(config.WIDGET_ORIGINS, app.address);
  if (app.directLine) {
    mountDirectLine(server, {
      channel: app.directLine, files: app.services.files, origins, address: app.address, uploadMaxBytes: config.UPLOAD_MAX_BYTES, log,
      messages: () => app.brain.rules.messages,
      uploads: new UploadQuota(app.services.files, {
        conversationFiles: config.UPLOAD_CONVERSATION_MAX_FILES, conversationBytes: config.UPLOAD_CONVERSATION_MAX_BYTES,
        totalFiles: config.UPLOAD_TOTAL_MAX_FILES, totalBytes: config.UPLOAD_TOTAL_MAX_BYTES, concurrent: UPLOADS_AT_ONCE,
        concurrentPerAddress: UPLOADS_AT_ONCE_PER_ADDRESS, bytesPerAddressHour: UPLOAD_BYTES_PER_ADDRESS_HOUR,
      }),
    });
  }
  mountWidget(server, {
    channel: app.directLine, origins, address: app.address, log, visitors: app.visitors, tokensPerSecond: config.WIDGET_TOKENS_PER_SECOND, azureEndpoint: config.DIRECT_LINE_ENDPOINT,
    azure: config.DIRECT_LINE_SECRET ? new AzureDirectLine(config.DIRECT_LINE_ENDPOINT, config.DIRECT_LINE_SECRET) : undefined,
  });
  mountAgentConsole(server, { agents: config.AGENTS, leads: config.LEADS, sessions: app.agentSessions, signIns: app.signIns, devices: app.devices, handoff: app.handoff, relay: app.relay, tickets: app.store.tickets, deliveries: app.store.deliveries, analytics: app.store.analytics, training: app.store.training, learning: app.learning, rules: app.rules, ruleReloads: app.store.ruleReloads, privacy: app.store.privacy,
    intents: [...(Object.entries(app.brain.rules.intents) as Array<[IntentId, { label: string }]>).map(([id, d]) => ({ id, label: d.label })), { id: 'none', label: 'Not for this bot (out of scope)' }], address: app.address, log });
  return server;
}
