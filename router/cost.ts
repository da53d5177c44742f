import type { ExpertProfile, Usage } from './types';

// The cost rule of the shipped routing data (data/mmlu-pro-routing/README.md), used everywhere so
// live figures and offline evaluation compare.

/** tokens(s) = ceil(UTF-16 length / 4): the data's rule, also used when a provider reports no usage. */
export function tokensOf(text: string): number {
  return Math.ceil(text.length / 4);
}

export type Prices = Pick<ExpertProfile, 'inputPricePerMTok' | 'outputPricePerMTok'>;

export function callCostUsd(prices: Prices, usage: Usage): number {
  return (usage.promptTokens * prices.inputPricePerMTok + usage.completionTokens * prices.outputPricePerMTok) / 1e6;
}

/** Output length assumed before an expert has answered, for cost caps (MMLU-Pro answers average ~1k chars). */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 300;

export function estimateCostUsd(prices: Prices, promptTokens: number, expectedOutputTokens = DEFAULT_EXPECTED_OUTPUT_TOKENS): number {
  return callCostUsd(prices, { promptTokens, completionTokens: expectedOutputTokens });
}
