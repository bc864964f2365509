// Seeded fuzz cases for every HTTP surface of the server (see families/). Deterministic: the same seed, index
// and context always give the same bytes, so any failing case can be rebuilt alone from its name.
import { apiMessagesGenerators } from './families/apiMessages';
import { directLineGenerators } from './families/directLine';
import { uploadGenerators } from './families/upload';
import { webGenerators } from './families/web';
import type { Draft, Generator } from './kit';
import { deriveSeed, Rng } from './rng';
import type { FuzzCase, FuzzContext } from './types';

export type { Expectation, FuzzCase, FuzzContext, HttpCase, RawCase, RouteFamily } from './types';
export { isRaw, ROUTE_FAMILIES } from './types';

const MAX_VARIANT_CHARS = 120;
/** The stream that orders generators; far from the per-case streams (0, 1, 2, …). */
const ORDER_STREAM = 0xfffffff0;

let registry: Generator[] | undefined;

/** Every generator, built once (building them is cheap, but the list is the same on every call). */
export function generators(): readonly Generator[] {
  registry ??= [...apiMessagesGenerators(), ...directLineGenerators(), ...uploadGenerators(), ...webGenerators()];
  return registry;
}

/**
 * Which generator case `index` uses: the first cases run every generator once, in a seeded order, so a run
 * of at least `generators().length` cases covers them all; after that, weighted picks.
 */
function generatorFor(index: number, rng: Rng, order: readonly Generator[]): Generator {
  const fixed = order[index];
  if (fixed) return fixed;
  return rng.weighted(order.map((g) => ({ weight: g.weight, value: g })));
}

function toCase(gen: Generator, draft: Draft, seed: number, index: number): FuzzCase {
  const name = `${gen.name}:${draft.variant.slice(0, MAX_VARIANT_CHARS)} (seed ${seed} #${index})`;
  const expect = draft.expect ? { expect: draft.expect } : {};
  if ('raw' in draft) return { family: gen.family, name, raw: draft.raw, ...expect };
  return { family: gen.family, name, method: draft.method, path: draft.path, headers: draft.headers, ...(draft.body ? { body: draft.body } : {}), ...expect };
}

function build(seed: number, index: number, ctx: FuzzContext, order: readonly Generator[]): FuzzCase {
  const rng = new Rng(deriveSeed(seed, index));
  const gen = generatorFor(index, rng, order);
  return toCase(gen, gen.make({ rng, ctx }), seed, index);
}

function orderFor(seed: number): Generator[] {
  return new Rng(deriveSeed(seed, ORDER_STREAM)).shuffle(generators());
}

/**
 * `count` cases for `seed`. A prefix of a longer run is the shorter run: fuzzCases(s, 10)[i] equals
 * fuzzCases(s, 3000)[i], so a case named "… (seed 1 #742)" is rebuilt by fuzzCase(1, 742, ctx).
 */
export function fuzzCases(seed: number, count: number, ctx: FuzzContext): FuzzCase[] {
  const order = orderFor(seed);
  return Array.from({ length: count }, (_, i) => build(seed, i, ctx, order));
}

/** One case, exactly as fuzzCases(seed, index + 1, ctx)[index], for replaying a failure alone. */
export function fuzzCase(seed: number, index: number, ctx: FuzzContext): FuzzCase {
  return build(seed, index, ctx, orderFor(seed));
}
