import { startOpenAiPeer } from '../../test/support/openai-peer';

// The benchmark's loopback expert in its own process, so the load generator does not share its event loop.
const peer = await startOpenAiPeer();
console.log(`listening ${peer.url}`);
