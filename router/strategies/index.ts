import type { ArtifactSet } from '../artifacts';
import type { StrategyName } from '../policy';
import type { RoutingStrategy } from '../types';
import { allStrategy } from './all';
import { fixedStrategy } from './fixed';

/** Builds a strategy from the current trained artifacts; cheap, called when artifacts change. */
export type StrategyFactory = (artifacts: ArtifactSet) => RoutingStrategy;

// One entry per strategy; learned ones read their trained artifacts here.
const factories: Partial<Record<StrategyName, StrategyFactory>> = {
  fixed: () => fixedStrategy,
  all: () => allStrategy,
};

/** All strategies available for these artifacts, by name. */
export function buildStrategies(artifacts: ArtifactSet): Map<string, RoutingStrategy> {
  const out = new Map<string, RoutingStrategy>();
  for (const [name, make] of Object.entries(factories)) if (make) out.set(name, make(artifacts));
  return out;
}
