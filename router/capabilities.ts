import type { ExpertParams } from './params';
import type { AggregationName, RoutingPolicy } from './policy';
import type { ChatMessage, ExpertProfile } from './types';

// What a request needs beyond plain text, which experts can give it (their registry flags), and
// which aggregations can honour it. Routing filters experts by these; a request an aggregation
// cannot honour is refused before anything is called.

export const CAPABILITIES = ['tools', 'json_object', 'json_schema', 'images', 'reasoning_effort'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** The capabilities a request needs from every answering expert. */
export function requiredCapabilities(params: ExpertParams | undefined, messages: readonly ChatMessage[]): Capability[] {
  const needs = new Set<Capability>();
  if ((params?.tools?.length && params.tool_choice !== 'none') || messages.some((m) => m.role === 'tool' || m.toolCalls?.length)) needs.add('tools');
  const format = params?.response_format?.type;
  if (format === 'json_object' || format === 'json_schema') needs.add(format);
  if (messages.some((m) => m.parts?.some((p) => p.type === 'image_url'))) needs.add('images');
  if (params?.reasoning_effort) needs.add('reasoning_effort');
  return CAPABILITIES.filter((c) => needs.has(c));
}

export function supports(expert: ExpertProfile, needs: readonly Capability[]): boolean {
  return needs.every((c) => expert.capabilities?.includes(c));
}

/**
 * What each aggregation can honour. Votes and the judge return one expert's answer as it is, so
 * its format survives; none can vote on or merge tool calls; the judge, synthesis and layers read
 * only the answers' text, so they cannot weigh what an image shows; synthesis writes a new answer
 * no schema binds.
 */
const HONOURS: Record<AggregationName, readonly Capability[]> = {
  first: CAPABILITIES,
  vote: ['json_object', 'json_schema', 'images', 'reasoning_effort'],
  'weighted-vote': ['json_object', 'json_schema', 'images', 'reasoning_effort'],
  'stacked-vote': ['json_object', 'json_schema', 'images', 'reasoning_effort'],
  judge: ['json_object', 'json_schema', 'reasoning_effort'],
  synthesize: ['reasoning_effort'],
  layers: ['reasoning_effort'],
};

/** The needs a policy's aggregation cannot honour (empty when it can honour them all). */
export function unhonoured(policy: RoutingPolicy, needs: readonly Capability[]): Capability[] {
  return needs.filter((c) => !HONOURS[policy.aggregate].includes(c));
}

/** A route calls exactly one expert when it names one with `fixed`, aggregates with `first` and hedges to none. */
export function callsOneExpert(policy: RoutingPolicy): boolean {
  return policy.strategy === 'fixed' && policy.experts?.length === 1 && policy.aggregate === 'first';
}
