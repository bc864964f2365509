// `npm run report -- --since 7d`: the support lead's numbers in the terminal, the same as the console's
// analytics page. `--since` takes 24h, 7d, 2w or a date (2026-11-01); `--csv` and `--json` print those.
import crypto from 'node:crypto';
import { OUTCOME_DEFINITIONS, OUTCOMES, reportCsv, type Report } from '../bot/analytics/outcomes';
import { periodReport, periodStart } from '../bot/analytics/period';
import { ConfigError, loadConfig } from '../bot/config';
import { openStore } from '../bot/store';

const pct = (n: number, of: number) => (of ? `${((n / of) * 100).toFixed(1)}%` : '-');
const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');

function table(r: Report): string {
  const lines = [`Conversations that started ${day(r.from)} to ${day(r.to)} UTC: ${r.conversations}`, ''];
  lines.push(`${'outcome'.padEnd(16)}${'count'.padStart(7)}${'rate'.padStart(8)}`);
  for (const o of OUTCOMES) lines.push(`${o.padEnd(16)}${String(r.outcomes[o]).padStart(7)}${pct(r.outcomes[o], r.conversations).padStart(8)}`);
  lines.push('', `clarification rate ${pct(r.clarificationRate, 1)}, out-of-scope rate ${pct(r.outOfScopeRate, 1)}`);
  lines.push(`CSAT: ${r.csat.average !== undefined ? `${r.csat.average} average from ${r.csat.responses} rating(s)` : 'no ratings'} (${r.csat.distribution.map((n, i) => `${i + 1}: ${n}`).join(', ')})`);
  const departments = Object.entries(r.ticketsByDepartment);
  if (departments.length) lines.push(`tickets by department: ${departments.map(([d, n]) => `${d} ${n}`).join(', ')}`);
  if (r.abandonedAt.length) lines.push('', 'forms left at:', ...r.abandonedAt.map((a) => `  ${a.question.padEnd(40)}${String(a.count).padStart(5)}`));
  const columns = (o: Record<string, number>) => OUTCOMES.map((k) => String(o[k] ?? 0).padStart(k.length + 2)).join('');
  lines.push('', `${'intent'.padEnd(28)}${'convs'.padStart(6)}${OUTCOMES.map((k) => k.padStart(k.length + 2)).join('')}`);
  for (const i of r.byIntent) lines.push(`${i.intent.padEnd(28)}${String(i.conversations).padStart(6)}${columns(i.outcomes)}`);
  lines.push('', `${'channel'.padEnd(28)}${'convs'.padStart(6)}${OUTCOMES.map((k) => k.padStart(k.length + 2)).join('')}  clarified  out of scope   csat`);
  for (const c of r.byChannel) lines.push(`${c.channel.padEnd(28)}${String(c.conversations).padStart(6)}${columns(c.outcomes)}${pct(c.clarificationRate, 1).padStart(11)}${pct(c.outOfScopeRate, 1).padStart(14)}   ${c.csat ?? '-'}`);
  lines.push('', 'How outcomes are counted:', ...OUTCOMES.map((o) => `  ${OUTCOME_DEFINITIONS[o]}`));
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const since = args.includes('--since') ? args[args.indexOf('--since') + 1] ?? '' : '7d';
  const now = Date.now();
  const from = periodStart(since, now);
  if (from === undefined || from > now) {
    console.error(`--since: "${since}" is not a period (24h, 7d, 2w) or a past date (2026-11-01)`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL }, { instanceId: crypto.randomUUID() });
  try {
    const { report } = await periodReport(store.analytics, from, now, now);
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (args.includes('--csv')) process.stdout.write(reportCsv(report));
    else process.stdout.write(table(report));
  } finally {
    await store.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
