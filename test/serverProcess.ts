import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

const ENTRY = path.resolve(__dirname, '../dist/bot/index.js');

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcessWithoutNullStreams;
  /** What it wrote to stdout (the JSON log lines) and to stderr. */
  output(): string;
  errors(): string;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the built server (`npm start`'s command) and resolves once it logs "ready". */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  // As `npm start` runs it: restify's spdy dependency touches a deprecated Node API at load; silence that one.
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', ENTRY], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<{ url: string }>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"msg":"ready"'));
      if (line) resolve(JSON.parse(line) as { url: string });
    });
    child.on('exit', () => reject(new Error(`server exited before ready:\n${out}${err}`)));
  });
  return {
    url: ready.url, port: Number(new URL(ready.url).port), child, output: () => out, errors: () => err,
    stop: (signal = 'SIGTERM') => { child.kill(signal); return exited; },
  };
}
