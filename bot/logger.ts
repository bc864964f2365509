import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs. Message text and credentials never go to the log at info level: the activity's
 * type, channel and ids are enough to follow a conversation.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'kartra-triage-bot' },
    redact: { paths: ['*.authorization', '*.headers.authorization', '*.MicrosoftAppPassword', '*.password', '*.token'], censor: '[redacted]' },
  });
}
