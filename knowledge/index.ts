import path from 'node:path';
import { projectRoot } from '../rules/projectRoot';
import { loadArticles, type Article } from './articles';
import { factAnswer, factPlaceholders, loadFacts, type Facts } from './facts';
import { loadUtterances, type Utterances } from './utterances';

export interface Knowledge {
  articles: ReadonlyMap<string, Article>;
  facts: Facts;
  utterances: Utterances;
}

export function defaultKnowledgeDir(): string {
  return path.join(projectRoot(), 'knowledge');
}

export function loadKnowledge(dir: string = defaultKnowledgeDir()): Knowledge {
  const facts = loadFacts(path.join(dir, 'facts.yaml'));
  return {
    facts,
    articles: loadArticles(path.join(dir, 'articles'), factPlaceholders(facts)),
    utterances: loadUtterances(path.join(dir, 'utterances.yaml')),
  };
}

/** An article's text for a message about `intent`, led by a direct fact answer when the message names one. */
export function answerText(k: Knowledge, articleId: string, intent: string, text: string): string | undefined {
  const article = k.articles.get(articleId);
  if (!article) return undefined;
  const lead = factAnswer(k.facts, intent, text);
  return lead ? `${lead}\n\n${article.body}` : article.body;
}
