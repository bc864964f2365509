import type { IntentRoute } from '../rules/router';
import type { ControlId, IntentId } from '../rules/schema';

/**
 * What the dialogs ask of language understanding. The Router (pattern rules and the trained classifier)
 * is the real one; dialog tests can give a stub, so that what they test does not hang on the
 * classifier's exact scores.
 */
export interface Recognizer {
  /** A whole-message command (hi, thanks, bye, help, cancel, start over…). */
  control(text: string): ControlId | undefined;
  /** A near-certain pattern rule's intent ("talk to a person", "IP … blocked"). */
  pattern(text: string): IntentId | undefined;
  /** The intent, how sure, the alternatives and how much of the message is known vocabulary. */
  classify(text: string): IntentRoute;
}
