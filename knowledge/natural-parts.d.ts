// Type declarations for the individual natural modules we load (see textFeatures.ts for why not the index).
declare module 'natural/lib/natural/classifiers/bayes_classifier' {
  import { BayesClassifier } from 'natural/lib/natural/classifiers';
  export = BayesClassifier;
}
declare module 'natural/lib/natural/stemmers/porter_stemmer' {
  import { PorterStemmer } from 'natural/lib/natural/stemmers';
  export = PorterStemmer;
}
