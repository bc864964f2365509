// The built server (`npm start`'s command) as a child process: for tests and the reliability suite, which
// need a real process to crash, kill and restart.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../rules/projectRoot';

// Always the build, also when this module runs from its TypeScript source (jest).
const ENTRY = path.join(projectRoot(), 'dist', 'bot', 'index.js');

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcessWithoutNullStreams;
  /** What it wrote to stdout (the JSON log lines) and to stderr. */
  output(): string;
  errors(): string;
  /** False once the process has exited, for whatever reason. */
  alive(): boolean;
  /** Resident memory in bytes (Linux /proc), or undefined where that cannot be read. */
  rss(): number | undefined;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the built server and resolves once it logs "ready". `PORT` defaults to 0 (any free port). */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  // As `npm start` runs it: restify's spdy dependency touches a deprecated Node API at load; silence that one.
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', ENTRY], { env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env } });
  let out = '';
  let err = '';
  let running = true;
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { running = false; resolve(code); }));
  const ready = await new Promise<{ url: string }>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"msg":"ready"'));
      if (line) resolve(JSON.parse(line) as { url: string });
    });
    child.on('exit', () => reject(new Error(`server exited before ready:\n${out}${err}`)));
  });
  return {
    url: ready.url, port: Number(new URL(ready.url).port), pid: child.pid ?? 0, child, output: () => out, errors: () => err,
    alive: () => running,
    rss: () => {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb ? Number(kb) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    stop: (signal = 'SIGTERM') => { if (running) child.kill(signal); return exited; },
  };
}
