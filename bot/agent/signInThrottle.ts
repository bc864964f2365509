export interface SignInLimits {
  /** Failed sign-ins allowed per account name (from browsers it does not know), per known browser, and per client address, within one window. */
  perAccount: number;
  perDevice: number;
  perAddress: number;
  windowMs: number;
  /** Names, browsers and addresses remembered at most (a flood of made-up names must not grow memory). */
  maxKeys: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perAccount: 5, perDevice: 5, perAddress: 20, windowMs: 15 * 60_000, maxKeys: 10_000 };

/** One sign-in attempt: the name tried, where from, and the known-device id its browser proved, if any. */
export interface Attempt { account: string; address: string; device?: string }

interface Window { failures: number; resetAt: number }

/**
 * Failed sign-ins, counted per address (trying many names from one place) and either per known browser
 * or, for browsers the account does not know, per account (guessing one agent's secret from many
 * places). Past a limit, sign-in is refused until the window ends, even with the right secret, so the
 * limit cannot be probed. Unknown names are counted like real ones.
 */
export class SignInThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now, private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {}

  /** Seconds until this attempt may be made; 0 when it may be made now. */
  retryAfter(a: Attempt): number {
    const t = this.now();
    return Math.max(...this.keys(a).map(([key, limit]) => this.wait(key, limit, t)));
  }

  failed(a: Attempt): void {
    for (const [key] of this.keys(a)) this.count(key);
  }

  private keys(a: Attempt): Array<[string, number]> {
    const who: [string, number] = a.device ? [`d:${a.device}`, this.limits.perDevice] : [`a:${a.account.toLowerCase()}`, this.limits.perAccount];
    return [who, [`ip:${a.address}`, this.limits.perAddress]];
  }

  private wait(key: string, limit: number, t: number): number {
    const w = this.windows.get(key);
    return w && w.resetAt > t && w.failures >= limit ? Math.ceil((w.resetAt - t) / 1000) : 0;
  }

  private count(key: string): void {
    const t = this.now();
    const w = this.windows.get(key);
    if (w && w.resetAt > t) { w.failures++; return; }
    this.windows.delete(key);
    this.windows.set(key, { failures: 1, resetAt: t + this.limits.windowMs });
    if (this.windows.size > this.limits.maxKeys) this.prune(t);
  }

  private prune(t: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= t) this.windows.delete(key);
    // Still full: forget the oldest windows (Map keeps insertion order).
    for (const key of this.windows.keys()) {
      if (this.windows.size <= this.limits.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
