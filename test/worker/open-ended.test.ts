import { env } from 'cloudflare:test';
import { beforeEach, describe, expect, inject, it } from 'vitest';
import { OPEN_ENDED_PROMPTS } from '../support/open-ended-prompts';
import { addExpert, chat, seedArtifacts } from './helpers';

// Open-ended requests through the real gateway: the shipped artifacts rank the 29 MMLU-Pro models,
// here served by the loopback OpenAI peer (real HTTP), which can answer any prompt. Every built-in
// policy must pay for one call of the expert it picked, never a cascade ladder or a vote.

interface Body {
  choices: { message: { content: string } }[];
  routing: { policy: string; aggregation: string; calls: { expert: string; role: string; status: string; cost_usd: number }[]; total_cost_usd: number };
}

describe('open-ended prompts in the gateway', () => {
  beforeEach(async () => {
    await seedArtifacts();
    for (const m of env.TEST_MODELS) {
      await addExpert({
        id: m.name,
        provider: 'openai',
        model: 'echo',
        endpoint_url: inject('peerUrl'),
        input_price_per_mtok: m.inputPricePerMTok,
        output_price_per_mtok: m.outputPricePerMTok,
      });
    }
  });

  it.each(['auto', 'economy', 'balanced', 'quality'])('%s answers each with one call of the expert it picked', async (policy) => {
    for (const prompt of OPEN_ENDED_PROMPTS.slice(0, 3)) {
      const res = await chat({ model: policy, messages: [{ role: 'user', content: prompt }] });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Body;
      expect(body.choices[0]!.message.content).toBe(`echo: ${prompt}`);
      expect(body.routing.calls).toHaveLength(1);
      expect(body.routing.calls[0]).toMatchObject({ role: 'expert', status: 'ok' });
      expect(body.routing.total_cost_usd).toBe(body.routing.calls[0]!.cost_usd);
      expect(body.routing.aggregation).toBe('first');
    }
    const routes = await env.DB.prepare('select cost_usd, decision_json from routes').all<{ cost_usd: number; decision_json: string }>();
    expect(routes.results).toHaveLength(3);
    for (const r of routes.results)
      expect(JSON.parse(r.decision_json)).toMatchObject({ info: { prompt_kind: 'open-ended', adapted_from: { strategy: 'cascade' } } });
  });
});
