import type { ExpertParams, StreamDelta, ToolCall, ToolCallDelta } from '../router/params';
import type { ChatMessage, FinishReason } from '../router/types';

// The OpenAI chat-completions wire format, shared by the adapters that speak it (openai, hf).

export interface WireMessage {
  role: string;
  content: string | { type: string; [k: string]: unknown }[] | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

export function wireMessages(messages: readonly ChatMessage[]): WireMessage[] {
  return messages.map((m) => ({
    role: m.role,
    // An assistant turn that only called tools has no text: OpenAI wants null there, not ''.
    content: m.parts ?? (m.toolCalls?.length && !m.content ? null : m.content),
    ...(m.toolCalls?.length ? { tool_calls: m.toolCalls } : {}),
    ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}),
  }));
}

/** The client's fields the protocol has, as they were sent. */
export function wireParams(params: ExpertParams | undefined, allowed: readonly string[]): Partial<ExpertParams> {
  if (!params) return {};
  return Object.fromEntries(Object.entries(params).filter(([k, v]) => v !== undefined && allowed.includes(k)));
}

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
  eos_token: 'stop',
};

export function finishReasonOf(raw: string | null | undefined): FinishReason {
  return (raw && FINISH[raw]) || 'stop';
}

export interface WireChoice {
  message?: { content?: string | null; tool_calls?: ToolCall[] | null };
  finish_reason?: string | null;
}

export function choiceOf(choice: WireChoice): { text: string; finishReason: FinishReason; toolCalls?: ToolCall[] } {
  const toolCalls = choice.message?.tool_calls?.length ? choice.message.tool_calls : undefined;
  return { text: choice.message?.content ?? '', finishReason: finishReasonOf(choice.finish_reason), ...(toolCalls ? { toolCalls } : {}) };
}

export interface WireChunk {
  choices?: { index?: number; delta?: { content?: string | null; tool_calls?: ToolCallDelta[] | null }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

/** One choice as its stream pieces arrive. */
class ChoiceAccumulator {
  text = '';
  finishReason: FinishReason = 'stop';
  private readonly calls: ToolCall[] = [];

  addToolCall(d: ToolCallDelta): void {
    const call = (this.calls[d.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
    if (d.id) call.id = d.id;
    if (d.function?.name) call.function.name += d.function.name;
    if (d.function?.arguments) call.function.arguments += d.function.arguments;
  }

  get toolCalls(): ToolCall[] | undefined {
    const calls = this.calls.filter(Boolean);
    return calls.length ? calls : undefined;
  }

  get choice() {
    const toolCalls = this.toolCalls;
    return { text: this.text, finishReason: this.finishReason, ...(toolCalls ? { toolCalls } : {}) };
  }
}

/** Gathers a stream's pieces into the answer it amounts to; choices after the first (n > 1) are kept aside. */
export class StreamAccumulator extends ChoiceAccumulator {
  usage: WireChunk['usage'] = undefined;
  private readonly more: ChoiceAccumulator[] = [];

  /** The deltas of the first choice that one chunk carries, after recording every choice's. */
  add(chunk: WireChunk): StreamDelta[] {
    if (chunk.usage) this.usage = chunk.usage;
    const out: StreamDelta[] = [];
    for (const choice of chunk.choices ?? []) {
      const index = choice.index ?? 0;
      const acc: ChoiceAccumulator = index === 0 ? this : (this.more[index - 1] ??= new ChoiceAccumulator());
      if (choice.finish_reason) acc.finishReason = finishReasonOf(choice.finish_reason);
      const content = choice.delta?.content;
      if (content) acc.text += content;
      const toolCalls = choice.delta?.tool_calls;
      for (const d of toolCalls ?? []) acc.addToolCall(d);
      if (index !== 0) continue;
      if (content) out.push(content);
      if (toolCalls?.length) out.push({ toolCalls });
    }
    return out;
  }

  /** The choices after the first, when there were any. */
  get moreChoices() {
    const more = this.more.filter(Boolean).map((c) => c.choice);
    return more.length ? { moreChoices: more } : {};
  }
}
