// The shapes shared by the case generators and the runner (re-exported from fuzzCases.ts).

export type RouteFamily = 'api-messages' | 'directline-rest' | 'directline-stream' | 'upload' | 'token' | 'agent' | 'static' | 'files';

export const ROUTE_FAMILIES: readonly RouteFamily[] = ['api-messages', 'directline-rest', 'directline-stream', 'upload', 'token', 'agent', 'static', 'files'];

/** What the fuzzer may know about a running server, so a share of the cases passes auth and reaches deeper code. */
export interface FuzzContext {
  /** A Direct Line token from POST /api/directline/token, bound to `conversationId`. */
  token: string;
  /** A conversation already started with POST /v3/directline/conversations. */
  conversationId: string;
  userId: string;
  /** `kt_agent=<value>` of a signed-in agent; without it the agent API is only probed from outside. */
  agentCookie?: string;
  /** The server's UPLOAD_MAX_BYTES, so uploads land exactly at and one byte over it. */
  uploadMaxBytes: number;
}

/**
 * What counts as the server doing its job. 'response': some HTTP status line must come back before the
 * timeout. 'any': the request is deliberately incomplete (Content-Length larger than the body, headers never
 * finished), so waiting for the rest is correct and silence, a close or a status are all fine. 'stream': a
 * status line, then a body that stays open (server-sent events).
 */
export type Expectation = 'response' | 'any' | 'stream';

interface CaseBase {
  family: RouteFamily;
  /** Generator, variant, seed and index: `fuzzCase(seed, index, ctx)` rebuilds it. */
  name: string;
  expect?: Expectation;
}

/**
 * Sent with node:http exactly as given (no keep-alive agent, so one case cannot poison the next). With a
 * body and neither Content-Length nor Transfer-Encoding among the headers, node adds Content-Length.
 */
export interface HttpCase extends CaseBase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** Bytes written as-is to a TCP socket: malformed HTTP and WebSocket upgrades that node:http refuses to send. */
export interface RawCase extends CaseBase {
  raw: Buffer;
}

export type FuzzCase = HttpCase | RawCase;

export function isRaw(c: FuzzCase): c is RawCase {
  return 'raw' in c;
}
