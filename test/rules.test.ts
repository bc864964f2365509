import fs from 'node:fs';
import path from 'node:path';
import { loadKnowledge } from '../knowledge';
import { defaultRulesDir, loadRules, RulesError } from '../rules/loader';
import { tempDir } from './helpers';

const articles = new Set(loadKnowledge().articles.keys());

/** A copy of the real rules folder with one file edited. */
function rulesWith(file: string, edit: (text: string) => string): string {
  const dir = path.join(tempDir('kt-rules-'), 'rules');
  fs.cpSync(defaultRulesDir(), dir, { recursive: true });
  const f = path.join(dir, file);
  fs.writeFileSync(f, edit(fs.readFileSync(f, 'utf8')));
  return dir;
}

function problems(dir: string): string {
  try {
    loadRules(dir, articles);
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return (err as Error).message;
  }
  throw new Error('expected the rules to be rejected');
}

describe('rules files', () => {
  it('the shipped rules load, every intent has a tree and every tree an entry for it', () => {
    const rules = loadRules(defaultRulesDir(), articles);
    expect([...rules.flows.keys()].sort()).toEqual(['billing', 'domains', 'faq', 'handoff', 'ip_block', 'login', 'vendor_purchase']);
    for (const [intent, def] of Object.entries(rules.intents)) expect(rules.flows.get(def.tree)?.entry).toHaveProperty([intent]);
  });

  it.each([
    ['a next that names no step', 'flows/login.yaml', (t: string) => t.replace('next: reset_worked', 'next: reset_workd'),
      /rules\/flows\/login\.yaml: steps\.reset_steps\.next: unknown step "reset_workd"/],
    ['a field with an unknown type', 'fields.yaml', (t: string) => t.replace('type: email', 'type: e-mail'),
      /rules\/fields\.yaml: account_email\.type: Invalid option/],
    ['a ticket field that is not defined', 'flows/domains.yaml', (t: string) => t.replace('fields: [domain, domain_type, domain_problem]', 'fields: [domain, domain_kind, domain_problem]'),
      /rules\/flows\/domains\.yaml: steps\.domain_ticket\.fields\[1\]: unknown field "domain_kind"/],
    ['an article that does not exist', 'flows/faq.yaml', (t: string) => t.replace('article: webinar_limits', 'article: webinars_2'),
      /rules\/flows\/faq\.yaml: steps\.webinars\.article: no article "webinars_2"/],
    ['an unknown department', 'flows/billing.yaml', (t: string) => t.replace('department: Billing', 'department: Accounts'),
      /steps\.billing_ticket\.department: "Accounts" is not one of Billing, Support/],
    ['broken YAML', 'flows/ip_block.yaml', (t: string) => t.replace('steps:', 'steps: [oops'),
      /rules\/flows\/ip_block\.yaml: line \d+:/],
    ['an invalid regular expression', 'intents.yaml', (t: string) => t.replace("'\\bcertified\\s+partners?\\b'", "'(certified'"),
      /rules\/intents\.yaml: patterns\[\d+\]\.patterns\[0\]: not a valid regular expression/],
    ['an intent whose tree lost its entry', 'flows/domains.yaml', (t: string) => t.replace('  domains.limit: limit\n', ''),
      /rules\/flows\/domains\.yaml: entry: missing an entry step for intent "domains.limit"/],
    ['a subject placeholder that is not a ticket field', 'flows/domains.yaml', (t: string) => t.replace('{domain}', '{domian}'),
      /steps\.domain_ticket\.subject: placeholder \{domian\} is not one of this ticket's fields/],
    ['a misspelled step property', 'flows/login.yaml', (t: string) => t.replace('    prompt: Did that get you back in?', '    promt: Did that get you back in?'),
      /rules\/flows\/login\.yaml: steps\.reset_worked/],
  ])('reports %s with file, path and reason', (_name, file, edit, expected) => {
    expect(problems(rulesWith(file, edit))).toMatch(expected);
  });

  it('a broken rules file stops the server from starting, with the reason on stderr', async () => {
    const { execFile } = await import('node:child_process');
    const dir = rulesWith('flows/login.yaml', (t) => t.replace('next: reset_worked', 'next: nowhere'));
    // The server reads rules/ next to package.json: run a copy of the built app against the broken folder.
    const root = path.dirname(dir);
    fs.writeFileSync(path.join(root, 'package.json'), '{}');
    fs.cpSync(path.resolve(__dirname, '../knowledge'), path.join(root, 'knowledge'), { recursive: true });
    fs.cpSync(path.resolve(__dirname, '../dist'), path.join(root, 'dist'), { recursive: true });
    fs.symlinkSync(path.resolve(__dirname, '../node_modules'), path.join(root, 'node_modules'));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(root, 'dist/bot/index.js')], { env: { ...process.env, PORT: '0', DATA_DIR: path.join(root, 'data') } },
        (err, _stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stderr }));
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rules\/flows\/login\.yaml: steps\.reset_steps\.next: unknown step "nowhere"/);
  });
});
