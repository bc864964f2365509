// A help desk's two doors, real servers on loopback: an SMTP server (smtp-server, messages parsed with
// mailparser) and an HTTP receiver that checks the webhook's signature. Both keep everything they took,
// and dedupe as help desks do (by Message-ID, by Idempotency-Key), so tests count distinct and total.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpReceiver {
  url: string;
  port: number;
  mails: ParsedMail[];
  /** Distinct Message-IDs received. */
  distinct(): Set<string>;
  /** While set, the server answers this to every message (a help desk refusing, or down-ish). */
  refuseWith?: { code: number; message: string };
  /** Milliseconds to wait before accepting a message (a slow help desk: deliveries stay in flight). */
  delayMs: number;
  close(): Promise<void>;
}

export async function smtpReceiver(port = 0): Promise<SmtpReceiver> {
  const receiver: SmtpReceiver = {
    url: '', port: 0, mails: [], delayMs: 0,
    distinct: () => new Set(receiver.mails.map((m) => m.messageId ?? '')),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false, size: 30 * 1024 * 1024,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const refuse = receiver.refuseWith;
        if (refuse) { callback(Object.assign(new Error(refuse.message), { responseCode: refuse.code })); return; }
        setTimeout(() => {
          simpleParser(Buffer.concat(chunks)).then((mail) => { receiver.mails.push(mail); callback(); }, (err: Error) => callback(err));
        }, receiver.delayMs);
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const bound = (server.server.address() as AddressInfo).port;
  receiver.port = bound;
  receiver.url = `smtp://127.0.0.1:${bound}`;
  return receiver;
}

export interface WebhookReceiver {
  url: string;
  /** Every request that carried a valid signature, by arrival. */
  accepted: Array<{ idempotencyKey: string; body: { id: string; type: string; ticket: { reference: string; subject: string; fields: Array<{ name: string; label: string; value: string }> } } }>;
  /** Requests refused for a missing or wrong signature. */
  badSignatures: number;
  /** While set, every request is answered with this status (and Retry-After, if given). */
  answer?: { status: number; retryAfter?: string };
  delayMs: number;
  distinct(): Set<string>;
  close(): Promise<void>;
}

/** Checks a signature as the README tells receivers to: HMAC-SHA256 of "<t>.<raw body>", constant-time, recent. */
export function verifySignature(secret: string, header: string, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300 || !parts.v1) return false;
  const expected = crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

export async function webhookReceiver(secret: string, at?: URL): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '', accepted: [], badSignatures: 0, delayMs: 0,
    distinct: () => new Set(receiver.accepted.map((a) => a.idempotencyKey)),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (receiver.answer) {
        res.writeHead(receiver.answer.status, receiver.answer.retryAfter ? { 'retry-after': receiver.answer.retryAfter } : {});
        res.end();
        return;
      }
      if (!verifySignature(secret, String(req.headers['x-kartra-signature'] ?? ''), raw)) {
        receiver.badSignatures++;
        res.writeHead(401);
        res.end();
        return;
      }
      setTimeout(() => {
        receiver.accepted.push({ idempotencyKey: String(req.headers['idempotency-key'] ?? ''), body: JSON.parse(raw) as WebhookReceiver['accepted'][number]['body'] });
        res.writeHead(202);
        res.end();
      }, receiver.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(at ? Number(at.port) : 0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tickets`;
  return receiver;
}
