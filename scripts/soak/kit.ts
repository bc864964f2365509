// Shared pieces of the case generators: the generator shape, forged credentials, raw HTTP, and the body
// attacks every JSON route gets (one factory, so each route is probed the same way and none is forgotten).
import {
  badCompression, base64url, deepNesting, forgeJwt, gzipBomb, jsonBytes, jsonOfSize, malformedJson, multipart, prototypeKeys,
  quoted, RAW, spliceRaw, unicodeEdge, withDuplicateKey, wrongType, type Labelled,
} from './payloads';
import type { Rng } from './rng';
import type { Expectation, FuzzContext, RouteFamily } from './types';

export const DL = '/v3/directline';

/** What a generator gets: its own random stream (one per case) and the server context. */
export interface Gen { rng: Rng; ctx: FuzzContext }

export interface HttpDraft { variant: string; expect?: Expectation; method: string; path: string; headers: Record<string, string>; body?: Buffer }
export interface RawDraft { variant: string; expect?: Expectation; raw: Buffer }
/** A case before the registry names it. */
export type Draft = HttpDraft | RawDraft;

export interface Generator { family: RouteFamily; name: string; weight: number; make: (g: Gen) => Draft }

export function generator(family: RouteFamily, name: string, make: (g: Gen) => Draft, weight = 1): Generator {
  return { family, name, weight, make };
}

export const JSON_TYPE = { 'content-type': 'application/json' };

/** Header values are latin1 on the wire; this puts UTF-8 bytes there unchanged. */
export function headerBytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

export function enc(s: string): string {
  return encodeURIComponent(s);
}

/** A conversation id that does not exist (and that ctx.token does not cover). */
export function otherConversation(g: Gen): string {
  return g.rng.word(22);
}

/** Fixed instants, not the clock, so forged tokens are the same bytes on every run. */
const ISSUED_AT = 1_700_000_000;
const LIVE_UNTIL = 4_102_444_800;
const EXPIRED_AT = 1_700_000_600;

/** A token-shaped payload for the conversation, as the server's own tokens carry. */
function claims(g: Gen, conv: string, live: boolean): Record<string, unknown> {
  return { conv, user: g.ctx.userId, iat: ISSUED_AT, exp: live ? LIVE_UNTIL : EXPIRED_AT, iss: 'kartra-triage-bot/directline' };
}

/** Swaps one character in the middle of a segment, so the token stays well-formed but is no longer signed. */
function tamper(g: Gen, token: string, segment: number): string {
  const parts = token.split('.');
  const s = parts[segment] ?? '';
  const at = g.rng.int(0, Math.max(0, s.length - 2));
  parts[segment] = `${s.slice(0, at)}${s[at] === 'A' ? 'B' : 'A'}${s.slice(at + 1)}`;
  return parts.join('.');
}

/**
 * Forged, expired, tampered and garbage credentials for the Authorization header (undefined: no header).
 * Each is labelled, since which one a server lets through is the finding.
 */
export function forgedBearer(g: Gen, conv = g.ctx.conversationId): Labelled<string | undefined> {
  const { rng, ctx } = g;
  const variants: readonly (() => Labelled<string | undefined>)[] = [
    () => ({ label: 'no-header', value: undefined }),
    () => ({ label: 'bearer-empty', value: 'Bearer ' }),
    () => ({ label: 'basic-scheme', value: `Basic ${Buffer.from('user:pass').toString('base64')}` }),
    () => ({ label: 'bearer-undefined', value: 'Bearer undefined' }),
    () => ({ label: 'token-with-suffix', value: `Bearer ${ctx.token} extra` }),
    () => ({ label: 'alg-none', value: `Bearer ${forgeJwt({ alg: 'none', typ: 'JWT' }, claims(g, conv, true), { signature: '' })}` }),
    () => ({ label: 'alg-NONE', value: `Bearer ${forgeJwt({ alg: 'NONE', typ: 'JWT' }, claims(g, conv, true), { signature: '' })}` }),
    () => ({ label: 'wrong-key', value: `Bearer ${forgeJwt({ alg: 'HS256', typ: 'JWT' }, claims(g, conv, true), { key: rng.bytes(32) })}` }),
    () => ({ label: 'expired-wrong-key', value: `Bearer ${forgeJwt({ alg: 'HS256', typ: 'JWT' }, claims(g, conv, false), { key: rng.bytes(32) })}` }),
    () => ({ label: 'alg-rs256', value: `Bearer ${forgeJwt({ alg: 'RS256', typ: 'JWT' }, claims(g, conv, true), { signature: rng.bytes(256).toString('base64url') })}` }),
    () => ({ label: 'kid-traversal', value: `Bearer ${forgeJwt({ alg: 'HS256', kid: '../../../../dev/null' }, claims(g, conv, true), { key: Buffer.alloc(0) })}` }),
    () => ({ label: 'tampered-signature', value: `Bearer ${tamper(g, ctx.token, 2)}` }),
    () => ({ label: 'tampered-payload', value: `Bearer ${tamper(g, ctx.token, 1)}` }),
    () => ({ label: 'payload-swapped', value: `Bearer ${ctx.token.split('.')[0]}.${base64url(JSON.stringify(claims(g, otherConversation(g), true)))}.${ctx.token.split('.')[2]}` }),
    () => ({ label: 'claims-wrong-types', value: `Bearer ${forgeJwt({ alg: 'none' }, { conv: [conv], user: {}, iat: 'now', exp: 1e400 }, { signature: '' })}` }),
    () => ({ label: 'garbage', value: `Bearer ${rng.bytes(rng.int(1, 300)).toString('base64url')}` }),
    () => ({ label: 'dots', value: `Bearer ${'.'.repeat(rng.int(1, 5))}` }),
    () => ({ label: 'huge-12k', value: `Bearer ${'a'.repeat(12_000)}.${'b'.repeat(100)}.c` }),
    () => ({ label: 'huge-20k', value: `Bearer ${'a'.repeat(20_000)}` }),
    () => ({ label: 'latin1-bytes', value: headerBytes(`Bearer ${ctx.token}é😀`) }),
  ];
  return rng.pick(variants)();
}

export function authHeaders(value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { authorization: value };
}

/** The context's own token: the case passes auth and reaches the handler. */
export function validAuth(g: Gen): Record<string, string> {
  return { authorization: `Bearer ${g.ctx.token}` };
}

/** An HTTP/1.1 request as bytes (latin1, so any byte can be put in); `eol` allows bare LF and other line ends. */
export function rawRequest(requestLine: string, headers: readonly string[], body?: Buffer, opts: { eol?: string; host?: boolean } = {}): Buffer {
  const eol = opts.eol ?? '\r\n';
  const lines = [requestLine, ...(opts.host ?? true ? ['Host: fuzz.local'] : []), ...headers];
  const head = Buffer.from(lines.join(eol) + eol + eol, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/** A chunked body; `end: false` leaves out the final zero-length chunk. */
export function chunked(body: Buffer, end = true): Buffer {
  return Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from(end ? '\r\n0\r\n\r\n' : '\r\n')]);
}

/** Broken HTTP framing around a JSON POST: the parser's job, and a classic request-smuggling surface. */
export function rawFraming(g: Gen, path: string, headers: readonly string[], body: Buffer): RawDraft {
  const { rng } = g;
  const json = 'Content-Type: application/json';
  const cl = `Content-Length: ${body.length}`;
  const line = `POST ${path} HTTP/1.1`;
  const variants: readonly (() => RawDraft)[] = [
    () => ({ variant: 'cl-and-te', raw: rawRequest(line, [...headers, json, cl, 'Transfer-Encoding: chunked'], chunked(body)) }),
    () => ({ variant: 'duplicate-cl', raw: rawRequest(line, [...headers, json, cl, `Content-Length: ${body.length + 5}`], body) }),
    () => ({ variant: 'te-obfuscated', raw: rawRequest(line, [...headers, json, rng.pick(['Transfer-Encoding: chunked, identity', 'Transfer-Encoding : chunked', 'Transfer-Encoding: xchunked', 'Transfer-Encoding:\tchunked', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity'])], chunked(body)) }),
    () => ({ variant: 'bad-chunk-size', raw: rawRequest(line, [...headers, json, 'Transfer-Encoding: chunked'], Buffer.concat([Buffer.from(`${rng.pick(['zz', '-1', 'ffffffffffffffffff', ' 5'])}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])) }),
    () => ({ variant: 'chunk-extension-20k', raw: rawRequest(line, [...headers, json, 'Transfer-Encoding: chunked'], Buffer.concat([Buffer.from(`${body.length.toString(16)};${'x'.repeat(20_000)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])) }),
    () => ({ variant: 'chunks-unterminated', expect: 'any', raw: rawRequest(line, [...headers, json, 'Transfer-Encoding: chunked'], chunked(body, false)) }),
    () => ({ variant: 'obs-fold', raw: rawRequest(line, [...headers, 'Content-Type: application/', ' json', cl], body) }),
    () => ({ variant: 'nul-in-header-value', raw: rawRequest(line, [...headers, json, cl, 'X-Fuzz: a\u0000b'], body) }),
    () => ({ variant: 'nul-in-header-name', raw: rawRequest(line, [...headers, json, cl, 'X-Fu\u0000zz: a'], body) }),
    () => ({ variant: 'space-before-colon', raw: rawRequest(line, [...headers, 'Content-Type : application/json', cl], body) }),
    () => ({ variant: 'header-20k', raw: rawRequest(line, [...headers, json, cl, `X-Fuzz: ${'a'.repeat(20_000)}`], body) }),
    () => ({ variant: 'bare-lf', raw: rawRequest(line, [...headers, json, cl], body, { eol: '\n' }) }),
    () => ({ variant: 'http-1.0', raw: rawRequest(`POST ${path} HTTP/1.0`, [...headers, json, cl], body) }),
    () => ({ variant: 'bad-version', raw: rawRequest(`POST ${path} ${rng.pick(['HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1.1', 'HTTPS/1.1', 'http/1.1'])}`, [...headers, json, cl], body) }),
    () => ({ variant: 'http-0.9', raw: Buffer.from(`GET ${path}\r\n`) , expect: 'any' }),
    () => ({ variant: 'pipelined', raw: Buffer.concat([rawRequest(line, [...headers, json, cl], body), rawRequest(line, [...headers, json, cl], body)]) }),
    () => ({ variant: 'headers-unfinished', expect: 'any', raw: Buffer.from(`${line}\r\nHost: fuzz.local\r\n${json}\r\n`) }),
    () => ({ variant: 'lowercase-method', raw: rawRequest(`post ${path} HTTP/1.1`, [...headers, json, cl], body) }),
    () => ({ variant: 'absolute-form', raw: rawRequest(`POST http://fuzz.local${path} HTTP/1.1`, [...headers, json, cl], body) }),
    () => ({ variant: 'no-host', raw: rawRequest(line, [...headers, json, cl], body, { host: false }) }),
    () => ({ variant: 'duplicate-host', raw: rawRequest(line, [...headers, 'Host: other.example', json, cl], body) }),
  ];
  return rng.pick(variants)();
}

/** A path segment that breaks decoders and routers: bad percent-encoding, traversal, huge, odd bytes. */
export function badSegment(rng: Rng): Labelled<string> {
  const pool: readonly (() => Labelled<string>)[] = [
    () => ({ label: 'pct-truncated-utf8', value: '%E0%A4%A' }),
    () => ({ label: 'pct-not-hex', value: '%ZZ' }),
    () => ({ label: 'pct-alone', value: '%' }),
    () => ({ label: 'pct-overlong', value: '%C0%AF' }),
    () => ({ label: 'pct-lone-surrogate', value: '%ED%A0%80' }),
    () => ({ label: 'pct-u-form', value: '%uD800' }),
    () => ({ label: 'pct-nul', value: 'a%00b' }),
    () => ({ label: 'dot-dot', value: '..' }),
    () => ({ label: 'pct-dot-dot', value: '%2e%2e' }),
    () => ({ label: 'encoded-slash', value: 'a%2Fb' }),
    () => ({ label: 'bracket', value: '[' }),
    () => ({ label: 'empty', value: '' }),
    () => ({ label: 'semicolon', value: 'x;jsessionid=1' }),
    () => ({ label: 'backslash-traversal', value: '..\\..\\package.json' }),
    () => ({ label: 'utf8-bytes', value: headerBytes('é😀\u202E') }),
    () => ({ label: 'long-2k', value: 'a'.repeat(2000) }),
    () => ({ label: 'long-12k', value: 'b'.repeat(12_000) }),
    () => ({ label: 'long-70k', value: 'c'.repeat(70_000) }),
  ];
  return rng.pick(pool)();
}

/** A query string that stresses qs (restify's queryParser): deep brackets, huge indexes, thousands of keys. */
export function queryBomb(rng: Rng): Labelled<string> {
  const pool: readonly (() => Labelled<string>)[] = [
    () => ({ label: 'deep-brackets', value: `a${'[b]'.repeat(rng.int(6, 500))}=1` }),
    () => ({ label: 'huge-index', value: 'a[999999999]=1&a[0]=2' }),
    () => ({ label: 'proto', value: '__proto__[polluted]=1&constructor[prototype][polluted]=1' }),
    () => ({ label: 'many-keys', value: Array.from({ length: 3000 }, (_, i) => `k${i}=${i}`).join('&') }),
    () => ({ label: 'many-array-items', value: Array.from({ length: 3000 }, () => 'a[]=1').join('&') }),
    () => ({ label: 'bad-pct', value: `x=${rng.pick(['%E0%A4%A', '%ZZ', '%', '%ED%A0%80'])}` }),
    () => ({ label: 'empty-pairs', value: '&&&=&=&' }),
  ];
  return rng.pick(pool)();
}

/** A copy of `template` with the dotted `path` set (numeric segments make arrays). */
export function withField(template: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(template);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  keys.slice(0, -1).forEach((key, i) => {
    const nextIsIndex = /^\d+$/.test(keys[i + 1] ?? '');
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = nextIsIndex ? [] : {};
    node = node[key] as Record<string, unknown>;
  });
  node[keys.at(-1) ?? ''] = value;
  return copy;
}

/** A JSON route and what a valid request to it looks like; bodyGenerators() attacks it. */
export interface BodyTarget {
  family: RouteFamily;
  /** Prefix of the generators' names, e.g. "dl-activity". */
  label: string;
  path: (g: Gen) => string;
  /** Auth, cookies, Origin: what gets the request past the route's own checks (content-type is added here). */
  headers: (g: Gen) => Record<string, string>;
  template: (g: Gen) => Record<string, unknown>;
  /** Dotted paths of string fields worth corrupting. */
  fields: readonly string[];
  /** Dotted paths where any JSON value passes the route's schema: nesting there reaches the deepest code. */
  freeFields?: readonly string[];
  /** The route's body limit in bytes. */
  limit: number;
}

function post(t: BodyTarget, g: Gen, variant: string, body: Buffer, headers: Record<string, string> = JSON_TYPE, expect?: Expectation): HttpDraft {
  return { variant, method: 'POST', path: t.path(g), headers: { ...t.headers(g), ...headers }, body, ...(expect ? { expect } : {}) };
}

function withRaw(t: BodyTarget, g: Gen, fields: readonly string[], raw: Buffer): { field: string; body: Buffer } {
  const field = g.rng.pick(fields);
  return { field, body: spliceRaw(withField(t.template(g), field, RAW), raw) };
}

/** Log-uniform between 1,000 and 200,000: most cases are cheap, some reach the deepest nesting. */
function nestingDepth(rng: Rng): number {
  return rng.chance(0.15) ? 200_000 : Math.round(1000 * 200 ** rng.next());
}

/** `a=1&b[c]=2`: what a cross-site HTML form can send without a CORS preflight. */
function formEncoded(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [`${prefix}=${encodeURIComponent(String(value))}`];
  return Object.entries(value).flatMap(([k, v]) => formEncoded(v, prefix ? `${prefix}[${k}]` : k));
}

function contentTypeVariant(t: BodyTarget, g: Gen): HttpDraft {
  const { rng } = g;
  const json = jsonBytes(t.template(g));
  const boundary = `fuzz${rng.word(12)}`;
  const fields = formEncoded(t.template(g));
  const variants: readonly (() => HttpDraft)[] = [
    () => post(t, g, 'missing', json, {}),
    () => post(t, g, 'text-plain', json, { 'content-type': 'text/plain' }),
    () => post(t, g, 'form-urlencoded', Buffer.from(fields.join('&')), { 'content-type': 'application/x-www-form-urlencoded' }),
    // restify hands multipart on a JSON route to formidable, which writes file parts to the temp directory.
    () => post(t, g, 'multipart-with-file', multipart(boundary, [
      ...fields.map((f) => { const [k, v] = f.split('='); return { headers: `Content-Disposition: form-data; name="${k}"`, body: decodeURIComponent(v ?? '') }; }),
      { headers: 'Content-Disposition: form-data; name="f"; filename="fuzz.bin"\r\nContent-Type: application/octet-stream', body: rng.bytes(rng.int(1, 64 * 1024)) },
    ]), { 'content-type': `multipart/form-data; boundary=${boundary}` }),
    () => post(t, g, 'text-csv', Buffer.from('type,text\nmessage,hi\n'), { 'content-type': 'text/csv' }),
    () => post(t, g, 'json-utf16le', Buffer.from(json.toString('utf8'), 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' }),
    () => post(t, g, 'vendor-plus-json', json, { 'content-type': 'application/vnd.fuzz+json' }),
    () => post(t, g, 'upper-case', json, { 'content-type': 'APPLICATION/JSON' }),
    () => post(t, g, 'params-garbage', json, { 'content-type': 'application/json;;; charset="x' }),
    () => post(t, g, 'empty', json, { 'content-type': '' }),
    () => post(t, g, 'octet-stream', json, { 'content-type': 'application/octet-stream' }),
    () => post(t, g, 'list', json, { 'content-type': 'application/json, text/plain' }),
  ];
  return rng.pick(variants)();
}

function contentLengthVariant(t: BodyTarget, g: Gen): HttpDraft {
  const { rng } = g;
  const json = jsonBytes(t.template(g));
  const declare = (label: string, value: string, expect?: Expectation) => post(t, g, label, json, { ...JSON_TYPE, 'content-length': value }, expect);
  const variants: readonly (() => HttpDraft)[] = [
    () => declare('shorter', String(Math.max(0, json.length - rng.int(1, 20)))),
    // The server rightly waits for bytes that never come: not a hang.
    () => declare('longer', String(json.length + rng.int(1, 1000)), 'any'),
    () => declare('zero-with-body', '0'),
    () => declare(`non-numeric`, rng.pick(['abc', '-1', '1e3', ' 12', '0x10', '+5', '99999999999999999999', '1,2'])),
    () => post(t, g, 'chunked', json, { ...JSON_TYPE, 'transfer-encoding': 'chunked' }),
    () => post(t, g, 'chunked-and-length', json, { ...JSON_TYPE, 'transfer-encoding': 'chunked', 'content-length': String(json.length) }),
  ];
  return rng.pick(variants)();
}

function contentEncodingVariant(t: BodyTarget, g: Gen): HttpDraft {
  const { rng } = g;
  const encoding = rng.chance(0.6) ? 'gzip' : rng.pick(['deflate', 'br', 'x-gzip', 'GZIP', 'gzip, gzip', 'identity', '']);
  const body = badCompression(rng, jsonBytes(t.template(g)));
  return post(t, g, `${encoding || 'empty'}/${body.label}`, body.value, { ...JSON_TYPE, 'content-encoding': encoding });
}

function gzipBombVariant(t: BodyTarget, g: Gen): HttpDraft {
  const size = g.rng.pick([4, 32, 128]) * 1024 * 1024;
  const kind = g.rng.pick(['json-whitespace', 'nul-bytes'] as const);
  return post(t, g, `${size / 1024 / 1024}MB-${kind}`, gzipBomb(size, kind), { ...JSON_TYPE, 'content-encoding': 'gzip' });
}

function sizeLimitVariant(t: BodyTarget, g: Gen): HttpDraft {
  const delta = g.rng.pick([-1, 0, 1, 1024, t.limit]);
  const chunked = g.rng.chance(0.3);
  const body = jsonOfSize(t.template(g), t.limit + delta);
  return post(t, g, `limit${delta >= 0 ? '+' : ''}${delta}${chunked ? '-chunked' : ''}`, body, chunked ? { ...JSON_TYPE, 'transfer-encoding': 'chunked' } : JSON_TYPE);
}

function oddMethodVariant(t: BodyTarget, g: Gen): HttpDraft {
  const method = g.rng.pick(['PUT', 'DELETE', 'PATCH', 'TRACE', 'HEAD', 'OPTIONS', 'GET', 'PROPFIND']);
  const withBody = method !== 'HEAD' && g.rng.chance(0.5);
  return { variant: `${method}${withBody ? '-with-body' : ''}`, method, path: t.path(g), headers: { ...t.headers(g), ...(withBody ? JSON_TYPE : {}) }, ...(withBody ? { body: jsonBytes(t.template(g)) } : {}) };
}

/** The same body attacks for every JSON route. Weights keep slow ones (bombs, limits) rarer. */
export function bodyGenerators(t: BodyTarget): Generator[] {
  const free = t.freeFields ?? t.fields;
  const make = (name: string, fn: (g: Gen) => HttpDraft, weight = 1) => generator(t.family, `${t.label}/${name}`, fn, weight);
  return [
    make('unicode-field', (g) => {
      const s = unicodeEdge(g.rng);
      const { field, body } = withRaw(t, g, t.fields, quoted(s.value));
      return post(t, g, `${field}=${s.label}`, body);
    }, 3),
    make('malformed-json', (g) => {
      const m = malformedJson(g.rng, jsonBytes(t.template(g)));
      return post(t, g, m.label, m.value);
    }, 2),
    make('wrong-type', (g) => {
      const w = wrongType(g.rng);
      const { field, body } = withRaw(t, g, [...t.fields, ...free], w.value);
      return post(t, g, `${field}=${w.label}`, body);
    }),
    make('duplicate-key', (g) => {
      const key = g.rng.pick([...t.fields, ...free]).split('.')[0] ?? 'type';
      const w = wrongType(g.rng);
      return post(t, g, `${key}=${w.label}`, withDuplicateKey(jsonBytes(t.template(g)), key, w.value));
    }, 0.5),
    make('prototype-keys', (g) => {
      const field = g.rng.chance(0.5) ? g.rng.pick(free) : '';
      const body = field ? spliceRaw(withField(t.template(g), field, RAW), prototypeKeys()) : withDuplicateKey(jsonBytes(t.template(g)), '__proto__', Buffer.from('{"polluted":"yes"}'));
      return post(t, g, field || 'top-level', body);
    }, 0.5),
    make('deep-nesting', (g) => {
      const depth = nestingDepth(g.rng);
      const kind = g.rng.pick(['array', 'object'] as const);
      const nested = deepNesting(depth, kind);
      const field = g.rng.chance(0.7) ? g.rng.pick(free) : '';
      return post(t, g, `${field || 'whole-body'}-${kind}-${depth}`, field ? withRaw(t, g, [field], nested).body : nested);
    }, 1.5),
    make('content-type', (g) => contentTypeVariant(t, g)),
    make('content-length', (g) => contentLengthVariant(t, g)),
    make('content-encoding', (g) => contentEncodingVariant(t, g)),
    make('gzip-bomb', (g) => gzipBombVariant(t, g), 0.3),
    make('size-limit', (g) => sizeLimitVariant(t, g), 0.5),
    make('odd-method', (g) => oddMethodVariant(t, g), 0.5),
  ];
}
