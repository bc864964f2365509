import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import restify from 'restify';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Logger } from '../logger';
import type { Messages, Notice } from '../../rules/messages';
import { FILE_PATH_PREFIX, type FileStore } from '../store/files';
import type { OriginPolicy } from '../web/origins';
import type { PublicAddress } from '../web/publicAddress';
import { answerAfterBody, readBody } from '../web/body';
import { reasons } from '../web/reasons';
import { ConversationFullError, type DirectLineChannel, type PostedActivity } from './channel';
import { parseWatermark, type DirectLineConversation } from '../store/directLine';
import { bearer, type TokenClaims } from './tokens';
import { checkFile, readUpload, UploadError } from './upload';
import type { UploadQuota } from './uploadQuota';

export const DIRECT_LINE_PATH = '/v3/directline';
const STREAM_PATH = new RegExp(`^${DIRECT_LINE_PATH}/conversations/([^/]+)/stream$`);

const StartSchema = z.object({
  user: z.object({ id: z.string().max(500).optional(), name: z.string().max(200).optional() }).loose().optional(),
  locale: z.string().max(35).optional(),
}).loose();

const AttachmentSchema = z.object({
  contentType: z.string().min(1).max(200),
  contentUrl: z.string().max(4000).optional(),
  name: z.string().max(300).optional(),
  content: z.unknown().optional(),
  thumbnailUrl: z.string().max(4000).optional(),
}).loose();

/** What a page may post; ids, conversation, times and the sender's id are set by the channel. */
const PostedActivitySchema = z.object({
  type: z.enum(['message', 'typing', 'event'], { error: 'type must be "message", "typing" or "event"' }),
  text: z.string().max(20_000, 'text is longer than 20,000 characters').optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: z.string().max(35).optional(),
  localTimezone: z.string().max(100).optional(),
  value: z.unknown().optional(),
  name: z.string().max(200).optional(),
  attachments: z.array(AttachmentSchema).max(10).optional(),
  channelData: z.record(z.string(), z.unknown()).optional(),
  entities: z.array(z.object({ type: z.string().max(200) }).loose()).max(20).optional(),
  from: z.object({ name: z.string().max(200).optional() }).loose().optional(),
}).loose();

function pick(a: z.infer<typeof PostedActivitySchema>): PostedActivity {
  const out: PostedActivity = { type: a.type };
  const copy = ['text', 'textFormat', 'locale', 'localTimezone', 'value', 'name', 'attachments', 'channelData', 'entities'] as const;
  for (const key of copy) if (a[key] !== undefined) Object.assign(out, { [key]: a[key] });
  if (a.from?.name) out.from = { name: a.from.name };
  return out;
}

/** The conversation, token and watermark of a stream URL; undefined for anything that is not one. */
export function parseStreamTarget(rawUrl: string | undefined): { conversationId: string; token?: string; watermark: string } | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl ?? '/', 'http://local');
  } catch {
    return undefined;
  }
  const match = STREAM_PATH.exec(url.pathname);
  if (!match) return undefined;
  let conversationId: string;
  try {
    conversationId = decodeURIComponent(match[1] ?? '');
  } catch {
    return undefined;
  }
  const token = url.searchParams.get('t') ?? undefined;
  return { conversationId, ...(token ? { token } : {}), watermark: url.searchParams.get('watermark') ?? '' };
}

/** Direct Line's error body: `{ error: { code, message } }`. */
function fail(res: restify.Response, status: number, code: string, message: string): void {
  res.send(status, { error: { code, message } });
}

export interface DirectLineRouteOptions {
  channel: DirectLineChannel;
  files: FileStore;
  origins: OriginPolicy;
  address: PublicAddress;
  uploadMaxBytes: number;
  uploads: UploadQuota;
  /** What the customer is told when a file or a message can't be taken. */
  messages: () => Messages;
  log: Logger;
}

/**
 * The Direct Line 3.0 client protocol, as botframework-directlinejs (and so Web Chat) uses it, served by the
 * bot itself. Every call but the file download needs a token bound to the conversation it names.
 */
export function mountDirectLine(server: restify.Server, o: DirectLineRouteOptions): void {
  const { channel, files, origins } = o;
  const streamUrl = (conversationId: string, token: string, watermark?: string) =>
    `${o.address.base.replace(/^http/, 'ws')}${DIRECT_LINE_PATH}/conversations/${encodeURIComponent(conversationId)}/stream?t=${encodeURIComponent(token)}${watermark ? `&watermark=${encodeURIComponent(watermark)}` : ''}`;

  /** Origin and token checks shared by every call; answers the error itself and returns undefined. */
  const authorize = (req: restify.Request, res: restify.Response, conversationId?: string): TokenClaims | undefined => {
    if (!origins.apply(req, res)) { fail(res, 403, 'Forbidden', 'This origin may not use the chat.'); return undefined; }
    const check = channel.tokens.verify(bearer(req.headers.authorization), conversationId);
    if (check.ok) return check.claims;
    if (check.reason === 'missing') fail(res, 401, 'Unauthorized', 'Send the Direct Line token as "Authorization: Bearer <token>".');
    else if (check.reason === 'expired') fail(res, 403, 'TokenExpired', 'The token has expired. Get a new one from the token endpoint.');
    else if (check.reason === 'wrong_conversation') fail(res, 403, 'Forbidden', 'This token is for another conversation.');
    else fail(res, 403, 'Forbidden', 'The token is not valid.');
    return undefined;
  };
  const conversationOf = async (req: restify.Request, res: restify.Response): Promise<DirectLineConversation | undefined> => {
    const id = String(req.params.conversationId ?? '');
    if (!authorize(req, res, id)) return undefined;
    const conversation = await channel.store.get(id);
    if (!conversation) fail(res, 404, 'ConversationNotFound', 'No such conversation: start it with POST /conversations first.');
    return conversation;
  };
  // A posted activity is a message, a card's submit or an event: 64 KB is far more than any needs.
  const json = readBody({ maxBytes: 64 * 1024, required: false, errorBody: (status, message) => ({ error: { code: status === 413 ? 'MessageSizeTooBig' : 'BadArgument', message } }) });

  server.opts(`${DIRECT_LINE_PATH}/*`, async (req, res) => {
    if (!origins.apply(req, res)) { res.send(403); return; }
    res.send(204);
  });

  server.post(`${DIRECT_LINE_PATH}/tokens/refresh`, async (req, res) => {
    const claims = authorize(req, res);
    if (!claims) return;
    res.send(200, { conversationId: claims.conv, token: channel.tokens.issue(claims.conv, claims.user), expires_in: channel.tokens.ttlSeconds });
  });

  server.post(`${DIRECT_LINE_PATH}/conversations`, json, async (req, res) => {
    const claims = authorize(req, res);
    if (!claims) return;
    const body = StartSchema.safeParse(req.body ?? {});
    if (!body.success) { fail(res, 400, 'BadArgument', reasons(body.error).join('; ')); return; }
    const token = bearer(req.headers.authorization) ?? '';
    const conversation = await channel.start(claims.conv, claims.user, body.data.locale);
    res.send(201, { conversationId: conversation.id, token, expires_in: Math.max(0, claims.exp - Math.floor(Date.now() / 1000)), streamUrl: streamUrl(conversation.id, token) });
  });

  // Reconnect: a page reloaded, or a socket dropped, asks for a fresh stream URL from its watermark.
  server.get(`${DIRECT_LINE_PATH}/conversations/:conversationId`, async (req, res) => {
    const conversation = await conversationOf(req, res);
    if (!conversation) return;
    const token = bearer(req.headers.authorization) ?? '';
    const watermark = typeof req.query?.watermark === 'string' ? req.query.watermark : undefined;
    await channel.resumeConversation(conversation.id);
    res.send(200, { conversationId: conversation.id, token, streamUrl: streamUrl(conversation.id, token, watermark) });
  });

  server.get(`${DIRECT_LINE_PATH}/conversations/:conversationId/activities`, async (req, res) => {
    const conversation = await conversationOf(req, res);
    if (!conversation) return;
    res.send(200, await channel.store.since(conversation.id, parseWatermark(req.query?.watermark)));
  });

  server.post(`${DIRECT_LINE_PATH}/conversations/:conversationId/activities`, json, async (req, res) => {
    const conversation = await conversationOf(req, res);
    if (!conversation) return;
    const body = PostedActivitySchema.safeParse(req.body);
    if (!body.success) { fail(res, 400, 'BadArgument', reasons(body.error).join('; ')); return; }
    try {
      res.send(200, { id: (await channel.post(conversation, pick(body.data))).id });
    } catch (err) {
      if (!(err instanceof ConversationFullError)) throw err;
      fail(res, 413, 'ConversationFull', o.messages().tell({ key: 'conversation_full' }));
    }
  });

  server.post(`${DIRECT_LINE_PATH}/conversations/:conversationId/upload`, async (req, res) => {
    const conversation = await conversationOf(req, res);
    if (!conversation) return;
    // A refusal the customer can act on is told in the chat too, where they are looking.
    const refuse = async (status: number, why: string | Notice, code = 'BadArgument') => {
      const reason = typeof why === 'string' ? why : o.messages().tell(why);
      if (typeof why !== 'string') await channel.notice(conversation.id, reason);
      if (status === 429) res.setHeader('Retry-After', '60');
      if (status === 408) { res.setHeader('Connection', 'close'); fail(res, status, code, reason); return; }
      await answerAfterBody(req, res, () => fail(res, status, code, reason));
    };
    if (channel.isFull(conversation)) { await refuse(413, { key: 'conversation_full' }, 'ConversationFull'); return; }
    const room = await o.uploads.check(conversation.id, 0, 0);
    if (!room.ok) { await refuse(room.status, room.reason, 'QuotaExceeded'); return; }
    const address = req.socket.remoteAddress ?? 'unknown';
    const slot = o.uploads.begin(conversation.id, address);
    if (!slot.ok) { await refuse(slot.status, slot.reason, 'TooManyRequests'); return; }
    let upload;
    try {
      upload = await readUpload(req, o.uploadMaxBytes);
    } catch (err) {
      slot.release();
      if (!(err instanceof UploadError)) throw err;
      await refuse(err.status, err.reason);
      return;
    }
    slot.release();
    const body = PostedActivitySchema.safeParse(upload.activity);
    if (!body.success) { fail(res, 400, 'BadArgument', reasons(body.error).join('; ')); return; }
    const accepted: { name: string; data: Buffer; type: string }[] = [];
    for (const file of upload.files) {
      const check = checkFile(file);
      if (!check.ok) { await refuse(415, check.reason); return; }
      accepted.push({ name: file.name, data: file.data, type: check.type });
    }
    const base = o.address.base;
    const saved = await o.uploads.exclusive(async () => {
      const quota = await o.uploads.check(conversation.id, accepted.length, accepted.reduce((n, f) => n + f.data.length, 0));
      if (!quota.ok) return quota;
      o.uploads.stored(address, accepted.reduce((n, f) => n + f.data.length, 0));
      const stored = [];
      for (const f of accepted) stored.push(await files.save({ conversationId: conversation.id, name: f.name, contentType: f.type, data: f.data }));
      return stored;
    });
    if (!Array.isArray(saved)) { await refuse(saved.status, saved.reason, 'QuotaExceeded'); return; }
    const attachments = saved.map((f) => ({ contentType: f.contentType, contentUrl: `${base}${FILE_PATH_PREFIX}${f.id}`, name: f.name }));
    res.send(200, { id: (await channel.post(conversation, { ...pick(body.data), type: 'message', attachments })).id });
  });

  // Files are fetched by <img> tags, which cannot send a token: the unguessable id is the capability,
  // as with the Direct Line service. Served so that a file can never run as a page of this origin.
  server.get(`${FILE_PATH_PREFIX}:fileId`, async (req, res) => {
    const file = await files.get(String(req.params.fileId ?? ''));
    if (!file) { fail(res, 404, 'NotFound', 'No such file.'); return; }
    res.writeHead(200, {
      'Content-Type': file.contentType,
      'Content-Length': file.size,
      'Content-Disposition': `${file.contentType.startsWith('image/') ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
    res.end(file.data);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A socket handed over by an upgrade has no error listener: a reset peer would otherwise stop the process.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string) => {
      o.log.info({ status, reason }, 'stream refused');
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    // Whatever the request line holds (bad percent-encoding, a malformed target), the answer is a 4xx.
    try {
      const target = parseStreamTarget(req.url);
      if (!target) { refuse(404, 'Not Found'); return; }
      if (!origins.allows(req)) { refuse(403, 'Forbidden origin'); return; }
      const check = channel.tokens.verify(target.token, target.conversationId);
      if (!check.ok) { refuse(403, `Forbidden (${check.reason} token)`); return; }
      // The place is taken before anything is awaited, so streams opened at once cannot slip past the limits.
      const admission = channel.streams.admit((socket as Partial<Socket>).remoteAddress ?? 'unknown', socket);
      if (!admission.ok) { refuse(admission.status, admission.reason); return; }
      void channel.store.get(target.conversationId).then((conversation) => {
        if (!conversation) { refuse(404, 'Not Found'); return; }
        wss.handleUpgrade(req, socket, head, (ws) => {
          channel.streams.attach(target.conversationId, ws, parseWatermark(target.watermark), (w) => channel.store.since(target.conversationId, w));
          void channel.resumeConversation(target.conversationId).catch((err: unknown) => o.log.warn({ err }, 'could not resume unfinished turns'));
        });
      }).catch((err: unknown) => {
        o.log.error({ err }, 'stream upgrade failed');
        if (socket.writable) refuse(500, 'Internal Server Error'); else socket.destroy();
      });
    } catch (err) {
      o.log.error({ err }, 'stream upgrade failed');
      if (socket.writable) refuse(500, 'Internal Server Error'); else socket.destroy();
    }
  });
  server.on('close', () => wss.close());
}
