import { providerSpec } from '../../experts';
import { callsOneExpert, requiredCapabilities, supports, unhonoured, type Capability } from '../../router/capabilities';
import { InvalidRequestError } from '../../router/errors';
import type { ExpertParams } from '../../router/params';
import { namedExperts, type RoutingPolicy } from '../../router/policy';
import type { ChatMessage, ExpertProfile } from '../../router/types';

/** What each need is called in an error message. */
const NAMES: Record<Capability, string> = {
  tools: 'tools (function calling)',
  json_object: "response_format 'json_object'",
  json_schema: "response_format 'json_schema'",
  images: 'image content parts',
  reasoning_effort: 'reasoning_effort',
};

/**
 * The experts a chat request may be routed to: chat experts that support everything the request
 * needs (their registry flags). Refuses, before anything is called and saying why, a request the
 * policy's aggregation cannot honour, an expert the policy names that lacks a need, and `n > 1`
 * on a route that does not call exactly one expert.
 */
export function expertsForRequest(
  experts: readonly ExpertProfile[],
  policy: RoutingPolicy,
  params: ExpertParams | undefined,
  messages: readonly ChatMessage[],
  stream: boolean,
): ExpertProfile[] {
  const needs = requiredCapabilities(params, messages);
  const cannot = unhonoured(policy, needs);
  if (cannot.length) {
    throw new InvalidRequestError(
      `aggregation '${policy.aggregate}' of policy '${policy.name}' cannot honour ${cannot.map((c) => NAMES[c]).join(', ')}: ${WHY[policy.aggregate] ?? ''} Name one expert as model, or set routing.aggregate to 'first'.`,
      'unsupported_by_aggregation',
      'routing.aggregate',
    );
  }
  if ((params?.n ?? 1) > 1) checkChoices(experts, policy, stream);
  for (const id of namedExperts(policy)) {
    const expert = experts.find((e) => e.id === id);
    if (expert && (expert.task ?? 'chat') !== 'chat')
      throw new InvalidRequestError(`expert '${id}' is an embedding model: it serves /v1/embeddings only`, 'not_a_chat_model', 'model');
    const missing = expert ? needs.filter((c) => !supports(expert, [c])) : [];
    if (missing.length) {
      throw new InvalidRequestError(
        `expert '${id}' does not support ${missing.map((c) => NAMES[c]).join(', ')} (its registry entry lists: ${expert!.capabilities?.join(', ') || 'none'})`,
        'unsupported_by_expert',
        'model',
      );
    }
  }
  const eligible = experts.filter((e) => (e.task ?? 'chat') === 'chat' && supports(e, needs));
  if (needs.length && !eligible.some((e) => e.enabled)) {
    throw new InvalidRequestError(
      `no enabled expert supports ${needs.map((c) => NAMES[c]).join(', ')}: set these capabilities on an expert in the registry`,
      'unsupported_by_experts',
      'model',
    );
  }
  return eligible;
}

const WHY: Partial<Record<string, string>> = {
  vote: 'a vote picks one answer among several, and tool calls cannot be counted as votes.',
  'weighted-vote': 'a vote picks one answer among several, and tool calls cannot be counted as votes.',
  'stacked-vote': 'a vote picks one answer among several, and tool calls cannot be counted as votes.',
  judge: 'the judge reads only the answers’ text, so it can neither weigh an image nor choose between tool calls.',
  synthesize: 'the synthesizer writes a new answer from the experts’ texts, so no schema, tool call or image reaches it.',
  layers: 'each layer rewrites the answers from their texts, so no schema, tool call or image survives.',
};

function checkChoices(experts: readonly ExpertProfile[], policy: RoutingPolicy, stream: boolean): void {
  if (!callsOneExpert(policy) || policy.hedge_ms !== undefined || policy.fallback !== undefined) {
    throw new InvalidRequestError('n > 1 needs a route that calls one expert (model = an expert id): an aggregation returns one answer', 'unsupported_n', 'n');
  }
  if (stream) throw new InvalidRequestError('n > 1 is answered without streaming: set stream to false', 'unsupported_n', 'n');
  const expert = experts.find((e) => e.id === policy.experts![0]);
  if (expert && !(providerSpec(expert.provider)?.params ?? []).includes('n')) {
    throw new InvalidRequestError(`expert '${expert.id}' (provider '${expert.provider}') cannot return several choices`, 'unsupported_n', 'n');
  }
}
