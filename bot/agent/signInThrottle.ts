export interface SignInLimits {
  /** Failed sign-ins allowed per account name, and per client address, within one window. */
  perAccount: number;
  perAddress: number;
  windowMs: number;
  /** Names and addresses remembered at most (a flood of made-up names must not grow memory). */
  maxKeys: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perAccount: 5, perAddress: 20, windowMs: 15 * 60_000, maxKeys: 10_000 };

interface Window { failures: number; resetAt: number }

/**
 * Failed sign-ins, counted per account (guessing one agent's secret from many addresses) and per address
 * (trying many names from one place). Past either limit, sign-in is refused until the window ends, even
 * with the right secret, so the limit cannot be probed. Unknown names are counted like real ones.
 */
export class SignInThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now, private readonly limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS) {}

  /** Seconds until sign-in may be tried again for this account from this address; 0 when it may now. */
  retryAfter(account: string, address: string): number {
    const t = this.now();
    const waits = [this.wait(`a:${account.toLowerCase()}`, this.limits.perAccount, t), this.wait(`ip:${address}`, this.limits.perAddress, t)];
    return Math.max(...waits);
  }

  failed(account: string, address: string): void {
    this.count(`a:${account.toLowerCase()}`);
    this.count(`ip:${address}`);
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
