import BayesClassifier from 'natural/lib/natural/classifiers/bayes_classifier';
import { IntentClassifier, type ClassifierOptions } from '../../knowledge/classifier';
import type { RuleSet } from '../../rules/loader';
import { Router } from '../../rules/router';
import { IntentIdSchema, type IntentId } from '../../rules/schema';
import type { Example } from './metrics';

/** A trained system: text in, intent out ('none' = "I don't know"). */
export type Classify = (text: string) => IntentId | Promise<IntentId>;
export interface System { name: string; train(examples: Example[]): Promise<Classify> }

const asIntent = (label: string | undefined): IntentId => IntentIdSchema.safeParse(label).data ?? 'none';

/** This project: pattern rules, then natural's Bayes with calibrated scores (what the bot runs). */
export function routerSystem(rules: RuleSet, options: ClassifierOptions): System {
  return {
    name: 'router (this project)',
    async train(examples) {
      const router = new Router(rules, IntentClassifier.train(examples, options));
      return (text) => router.classify(text).intent;
    },
  };
}

/** A plain natural BayesClassifier on its default tokenizer and stemmer, `none` as a class. */
export const naturalSystem: System = {
  name: 'natural BayesClassifier',
  async train(examples) {
    const bayes = new BayesClassifier();
    for (const e of examples) bayes.addDocument(e.text, e.intent);
    bayes.train();
    return (text) => asIntent(bayes.classify(text));
  },
};

interface NlpJs {
  use(plugin: unknown): void;
  addDocument(locale: string, text: string, intent: string): void;
  train(): Promise<void>;
  process(locale: string, text: string): Promise<{ intent?: string }>;
}

/** nlp.js (@nlpjs/nlp with @nlpjs/lang-en), `none` as a class; its own "None" below its threshold. */
export const nlpjsSystem: System = {
  name: 'nlp.js',
  async train(examples) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Nlp } = require('@nlpjs/nlp') as { Nlp: new (settings: unknown) => NlpJs };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LangEn } = require('@nlpjs/lang-en') as { LangEn: unknown };
    const nlp = new Nlp({ languages: ['en'], autoSave: false, autoLoad: false, modelFileName: '', nlu: { log: false } });
    nlp.use(LangEn);
    for (const e of examples) nlp.addDocument('en', e.text, e.intent);
    await nlp.train();
    return async (text) => {
      const r = await nlp.process('en', text);
      return r.intent === 'None' ? 'none' : asIntent(r.intent);
    };
  },
};
