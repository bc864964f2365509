// The browser-facing routes: the widget's token endpoint, the static pages and scripts, and the agent
// console (sign-in, pages, JSON API, server-sent events).
import {
  badSegment, bodyGenerators, enc, forgedBearer, generator, headerBytes, JSON_TYPE, queryBomb, rawRequest, type BodyTarget, type Gen,
  type Generator, type HttpDraft, type RawDraft,
} from '../kit';
import { jsonBytes, malformedJson, SMALL_JSON_LIMIT, type Labelled } from '../payloads';

// ---- POST /api/directline/token (throttled per address: most cases past the burst get 429) ----

const tokenTarget: BodyTarget = {
  family: 'token',
  label: 'token',
  path: () => '/api/directline/token',
  headers: () => ({}),
  template: (g) => (g.rng.chance(0.4) ? {} : { resume: { conversationId: g.ctx.conversationId, token: g.ctx.token, userId: g.ctx.userId } }),
  fields: ['resume.conversationId', 'resume.token', 'resume.userId'],
  freeFields: ['resume', 'resume.extra', 'extra'],
  limit: SMALL_JSON_LIMIT,
};

/** Resuming a conversation with a token the server never signed must never return a fresh token for it. */
function forgedResume(g: Gen): HttpDraft {
  const forged = forgedBearer(g);
  const token = (forged.value ?? '').replace(/^\w+\s*/, '') || 'x';
  const conversationId = g.rng.chance(0.7) ? g.ctx.conversationId : g.rng.word(22);
  return { variant: forged.label, method: 'POST', path: '/api/directline/token', headers: JSON_TYPE, body: jsonBytes({ resume: { conversationId, token, userId: g.ctx.userId } }) };
}

const ORIGINS = ['http://evil.example', 'null', 'http://fuzz.local', 'https://fuzz.local', 'http://fuzz.local:80', headerBytes('http://é.example')];

function tokenOrigin(g: Gen): HttpDraft {
  const origin = g.rng.pick(ORIGINS);
  const headers: Record<string, string> = { origin };
  if (g.rng.chance(0.5)) headers.host = 'fuzz.local';
  const method = g.rng.pick(['POST', 'OPTIONS']);
  if (method === 'POST') Object.assign(headers, JSON_TYPE);
  return { variant: `${method}/${origin}${headers.host ? '+host' : ''}`, method, path: '/api/directline/token', headers, ...(method === 'POST' ? { body: Buffer.from('{}') } : {}) };
}

function tokenGenerators(): Generator[] {
  return [
    ...bodyGenerators(tokenTarget).map((gen) => ({ ...gen, weight: gen.weight * 0.3 })),
    generator('token', 'token/forged-resume', forgedResume, 0.5),
    generator('token', 'token/origin', tokenOrigin, 0.5),
  ];
}

// ---- static pages and assets ----

const ASSETS = ['/', '/widget/embed.js', '/widget/widget.css', '/widget/demo.css', '/favicon.ico', '/widget/webchat.js', '/healthz', '/agent/login', '/agent/login.js'];

/** Conditional and encoding headers the static server branches on. */
function assetHeaders(g: Gen): HttpDraft {
  const { rng } = g;
  const headers: readonly Labelled<Record<string, string>>[] = [
    { label: 'none', value: {} },
    { label: 'gzip', value: { 'accept-encoding': 'gzip' } },
    { label: 'accept-encoding-junk', value: { 'accept-encoding': `${'x,'.repeat(3000)}gzip;q=0` } },
    { label: 'if-none-match-star', value: { 'if-none-match': '*' } },
    { label: 'if-none-match-list', value: { 'if-none-match': Array.from({ length: 200 }, (_, i) => `"${i}"`).join(', ') } },
    { label: 'range', value: { range: rng.pick(['bytes=0-0', 'bytes=-1', 'bytes=99999999-', 'bytes=a-b']) } },
    { label: 'if-modified-since-garbage', value: { 'if-modified-since': 'yesterday' } },
    { label: 'huge-cookie', value: { cookie: `a=${'x'.repeat(15_000)}` } },
  ];
  const h = rng.pick(headers);
  const method = rng.pick(['GET', 'GET', 'HEAD']);
  const path = rng.pick(ASSETS);
  return { variant: `${method} ${path}/${h.label}`, method, path, headers: h.value };
}

function traversal(g: Gen): HttpDraft {
  const path = g.rng.pick(['/widget/../package.json', '/widget/%2e%2e/%2e%2e/package.json', '/widget/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/etc/passwd',
    '//etc/passwd', '/widget//embed.js', '/widget/embed.js%00.png', '/widget/embed.js/', '/WIDGET/EMBED.JS', '/widget/embed.js;.png', '/widget\\..\\package.json',
    '/widget/./embed.js', '/node_modules/botframework-webchat/package.json', '/web/index.html', '/data/triage.sqlite', '/.env', '/dist/bot/index.js']);
  return { variant: path, method: g.rng.pick(['GET', 'HEAD']), path, headers: {} };
}

function staticBadPath(g: Gen): HttpDraft {
  const s = badSegment(g.rng);
  const prefix = g.rng.pick(['/', '/widget/', '/agent/']);
  const query = g.rng.chance(0.3) ? queryBomb(g.rng) : undefined;
  return { variant: `${prefix}${s.label}${query ? `?${query.label}` : ''}`, method: 'GET', path: `${prefix}${s.value}${query ? `?${query.value}` : ''}`, headers: {} };
}

function staticOddMethod(g: Gen): HttpDraft {
  const method = g.rng.pick(['PUT', 'DELETE', 'PATCH', 'TRACE', 'OPTIONS', 'POST', 'PROPFIND', 'MKCOL']);
  const path = g.rng.pick(ASSETS);
  return { variant: `${method} ${path}`, method, path, headers: method === 'POST' || method === 'PUT' ? JSON_TYPE : {}, ...(method === 'POST' || method === 'PUT' ? { body: Buffer.from('{}') } : {}) };
}

/** Request lines node:http will not send: asterisk and absolute forms, CONNECT, HTTP/0.9, raw bytes. */
function staticRaw(g: Gen): RawDraft {
  const { rng } = g;
  const lines: readonly [string, Buffer, ('any' | undefined)?][] = [
    ['asterisk-get', rawRequest('GET * HTTP/1.1', [])],
    ['asterisk-options', rawRequest('OPTIONS * HTTP/1.1', [])],
    ['absolute-form', rawRequest('GET http://evil.example/ HTTP/1.1', [])],
    ['absolute-form-bad-host', rawRequest('GET http://[::1/ HTTP/1.1', [])],
    // node:http drops a CONNECT socket unanswered when nobody listens for 'connect': expected, not a hang.
    ['connect', rawRequest('CONNECT 127.0.0.1:22 HTTP/1.1', []), 'any'],
    ['http-0.9', Buffer.from('GET /\r\n'), 'any'],
    ['raw-high-bytes-path', Buffer.concat([Buffer.from('GET /'), Buffer.from([0xc0, 0xaf, 0xff, 0x80]), Buffer.from(' HTTP/1.1\r\nHost: fuzz.local\r\n\r\n')])],
    ['space-in-path', rawRequest('GET /widget/embed .js HTTP/1.1', [])],
    ['tab-separators', rawRequest('GET\t/\tHTTP/1.1', [])],
    ['request-line-70k', rawRequest(`GET /${'a'.repeat(70_000)} HTTP/1.1`, [])],
    ['empty-lines-first', Buffer.concat([Buffer.from('\r\n\r\n\r\n'), rawRequest('GET /healthz HTTP/1.1', [])])],
    ['garbage', rng.bytes(rng.int(1, 2048)), 'any'],
    ['tls-hello-on-http', Buffer.from('16030100a5010000a10303', 'hex'), 'any'],
    ['http2-preface', Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
    ['head-with-body', rawRequest('HEAD / HTTP/1.1', ['Content-Length: 5'], Buffer.from('hello'))],
    ['get-with-chunked-body', rawRequest('GET /healthz HTTP/1.1', ['Transfer-Encoding: chunked'], Buffer.from('5\r\nhello\r\n0\r\n\r\n'))],
  ];
  const [label, raw, expect] = rng.pick(lines);
  return { variant: label, raw, ...(expect ? { expect } : {}) };
}

function staticGenerators(): Generator[] {
  return [
    generator('static', 'static/asset-headers', assetHeaders, 1.5),
    generator('static', 'static/traversal', traversal),
    generator('static', 'static/bad-path', staticBadPath),
    generator('static', 'static/odd-method', staticOddMethod),
    generator('static', 'static/raw', staticRaw, 1.5),
  ];
}

// ---- agent console ----

/** Cookies the console must refuse; the real one is used only where the case says so. */
function forgedCookie(g: Gen): Labelled<string | undefined> {
  const { rng } = g;
  const pool: readonly Labelled<string | undefined>[] = [
    { label: 'none', value: undefined },
    { label: 'empty', value: 'kt_agent=' },
    { label: 'random', value: `kt_agent=${rng.bytes(32).toString('base64url')}` },
    { label: 'sql', value: "kt_agent=' OR '1'='1" },
    { label: 'twice', value: `kt_agent=${rng.word(43)}; kt_agent=${rng.word(43)}` },
    { label: 'huge', value: `kt_agent=${'a'.repeat(15_000)}` },
    { label: 'latin1', value: headerBytes('kt_agent=é😀') },
    { label: 'prefix-name', value: `xkt_agent=${rng.word(43)}` },
  ];
  return rng.pick(pool);
}

function cookieHeader(value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { cookie: value };
}

function cookieOrForged(g: Gen): Labelled<string | undefined> {
  return g.ctx.agentCookie && g.rng.chance(0.5) ? { label: 'valid', value: g.ctx.agentCookie } : forgedCookie(g);
}

const handoffId = (g: Gen) => (g.rng.chance(0.3) ? badSegment(g.rng).value : enc(g.rng.pick(['1', '0', '-1', g.rng.word(12), '99999999999999999999'])));

const agentMessages: BodyTarget = {
  family: 'agent',
  label: 'agent-message',
  path: (g) => `/agent/api/handoffs/${handoffId(g)}/messages`,
  headers: (g) => cookieHeader(cookieOrForged(g).value),
  template: () => ({ text: 'hello from the fuzzer' }),
  fields: ['text'],
  freeFields: ['text', 'extra'],
  limit: SMALL_JSON_LIMIT,
};

const agentLogin: BodyTarget = {
  family: 'agent',
  label: 'agent-login',
  path: () => '/agent/login',
  headers: () => ({}),
  template: (g) => ({ name: g.rng.pick(['Maria', 'maria ', 'Fuzz', 'x'.repeat(40)]), secret: 'not the secret' }),
  fields: ['name', 'secret'],
  freeFields: ['name', 'extra'],
  limit: SMALL_JSON_LIMIT,
};

const API_GETS = ['/agent/api/me', '/agent/api/queue', '/agent/api/handoffs/1', '/agent', '/agent/console.js', '/agent/console.css'];
const ACTIONS = ['claim', 'messages', 'typing', 'return', 'close'];

function agentReads(g: Gen): HttpDraft {
  const c = forgedCookie(g);
  const path = g.rng.pick(API_GETS);
  const method = g.rng.pick(['GET', 'GET', 'HEAD']);
  return { variant: `${method} ${path}/${c.label}`, method, path, headers: cookieHeader(c.value) };
}

/** State changes with a session but from the wrong origin or without JSON: the CSRF guard. */
function agentMutations(g: Gen): HttpDraft {
  const { rng } = g;
  const c = cookieOrForged(g);
  const action = rng.pick(ACTIONS);
  const guard = rng.pick<Labelled<Record<string, string>>>([
    { label: 'evil-origin', value: { origin: 'http://evil.example', ...JSON_TYPE } },
    { label: 'null-origin', value: { origin: 'null', ...JSON_TYPE } },
    { label: 'form-post', value: { 'content-type': 'application/x-www-form-urlencoded' } },
    { label: 'text-plain', value: { 'content-type': 'text/plain' } },
    { label: 'json-prefix-type', value: { 'content-type': 'application/jsonx' } },
    { label: 'same-origin-via-host', value: { origin: 'http://fuzz.local', host: 'fuzz.local', ...JSON_TYPE } },
    { label: 'json-ok', value: JSON_TYPE },
  ]);
  const body = guard.value['content-type'] === 'application/x-www-form-urlencoded' ? Buffer.from('text=hi') : rng.chance(0.2) ? malformedJson(rng, Buffer.from('{"text":"hi"}')).value : Buffer.from('{"text":"hi"}');
  return { variant: `${action}/${c.label}/${guard.label}`, method: 'POST', path: `/agent/api/handoffs/${handoffId(g)}/${action}`, headers: { ...cookieHeader(c.value), ...guard.value }, body };
}

/** Logout never gets the real cookie: it would end the session the other agent cases rely on. */
function agentLogout(g: Gen): HttpDraft {
  const c = forgedCookie(g);
  return { variant: c.label, method: g.rng.pick(['POST', 'GET']), path: '/agent/logout', headers: cookieHeader(c.value) };
}

/** Server-sent events: with a session the response never ends, as it should ('stream'). */
function agentEvents(g: Gen): HttpDraft {
  const c = cookieOrForged(g);
  return { variant: c.label, method: 'GET', path: '/agent/api/events', headers: cookieHeader(c.value), expect: 'stream' };
}

function agentGenerators(): Generator[] {
  return [
    ...bodyGenerators(agentMessages).map((gen) => ({ ...gen, weight: gen.weight * 0.5 })),
    ...bodyGenerators(agentLogin).map((gen) => ({ ...gen, weight: gen.weight * 0.15 })),
    generator('agent', 'agent/reads', agentReads, 1.5),
    generator('agent', 'agent/mutations', agentMutations, 2),
    generator('agent', 'agent/logout', agentLogout, 0.3),
    generator('agent', 'agent/events', agentEvents, 0.2),
  ];
}

export function webGenerators(): Generator[] {
  return [...tokenGenerators(), ...staticGenerators(), ...agentGenerators()];
}
