import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type restify from 'restify';

/**
 * Request bodies, read by the server itself rather than restify's body parser: restify pipes
 * `Content-Encoding: gzip` through a gunzip stream with no error handler (a body that is not gzip stops the
 * process) and counts its size limit before inflating (a 400 KB bomb becomes 400 MB). Here the limit holds
 * for the bytes on the wire and again for the inflated bytes, every failure is a 4xx with a reason, and
 * JSON nested deeper than anything a client sends is refused before it can exhaust the stack.
 */
export interface BodyOptions {
  /** Largest body, on the wire and after inflating. */
  maxBytes: number;
  /** Media types taken; `form` is application/x-www-form-urlencoded (the agent sign-in form). */
  accept?: ReadonlyArray<'json' | 'form'>;
  /** When false, a POST without a body reads as `{}` (Direct Line's start and refresh calls send none). */
  required?: boolean;
  /** A body that sends nothing for this long is cut with a 408 (default 15 s). */
  idleMs?: number;
  /** The error body for a refused request; `{ error: message }` unless the protocol has its own shape. */
  errorBody?: (status: number, message: string) => unknown;
}

export const MAX_JSON_DEPTH = 64;
/** A client trickling a byte now and then must not hold a request for minutes. */
const IDLE_MS = 15_000;

const inflaters: Record<string, (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
};

class BodyError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

/** How deep `[`/`{` nest outside strings; stops counting once past the limit. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) { if (++depth > limit) return true; }
    else if (c === 93 || c === 125) depth--;
  }
  return false;
}

function readRaw(req: restify.Request, maxBytes: number, idleMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) { reject(new BodyError(413, `The body is larger than ${maxBytes} bytes.`)); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    let idle: NodeJS.Timeout | undefined;
    const stall = () => { cleanup(); reject(new BodyError(408, `The body stalled: nothing arrived for ${idleMs / 1000} seconds.`)); };
    const onData = (chunk: Buffer) => {
      idle?.refresh();
      size += chunk.length;
      if (size > maxBytes) { cleanup(); reject(new BodyError(413, `The body is larger than ${maxBytes} bytes.`)); return; }
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks)); };
    const onError = () => { cleanup(); reject(new BodyError(400, 'The body could not be read.')); };
    const cleanup = () => { clearTimeout(idle); req.off('data', onData); req.off('end', onEnd); req.off('error', onError); req.off('aborted', onError); };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
    if (!req.complete) idle = setTimeout(stall, idleMs);
  });
}

async function decode(req: restify.Request, raw: Buffer, maxBytes: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  const inflate = inflaters[encoding];
  if (!inflate) throw new BodyError(415, `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send the body uncompressed, or gzip.`);
  try {
    return await inflate(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if (err instanceof RangeError) throw new BodyError(413, `The body inflates to more than ${maxBytes} bytes.`);
    throw new BodyError(400, `The body is not valid ${encoding} data.`);
  }
}

function mediaType(req: restify.Request): string {
  return String(req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function acceptable(type: string, accept: ReadonlyArray<'json' | 'form'>): 'json' | 'form' | undefined {
  if ((type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) && accept.includes('json')) return 'json';
  if (type === 'application/x-www-form-urlencoded' && accept.includes('form')) return 'form';
  return undefined;
}

function wrongType(accept: ReadonlyArray<'json' | 'form'>): BodyError {
  const wanted = accept.map((a) => (a === 'json' ? 'application/json' : 'application/x-www-form-urlencoded')).join(' or ');
  return new BodyError(415, `Send the body as ${wanted}.`);
}

function parse(req: restify.Request, bytes: Buffer, accept: ReadonlyArray<'json' | 'form'>, required: boolean): unknown {
  if (bytes.length === 0) {
    if (required) throw new BodyError(400, 'The request has no body.');
    return {};
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new BodyError(400, 'The body is not valid UTF-8.');
  }
  const kind = acceptable(mediaType(req), accept);
  if (kind === 'json') {
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) throw new BodyError(400, `The JSON is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // V8's message quotes the input; the client has it already and logs must not.
      throw new BodyError(400, 'Invalid JSON: the body could not be parsed.');
    }
  }
  if (kind === 'form') return Object.fromEntries(new URLSearchParams(text));
  throw wrongType(accept);
}

/** Bytes of a refused body still read (and dropped) so that the client gets to read the answer. */
const DISCARD_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Answers a request whose body is refused once the client has finished sending it. Answered at once, a
 * client still writing (without Expect: 100-continue, as most send) gets EPIPE when the connection closes
 * under it and never sees the 413. The rest is read and dropped, for at most DISCARD_MAX_BYTES and
 * IDLE_MS; past either, the answer goes out and the connection is closed.
 */
export function answerAfterBody(req: restify.Request, res: restify.Response, answer: () => void): Promise<void> {
  if (req.complete) { answer(); return Promise.resolve(); }
  let dropped = 0;
  let done = false;
  let answered: () => void = () => undefined;
  const finish = (close: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.removeListener('data', onData);
    if (!res.headersSent) {
      if (close) res.setHeader('Connection', 'close');
      answer();
    }
    answered();
  };
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_MAX_BYTES) finish(true);
  };
  const timer = setTimeout(() => finish(true), IDLE_MS);
  req.removeAllListeners('data');
  req.on('data', onData);
  req.once('end', () => finish(false));
  req.once('error', () => finish(true));
  req.resume();
  // An async route handler must not return before it has answered (restify would answer 500 for it).
  return new Promise((resolve) => { answered = resolve; });
}

/** A restify handler that sets `req.body`, or answers 4xx with `{ error }` and ends the chain there. */
export function readBody(opts: BodyOptions): restify.RequestHandler {
  const accept = opts.accept ?? ['json'];
  const required = opts.required ?? true;
  // Callback style on purpose: restify continues the chain after every async handler, and this one must
  // be able to stop it.
  return (req, res, next) => {
    // A body of a type this route never takes is refused before a byte of it is read.
    const type = mediaType(req);
    const refused = type && !acceptable(type, accept) ? wrongType(accept) : undefined;
    (refused ? Promise.reject(refused) : readRaw(req, opts.maxBytes, opts.idleMs ?? IDLE_MS))
      .then((raw) => decode(req, raw, opts.maxBytes))
      .then((bytes) => { req.body = parse(req, bytes, accept, required); next(); })
      .catch((err: unknown) => {
        if (!(err instanceof BodyError)) { next(err as Error); return; }
        const answer = () => {
          res.send(err.status, opts.errorBody ? opts.errorBody(err.status, err.message) : { error: err.message });
          next(false);
        };
        if (err.status === 408) { res.setHeader('Connection', 'close'); answer(); } else void answerAfterBody(req, res, answer);
      });
  };
}
