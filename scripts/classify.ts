// `npm run --silent classify`: one message a line on stdin, one JSON object a line on stdout (DESIGN.md).
import readline from 'node:readline';
import { loadBrain } from '../rules';

const { router } = loadBrain();
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (text) => {
  const r = router.classify(text);
  process.stdout.write(`${JSON.stringify({ text, intent: r.intent, confidence: Number(r.confidence.toFixed(4)), tree: router.treeOf(r.intent) ?? null })}\n`);
});
