import path from 'node:path';
import { projectRoot } from '../rules/projectRoot';
import { directAnswer, loadAnswers, type DirectAnswers } from './answers';
import { loadArticles, type Article } from './articles';
import { factAnswer, factPlaceholders, loadFacts, otherFactAnswers, type Facts } from './facts';
import { loadUtterances, type Utterances } from './utterances';

export interface Knowledge {
  articles: ReadonlyMap<string, Article>;
  facts: Facts;
  utterances: Utterances;
  answers: DirectAnswers;
}

export function defaultKnowledgeDir(): string {
  return path.join(projectRoot(), 'knowledge');
}

export function loadKnowledge(dir: string = defaultKnowledgeDir()): Knowledge {
  const facts = loadFacts(path.join(dir, 'facts.yaml'));
  return {
    facts,
    articles: loadArticles(path.join(dir, 'articles'), factPlaceholders(facts)),
    answers: loadAnswers(path.join(dir, 'answers.yaml'), factPlaceholders(facts)),
    utterances: loadUtterances(path.join(dir, 'utterances.yaml')),
  };
}

/**
 * The answer to a message about `intent`: a direct answer when the message asks something specific the
 * help text answers (one currency, one plan, "can my username contain Kartra?"), else the whole article.
 */
export function answerText(k: Knowledge, articleId: string, intent: string, text: string): { text: string; direct: boolean } | undefined {
  // The question's own answer first ("the interface is English only"), then what the facts say of a
  // name it mentions ("Spanish is one of the checkout languages"), as a separate point.
  const parts = [directAnswer(k.answers, intent, text), factAnswer(k.facts, intent, text)].filter((p): p is string => Boolean(p));
  if (parts.length) return { text: [...parts, ...otherFactAnswers(k.facts, intent, text)].join('\n\n'), direct: true };
  const article = k.articles.get(articleId);
  return article ? { text: article.body, direct: false } : undefined;
}
