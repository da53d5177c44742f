import { DEFAULT_DOH_URL, dohResolver, reachProblem, resolvedReachProblem, type ExpertReach, type ReachProblem, type ResolveHost } from '../../experts';
import { allowsPrivateEndpoints, type Env } from '../env';

/** How experts' endpoint names are resolved to be judged, or null where private endpoints are allowed (nothing to refuse). */
export function endpointResolver(env: Env): ResolveHost | null {
  if (allowsPrivateEndpoints(env)) return null;
  return dohResolver(env.DOH_URL || DEFAULT_DOH_URL, (input, init) => fetch(input, init));
}

/**
 * What an expert may not reach, off the request path (admin, dashboard): its secret, its literal
 * addresses, then (unless `resolveNames` is false) what its names resolve to. A resolver that
 * cannot answer throws.
 */
export async function endpointReachProblem(e: ExpertReach, env: Env, resolveNames = true): Promise<ReachProblem | null> {
  const resolve = endpointResolver(env);
  return reachProblem(e, resolve === null) ?? (resolve && resolveNames ? resolvedReachProblem(e, resolve) : null);
}
