import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { Messages, MessagesFileSchema } from './messages';
import { projectRoot } from './projectRoot';
import {
  EscalationFileSchema, FieldsFileSchema, FlowFileSchema, IntentsFileSchema, TicketPolicySchema,
  type EscalationPolicy, type FieldDef, type Flow, type IntentsFile, type RoutableIntent, type Step,
  type TicketPolicy,
} from './schema';

/** Placeholders a ticket subject may use besides its fields: why a hand-off happened, and the topic it came from. */
export const SUBJECT_CONTEXT = ['handoff_reason', 'topic'];

/** One problem in one rules file, reported as file, path inside it, and reason. */
export interface RulesProblem { file: string; path: string; reason: string }

export class RulesError extends Error {
  constructor(readonly problems: RulesProblem[]) {
    super(`Invalid rules (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
      problems.map((p) => `  ${p.file}: ${p.path || '(top level)'}: ${p.reason}`).join('\n'));
    this.name = 'RulesError';
  }
}

export interface RuleSet {
  intents: IntentsFile['intents'];
  topics: RoutableIntent[];
  controls: IntentsFile['controls'];
  controlLeadIns: string[];
  patterns: IntentsFile['patterns'];
  otherProducts: string[];
  /** Phrases that make a message about Kartra even when it doesn't say "Kartra" (its Facebook group). */
  kartraPhrases: string[];
  /** A second topic in a message that is part of the first one's problem (a seller's login page). */
  partOf: IntentsFile['part_of'];
  escalation: EscalationPolicy;
  tickets: TicketPolicy;
  messages: Messages;
  /** Every field any flow can ask for, by name (flows' own first, then the shared ones). */
  allFields(): ReadonlyMap<string, FieldDef>;
  flows: ReadonlyMap<string, Flow>;
  /** A field as a flow sees it: its own definition first, then the shared one. */
  field(flowId: string, name: string): FieldDef | undefined;
}

export function defaultRulesDir(): string {
  return path.join(projectRoot(), 'rules');
}

function formatPath(p: ReadonlyArray<PropertyKey>): string {
  return p.reduce<string>((acc, key) =>
    typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key), '');
}

/** Parses and validates one YAML file; problems are collected rather than thrown one at a time. */
function readYaml<T>(file: string, schema: z.ZodType<T>, rel: string, problems: RulesProblem[]): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push({ file: rel, path: '', reason: `cannot read file (${(err as NodeJS.ErrnoException).code ?? err})` });
    return undefined;
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) problems.push({ file: rel, path: `line ${e.linePos?.[0].line ?? '?'}`, reason: e.message.split('\n')[0] ?? 'YAML error' });
    return undefined;
  }
  const parsed = schema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ file: rel, path: formatPath(issue.path), reason: issue.message });
    return undefined;
  }
  return parsed.data;
}

/** The steps a step can lead to, with where each is named ("options[1].next"). */
export function stepTargets(step: Step): Array<[string, string]> {
  switch (step.type) {
    case 'choice': return step.options.map((o, i) => [`options[${i}].next`, o.next]);
    case 'confirm': return [['yes', step.yes], ['no', step.no]];
    case 'say': case 'answer': case 'ask': case 'ticket': case 'handoff':
      return step.next ? [['next', step.next]] : [];
    default: return [];
  }
}

/**
 * Loads every rules file, validates each against its schema and then checks the references between them
 * (steps, fields, articles, departments, trees). Throws one RulesError listing every problem found.
 */
export function loadRules(rulesDir: string, articleIds: ReadonlySet<string>): RuleSet {
  const problems: RulesProblem[] = [];
  const rel = (f: string) => path.relative(path.dirname(rulesDir), f) || f;
  const load = <T>(name: string, schema: z.ZodType<T>) => readYaml(path.join(rulesDir, name), schema, rel(path.join(rulesDir, name)), problems);

  const intents = load('intents.yaml', IntentsFileSchema);
  const escalation = load('escalation.yaml', EscalationFileSchema);
  const sharedFields = load('fields.yaml', FieldsFileSchema);
  const tickets = load('tickets.yaml', TicketPolicySchema);
  const messages = load('messages.yaml', MessagesFileSchema);

  const flowDir = path.join(rulesDir, 'flows');
  const flows = new Map<string, Flow>();
  const flowFiles = new Map<string, string>();
  let names: string[] = [];
  try {
    names = fs.readdirSync(flowDir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    problems.push({ file: rel(flowDir), path: '', reason: 'flows folder is missing' });
  }
  for (const name of names) {
    const file = path.join(flowDir, name);
    const flow = readYaml(file, FlowFileSchema, rel(file), problems);
    if (!flow) continue;
    if (flow.id !== name.replace(/\.ya?ml$/, '')) {
      problems.push({ file: rel(file), path: 'id', reason: `must match the file name ("${name.replace(/\.ya?ml$/, '')}")` });
    }
    if (flows.has(flow.id)) problems.push({ file: rel(file), path: 'id', reason: `duplicate flow id "${flow.id}"` });
    flows.set(flow.id, flow);
    flowFiles.set(flow.id, rel(file));
  }

  if (intents && escalation && sharedFields && tickets && messages && problems.length === 0) {
    for (const [intent, def] of Object.entries(intents.intents)) {
      const flow = flows.get(def.tree);
      if (!flow) problems.push({ file: 'rules/intents.yaml', path: `intents.${intent}.tree`, reason: `no flow file rules/flows/${def.tree}.yaml` });
      else if (!(intent in flow.entry)) problems.push({ file: flowFiles.get(def.tree) ?? '', path: 'entry', reason: `missing an entry step for intent "${intent}"` });
    }
    for (const [id, flow] of flows) {
      const file = flowFiles.get(id) ?? id;
      const knownField = (n: string) => n in flow.fields || n in sharedFields;
      for (const [intent, step] of Object.entries(flow.entry)) {
        if (intents.intents[intent as RoutableIntent]?.tree !== id) problems.push({ file, path: `entry.${intent}`, reason: `intent "${intent}" belongs to tree "${intents.intents[intent as RoutableIntent]?.tree}" in rules/intents.yaml` });
        if (!(step in flow.steps)) problems.push({ file, path: `entry.${intent}`, reason: `unknown step "${step}"` });
      }
      for (const [stepId, step] of Object.entries(flow.steps)) {
        for (const [where, target] of stepTargets(step)) {
          if (!(target in flow.steps)) problems.push({ file, path: `steps.${stepId}.${where}`, reason: `unknown step "${target}"` });
        }
        if (step.type === 'answer' && !articleIds.has(step.article)) problems.push({ file, path: `steps.${stepId}.article`, reason: `no article "${step.article}" in knowledge/articles` });
        if (step.type === 'ask' && !knownField(step.field)) problems.push({ file, path: `steps.${stepId}.field`, reason: `unknown field "${step.field}"` });
        if (step.type === 'ticket') {
          step.fields.forEach((f, i) => { if (!knownField(f)) problems.push({ file, path: `steps.${stepId}.fields[${i}]`, reason: `unknown field "${f}"` }); });
          step.skip.forEach((f, i) => { if (!tickets.always_include.includes(f)) problems.push({ file, path: `steps.${stepId}.skip[${i}]`, reason: `"${f}" is not one of tickets.yaml's always_include` }); });
          if (!tickets.departments.includes(step.department)) problems.push({ file, path: `steps.${stepId}.department`, reason: `"${step.department}" is not one of ${tickets.departments.join(', ')}` });
          for (const m of step.subject.matchAll(/\{(\w+)\}/g)) {
            const f = m[1] ?? '';
            if (!step.fields.includes(f) && !tickets.always_include.includes(f) && !SUBJECT_CONTEXT.includes(f)) problems.push({ file, path: `steps.${stepId}.subject`, reason: `placeholder {${f}} is not one of this ticket's fields (or ${SUBJECT_CONTEXT.map((c) => `{${c}}`).join(', ')})` });
          }
        }
      }
    }
    tickets.always_include.forEach((f, i) => { if (!(f in sharedFields)) problems.push({ file: 'rules/tickets.yaml', path: `always_include[${i}]`, reason: `unknown field "${f}" (define it in rules/fields.yaml)` }); });
    if (!flows.has('handoff')) problems.push({ file: 'rules/flows', path: '', reason: 'a handoff.yaml flow is required (escalations land there)' });
  }

  if (problems.length > 0 || !intents || !escalation || !sharedFields || !tickets || !messages) throw new RulesError(problems);
  const allFields = new Map<string, FieldDef>(Object.entries(sharedFields));
  for (const flow of flows.values()) for (const [n, def] of Object.entries(flow.fields)) if (!allFields.has(n)) allFields.set(n, def);
  return {
    intents: intents.intents,
    topics: intents.topics,
    controls: intents.controls,
    controlLeadIns: intents.control_lead_ins,
    patterns: [...intents.patterns].sort((a, b) => b.priority - a.priority),
    otherProducts: intents.other_products,
    kartraPhrases: intents.kartra_phrases,
    partOf: intents.part_of,
    escalation,
    tickets,
    messages: new Messages(messages),
    allFields: () => allFields,
    flows,
    field: (flowId, name) => flows.get(flowId)?.fields[name] ?? sharedFields[name],
  };
}
