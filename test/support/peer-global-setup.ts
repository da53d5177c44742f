import type { TestProject } from 'vitest/node';
import { startAnthropicPeer } from './anthropic-peer';
import { startOpenAiPeer } from './openai-peer';

// Starts the loopback peers in Node for tests running in workerd; they reach them over real HTTP.
export default async function setup(project: TestProject) {
  const [peer, anthropic] = await Promise.all([startOpenAiPeer(), startAnthropicPeer()]);
  project.provide('peerUrl', peer.url);
  project.provide('anthropicUrl', anthropic.url);
  return async () => {
    await peer.close();
    await anthropic.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    peerUrl: string;
    anthropicUrl: string;
  }
}
