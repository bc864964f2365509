// Requests a well-behaved client would never send: exact bytes, exact headers, raw sockets.
import http from 'node:http';
import net from 'node:net';

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

/** One HTTP request with exactly these headers and body; rejects if nothing answers within `timeoutMs`. */
export function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'POST', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes raw bytes to the server and resolves with whatever comes back before it closes (or the timeout). */
export function rawExchange(port: number, bytes: Buffer | string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => { socket.destroy(); resolve(Buffer.concat(chunks).toString('latin1')); };
    socket.on('data', (c: Buffer) => { chunks.push(c); if (Buffer.concat(chunks).includes('\r\n\r\n')) done(); });
    socket.on('close', done);
    socket.on('error', done);
    socket.setTimeout(timeoutMs, done);
    socket.write(bytes);
  });
}

/** A WebSocket upgrade request line and headers for this target. */
export function upgradeRequest(target: string, headers: Record<string, string> = {}): string {
  const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}
