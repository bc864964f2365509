// `npm run utterances:export`: the sentences the review inbox taught the classifier (stored in the
// database), as a YAML patch for knowledge/utterances.yaml, by intent. `-- --out FILE` writes it there.
import crypto from 'node:crypto';
import fs from 'node:fs';
import YAML from 'yaml';
import { ConfigError, loadConfig } from '../bot/config';
import { openStore } from '../bot/store';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
  const config = loadConfig();
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, { instanceId: crypto.randomUUID() });
  try {
    const byIntent: Record<string, string[]> = {};
    for (const e of await store.training.examples()) {
      const list = (byIntent[e.intent] ??= []);
      if (!list.includes(e.text)) list.push(e.text);
    }
    const count = Object.values(byIntent).reduce((n, l) => n + l.length, 0);
    const yaml = `# Sentences added from the review inbox (${count}), to merge into knowledge/utterances.yaml under the\n# same intents. Personal details were masked when they were collected.\n${count ? YAML.stringify(byIntent) : '{}\n'}`;
    if (out) {
      fs.writeFileSync(out, yaml);
      console.log(`${count} sentence(s) written to ${out}.`);
    } else {
      process.stdout.write(yaml);
    }
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
