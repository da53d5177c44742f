import { words } from '../features/tokenize';
import type { ChatMessage, ExpertCaller } from '../types';
import type { KeywordLexicon } from './keywords';

// The LLM skill extractor of Symbolic-MoE: an expert names 2-5 skill keywords for the query,
// several samples are drawn, keywords named in at least two samples are kept, and each is mapped
// onto the nearest keyword the profiles know (character-trigram cosine), since profiles only exist
// for the training lexicon.

export interface LlmExtractorOptions {
  samples: number;
  minVotes: number;
  temperature: number;
  /** Below this similarity a new keyword has no known counterpart and is dropped. */
  minSimilarity: number;
}

export const DEFAULT_LLM_EXTRACTOR_OPTIONS: LlmExtractorOptions = { samples: 3, minVotes: 2, temperature: 0.7, minSimilarity: 0.35 };

export interface ExtractedSkills {
  /** Lexicon indices. */
  keywords: number[];
  /** What the expert said, after voting, before mapping. */
  named: string[];
  /** What its answered calls cost: paid from the route's max_cost_usd before any expert is chosen. */
  costUsd: number;
}

export function extractionMessages(prompt: string): ChatMessage[] {
  return [
    { role: 'system', content: 'You label questions with the skills needed to answer them. Reply with keywords only.' },
    {
      role: 'user',
      content: `Name 2 to 5 short skill keywords (for example "organic chemistry", "probability", "contract law") needed to answer this question. Reply with the keywords only, comma-separated.\n\n${prompt}`,
    },
  ];
}

/** Keywords in one reply: split on commas / lines, bullets and quotes removed, normalised like prompts. */
export function parseKeywords(reply: string): string[] {
  const out = new Set<string>();
  for (const part of reply.split(/[,;\n]/)) {
    const kw = words(part.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '')).join(' ');
    if (kw && kw.split(' ').length <= 4) out.add(kw);
    if (out.size === 5) break;
  }
  return [...out];
}

export class LlmSkillExtractor {
  private trigrams: Map<string, number>[] | null = null;

  constructor(
    private readonly lexicon: KeywordLexicon,
    private readonly opts: LlmExtractorOptions = DEFAULT_LLM_EXTRACTOR_OPTIONS,
  ) {}

  async extract(caller: ExpertCaller, expertId: string, prompt: string): Promise<ExtractedSkills> {
    const messages = extractionMessages(prompt);
    const replies = await Promise.allSettled(
      Array.from({ length: this.opts.samples }, () =>
        caller.complete(expertId, messages, { role: 'extractor', stage: 0, temperature: this.opts.temperature, maxTokens: 48 }),
      ),
    );
    const votes = new Map<string, number>();
    for (const r of replies) if (r.status === 'fulfilled') for (const kw of parseKeywords(r.value.text)) votes.set(kw, (votes.get(kw) ?? 0) + 1);
    if (replies.every((r) => r.status === 'rejected')) throw (replies[0] as PromiseRejectedResult).reason;
    const named = [...votes].filter(([, n]) => n >= this.opts.minVotes).map(([kw]) => kw);
    const keywords = [...new Set(named.map((kw) => this.nearest(kw)).filter((k): k is number => k !== null))];
    const costUsd = replies.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value.costUsd : 0), 0);
    return { keywords, named, costUsd };
  }

  /** The lexicon keyword closest to a new one, or null when none is close enough. */
  nearest(keyword: string): number | null {
    const exact = this.lexicon.keywords.indexOf(keyword);
    if (exact >= 0) return exact;
    this.trigrams ??= this.lexicon.keywords.map(trigramVector);
    const q = trigramVector(keyword);
    let best = -1;
    let bestSim = this.opts.minSimilarity;
    this.trigrams.forEach((t, i) => {
      const sim = cosine(q, t);
      if (sim > bestSim) [best, bestSim] = [i, sim];
    });
    return best >= 0 ? best : null;
  }
}

function trigramVector(s: string): Map<string, number> {
  const padded = ` ${s} `;
  const out = new Map<string, number>();
  for (let i = 0; i + 3 <= padded.length; i++) {
    const g = padded.slice(i, i + 3);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [g, v] of a) {
    na += v * v;
    dot += v * (b.get(g) ?? 0);
  }
  for (const v of b.values()) nb += v * v;
  return dot / (Math.sqrt(na * nb) || 1);
}
