import crypto from 'node:crypto';

// scrypt from Node's crypto: a memory-hard hash, no dependency. Format: scrypt$<salt>$<hash> (base64url).
const KEY_LENGTH = 32;

export function hashSecret(secret: string): string {
  const salt = crypto.randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${crypto.scryptSync(secret, salt, KEY_LENGTH).toString('base64url')}`;
}

export function verifySecret(secret: string, stored: string): boolean {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = crypto.scryptSync(secret, Buffer.from(salt, 'base64url'), expected.length || KEY_LENGTH);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}

export const SECRET_HASH = /^scrypt\$[\w-]{16,}\$[\w-]{32,}$/;
