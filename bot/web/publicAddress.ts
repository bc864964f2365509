import type { AddressInfo } from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/**
 * The address browsers reach the bot at, for links that are stored and sent (stream URLs, file links) and
 * for same-origin checks. Never taken from a request's Host header, which the sender chooses: PUBLIC_URL
 * when set, else the loopback address the server is bound to (configuration requires PUBLIC_URL for any
 * other interface).
 */
export class PublicAddress {
  private bound: string | undefined;

  constructor(private readonly configured: string | undefined) {}

  /** Called once the server listens (the port may have been chosen by the system). */
  listening(address: AddressInfo | string | null): void {
    if (!address || typeof address !== 'object') return;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.bound = `http://${host}:${address.port}`;
  }

  /** The base URL, without a trailing slash. */
  get base(): string {
    return this.configured ?? this.bound ?? 'http://localhost';
  }

  get secure(): boolean {
    return this.base.startsWith('https:');
  }

  /** The origins a page of the bot itself sends (loopback has several names for one address). */
  isOwnOrigin(origin: string): boolean {
    const o = origin.toLowerCase();
    if (this.configured) return o === new URL(this.configured).origin.toLowerCase();
    const port = this.bound ? new URL(this.bound).port : '';
    return ['localhost', '127.0.0.1', '[::1]'].some((h) => o === `http://${h}${port ? `:${port}` : ''}`);
  }
}
