import type { IntentClassifier, ScoredIntent } from '../knowledge/classifier';
import type { RuleSet } from './loader';
import { CONTROL_IDS, type ControlId, type IntentId } from './schema';

export interface IntentRoute {
  intent: IntentId;
  /** Calibrated 0..1; pattern rules are near-certain by construction. */
  confidence: number;
  source: 'pattern' | 'classifier';
  /** Other in-scope candidates, best first (for clarifying questions); empty for a pattern hit. */
  alternatives: ScoredIntent[];
}

const PATTERN_CONFIDENCE = 0.99;

/** Folds typography so patterns can be written plainly: smart quotes, dashes, spacing, case. */
export function foldForPatterns(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[‘’`´]/g, "'").replace(/[“”]/g, '"')
    .replace(/[‐-―]/g, '-').replace(/\s+/g, ' ').trim();
}

/** Pattern rules first (controls, then intents by priority), the classifier for everything else. */
export class Router {
  private readonly controls: Array<[ControlId, RegExp]>;
  private readonly patterns: Array<[IntentId, RegExp[]]>;
  private readonly otherProduct: RegExp | undefined;

  constructor(private readonly rules: RuleSet, private readonly classifier: IntentClassifier) {
    this.controls = CONTROL_IDS.map((id) =>
      [id, new RegExp(`^\\W*(?:${rules.controls[id].join('|')})[\\s!.?,:)(]*$`, 'iu')]);
    this.patterns = rules.patterns.map((p) => [p.intent, p.patterns.map((s) => new RegExp(s, 'iu'))]);
    const names = rules.otherProducts.map((n) => n.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s*'));
    this.otherProduct = names.length ? new RegExp(`\\b(?:${names.join('|')})\\b`, 'i') : undefined;
  }

  /** About another product and not about Kartra: out of scope, whatever else it says. */
  private aboutOtherProduct(text: string): boolean {
    const t = foldForPatterns(text);
    return this.otherProduct !== undefined && this.otherProduct.test(t) && !/\bkartra\b/.test(t);
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

  classify(text: string): IntentRoute {
    if (this.aboutOtherProduct(text)) return { intent: 'none', confidence: PATTERN_CONFIDENCE, source: 'pattern', alternatives: [] };
    // A pattern hit is never unsure, so it needs no alternatives and the classifier need not run.
    const hit = this.pattern(text);
    if (hit) return { intent: hit, confidence: PATTERN_CONFIDENCE, source: 'pattern', alternatives: [] };
    const c = this.classifier.classify(text);
    const alternatives = c.ranked.filter((r) => r.intent !== 'none' && r.intent !== c.intent);
    // Too unsure to be a guess worth offering: the message is most likely about something else.
    const policy = this.rules.escalation.classifier;
    if (c.intent !== 'none' && (c.confidence < policy.reject_below || c.coverage < policy.min_coverage)) {
      return { intent: 'none', confidence: 1 - c.confidence, source: 'classifier', alternatives };
    }
    return { intent: c.intent, confidence: c.confidence, source: 'classifier', alternatives };
  }

  treeOf(intent: IntentId): string | undefined {
    return intent === 'none' ? undefined : this.rules.intents[intent].tree;
  }
}
