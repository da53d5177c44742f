import type { TestProject } from 'vitest/node';
import { startAnthropicPeer } from './anthropic-peer';
import { startDohPeer } from './doh-peer';
import { startOpenAiPeer } from './openai-peer';

// Starts the loopback peers in Node for tests running in workerd; they reach them over real HTTP.
export default async function setup(project: TestProject) {
  const [peer, anthropic, doh] = await Promise.all([startOpenAiPeer(), startAnthropicPeer(), startDohPeer()]);
  project.provide('peerUrl', peer.url);
  project.provide('anthropicUrl', anthropic.url);
  project.provide('dohUrl', doh.url);
  return async () => {
    await Promise.all([peer.close(), anthropic.close(), doh.close()]);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    peerUrl: string;
    anthropicUrl: string;
    dohUrl: string;
  }
}
