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
  // Every problem names its file as the rules' do ("knowledge/answers.yaml: …"), for the console and the log.
  const named = <T>(file: string, load: () => T): T => {
    try {
      return load();
    } catch (err) {
      const shown = path.join(path.basename(dir), path.relative(dir, file));
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(message.startsWith(file) ? shown + message.slice(file.length) : `${shown}: ${message}`);
    }
  };
  const at = (name: string) => path.join(dir, name);
  const facts = named(at('facts.yaml'), () => loadFacts(at('facts.yaml')));
  return {
    facts,
    articles: named(at('articles'), () => loadArticles(at('articles'), factPlaceholders(facts))),
    answers: named(at('answers.yaml'), () => loadAnswers(at('answers.yaml'), factPlaceholders(facts))),
    utterances: named(at('utterances.yaml'), () => loadUtterances(at('utterances.yaml'))),
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
