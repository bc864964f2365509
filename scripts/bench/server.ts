// The server as `npm start` runs it, for the benchmark; with BENCH_BOT=echo the bot is swapped for one that
// repeats the message, on the same stack (channels, middleware, store, turn commits), as the baseline.
import { createApp } from '../../bot/app';
import { loadConfig } from '../../bot/config';
import { createLogger } from '../../bot/logger';
import { createServer } from '../../bot/server';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const app = await createApp(config, log);
  if (process.env.BENCH_BOT === 'echo') {
    app.bot.run = async (context) => {
      if (context.activity.type === 'message') await context.sendActivity(context.activity.text ?? '');
      else if (context.activity.type === 'conversationUpdate') await context.sendActivity('Hi!');
    };
  }
  const server = createServer(app, log);
  await new Promise<void>((resolve) => server.listen(config.PORT, config.host, resolve));
  log.info({ url: `http://${config.host}:${server.address().port}` }, 'ready');
  process.on('SIGTERM', () => { server.close(); void app.close().then(() => process.exit(0)); });
}

void main();
