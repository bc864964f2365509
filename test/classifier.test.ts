// The classifier's parts: names read as placeholders, typo correction, the softmax regression, and the
// calibrated mix the router's thresholds rely on.
import { IntentClassifier } from '../knowledge/classifier';
import { EntityTagger, factEntities } from '../knowledge/entities';
import { SoftmaxRegression } from '../knowledge/softmaxRegression';
import { SpellingCorrector } from '../knowledge/spelling';
import { Featurizer, words } from '../knowledge/textFeatures';
import { examples, UtterancesSchema } from '../knowledge/utterances';
import { sharedBrain } from './helpers';

describe('training utterances file', () => {
  it('refuses a sentence listed twice, under one intent or two, naming the first', () => {
    const u = sharedBrain().knowledge.utterances;
    const first = u['login.cant_login']?.[0] ?? '';
    const copy = ` ${first.toUpperCase()} `;
    const r = UtterancesSchema.safeParse({ ...u, 'login.password_reset': [...(u['login.password_reset'] ?? []), copy] });
    expect(r.error?.issues.map((i) => i.message)).toEqual([`"${copy}" is already listed under login.cant_login`]);
  });
});

describe('entity placeholders', () => {
  const { knowledge } = sharedBrain();
  const tagger = new EntityTagger(factEntities(knowledge.facts));

  it('reads every listed currency and checkout language as one placeholder word', () => {
    const currencies = [...knowledge.facts.currencies.list, ...knowledge.facts.recognise_only.currencies];
    for (const c of currencies) expect([c.name, tagger.tag(words(c.name))]).toEqual([c.name, ['zcurrency']]);
    for (const l of knowledge.facts.checkout_languages.languages) expect(tagger.tag(words(l))).toEqual(['zlanguage']);
    expect(tagger.tag(words('can I sell in New Zealand dollars and Swiss francs'))).toEqual(['can', 'i', 'sell', 'in', 'zcurrency', 'and', 'zcurrency']);
  });

  it('counts written out read like digits, but "one" stays a word', () => {
    const f = new Featurizer();
    expect(f.stems('can I connect five domains')).toEqual(f.stems('can I connect 5 domains'));
    expect(f.stems('the one I bought')).toContain('on');
  });

  it('codes only in capitals, so "try" and "rub" stay words', () => {
    const f = new Featurizer({ entities: tagger });
    expect(f.stems('can I use SEK or TRY')).toEqual(['us', 'zcurrenc', 'zcurrenc']);
    expect(f.stems('I try to rub it out')).toEqual(['try', 'rub']);
  });
});

describe('spelling correction', () => {
  const spelling = new SpellingCorrector(['password', 'password', 'passport', 'login', 'domain', 'domains']);
  it('reads a word one edit from a known word as that word, the more frequent on a tie', () => {
    expect(spelling.correct('pasword')).toBe('password'); // a letter missing
    expect(spelling.correct('lgoin')).toBe('login'); // two swapped
    expect(spelling.correct('domian')).toBe('domain');
    expect(spelling.correct('domainss')).toBe('domains'); // a letter extra
    expect(spelling.correct('passwort')).toBe('password'); // a wrong letter
    expect(spelling.correct('dinosaurs')).toBe('dinosaurs'); // nothing near: unchanged
  });
  it('a word seen once next to a common one is read as its typo; two words seen often stay apart', () => {
    const corpus = [...Array(5).fill('username'), 'usernme', 'cart', 'cart', 'cat', 'cat'];
    const s = new SpellingCorrector(corpus);
    expect(s.correct('usernme')).toBe('username');
    expect(s.correct('cat')).toBe('cat');
    expect(s.correct('cart')).toBe('cart');
  });
});

describe('softmax regression', () => {
  const docs = [
    { features: ['bill', 'charg'], label: 'billing' }, { features: ['invoic', 'charg'], label: 'billing' },
    { features: ['login', 'fail'], label: 'login' }, { features: ['sign', 'fail'], label: 'login' },
  ] as const;
  it('learns a separable toy problem; probabilities sum to 1; the same seed gives the same model', () => {
    const a = SoftmaxRegression.train(['billing', 'login'], docs);
    const lp = a.logProbabilities(['charg']);
    expect(Math.exp(lp[0] ?? -Infinity)).toBeGreaterThan(0.8);
    expect(Math.exp(lp[0] ?? 0) + Math.exp(lp[1] ?? 0)).toBeCloseTo(1, 10);
    expect(Math.exp(a.logProbabilities(['fail'])[1] ?? -Infinity)).toBeGreaterThan(0.8);
    expect(SoftmaxRegression.train(['billing', 'login'], docs).logProbabilities(['sign', 'bill'])).toEqual(a.logProbabilities(['sign', 'bill']));
  });
});

describe('intent classifier', () => {
  const { knowledge } = sharedBrain();
  const classifier = IntentClassifier.train(examples(knowledge.utterances), { entities: factEntities(knowledge.facts) });

  it('ranks every class with scores that sum to 1', () => {
    const r = classifier.classify('my ip got blocked after too many tries');
    expect(r.intent).toBe('ip_block');
    expect(r.ranked.reduce((s, x) => s + x.score, 0)).toBeCloseTo(1, 6);
    expect(r.ranked[0]?.score).toBe(r.confidence);
  });

  it('knows currencies and languages the training never names, through the placeholder', () => {
    const training = examples(knowledge.utterances).map((e) => e.text.toLowerCase()).join('\n');
    for (const name of ['ringgit', 'zloty', 'krone', 'romanian', 'afrikaans']) expect([name, training.includes(name)]).toEqual([name, false]);
    expect(classifier.classify('do you take Malaysian Ringgit').intent).toBe('billing.currency');
    expect(classifier.classify('can buyers pay in polish zloty').intent).toBe('billing.currency');
    expect(classifier.classify('my buyers speak Romanian, is that an option').intent).toBe('faq.checkout_languages');
    expect(classifier.classify('do you offer Afrikaans').intent).toBe('faq.checkout_languages');
  });

  it('"does Kartra support X" asks what the product can do; "support" as a noun is the support team', () => {
    expect(classifier.classify('does kartra support german').intent).toBe('faq.checkout_languages');
    expect(classifier.classify('do you support the thai baht').intent).toBe('billing.currency');
    expect(classifier.classify('does kartra support paypal').intent).not.toBe('support.contact');
    expect(classifier.classify('how fast does support answer').intent).toBe('support.contact');
  });

  it('a message with no known word is out of scope outright', () => {
    expect(classifier.classify('zxqv wplk')).toMatchObject({ intent: 'none', confidence: 1, coverage: 0 });
  });
});
