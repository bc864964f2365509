// The built server (`npm start`'s command) as a child process: for tests and the reliability suite, which
// need a real process to crash, kill and restart.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../rules/projectRoot';

// Always the build, also when this module runs from its TypeScript source (jest).
const ENTRY = path.join(projectRoot(), 'dist', 'bot', 'index.js');
/** Output kept per stream; a long soak logs far more than anyone reads. */
const KEEP_CHARS = 4 * 1024 * 1024;

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcessWithoutNullStreams;
  /** What it wrote to stdout (the JSON log lines) and to stderr (the first few MB). */
  output(): string;
  errors(): string;
  /** False once the process has exited, for whatever reason. */
  alive(): boolean;
  /** Resident memory in bytes (Linux /proc), or undefined where that cannot be read. */
  rss(): number | undefined;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A TCP port free on loopback right now (for a server or a proxy a test starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Runs the built server and resolves once it is ready: when it logs "ready" (LOG_LEVEL info, the default
 * here), or, at quieter levels, when /healthz answers on a port chosen beforehand.
 */
export async function startServer(env: Record<string, string>, entry: string = ENTRY): Promise<ServerProcess> {
  const quiet = env.LOG_LEVEL !== undefined && !['info', 'debug', 'trace'].includes(env.LOG_LEVEL);
  const port = env.PORT ?? (quiet ? String(await freePort()) : '0');
  // As `npm start` runs it: restify's spdy dependency touches a deprecated Node API at load; silence that one.
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', entry], { env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: port } });
  let out = '';
  let err = '';
  let running = true;
  child.stdout.on('data', (d: Buffer) => { if (out.length < KEEP_CHARS) out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { if (err.length < KEEP_CHARS) err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { running = false; resolve(code); }));
  const url = await new Promise<string>((resolve, reject) => {
    child.on('exit', () => reject(new Error(`server exited before ready:\n${out}${err}`)));
    if (quiet) {
      const poll = () => {
        if (!running) return;
        fetch(`http://127.0.0.1:${port}/healthz`).then((r) => (r.ok ? resolve(`http://127.0.0.1:${port}`) : setTimeout(poll, 50)), () => setTimeout(poll, 50));
      };
      poll();
      return;
    }
    child.stdout.on('data', () => {
      const line = out.split('\n').find((l) => l.includes('"msg":"ready"'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url, port: Number(new URL(url).port), pid: child.pid ?? 0, child, output: () => out, errors: () => err,
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
