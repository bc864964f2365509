import type { Server } from 'node:http';

/**
 * restify parses each request target with url.parse outside any try: an absolute-form target with a
 * malformed host ("GET http://[::1/ HTTP/1.1") threw out of its request handler and stopped the process.
 * Absolute-form targets (legal HTTP, sent to proxies) are reduced to their path here, and one that cannot
 * be parsed is answered 400 before restify sees it.
 */
export function guardRequestTargets(server: Server): void {
  const handlers = server.listeners('request') as Array<(...args: unknown[]) => void>;
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const target = req.url ?? '/';
    if (!target.startsWith('/') && target !== '*') {
      try {
        const url = new URL(target);
        req.url = `${url.pathname}${url.search}`;
      } catch {
        res.writeHead(400, { 'Content-Type': 'application/json', Connection: 'close' });
        res.end(JSON.stringify({ error: 'The request target is malformed.' }));
        return;
      }
    }
    for (const handler of handlers) handler.call(server, req, res);
  });
}
