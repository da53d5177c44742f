// The checkpoint's tokenizer (tokenizer.json + tokenizer_config.json) as GGUF tokenizer metadata: a
// byte-fallback BPE in SentencePiece style (Llama, Mistral) becomes llama.cpp's `llama` model, with each
// token scored by the rank of the merge that makes it; a byte-level BPE (GPT-2, Qwen) becomes `gpt2`
// with its merges and the pre-tokenizer named by its split pattern.
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { readJson } from '../checkpoint/load.js';
import type { ModelConfig } from '../checkpoint/config.js';
import type { MetadataValue } from './format.js';

/** llama.cpp's token types. */
enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

interface TokenizerJson {
  model: { type: string; vocab: Record<string, number>; merges?: Array<string | [string, string]>; byte_fallback?: boolean; unk_token?: string | null };
  added_tokens?: Array<{ id: number; content: string; special: boolean }>;
  normalizer?: unknown;
  pre_tokenizer?: unknown;
}

interface TokenizerConfig {
  bos_token?: unknown;
  eos_token?: unknown;
  unk_token?: unknown;
  pad_token?: unknown;
  add_bos_token?: unknown;
  add_eos_token?: unknown;
  chat_template?: unknown;
}

/** Split patterns of the byte-level pre-tokenizers llama.cpp implements, by its names for them. */
const PRE_TOKENIZERS: Record<string, string> = {
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'qwen2',
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": 'llama-bpe',
};

/** Every object nested in a tokenizer.json component (Sequence members included). */
function components(node: unknown): Array<Record<string, unknown>> {
  if (!node || typeof node !== 'object') return [];
  const o = node as Record<string, unknown>;
  const children = (o.normalizers ?? o.pretokenizers) as unknown[] | undefined;
  return [o, ...(Array.isArray(children) ? children.flatMap(components) : [])];
}

function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

/** Byte-level pre-tokenizer name, or null when the tokenizer is not byte-level. */
function byteLevelPre(tok: TokenizerJson, file: string): string | null {
  const parts = components(tok.pre_tokenizer);
  const byteLevel = parts.find((p) => p.type === 'ByteLevel');
  if (!byteLevel) return null;
  const split = parts.find((p) => p.type === 'Split');
  if (split) {
    const regex = (split.pattern as { Regex?: string } | undefined)?.Regex ?? '';
    const name = PRE_TOKENIZERS[regex];
    if (!name)
      throw new CheckpointError(`${file}: pre_tokenizer split pattern ${JSON.stringify(regex)} is not one llama.cpp implements (qwen2, llama-bpe, gpt-2)`);
    return name;
  }
  // ByteLevel with its own regex is GPT-2's pre-tokenizer.
  if (byteLevel.use_regex !== false) return 'gpt-2';
  throw new CheckpointError(`${file}: a byte-level pre_tokenizer without a split pattern is not one llama.cpp implements`);
}

export function tokenizerMetadata(dir: string, config: ModelConfig): Map<string, MetadataValue> {
  const file = join(dir, 'tokenizer.json');
  const tok = readJson(dir, 'tokenizer.json') as TokenizerJson;
  const cfg = readJson(dir, 'tokenizer_config.json') as TokenizerConfig;
  if (tok.model?.type !== 'BPE') throw new CheckpointError(`${file}: model type '${tok.model?.type}' is not exported (BPE)`);
  const pre = byteLevelPre(tok, file);
  if (pre === null && !tok.model.byte_fallback) throw new CheckpointError(`${file}: a BPE that is neither byte-level nor byte-fallback is not exported`);

  const ids = new Map<string, number>(Object.entries(tok.model.vocab));
  const added = new Map<number, { content: string; special: boolean }>();
  for (const a of tok.added_tokens ?? []) {
    added.set(a.id, a);
    ids.set(a.content, a.id);
  }
  let maxId = 0;
  for (const id of ids.values()) maxId = Math.max(maxId, id);
  if (maxId >= config.vocabSize) throw new CheckpointError(`${file}: token id ${maxId} exceeds the model's vocab_size ${config.vocabSize}`);
  // Ids the tokenizer never produces (embedding rows padded to a round size) become unused placeholders.
  const tokens: string[] = Array.from({ length: config.vocabSize }, (_, i) => `[PAD${i}]`);
  const types = new Int32Array(config.vocabSize).fill(TokenType.UNUSED);
  for (const [text, id] of Object.entries(tok.model.vocab)) {
    tokens[id] = text;
    types[id] = pre === null && /^<0x[0-9A-Fa-f]{2}>$/.test(text) ? TokenType.BYTE : TokenType.NORMAL;
  }
  for (const [id, a] of added) {
    tokens[id] = a.content;
    types[id] = a.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
  }
  const pairs = (tok.model.merges ?? []).map((m) => (typeof m === 'string' ? (m.split(' ', 2) as [string, string]) : m));
  const merges = pairs.map(([a, b]) => `${a} ${b}`);

  const m = new Map<string, MetadataValue>();
  if (pre === null) {
    const unk = tok.model.unk_token ? ids.get(tok.model.unk_token) : undefined;
    if (unk !== undefined && !added.get(unk)?.special) types[unk] = TokenType.UNKNOWN;
    // SentencePiece merges the adjacent pair whose result scores highest: the earlier its BPE merge, the higher.
    const scores = new Float32Array(config.vocabSize).fill(-1e9);
    pairs.forEach(([a, b], rank) => {
      const id = ids.get(a + b);
      if (id !== undefined && scores[id] === -1e9) scores[id] = -rank;
    });
    for (let id = 0; id < config.vocabSize; id++) if (types[id] !== TokenType.NORMAL || [...tokens[id]!].length === 1) scores[id] = 0;
    const prepends = components(tok.normalizer).some((n) => n.type === 'Prepend' && n.prepend === '\u2581');
    const metaspace = components(tok.pre_tokenizer).some((n) => n.type === 'Metaspace' && n.prepend_scheme !== 'never');
    m.set('tokenizer.ggml.model', { type: 'string', value: 'llama' });
    m.set('tokenizer.ggml.pre', { type: 'string', value: 'default' });
    m.set('tokenizer.ggml.tokens', { type: 'strings', value: tokens });
    m.set('tokenizer.ggml.scores', { type: 'f32s', value: scores });
    m.set('tokenizer.ggml.token_type', { type: 'i32s', value: types });
    m.set('tokenizer.ggml.add_space_prefix', { type: 'bool', value: prepends || metaspace });
  } else {
    m.set('tokenizer.ggml.model', { type: 'string', value: 'gpt2' });
    m.set('tokenizer.ggml.pre', { type: 'string', value: pre });
    m.set('tokenizer.ggml.tokens', { type: 'strings', value: tokens });
    m.set('tokenizer.ggml.token_type', { type: 'i32s', value: types });
    m.set('tokenizer.ggml.merges', { type: 'strings', value: merges });
  }
  const special = (key: string, text: unknown, fallback: number | null = null) => {
    const content = tokenContent(text);
    const id = content === null ? fallback : (ids.get(content) ?? fallback);
    if (id !== null) m.set(`tokenizer.ggml.${key}`, { type: 'u32', value: id });
  };
  special('bos_token_id', cfg.bos_token, config.bosTokenId);
  special('eos_token_id', cfg.eos_token, config.eosTokenIds[0] ?? null);
  special('unknown_token_id', cfg.unk_token);
  special('padding_token_id', cfg.pad_token);
  if (typeof cfg.add_bos_token === 'boolean') m.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: cfg.add_bos_token });
  if (typeof cfg.add_eos_token === 'boolean') m.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: cfg.add_eos_token });
  let template = cfg.chat_template;
  if (Array.isArray(template)) template = (template as Array<{ name?: string; template?: string }>).find((t) => t.name === 'default')?.template;
  if (typeof template === 'string') m.set('tokenizer.chat_template', { type: 'string', value: template });
  return m;
}
