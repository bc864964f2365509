// The local Direct Line 3.0 endpoint: REST calls, the WebSocket stream and the attachment downloads. Most
// body cases carry the context's real token, since schema checks and the channel only run after auth.
import {
  authHeaders, badSegment, bodyGenerators, DL, enc, forgedBearer, generator, headerBytes, JSON_TYPE, otherConversation, queryBomb, rawFraming,
  rawRequest, validAuth, withField, type BodyTarget, type Gen, type Generator, type HttpDraft, type RawDraft,
} from '../kit';
import { JSON_LIMIT, jsonBytes, type Labelled } from '../payloads';

const conv = (g: Gen) => `${DL}/conversations/${enc(g.ctx.conversationId)}`;

/** An activity as Web Chat posts it. */
function posted(g: Gen): Record<string, unknown> {
  return {
    type: 'message', text: g.rng.pick(['hello', 'my IP is blocked', 'talk to a person', 'cancel']), locale: 'en-US', textFormat: 'plain',
    from: { id: g.ctx.userId, name: 'Fuzz' }, channelData: { clientActivityID: g.rng.word(12) },
    attachments: [{ contentType: 'application/vnd.microsoft.card.hero', content: { title: 'x' } }], entities: [{ type: 'ClientCapabilities' }],
  };
}

const activityTarget: BodyTarget = {
  family: 'directline-rest',
  label: 'dl-activity',
  path: (g) => `${conv(g)}/activities`,
  headers: validAuth,
  template: posted,
  fields: ['text', 'name', 'locale', 'localTimezone', 'textFormat', 'type', 'from.name', 'from.id', 'channelData.clientActivityID',
    'attachments.0.name', 'attachments.0.contentUrl', 'attachments.0.contentType', 'attachments.0.thumbnailUrl', 'entities.0.type', 'value.state'],
  freeFields: ['value', 'channelData.x', 'attachments.0.content', 'entities.0.data', 'from.properties'],
  limit: JSON_LIMIT,
};

const startTarget: BodyTarget = {
  family: 'directline-rest',
  label: 'dl-start',
  path: () => `${DL}/conversations`,
  headers: validAuth,
  template: (g) => ({ user: { id: g.ctx.userId, name: 'Fuzz' }, locale: 'en-US' }),
  fields: ['user.id', 'user.name', 'locale'],
  freeFields: ['user.properties', 'extra'],
  limit: JSON_LIMIT,
};

/** Every Direct Line REST call, as [method, path]: auth and path cases pick among them. */
function routes(g: Gen, id: string): [string, string][] {
  const c = `${DL}/conversations/${id}`;
  return [['POST', `${DL}/tokens/refresh`], ['POST', `${DL}/conversations`], ['GET', c], ['GET', `${c}/activities`], ['POST', `${c}/activities`],
    ['POST', `${c}/upload?userId=${enc(g.ctx.userId)}`]];
}

function request(g: Gen, variant: string, method: string, path: string, headers: Record<string, string>): HttpDraft {
  const body = method === 'POST' ? jsonBytes(posted(g)) : undefined;
  return { variant, method, path, headers: body ? { ...headers, ...JSON_TYPE } : headers, ...(body ? { body } : {}) };
}

function forgedAuth(g: Gen): HttpDraft {
  const [method, path] = g.rng.pick(routes(g, enc(g.ctx.conversationId)));
  const auth = forgedBearer(g);
  return request(g, `${method} ${path.split('?')[0]?.replace(DL, '')}/${auth.label}`, method, path, authHeaders(auth.value));
}

/** The context's valid token against a conversation it does not cover. */
function otherConversationAuth(g: Gen): HttpDraft {
  const [method, path] = g.rng.pick(routes(g, otherConversation(g)).slice(2));
  return request(g, `${method}-${path.split('/').at(-1)?.split('?')[0]}`, method, path, validAuth(g));
}

/**
 * The Bot Framework hand-off status event, posted by the customer's own page: only a host's agent hub should
 * be able to say a hand-off was accepted or completed.
 */
function forgedHandoffEvent(g: Gen): HttpDraft {
  const { rng } = g;
  const name = rng.pick(['handoff.status', 'handoff.status', 'handoff.initiate', 'HANDOFF.STATUS']);
  const value = rng.pick<unknown>([{ state: 'accepted' }, { state: 'completed' }, { state: 'failed', message: 'x' }, { state: 'bogus' }, 'completed', [{ state: 'accepted' }], null]);
  const body = { type: 'event', name, value, from: { id: g.ctx.userId } };
  return { variant: `${name}/${JSON.stringify(value)}`, method: 'POST', path: `${conv(g)}/activities`, headers: { ...validAuth(g), ...JSON_TYPE }, body: jsonBytes(body) };
}

/** Each schema limit at its maximum and one past it. */
function fieldLimits(g: Gen): HttpDraft {
  const { rng } = g;
  const limits: readonly [string, number, (n: number) => unknown][] = [
    ['text', 100_000, (n) => 'a'.repeat(n)], ['name', 200, (n) => 'n'.repeat(n)], ['locale', 35, (n) => 'l'.repeat(n)],
    ['localTimezone', 100, (n) => 'z'.repeat(n)], ['from.name', 200, (n) => 'f'.repeat(n)],
    ['attachments', 10, (n) => Array.from({ length: n }, () => ({ contentType: 'text/plain', content: 'x' }))],
    ['entities', 20, (n) => Array.from({ length: n }, () => ({ type: 'x' }))],
    ['attachments.0.contentUrl', 4000, (n) => `http://x/${'u'.repeat(n - 9)}`],
  ];
  const [field, max, make] = rng.pick(limits);
  const n = max + rng.pick([0, 1]);
  return { variant: `${field}=${n}`, method: 'POST', path: `${conv(g)}/activities`, headers: { ...validAuth(g), ...JSON_TYPE }, body: jsonBytes(withField(posted(g), field, make(n))) };
}

// Already URL-encoded where needed: node:http refuses a raw space in a path.
const WATERMARKS = ['', '-1', '0', 'null', 'NaN', '1e309', '99999999999999999999', '1.5', '%203', '0x10', '%00', 'a'.repeat(5000), '%E0%A4%A'];

function watermark(g: Gen): HttpDraft {
  const { rng } = g;
  const query = rng.chance(0.3) ? queryBomb(rng) : rng.pick<Labelled<string>>([
    ...WATERMARKS.map((w) => ({ label: `watermark=${w.slice(0, 20)}`, value: `watermark=${w}` })),
    { label: 'watermark-array', value: 'watermark[]=1&watermark[]=2' },
    { label: 'watermark-object', value: 'watermark[a]=b' },
    { label: 'watermark-twice', value: 'watermark=1&watermark=2' },
  ]);
  const path = rng.chance(0.5) ? `${conv(g)}/activities` : conv(g);
  return { variant: `${path.endsWith('activities') ? 'activities' : 'reconnect'}/${query.label}`, method: 'GET', path: `${path}?${query.value}`, headers: validAuth(g) };
}

/** Conversation ids and whole paths that break decoders and routers, with a valid token. */
function badPath(g: Gen): HttpDraft {
  const { rng } = g;
  if (rng.chance(0.3)) {
    const path = rng.pick(['//[/', `${DL}//conversations`, `${DL}/conversations/x/../../tokens/refresh`, `${DL}/./conversations`, '/V3/DIRECTLINE/CONVERSATIONS',
      `${DL}/conversations/${enc(g.ctx.conversationId)}/activities/`, `${DL}/conversations?x=1#frag`, `${DL}/%2e%2e/%2e%2e/healthz`, `${DL}/conversations/%2F/activities`]);
    const method = rng.pick(['GET', 'POST']);
    return request(g, `${method} ${path.slice(0, 60)}`, method, path, validAuth(g));
  }
  const segment = badSegment(rng);
  const [method, path] = rng.pick(routes(g, segment.value).slice(2));
  return request(g, `${method}-${path.split('/').at(-1)?.split('?')[0]?.slice(0, 20)}/${segment.label}`, method, path, validAuth(g));
}

function oddMethod(g: Gen): HttpDraft {
  const method = g.rng.pick(['PUT', 'DELETE', 'PATCH', 'TRACE', 'HEAD', 'PROPFIND']);
  const [, path] = g.rng.pick(routes(g, enc(g.ctx.conversationId)));
  return { variant: `${method} ${path.split('?')[0]?.replace(DL, '')}`, method, path, headers: validAuth(g) };
}

const ORIGINS = ['http://evil.example', 'null', 'http://fuzz.local', 'HTTP://FUZZ.LOCAL', 'http://fuzz.local.evil.example', '*', '', headerBytes('http://é.example')];

/** The origin check: evil origins, `null` (sandboxed frames), and the request's own Host echoed back. */
function origin(g: Gen): HttpDraft {
  const { rng } = g;
  const o = rng.pick(ORIGINS);
  const headers: Record<string, string> = { origin: o, ...(rng.chance(0.5) ? { host: 'fuzz.local' } : {}) };
  if (rng.chance(0.4)) {
    return { variant: `preflight/${o || 'empty'}`, method: 'OPTIONS', path: `${conv(g)}/activities`, headers: { ...headers, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-evil' } };
  }
  const [method, path] = rng.pick(routes(g, enc(g.ctx.conversationId)));
  return request(g, `${method} ${path.split('?')[0]?.replace(DL, '').slice(0, 40)}/${o || 'empty'}${headers.host ? '+host' : ''}`, method, path, { ...validAuth(g), ...headers });
}

function restGenerators(): Generator[] {
  const fam = 'directline-rest' as const;
  return [
    ...bodyGenerators(activityTarget),
    ...bodyGenerators(startTarget).map((gen) => ({ ...gen, weight: gen.weight * 0.4 })),
    generator(fam, 'dl/forged-auth', forgedAuth, 2),
    generator(fam, 'dl/other-conversation', otherConversationAuth),
    generator(fam, 'dl/forged-handoff-event', forgedHandoffEvent, 1.5),
    generator(fam, 'dl/field-limits', fieldLimits),
    generator(fam, 'dl/watermark', watermark),
    generator(fam, 'dl/bad-path', badPath, 2),
    generator(fam, 'dl/odd-method', oddMethod),
    generator(fam, 'dl/origin', origin),
    generator(fam, 'dl/refresh-forged', (g) => {
      const auth = forgedBearer(g);
      return { variant: auth.label, method: 'POST', path: `${DL}/tokens/refresh`, headers: authHeaders(auth.value) };
    }, 0.5),
    generator(fam, 'dl/raw-framing', (g) => rawFraming(g, `${conv(g)}/activities`, [`Authorization: Bearer ${g.ctx.token}`], jsonBytes(posted(g)))),
  ];
}

// ---- WebSocket stream (raw: node:http will not send a broken upgrade) ----

function wsKey(g: Gen): string {
  return g.rng.bytes(16).toString('base64');
}

function upgrade(g: Gen, target: string, headers: readonly string[] = [], opts: { method?: string; version?: string; after?: Buffer } = {}): Buffer {
  const head = rawRequest(`${opts.method ?? 'GET'} ${target} ${opts.version ?? 'HTTP/1.1'}`, headers.length ? headers
    : ['Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${wsKey(g)}`, 'Sec-WebSocket-Version: 13']);
  return opts.after ? Buffer.concat([head, opts.after]) : head;
}

const streamTarget = (g: Gen, id = enc(g.ctx.conversationId), query = `t=${enc(g.ctx.token)}`) => `${DL}/conversations/${id}/stream?${query}`;

/** A client frame (masked, as RFC 6455 requires of clients). */
function frame(g: Gen, opcode: number, payload: Buffer, opts: { fin?: boolean; rsv?: number; masked?: boolean } = {}): Buffer {
  const first = ((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode;
  const masked = opts.masked ?? true;
  const len = payload.length;
  const size = len < 126 ? Buffer.from([len]) : len < 65536 ? Buffer.from([126, len >> 8, len & 255]) : Buffer.concat([Buffer.from([127, 0, 0, 0, 0]), Buffer.from([len >>> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255])]);
  size[0] = (size[0] ?? 0) | (masked ? 0x80 : 0);
  const key = g.rng.bytes(4);
  const body = masked ? Buffer.from(payload.map((b, i) => b ^ (key[i % 4] ?? 0))) : payload;
  return Buffer.concat([Buffer.from([first]), size, masked ? key : Buffer.alloc(0), body]);
}

/** Frames sent right behind a valid upgrade: they arrive in the `head` buffer, then on the open socket. */
function hostileFrames(g: Gen): Labelled {
  const { rng } = g;
  const pool: readonly (() => Labelled)[] = [
    () => ({ label: 'none', value: Buffer.alloc(0) }),
    () => ({ label: 'text-keepalive', value: frame(g, 1, Buffer.alloc(0)) }),
    () => ({ label: 'text-json', value: frame(g, 1, jsonBytes({ type: 'message', text: 'via socket' })) }),
    () => ({ label: 'over-max-payload', value: frame(g, 1, Buffer.alloc(70 * 1024, 'a')) }),
    () => ({ label: 'claims-2^63-bytes', value: Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]) }),
    () => ({ label: 'unmasked', value: frame(g, 1, Buffer.from('hello'), { masked: false }) }),
    () => ({ label: 'invalid-utf8', value: frame(g, 1, Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80])) }),
    () => ({ label: 'reserved-opcode', value: frame(g, rng.pick([3, 7, 11, 15]), Buffer.from('x')) }),
    () => ({ label: 'rsv-bits', value: frame(g, 1, Buffer.from('x'), { rsv: 7 }) }),
    () => ({ label: 'close-bad-code', value: frame(g, 8, Buffer.from([0x03, 0xed])) }),
    () => ({ label: 'fragmented-control', value: frame(g, 9, Buffer.from('p'), { fin: false }) }),
    () => ({ label: 'ping-flood', value: Buffer.concat(Array.from({ length: 500 }, () => frame(g, 9, Buffer.from('p')))) }),
    () => ({ label: 'random-bytes', value: rng.bytes(rng.int(1, 4096)) }),
  ];
  return rng.pick(pool)();
}

function validUpgrade(g: Gen): RawDraft {
  const frames = hostileFrames(g);
  const wm = g.rng.pick(['', '&watermark=0', '&watermark=-5', '&watermark=99999999', '&watermark=%E0%A4%A', '&watermark[]=1']);
  return { variant: `${frames.label}${wm ? `/${wm.slice(1)}` : ''}`, raw: upgrade(g, `${streamTarget(g)}${wm}`, [], { after: frames.value }) };
}

/** Stream URLs that break URL parsing and percent-decoding before any token check. */
function badTarget(g: Gen): RawDraft {
  const { rng } = g;
  const query = `t=${enc(g.ctx.token)}`;
  const targets: readonly Labelled<string>[] = [
    { label: 'id-pct-truncated-utf8', value: streamTarget(g, '%E0%A4%A') },
    { label: 'id-pct-not-hex', value: streamTarget(g, '%ZZ') },
    { label: 'id-pct-alone', value: streamTarget(g, '%') },
    { label: 'id-pct-lone-surrogate', value: streamTarget(g, '%ED%A0%80') },
    { label: 'id-empty', value: streamTarget(g, '') },
    { label: 'id-dot-dot', value: streamTarget(g, '..') },
    { label: 'slash-slash-bracket', value: '//[/' },
    { label: 'slash-slash-host', value: `//evil.example${DL}/conversations/x/stream?${query}` },
    { label: 'asterisk', value: '*' },
    { label: 'absolute-form', value: `http://fuzz.local${streamTarget(g)}` },
    { label: 'absolute-bad-host', value: 'http://[::1/stream' },
    { label: 'no-leading-slash', value: `v3/directline/conversations/x/stream?${query}` },
    { label: 'raw-utf8-bytes', value: streamTarget(g, Buffer.from('é😀', 'utf8').toString('latin1')) },
    { label: 'long-12k', value: streamTarget(g, 'a'.repeat(12_000)) },
    { label: 'other-path', value: rng.pick(['/api/messages', '/', '/agent/api/events', `${DL}/conversations`]) },
    { label: 'query-bomb', value: `${streamTarget(g)}&${queryBomb(rng).value}` },
    { label: 'token-twice', value: `${streamTarget(g)}&t=garbage` },
  ];
  const t = rng.pick(targets);
  return { variant: t.label, raw: upgrade(g, t.value) };
}

/** Upgrade headers wrong in each way a broken client or a scanner gets them wrong. */
function badHandshake(g: Gen): RawDraft {
  const { rng } = g;
  const target = streamTarget(g);
  const key = `Sec-WebSocket-Key: ${wsKey(g)}`;
  const variants: readonly [string, string[], { method?: string; version?: string }?][] = [
    ['no-key', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13']],
    ['short-key', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: abc', 'Sec-WebSocket-Version: 13']],
    ['non-base64-key', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==', 'Sec-WebSocket-Version: 13']],
    ['empty-key', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: ', 'Sec-WebSocket-Version: 13']],
    ['two-keys', ['Upgrade: websocket', 'Connection: Upgrade', key, key, 'Sec-WebSocket-Version: 13']],
    ['version-8', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 8']],
    ['version-99', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 99']],
    ['version-missing', ['Upgrade: websocket', 'Connection: Upgrade', key]],
    ['version-list', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 13, 8']],
    ['upgrade-h2c', ['Upgrade: h2c', 'Connection: Upgrade, HTTP2-Settings', 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA']],
    ['upgrade-garbage', [`Upgrade: ${rng.word(8)}`, 'Connection: Upgrade']],
    ['no-connection-header', ['Upgrade: websocket', key, 'Sec-WebSocket-Version: 13']],
    ['bad-extensions', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99; server_max_window_bits=0']],
    ['bad-protocol', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: ,,,;']],
    ['post-method', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 13', 'Content-Length: 0'], { method: 'POST' }],
    ['http-1.0', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 13'], { version: 'HTTP/1.0' }],
    ['evil-origin', ['Upgrade: websocket', 'Connection: Upgrade', key, 'Sec-WebSocket-Version: 13', 'Origin: http://evil.example']],
  ];
  const [label, headers, opts] = rng.pick(variants);
  return { variant: label, raw: upgrade(g, target, headers, opts) };
}

function streamAuth(g: Gen): RawDraft {
  const { rng } = g;
  if (rng.chance(0.3)) return { variant: 'valid-token-other-conversation', raw: upgrade(g, streamTarget(g, otherConversation(g))) };
  if (rng.chance(0.2)) return { variant: 'no-token', raw: upgrade(g, streamTarget(g, enc(g.ctx.conversationId), 'watermark=0')) };
  const auth = forgedBearer(g);
  const token = (auth.value ?? '').replace(/^\w+\s*/, '');
  return { variant: auth.label, raw: upgrade(g, streamTarget(g, enc(g.ctx.conversationId), `t=${enc(token)}`)) };
}

/** The stream URL without an upgrade: no route serves it over plain HTTP. */
function streamOverHttp(g: Gen): HttpDraft {
  const method = g.rng.pick(['GET', 'POST', 'HEAD', 'OPTIONS']);
  return { variant: method, method, path: streamTarget(g), headers: validAuth(g) };
}

function streamGenerators(): Generator[] {
  const fam = 'directline-stream' as const;
  return [
    generator(fam, 'stream/valid-upgrade', validUpgrade, 2),
    generator(fam, 'stream/bad-target', badTarget, 2),
    generator(fam, 'stream/bad-handshake', badHandshake, 1.5),
    generator(fam, 'stream/auth', streamAuth),
    generator(fam, 'stream/plain-http', streamOverHttp, 0.5),
  ];
}

// ---- attachment downloads: the unguessable id is the only key ----

function fileIds(g: Gen): HttpDraft {
  const { rng } = g;
  const id = rng.chance(0.5) ? badSegment(rng) : rng.pick<Labelled<string>>([
    { label: 'random-id', value: rng.bytes(18).toString('base64url') },
    { label: 'sql-wildcard', value: enc("%' OR '1'='1") },
    { label: 'star', value: '*' },
    { label: 'conversation-id', value: enc(g.ctx.conversationId) },
  ]);
  const method = rng.pick(['GET', 'GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'OPTIONS']);
  const headers: Record<string, string> = rng.chance(0.3) ? { range: rng.pick(['bytes=0-0', 'bytes=-1', 'bytes=999999999-', 'bytes=0-1,0-1,0-1']) } : {};
  return { variant: `${method}/${id.label}`, method, path: `${DL}/attachments/${id.value}`, headers };
}

function fileGenerators(): Generator[] {
  return [
    generator('files', 'files/ids', fileIds, 2),
    generator('files', 'files/no-id', (g) => ({ variant: 'trailing-slash', method: g.rng.pick(['GET', 'HEAD']), path: `${DL}/attachments/`, headers: {} }), 0.3),
  ];
}

export function directLineGenerators(): Generator[] {
  return [...restGenerators(), ...streamGenerators(), ...fileGenerators()];
}
