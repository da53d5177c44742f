// The official OpenAI client against the local gateway: `node examples/openai.mjs` after
// `set -a; . ./.dev.vars; set +a` (PORT as given to `npm start`, default 8787).
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: `http://127.0.0.1:${process.env.PORT ?? 8787}/v1`, apiKey: process.env.DEV_API_KEY });
const r = await client.chat.completions.create({
  model: 'gemini-1.5-pro-002', // an expert id, or a policy: auto, economy, quality, balanced …
  messages: [
    {
      role: 'user',
      content: 'Question: Which expression is equal to 720?\nOptions:\nA. 7x20\nB. 9x90\nC. 8x80\nD. 9x80\nAnswer with the letter of the correct option.',
    },
  ],
});
console.log(r.choices[0].message.content);
console.log(r.routing); // the route id, experts called, scores, per-call cost …
