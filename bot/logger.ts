import { format } from 'node:util';
import pino from 'pino';

export type Logger = pino.Logger;

const VERBOSE = new Set(['debug', 'trace']);

/** The "    at fn (file:line:col)" lines of a stack: where it happened, none of what it was about. */
function frames(stack: string | undefined): string[] {
  return (stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 12).map((l) => l.trim());
}

/**
 * What an error may put in the log. Its message is left out below debug level: messages quote input
 * (V8's JSON errors, validation errors), and botbuilder-dialogs attaches the whole dialog state, with the
 * customer's answers, to errors thrown inside a dialog. The kind, code and stack frames say where to look.
 */
export function errorSerializer(verbose: boolean) {
  const serialize = (err: unknown, depth = 0): Record<string, unknown> => {
    if (!(err instanceof Error)) return { type: typeof err };
    const e = err as Error & { code?: unknown; statusCode?: unknown };
    return {
      type: e.constructor?.name || e.name,
      ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
      ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
      ...(verbose ? { message: e.message } : {}),
      stack: frames(e.stack),
      ...(e.cause !== undefined && depth < 3 ? { cause: serialize(e.cause, depth + 1) } : {}),
    };
  };
  return (err: unknown) => serialize(err);
}

/**
 * Sends what libraries print to the console into the log at debug level. Their text is not ours to vet
 * (botbuilder prints a line to stderr for every forged token, public key included), and an unauthenticated
 * request must cost one log line, not a page of stderr.
 */
export function captureConsole(log: Logger): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[method] = (...args: unknown[]) => log.debug({ source: `console.${method}`, text: format(...args) }, 'library output');
  }
}

/**
 * Structured JSON logs. Nothing a customer typed goes to the log at info, warn or error: activities are
 * followed by type, channel and ids, errors by kind and stack frames; credentials are redacted.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { app: 'kartra-triage-bot' },
    serializers: { err: errorSerializer(VERBOSE.has(level)) },
    redact: { paths: ['*.authorization', '*.headers.authorization', '*.MicrosoftAppPassword', '*.password', '*.token'], censor: '[redacted]' },
  }, destination);
}
