import { namedHosts, resolutionProblem, type ExpertReach, type NamedHost, type ReachProblem, type ResolveHost } from '../../experts';
import { RecentMap } from '../../router/recent';

// What each endpoint name resolves to, judged once per DNS lifetime per isolate: a call waits on
// the resolver only the first time a name is seen; afterwards a stale verdict answers at once while
// a fresh one is fetched beside the call, so the steady-state request path makes no lookup.

/** A verdict holds at least this long (a zero TTL would mean a lookup per call) and at most this long. */
const MIN_HOLD_MS = 30_000;
const MAX_HOLD_MS = 300_000;
/** A resolver that failed is asked again after this; until then its failure stands. */
const FAILURE_HOLD_MS = 5_000;

interface Verdict {
  /** Why the name may not be called (a sentence), or null. */
  problem: string | null;
  until: number;
  refreshing: Promise<void> | null;
}

export class NameGuard {
  private readonly verdicts = new RecentMap<string, Verdict>(1_000);
  /** The named hosts of each registry profile, parsed from its URLs once rather than per call. */
  private readonly hostsOf = new WeakMap<ExpertReach, NamedHost[]>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Why this expert's endpoint names may not be called now, or null; a promise only while some name has no verdict yet. */
  check(expert: ExpertReach, resolve: ResolveHost): ReachProblem | null | Promise<ReachProblem | null> {
    let hosts = this.hostsOf.get(expert);
    if (!hosts) this.hostsOf.set(expert, (hosts = namedHosts(expert)));
    const pending: Promise<void>[] = [];
    for (const { host } of hosts) {
      const verdict = this.verdicts.get(host);
      if (!verdict) pending.push(this.judge(host, resolve));
      else if (verdict.until <= this.now()) verdict.refreshing ??= this.judge(host, resolve);
    }
    const first = (): ReachProblem | null => {
      for (const { field, url, host } of hosts) {
        const problem = this.verdicts.get(host)?.problem;
        if (problem) return { field, message: `${url}: ${problem}` };
      }
      return null;
    };
    return pending.length ? Promise.all(pending).then(first) : first();
  }

  private async judge(host: string, resolve: ResolveHost): Promise<void> {
    const previous = this.verdicts.get(host);
    try {
      const resolution = await resolve(host);
      const hold = Math.min(Math.max(resolution.ttlS * 1_000, MIN_HOLD_MS), MAX_HOLD_MS);
      this.verdicts.set(host, { problem: resolutionProblem(host, resolution), until: this.now() + hold, refreshing: null });
    } catch (e) {
      // A name already judged keeps its verdict through a resolver's outage; a new one is refused until it can be judged.
      const problem = previous ? previous.problem : `${host} could not be checked: ${e instanceof Error ? e.message : String(e)}`;
      this.verdicts.set(host, { problem, until: this.now() + FAILURE_HOLD_MS, refreshing: null });
    }
  }
}

/** This isolate's verdicts, shared by every request's caller. */
export const nameGuard = new NameGuard();
