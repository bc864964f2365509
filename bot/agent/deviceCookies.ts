import crypto from 'node:crypto';

export const DEVICE_COOKIE = 'kt_device';
export const DEVICE_COOKIE_DAYS = 180;

const mac = (key: Buffer, data: string) => crypto.createHmac('sha256', key).update(data).digest('base64url');

/**
 * "Known device" cookies for agent sign-in: a browser that has signed in as an agent carries a signed
 * cookie naming that agent, and its failed attempts count against that browser alone. Attempts without
 * one count against the account, so guessing a secret from many addresses stops while the agent's own
 * browser still signs in; agent names are shown to customers, and a per-account lock alone would let
 * anyone lock an agent out.
 */
export class DeviceCookies {
  constructor(private readonly key: Buffer) {}

  issue(agent: string): string {
    const body = `${Buffer.from(agent.toLowerCase()).toString('base64url')}.${crypto.randomBytes(12).toString('base64url')}`;
    return `${body}.${mac(this.key, body)}`;
  }

  /** The device's id when the cookie is genuine and was issued for this agent; undefined otherwise. */
  verify(cookie: string | undefined, agent: string): string | undefined {
    const [name, nonce, signature] = (cookie ?? '').split('.');
    if (!name || !nonce || !signature) return undefined;
    const expected = Buffer.from(mac(this.key, `${name}.${nonce}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return undefined;
    return Buffer.from(name, 'base64url').toString() === agent.toLowerCase() ? nonce : undefined;
  }
}
