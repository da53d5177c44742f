import type { ArtifactSet } from '../artifacts';
import { estimateCostUsd, tokensOf } from '../cost';
import { errorMessage, InvalidRequestError } from '../errors';
import { FEATURES_ARTIFACT, type Featurizer } from '../features/featurizer';
import { notTrained, round } from '../learned/strategy';
import { loadFeaturizer, parseArtifact, versionsOf } from '../learned/models';
import { chooseExperts, rankCandidates } from '../learned/select';
import type { RoutingPolicy } from '../policy';
import type { Candidate, DecideContext, ExpertCaller, ExpertProfile, RouteRequest, RoutingDecision, RoutingStrategy } from '../types';
import { lexiconOf, localKeywords, type KeywordLexicon } from './keywords';
import { LlmSkillExtractor } from './llm-extractor';
import { SKILL_ARTIFACT, SkillProfiles } from './profiles';

// `skill`: Symbolic-MoE recruiting. The query's skills (keywords) select experts by local
// suitability s_m(q) times global competence g_m; k experts are recruited (top-k, or sampled).

export interface SkillStrategyOptions {
  /** Needed for `extractor: 'llm'`; a request's own caller (DecideContext) takes precedence. */
  caller?: ExpertCaller;
  /** Expert asked for keywords; by default the cheapest eligible expert of above-median competence. */
  extractorExpertId?: string;
}

/** Recruited experts when the policy sets no k (Symbolic-MoE recruits a few and aggregates). */
export const DEFAULT_SKILL_K = 3;

interface SkillModels {
  featurizer: Featurizer;
  profiles: SkillProfiles;
  lexicon: KeywordLexicon;
  llm: LlmSkillExtractor;
  versions: string;
}

function loadSkillModels(artifacts: ArtifactSet): SkillModels | null {
  const featurizer = loadFeaturizer(artifacts);
  const record = artifacts.get(SKILL_ARTIFACT);
  if (!featurizer || !record) return null;
  const profiles = parseArtifact(record, SkillProfiles.fromArtifact);
  const lexicon = lexiconOf(profiles.keywords, featurizer);
  return { featurizer, profiles, lexicon, llm: new LlmSkillExtractor(lexicon), versions: versionsOf([artifacts.get(FEATURES_ARTIFACT)!, record]) };
}

export function createSkillStrategy(artifacts: ArtifactSet, options: SkillStrategyOptions = {}): RoutingStrategy {
  const models = loadSkillModels(artifacts);
  return {
    name: 'skill',
    async decide(req: RouteRequest, experts: ExpertProfile[], policy: RoutingPolicy, context?: DecideContext): Promise<RoutingDecision> {
      if (!models) throw notTrained('skill');
      const { keywords, info, spentUsd } = await querySkills(models, req.prompt, experts, policy, {
        ...options,
        ...(context?.caller ? { caller: context.caller } : {}),
      });
      const suitability = experts.map((e) => models.profiles.suitability(e.id, keywords));
      // s can be negative (more wrong than right on these skills); shifting it above zero keeps the
      // product with g_m monotone in both, so a globally strong expert is never penalised for it.
      const floor = Math.min(0, ...suitability);
      // The score knows no prices: where it ties (no expert has competence data yet: a fresh
      // deployment, experts registered after training) the cheaper expected call goes first.
      const promptTokens = tokensOf(req.prompt);
      const costs = new Map(experts.map((e) => [e.id, estimateCostUsd(e, promptTokens)]));
      const ranked = rankCandidates(
        experts.map((e, i): Candidate => {
          const s = suitability[i]!;
          const g = models.profiles.globalCompetence(e.id);
          return { expertId: e.id, score: (s - floor + 1) * g, detail: { suitability: s, competence: round(g, 5), cost_usd: round(costs.get(e.id)!, 8) } };
        }),
        costs,
      );
      // The extractor's calls were paid from the same cap: recruiting within all of it could choose
      // experts the route then cannot afford, when a cheaper one still fits.
      const cap = policy.max_cost_usd === undefined ? policy : { ...policy, max_cost_usd: policy.max_cost_usd - spentUsd };
      const stages = [chooseExperts(ranked, experts, cap, req.prompt, DEFAULT_SKILL_K)];
      return { strategy: 'skill', ranked, stages, info: { ...info, skills: keywords.map((k) => models.lexicon.keywords[k]!), artifacts: models.versions } };
    },
  };
}

async function querySkills(
  models: SkillModels,
  prompt: string,
  experts: readonly ExpertProfile[],
  policy: RoutingPolicy,
  options: SkillStrategyOptions,
): Promise<{ keywords: number[]; info: Record<string, unknown>; spentUsd: number }> {
  const local = () => localKeywords(models.featurizer.features(prompt).sparse, models.lexicon);
  if ((policy.extractor ?? 'local') === 'local') return { keywords: local(), info: { extractor: 'local' }, spentUsd: 0 };
  if (!options.caller)
    throw new InvalidRequestError("extractor 'llm' needs a live expert caller, and none came with this request", 'extractor_unavailable', 'routing.extractor');
  const expertId = options.extractorExpertId ?? defaultExtractor(models.profiles, experts);
  try {
    const { keywords, named, costUsd } = await models.llm.extract(options.caller, expertId, prompt);
    // No keyword survived the vote or the mapping: the local extractor still says something useful.
    if (keywords.length === 0) return { keywords: local(), info: { extractor: 'llm→local', extractor_expert: expertId, named }, spentUsd: costUsd };
    return { keywords, info: { extractor: 'llm', extractor_expert: expertId, named }, spentUsd: costUsd };
  } catch (e) {
    // Refused or failed calls are not paid for: the cap is whole for the experts.
    return { keywords: local(), info: { extractor: 'llm-failed→local', extractor_expert: expertId, error: errorMessage(e) }, spentUsd: 0 };
  }
}

function defaultExtractor(profiles: SkillProfiles, experts: readonly ExpertProfile[]): string {
  const competence = experts.map((e) => profiles.globalCompetence(e.id)).sort((a, b) => b - a);
  // Experts tied at the median are all in the stronger half: with no competence data every expert
  // ties, and the cheapest is asked rather than the cheapest of whichever half the list put first.
  const median = competence[Math.ceil(competence.length / 2) - 1]!;
  const strong = experts.filter((e) => profiles.globalCompetence(e.id) >= median);
  return strong.reduce((best, e) => (price(e) < price(best) ? e : best)).id;
}

function price(e: ExpertProfile): number {
  return e.inputPricePerMTok + e.outputPricePerMTok;
}
