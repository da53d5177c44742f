// Incremental detokenisation with stop sequences. Each token's text is the difference between decoding a
// short window that ends with it and the same window without it (vLLM's prefix/read offsets), so
// multi-token characters and SentencePiece spaces come out right while the work per token stays constant
// however long the completion grows; text that could still turn into a stop sequence, or ends in an
// incomplete UTF-8 character, is held back until it is known to be safe.
import type { ModelTokenizer } from '../tokenizer/tokenizer.js';

export class TextStream {
  private readonly ids: number[] = [];
  /** The window decoded for the next token starts here; ids before readOffset are already in `full`. */
  private prefixOffset = 0;
  private readOffset = 0;
  private emitted = 0;
  private full = '';
  stopped = false;

  constructor(
    private readonly tokenizer: ModelTokenizer,
    private readonly stop: string[],
  ) {}

  /** Adds a token; returns the text now safe to send (possibly ''). Sets `stopped` on a stop sequence. */
  push(id: number): string {
    this.ids.push(id);
    const known = this.readOffset > this.prefixOffset ? this.tokenizer.decode(this.ids.slice(this.prefixOffset, this.readOffset)) : '';
    const window = this.tokenizer.decode(this.ids.slice(this.prefixOffset));
    // An incomplete UTF-8 character decodes to U+FFFD: wait for the tokens that complete it.
    if (window.length <= known.length || window.endsWith('\uFFFD')) return '';
    this.full += window.slice(known.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    let stopAt = -1;
    for (const s of this.stop) {
      const i = this.full.indexOf(s, Math.max(0, this.emitted - s.length + 1));
      if (i >= 0 && (stopAt < 0 || i < stopAt)) stopAt = i;
    }
    if (stopAt >= 0) {
      this.stopped = true;
      return this.take(Math.max(stopAt, this.emitted));
    }
    return this.take(this.full.length - this.heldBack());
  }

  /** The rest of the text once generation ends without a stop sequence. */
  flush(): string {
    return this.stopped ? '' : this.take(this.full.length);
  }

  /** Length of the longest suffix of the text that is a proper prefix of a stop sequence. */
  private heldBack(): number {
    let held = 0;
    for (const s of this.stop) {
      for (let k = Math.min(s.length - 1, this.full.length); k > held; k--) {
        if (this.full.endsWith(s.slice(0, k))) {
          held = k;
          break;
        }
      }
    }
    return held;
  }

  private take(end: number): string {
    if (end <= this.emitted) return '';
    const text = this.full.slice(this.emitted, end);
    this.emitted = end;
    return text;
  }
}
