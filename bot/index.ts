// Entry point for `npm start`: validate configuration and rules, open the store, listen, shut down cleanly.
import { ConfigError, loadConfig } from './config';
import { captureConsole, createLogger } from './logger';
import { RulesError } from '../rules/loader';
import { createApp } from './app';
import { createServer } from './server';
import { rulePatterns, slowPatterns } from './patternCheck';
import { warmUpSentiment } from '../knowledge/sentiment';

async function main(): Promise<void> {
  const started = Date.now();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) { console.error(err.message); process.exit(1); }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  let app;
  try {
    app = await createApp(config, log);
  } catch (err) {
    if (err instanceof RulesError || err instanceof ConfigError) { console.error(err.message); process.exit(1); }
    throw err;
  }
  // A rule pattern that backtracks without end would hold every reply, the replayed turns' first of all.
  const slow = await slowPatterns(rulePatterns(app.brain));
  if (slow.length) { console.error(`Invalid rules:\n  ${slow.join('\n  ')}`); await app.close(); process.exit(1); }
  // From here on, what libraries print goes through the log (start-up errors above are for the operator's eyes).
  captureConsole(log);
  const server = createServer(app, log);
  await new Promise<void>((resolve) => server.listen(config.PORT, config.host, resolve));
  await app.directLine?.resumePending();
  app.directLine?.startSweeping();
  app.retention.start();
  app.deliveries.start();
  app.rules.watch();
  // The sentiment vocabulary takes ~0.4 s to load and blocks while it does: not on the first customer's
  // message, and not in the way of the first health checks right after start either.
  setTimeout(warmUpSentiment, 3000).unref();
  const address = server.address();
  log.info({ url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${address.port}`, dataDir: config.dataDir,
    auth: config.localMode ? 'local mode (no MicrosoftAppId: JWT not checked)' : 'Bot Framework JWT', startupMs: Date.now() - started }, 'ready');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    // Live streams (widget WebSockets, agent consoles) and idle keep-alive connections would hold
    // server.close() open: end them first (pages reconnect and resume); requests still running get 5 s.
    app.directLine?.streams.close();
    app.relay.close();
    server.server.closeIdleConnections();
    setTimeout(() => server.server.closeAllConnections(), 5_000).unref();
    server.close(() => {
      void app.close().then(() => {
        log.info('stopped');
        process.exit(0);
      });
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
