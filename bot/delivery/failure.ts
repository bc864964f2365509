/**
 * Why a send did not go through, and whether trying again can help. `message` is what the console and
 * `npm run tickets` show; it never holds the ticket's contents.
 */
export class DeliveryFailure extends Error {
  constructor(message: string, readonly permanent: boolean, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ENOTFOUND: 'host not found', EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out', EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate not trusted (self-signed)', SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate not trusted (self-signed chain)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted', CERT_HAS_EXPIRED: 'TLS certificate expired', ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS refused (the server does not speak TLS on this port)',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out', UND_ERR_SOCKET: 'connection closed', TimeoutError: 'timed out', AbortError: 'timed out',
};

/**
 * A network error as a person reads it: "connection refused (ECONNREFUSED)", "TLS refused (…)". Looks
 * through wrappers (fetch's cause, nodemailer's ESOCKET around the system error).
 */
export function networkReason(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const text = `${e?.message ?? ''} ${e?.cause?.message ?? ''}`;
  const code = [e?.cause?.code, e?.code, /\b(E[A-Z]{4,}|ERR_[A-Z_]+)\b/.exec(text)?.[1], e?.name].find((c) => c && NETWORK[c]);
  if (code) return `${NETWORK[code]} (${code})`;
  if (/wrong version number/i.test(text)) return `${NETWORK.ERR_SSL_WRONG_VERSION_NUMBER} (ERR_SSL_WRONG_VERSION_NUMBER)`;
  if (/SSL|TLS|certificate/i.test(text)) return 'TLS handshake failed';
  return e?.cause?.code ?? e?.code ? `network error (${e?.cause?.code ?? e?.code})` : 'network error';
}
