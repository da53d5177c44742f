// The checkpoint's own tokenizer (tokenizer.json via @huggingface/tokenizers) and chat template
// (tokenizer_config.json's chat_template via @huggingface/jinja), both read offline from the directory.
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { CheckpointError, InvalidRequestError } from '../errors.js';
import { readJson } from '../checkpoint/load.js';

export interface ChatMessage {
  role: string;
  content: string;
}

interface TokenizerConfig {
  chat_template?: unknown;
  bos_token?: unknown;
  eos_token?: unknown;
}

/** Special tokens appear in tokenizer_config.json either as strings or as AddedToken objects. */
function tokenContent(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

export class ModelTokenizer {
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  private readonly template: Template | null;

  private constructor(
    private readonly tokenizer: Tokenizer,
    config: TokenizerConfig,
  ) {
    this.bosToken = tokenContent(config.bos_token);
    this.eosToken = tokenContent(config.eos_token);
    // Some checkpoints ship a list of named templates; the default one is used for chat.
    let source = config.chat_template;
    if (Array.isArray(source)) source = (source as Array<{ name?: string; template?: string }>).find((t) => t.name === 'default')?.template;
    try {
      this.template = typeof source === 'string' ? new Template(source) : null;
    } catch (e) {
      throw new CheckpointError(`tokenizer_config.json: field 'chat_template' does not parse (${(e as Error).message})`);
    }
  }

  static load(dir: string): ModelTokenizer {
    const json = readJson(dir, 'tokenizer.json');
    const config = readJson(dir, 'tokenizer_config.json') as TokenizerConfig;
    try {
      return new ModelTokenizer(new Tokenizer(json as object, config as object), config);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(`${dir}/tokenizer.json: cannot be loaded (${(e as Error).message})`);
    }
  }

  get hasChatTemplate(): boolean {
    return this.template !== null;
  }

  /** `addSpecialTokens` applies the tokenizer's post-processor (e.g. Llama's leading BOS). */
  encode(text: string, addSpecialTokens: boolean): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
  }

  decode(ids: number[], skipSpecialTokens = true): string {
    return this.tokenizer.decode(ids, { skip_special_tokens: skipSpecialTokens });
  }

  /** The vocabulary string of one token (for traces), e.g. '▁Hello'. */
  tokenString(id: number): string {
    return this.tokenizer.id_to_token(id) ?? '';
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }

  /** Renders the chat template; template errors (e.g. roles that must alternate) are the client's fault. */
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt = true): string {
    if (!this.template) throw new InvalidRequestError('This model has no chat template; use /v1/completions', 'messages');
    try {
      return this.template.render({
        messages,
        add_generation_prompt: addGenerationPrompt,
        bos_token: this.bosToken ?? '',
        eos_token: this.eosToken ?? '',
      });
    } catch (e) {
      throw new InvalidRequestError(`Chat template rejected the messages: ${(e as Error).message}`, 'messages');
    }
  }
}
