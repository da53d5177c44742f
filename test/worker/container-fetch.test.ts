import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { containerFetch } from '../../worker/gateway/container-fetch';

// Cloudflare Containers cannot run here (no container runtime): a namespace that answers with the
// instance it was asked for stands in for the Container binding, to check which instance each
// endpoint reaches. Plain URLs go to the network (the loopback peer).
const namespace = {
  idFromName: (name: string) => ({ name }) as unknown as DurableObjectId,
  get: (id: DurableObjectId) => ({ fetch: async (req: Request) => new Response(`${(id as unknown as { name: string }).name} ${new URL(req.url).pathname}`) }),
};

describe('Container endpoints', () => {
  const fetcher = containerFetch({ GPU_SERVICE: namespace });

  it('sends http://<instance>.<binding>.container to that instance of the binding', async () => {
    expect(await (await fetcher('http://0.gpu-service.container/v1/chat/completions', { method: 'POST', body: '{}' })).text()).toBe('0 /v1/chat/completions');
    expect(await (await fetcher('http://replica-2.gpu-service.container/health')).text()).toBe('replica-2 /health');
  });

  it('names a missing binding, and leaves every other URL to the network', async () => {
    await expect(fetcher('http://0.other-service.container/health')).rejects.toThrow('no Container binding OTHER_SERVICE');
    expect((await fetcher(`${inject('peerUrl')}/v1/models`)).status).toBeLessThan(500);
  });
});
