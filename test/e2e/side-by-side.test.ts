import { afterAll, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/gateway';

// Suites, benchmarks and checkouts start gateways at the same time: each wrangler dev must get its
// own ports (the inspector's included), or the second one dies at start.
const gateways: RunningGateway[] = [];

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
});

it('two gateways start side by side and both answer', async () => {
  gateways.push(...(await Promise.all([startGateway({ seed: false }), startGateway({ seed: false })])));
  const statuses = await Promise.all(gateways.map(async (g) => (await fetch(`${g.url}/health`)).status));
  expect(statuses).toEqual([200, 200]);
}, 120_000);
