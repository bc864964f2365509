import { IntentClassifier } from '../knowledge/classifier';
import { defaultKnowledgeDir, loadKnowledge, type Knowledge } from '../knowledge';
import { factEntities } from '../knowledge/entities';
import { examples } from '../knowledge/utterances';
import { defaultRulesDir, loadRules, type RuleSet } from './loader';
import { Router } from './router';

export interface Brain { knowledge: Knowledge; rules: RuleSet; router: Router }

/** Loads knowledge and rules, checks one against the other, and trains the router. */
export function loadBrain(opts: { rulesDir?: string; knowledgeDir?: string } = {}): Brain {
  const knowledge = loadKnowledge(opts.knowledgeDir ?? defaultKnowledgeDir());
  const rules = loadRules(opts.rulesDir ?? defaultRulesDir(), new Set(knowledge.articles.keys()));
  const router = new Router(rules, new IntentClassifier(examples(knowledge.utterances), { entities: factEntities(knowledge.facts) }));
  return { knowledge, rules, router };
}
