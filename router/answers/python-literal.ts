// Python-like values written differently but equal as values (`["a", 'b']` and `['a','b']`,
// `(1,2)` and `( 1, 2 )`, `true` and `True`) get one canonical spelling, Python's repr style.
// Code-output answers (CRUXEval-style) are compared this way; whitespace and case inside a
// string stay significant, since there they are part of the value.

type Lit =
  | { t: 'str'; v: string }
  | { t: 'num'; v: string }
  | { t: 'const'; v: 'True' | 'False' | 'None' }
  | { t: 'seq'; open: string; close: string; items: Lit[] }
  | { t: 'dict'; entries: [Lit, Lit][] };

const CONSTANTS: Record<string, 'True' | 'False' | 'None'> = { True: 'True', true: 'True', False: 'False', false: 'False', None: 'None', null: 'None' };
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/** Deeper nesting is no answer anyone states; refusing it keeps the recursion bounded. */
const MAX_DEPTH = 32;

class Parser {
  i = 0;
  private depth = 0;
  constructor(private readonly s: string) {}

  parse(): Lit | null {
    const v = this.value();
    this.space();
    return v !== null && this.i === this.s.length ? v : null;
  }

  private space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(): Lit | null {
    if (this.depth > MAX_DEPTH) return null;
    this.depth++;
    try {
      return this.scalarOrNested();
    } finally {
      this.depth--;
    }
  }

  private scalarOrNested(): Lit | null {
    this.space();
    const c = this.s[this.i];
    if (c === undefined) return null;
    if (c === "'" || c === '"') return this.string(c);
    if (c === '[') return this.seq('[', ']');
    if (c === '(') return this.seq('(', ')');
    if (c === '{') return this.braces();
    const num = /^[-+]?(?:\d[\d_]*\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf|nan)/i.exec(this.s.slice(this.i));
    // Python has no integers with leading zeros ("08999" is text, not 8999).
    if (num && !/^[-+]?0\d+$/.test(num[0])) {
      this.i += num[0].length;
      return { t: 'num', v: canonicalNumber(num[0]) };
    }
    const word = /^[A-Za-z]+/.exec(this.s.slice(this.i))?.[0];
    if (word && CONSTANTS[word]) {
      this.i += word.length;
      return { t: 'const', v: CONSTANTS[word] };
    }
    return null;
  }

  private string(quote: string): Lit | null {
    let out = '';
    for (this.i++; this.i < this.s.length; this.i++) {
      const c = this.s[this.i]!;
      if (c === quote) {
        this.i++;
        return { t: 'str', v: out };
      }
      if (c === '\\' && this.i + 1 < this.s.length) out += ESCAPES[this.s[++this.i]!] ?? `\\${this.s[this.i]}`;
      else out += c;
    }
    return null;
  }

  private items(close: string, item: () => boolean): boolean {
    this.i++;
    this.space();
    if (this.s[this.i] === close) return ++this.i > 0;
    for (;;) {
      if (!item()) return false;
      this.space();
      if (this.s[this.i] === ',') {
        this.i++;
        this.space();
        if (this.s[this.i] === close) return ++this.i > 0; // trailing comma
        continue;
      }
      return this.s[this.i++] === close;
    }
  }

  private seq(open: string, close: string): Lit | null {
    const items: Lit[] = [];
    const ok = this.items(close, () => {
      const v = this.value();
      if (v) items.push(v);
      return v !== null;
    });
    return ok ? { t: 'seq', open, close, items } : null;
  }

  /** `{}` and `{k: v}` are dicts, `{a, b}` a set. */
  private braces(): Lit | null {
    const entries: [Lit, Lit][] = [];
    const items: Lit[] = [];
    const ok = this.items('}', () => {
      const k = this.value();
      if (!k) return false;
      this.space();
      if (this.s[this.i] !== ':') return items.push(k) > 0 && entries.length === 0;
      this.i++;
      const v = this.value();
      if (!v || items.length) return false;
      entries.push([k, v]);
      return true;
    });
    if (!ok) return null;
    return items.length ? { t: 'seq', open: '{', close: '}', items } : { t: 'dict', entries };
  }
}

/** `1_000`, `1.50`, `+2`, `1e3` → Python's repr of the same number (ints stay ints). */
function canonicalNumber(raw: string): string {
  const s = raw.replace(/_/g, '').replace(/^\+/, '');
  if (/^-?\d+$/.test(s)) return String(BigInt(s));
  const n = Number(s);
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

function repr(v: Lit): string {
  switch (v.t) {
    case 'str':
      return `'${v.v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\t/g, '\\t')}'`;
    case 'num':
    case 'const':
      return v.v;
    case 'seq': {
      const items = v.items.map(repr);
      // A set has no order: Python's == says {2, 1} == {1, 2}. (A repeated item stays: no repr shows one.)
      const shown = v.open === '{' ? [...items].sort() : items;
      return `${v.open}${shown.join(', ')}${v.open === '(' && items.length === 1 ? ',' : ''}${v.close}`;
    }
    case 'dict': {
      // Nor has a dict: {'b': 1, 'a': 2} == {'a': 2, 'b': 1}. (A repeated key stays: no repr shows one.)
      const entries = v.entries.map(([k, x]) => `${repr(k)}: ${repr(x)}`);
      return `{${entries.sort().join(', ')}}`;
    }
  }
}

/**
 * The canonical spelling of a Python-like value, or null when `raw` is not one. A top-level string
 * is its repr without the quotes, so `'abc'` and a bare `abc` (as references write it) match.
 */
export function canonicalLiteral(raw: string): string | null {
  const parsed = new Parser(raw).parse();
  if (!parsed) return null;
  return parsed.t === 'str' ? repr(parsed).slice(1, -1) : repr(parsed);
}
