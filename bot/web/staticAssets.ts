import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset { body: Buffer; gzip: Buffer; etag: string; type: string }

/**
 * Serves a fixed set of files (the demo page, the embed script, Web Chat's bundle from node_modules),
 * read and compressed once on first request: Web Chat is 4 MB raw and about 1 MB gzipped.
 */
export class StaticAssets {
  private readonly cache = new Map<string, Asset>();

  constructor(private readonly files: Record<string, string>, private readonly headers: (urlPath: string) => Record<string, string> = () => ({})) {}

  paths(): string[] {
    return Object.keys(this.files);
  }

  serve(urlPath: string, req: IncomingMessage, res: ServerResponse): void {
    const asset = this.load(urlPath);
    const common = { 'Content-Type': asset.type, ETag: asset.etag, 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding', 'X-Content-Type-Options': 'nosniff', ...this.headers(urlPath) };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip : asset.body;
    res.writeHead(200, { ...common, 'Content-Length': body.length, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private load(urlPath: string): Asset {
    let asset = this.cache.get(urlPath);
    if (!asset) {
      const file = this.files[urlPath];
      if (!file) throw new Error(`no static asset ${urlPath}`);
      const body = fs.readFileSync(file);
      asset = {
        body, gzip: zlib.gzipSync(body, { level: 6 }), type: TYPES[path.extname(file)] ?? 'application/octet-stream',
        etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      };
      this.cache.set(urlPath, asset);
    }
    return asset;
  }
}
