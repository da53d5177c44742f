import type { ArtifactSet } from '../artifacts';
import { createBanditStrategy } from '../bandit/strategy';
import { createAgreementStrategy } from '../cascade/agreement-strategy';
import { createCascadeStrategy } from '../cascade/strategy';
import { createLearnedStrategy } from '../learned/strategy';
import type { StrategyName } from '../policy';
import { createSkillStrategy } from '../skill/strategy';
import type { ExpertCaller, RoutingStrategy } from '../types';
import { allStrategy } from './all';
import { fixedStrategy } from './fixed';

/** What the gateway lends strategies beyond artifacts: a caller for LLM-assisted routing (skill extraction). */
export interface StrategyOptions {
  caller?: ExpertCaller;
}

/** Builds a strategy from the current trained artifacts; cheap, called when artifacts change. */
export type StrategyFactory = (artifacts: ArtifactSet, options: StrategyOptions) => RoutingStrategy;

// One entry per strategy; learned ones read their trained artifacts here.
const factories: Partial<Record<StrategyName, StrategyFactory>> = {
  fixed: () => fixedStrategy,
  all: () => allStrategy,
  skill: (artifacts, options) => createSkillStrategy(artifacts, options),
  learned: (artifacts) => createLearnedStrategy(artifacts),
  cascade: (artifacts) => createCascadeStrategy(artifacts),
  agreement: (artifacts) => createAgreementStrategy(artifacts),
  bandit: (artifacts) => createBanditStrategy(artifacts),
};

/** All strategies available for these artifacts, by name. */
export function buildStrategies(artifacts: ArtifactSet, options: StrategyOptions = {}): Map<string, RoutingStrategy> {
  const out = new Map<string, RoutingStrategy>();
  for (const [name, make] of Object.entries(factories)) if (make) out.set(name, make(artifacts, options));
  return out;
}
