// `npm run --silent agent:hash -- <secret>` (or the secret on stdin): the hash to put in AGENTS, e.g.
// AGENTS="Maria=scrypt$…$…,Tom=scrypt$…$…". The secret itself is never stored.
import { hashSecret } from '../bot/agent/secrets';

async function main(): Promise<void> {
  let secret = process.argv[2];
  if (secret === undefined) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    secret = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  if (secret.length < 8) {
    console.error('Use a secret of at least 8 characters.');
    process.exit(1);
  }
  console.log(hashSecret(secret));
}

void main();
