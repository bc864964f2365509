import { IntentClassifier } from '../knowledge/classifier';
import { defaultKnowledgeDir, loadKnowledge, type Knowledge } from '../knowledge';
import { factEntities } from '../knowledge/entities';
import { examples } from '../knowledge/utterances';
import { defaultRulesDir, loadRules, type RuleSet } from './loader';
import { Router } from './router';

export interface BrainSources { knowledge: Knowledge; rules: RuleSet }
export interface Brain extends BrainSources { router: Router }

/** Loads knowledge and rules, and checks one against the other. */
export function loadBrainSources(opts: { rulesDir?: string; knowledgeDir?: string } = {}): BrainSources {
  const knowledge = loadKnowledge(opts.knowledgeDir ?? defaultKnowledgeDir());
  return { knowledge, rules: loadRules(opts.rulesDir ?? defaultRulesDir(), new Set(knowledge.articles.keys())) };
}

/** Loads knowledge and rules and trains the router (here, on this thread: at start-up and in tests). */
export function loadBrain(opts: { rulesDir?: string; knowledgeDir?: string } = {}): Brain {
  const { knowledge, rules } = loadBrainSources(opts);
  const router = new Router(rules, IntentClassifier.train(examples(knowledge.utterances), { entities: factEntities(knowledge.facts) }));
  return { knowledge, rules, router };
}
