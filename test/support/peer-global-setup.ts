import type { TestProject } from 'vitest/node';
import { startOpenAiPeer } from './openai-peer';

// Starts the loopback OpenAI peer in Node for tests running in workerd; they reach it over real HTTP.
export default async function setup(project: TestProject) {
  const peer = await startOpenAiPeer();
  project.provide('peerUrl', peer.url);
  return () => peer.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    peerUrl: string;
  }
}
