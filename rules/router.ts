import type { Classification, IntentClassifier, ScoredIntent } from '../knowledge/classifier';
import type { RuleSet } from './loader';
import { CONTROL_IDS, type ControlId, type IntentId } from './schema';

export interface IntentRoute {
  intent: IntentId;
  /** Calibrated 0..1; pattern rules are near-certain by construction. */
  confidence: number;
  source: 'pattern' | 'classifier';
  /** Other in-scope candidates, best first (for clarifying questions); empty for a pattern hit. */
  alternatives: ScoredIntent[];
  /** The share of the message's words the classifier knows from training (1 for a pattern hit). */
  coverage: number;
}

const PATTERN_CONFIDENCE = 0.99;

/** Folds typography so patterns can be written plainly: smart quotes, dashes, spacing, case. */
export function foldForPatterns(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[‘’`´]/g, "'").replace(/[“”]/g, '"')
    .replace(/[‐-―]/g, '-').replace(/\s+/g, ' ').trim();
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A case-insensitive whole-word match of any of the names, spacing optional ("Click Funnels"); none: never. */
function anyOf(names: string[]): RegExp {
  const escaped = names.map((n) => escapeRegExp(n.toLowerCase()).replace(/\s+/g, '\\s*'));
  return escaped.length ? new RegExp(`\\b(?:${escaped.join('|')})\\b`, 'i') : /(?!)/;
}

/** A control's whole-message pattern as the router runs it (lead-ins before it, laughter and emoji after). */
export function controlSource(rules: Pick<RouterRules, 'controls' | 'controlLeadIns'>, id: ControlId): string {
  const leadIns = rules.controlLeadIns.length ? `(?:(?:${rules.controlLeadIns.map(escapeRegExp).join('|')})[\\s,.!]+)*` : '';
  // Laughter and emoji after a command are still the command ("never mind, it works now lol").
  return `^\\W*${leadIns}(?:${rules.controls[id].join('|')})(?:[\\s!.?,:;)(-]|\\b(?:lol|haha+|lmao|hehe)\\b|\\p{Extended_Pictographic})*$`;
}

/** The summed score of the in-scope guesses a clarifying question would offer. */
export function offeredScore(c: Classification, choices: number): number {
  return c.ranked.filter((r) => r.intent !== 'none').slice(0, choices).reduce((sum, r) => sum + r.score, 0);
}

/**
 * Out of scope unless the guesses a clarifying question would offer are together likely enough: an
 * ambiguous Kartra message ("something is wrong with my account") spreads its score over a few intents and
 * gets that question; an off-topic one spreads it thinly, gives it to `none`, or is mostly unknown words.
 */
export function isOutOfScope(c: Classification, policy: { reject_below: number; min_coverage: number; clarify_choices: number }): boolean {
  return c.intent === 'none' || offeredScore(c, policy.clarify_choices) < policy.reject_below || c.coverage < policy.min_coverage;
}

/** The parts of the rules a router reads: plain data, so a worker thread can score a model with them too. */
export type RouterRules = Pick<RuleSet, 'controls' | 'controlLeadIns' | 'patterns' | 'otherProducts' | 'kartraPhrases' | 'escalation' | 'intents'>;

export function routerRules(r: RuleSet): RouterRules {
  return { controls: r.controls, controlLeadIns: r.controlLeadIns, patterns: r.patterns, otherProducts: r.otherProducts, kartraPhrases: r.kartraPhrases, escalation: r.escalation, intents: r.intents };
}

/** Pattern rules first (controls, then intents by priority), the classifier for everything else. */
export class Router {
  private readonly controls: Array<[ControlId, RegExp]>;
  private readonly patterns: Array<[IntentId, RegExp[]]>;
  private readonly otherProduct: RegExp;
  private readonly kartra: RegExp;

  constructor(private readonly rules: RouterRules, private classifier: IntentClassifier) {
    this.controls = CONTROL_IDS.map((id) => [id, new RegExp(controlSource(rules, id), 'iu')]);
    this.patterns = rules.patterns.map((p) => [p.intent, p.patterns.map((s) => new RegExp(s, 'iu'))]);
    this.otherProduct = anyOf(rules.otherProducts);
    this.kartra = anyOf(['kartra', ...rules.kartraPhrases]);
  }

  /** A retrained classifier (the review inbox taught it): the next message is classified with it. */
  useClassifier(classifier: IntentClassifier): void {
    this.classifier = classifier;
  }

  /** About another product and not about Kartra: out of scope, whatever else it says. */
  private aboutOtherProduct(text: string): boolean {
    const t = foldForPatterns(text);
    return this.otherProduct.test(t) && !this.kartra.test(t);
  }

  /** A command that works anywhere (greeting, thanks, help, cancel, restart), if the whole message is one. */
  control(text: string): ControlId | undefined {
    const t = foldForPatterns(text);
    if (t.length > 60) return undefined;
    return this.controls.find(([, re]) => re.test(t))?.[0];
  }

  /** The near-certain pattern match, if any. */
  pattern(text: string): IntentId | undefined {
    const t = foldForPatterns(text).slice(0, 2000);
    return this.patterns.find(([, res]) => res.some((re) => re.test(t)))?.[0];
  }

  /** The rules' verdict before any classifier: another product named (none), or a near-certain pattern. */
  rule(text: string): IntentId | undefined {
    return this.aboutOtherProduct(text) ? 'none' : this.pattern(text);
  }

  classify(text: string): IntentRoute {
    // A rule is never unsure, so it needs no alternatives and the classifier need not run.
    const hit = this.rule(text);
    if (hit) return { intent: hit, confidence: PATTERN_CONFIDENCE, source: 'pattern', alternatives: [], coverage: 1 };
    const c = this.classifier.classify(text);
    const alternatives = c.ranked.filter((r) => r.intent !== 'none' && r.intent !== c.intent);
    const policy = this.rules.escalation.classifier;
    const offered = offeredScore(c, policy.clarify_choices);
    if (isOutOfScope(c, policy)) return { intent: 'none', confidence: 1 - offered, source: 'classifier', alternatives, coverage: c.coverage };
    return { intent: c.intent, confidence: c.confidence, source: 'classifier', alternatives, coverage: c.coverage };
  }

  treeOf(intent: IntentId): string | undefined {
    return intent === 'none' ? undefined : this.rules.intents[intent].tree;
  }
}
