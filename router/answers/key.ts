import { canonicalLiteral } from './python-literal';

// One canonical string per answer, so answers written differently but meaning the same compare
// equal as strings: votes count them, the stacked vote and the cascade's stopping rule compare
// them, and the evaluation scores them against the reference answer with the same function.

/**
 * What form an answer takes: an option letter; a number (equal within a relative 1e-6); a math
 * expression (LaTeX spacing and `\dfrac`/`\frac` aside); a Python-like value (quotes, spacing and
 * `true`/`True` aside, case and whitespace inside strings kept); a short text (case, punctuation
 * and articles aside).
 */
export type AnswerFormat = 'choice' | 'number' | 'expression' | 'value' | 'text';

/** What the prompt leads us to expect; `any` infers the format from the answer itself. */
export type AnswerExpectation = 'choice' | 'number' | 'value' | 'text' | 'any';

/**
 * How to read replies to one prompt: what to expect, and whether the prompt prescribed a JSON
 * `answer` field, in which case that field is the answer (as the task's scorer reads it) and a
 * reply that ignores the format states none.
 */
export interface AnswerReading {
  expect: AnswerExpectation;
  json?: boolean;
  /** Options listed under lowercase letters ("a) …"): a reply's "b)" names option B. */
  lowercase?: boolean;
  /**
   * For short texts, the question's own words: "The capital of Australia is Canberra." answers
   * "What is the capital of Australia?" as "Canberra" does, so its key leaves them out.
   */
  topic?: readonly string[];
}

export interface AnswerKey {
  format: AnswerFormat;
  /** Canonical: two answers are equivalent exactly when their formats and values are equal. */
  value: string;
}

/** The key of an answer as stated (a JSON `answer` field, a `\boxed{}`, a recorded pred), or null. */
export function answerKey(raw: string, expect: AnswerExpectation = 'any', topic?: readonly string[]): AnswerKey | null {
  if (expect === 'value') return valueKey(raw);
  const span = unwrap(raw);
  if (!span) return null;
  switch (expect) {
    case 'choice': {
      const m = /^\(?([A-Ja-j])\)?[.:]?$/.exec(span);
      return m ? { format: 'choice', value: m[1]!.toUpperCase() } : null;
    }
    case 'number':
      return numberKey(span, false) ?? statedExpression(span) ?? numberKey(span, true) ?? (looksLikeLatex(span) ? expressionKey(span) : null);
    case 'text':
      return numberKey(span, false) ?? textKey(span, topic);
    case 'any':
      return numberKey(span, false) ?? (looksLikeLatex(span) ? expressionKey(span) : null) ?? literalKey(span) ?? textKey(span);
  }
}

/** Two answers are the same answer (both keyed with the same expectation). */
export function sameAnswer(a: AnswerKey | null, b: AnswerKey | null): boolean {
  return a !== null && b !== null && a.format === b.format && a.value === b.value;
}

/** `\boxed{…}`, `$…$`, `**…**` and a trailing full stop say nothing about the answer itself. */
function unwrap(raw: string): string {
  let s = raw.trim();
  for (let prev = ''; prev !== s; ) {
    prev = s;
    const boxed = /^\\boxed\{([\s\S]*)\}$/.exec(s);
    if (boxed) s = boxed[1]!.trim();
    s = s
      .replace(/^\$+([\s\S]*?)\$+$/, '$1')
      .replace(/^\\\(([\s\S]*)\\\)$/, '$1')
      .replace(/^\*\*([\s\S]*)\*\*$/, '$1')
      .trim();
  }
  return s;
}

const MAX_NUMBER_SPAN = 200;
const NUMBER = String.raw`[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+−]?\.\d+`;
const WHOLE_NUMBER = new RegExp(`^(?:${NUMBER})$`);
const FRACTION = new RegExp(`^(${NUMBER})\\s*/\\s*(${NUMBER})$`);
// An argument is braced, or one digit without braces (`\frac12`, `\frac1{8}`), as LaTeX reads it.
const LATEX_FRACTION = /^(-?)\\[dt]?frac(?:\{\s*(-?[\d.,]+)\s*\}|(\d))(?:\{\s*(-?[\d.,]+)\s*\}|(\d))$/;

/**
 * A number's key: `$1,200.50`, `1200.5 dollars`, `\frac{2401}{2}`, `2401/2` → "1200.5". With
 * `firstNumber`, a span that is no number as a whole ("x = 5", "5 apples and 3 pears") gives its
 * first number, as math graders (and the recorded preds) read a stated answer.
 */
export function numberKey(span: string, firstNumber: boolean): AnswerKey | null {
  // A stated number is short; a long sentence is read for its first number only (and in linear time).
  if (span.length > MAX_NUMBER_SPAN) {
    const first = firstNumber ? firstIn(span) : null;
    return first === null ? null : { format: 'number', value: canonicalNumber(first) };
  }
  const s = withoutDecoration(span);
  const value = parseNumber(s) ?? parseNumber(withoutUnit(s)) ?? (firstNumber ? (resultOf(s) ?? firstIn(s)) : null);
  return value === null ? null : { format: 'number', value: canonicalNumber(value) };
}

/** Units, currency, percent and degree signs, LaTeX spacing, a leading "x =" and a final full stop. */
function withoutDecoration(span: string): string {
  return span
    .replace(/\\text\{[^}]*\}|\\[,!;]|\\%|\\\$|[$%€£°]|\^\s*\{?\\circ\}?|\\mathrm\{[^}]*\}|^[a-z]\s*=\s*/gi, '')
    .replace(/\s*\.$/, '')
    .trim();
}

// An operand: a digit, a bracket, a LaTeX command, or a one-letter variable (not a word: "5-year").
const OPERATION = /(?:[\d)}]|(?<![A-Za-z])[A-Za-z])\s*[-+*/^×·]\s*(?:[\d({\\]|[A-Za-z](?![A-Za-z]))/;

/**
 * A stated answer that is an expression rather than one number ("8+2\sqrt{10}", "7 + \sqrt{69}",
 * "\frac{\sqrt3}{2}", "2x+1"): keyed whole, so two expressions that start with the same number are
 * two answers. Its result after a last `=` counts ("x = 8+2\sqrt{10}"); a span with words in it
 * ("8 + 2 apples") or a worked equation ending in a number is left to the number reading.
 */
function statedExpression(span: string): AnswerKey | null {
  if (span.length > MAX_NUMBER_SPAN) return null;
  const s = withoutDecoration(span);
  const result = s.slice(s.lastIndexOf('=') + 1).trim();
  if (!result || parseNumber(result) !== null) return null;
  const words = result.replace(/\\[a-zA-Z]+/g, ' ');
  if (/[A-Za-z]{2,}/.test(words)) return null;
  const value = arithmetic(result);
  if (value !== null) return { format: 'number', value: canonicalNumber(value) };
  return looksLikeLatex(result) || /[π√∞]/.test(result) || OPERATION.test(result) ? expressionKey(result) : null;
}

/**
 * The value of plain arithmetic ("41-(4+6*4)", "10*2^9"): numbers, + - * / ^ and brackets only,
 * as a reader (and a grader comparing values) takes it; null for anything else.
 */
export function arithmetic(text: string): number | null {
  if (!/^[\d.\s()+\-−*/^×÷·]+$/.test(text)) return null;
  const tokens = text.match(/\d+(?:\.\d+)?|\.\d+|[()+\-−*/^×÷·]/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-' || peek() === '−') v = tokens[at++] === '+' ? v + product() : v - product();
    return v;
  };
  const product = (): number => {
    let v = power();
    while (peek() === '*' || peek() === '/' || peek() === '×' || peek() === '÷' || peek() === '·') {
      const op = tokens[at++];
      v = op === '/' || op === '÷' ? v / power() : v * power();
    }
    return v;
  };
  const power = (): number => {
    const base = unary();
    if (peek() !== '^') return base;
    at++;
    return base ** power();
  };
  const unary = (): number => {
    const t = tokens[at++];
    if (t === '-' || t === '−') return -power();
    if (t === '+') return power();
    if (t === '(') {
      const v = sum();
      return tokens[at++] === ')' ? v : Number.NaN;
    }
    return t !== undefined && /^[\d.]/.test(t) ? Number(t) : Number.NaN;
  };
  const value = sum();
  return at === tokens.length && Number.isFinite(value) ? value : null;
}

const withoutUnit = (s: string) => s.replace(/\s*[A-Za-z][A-Za-z /^²³.]*$/, '');

/** A worked equation ("17 * 23 = 391", "2x = 14 so x = 7") states its result after the last `=`. */
function resultOf(s: string): number | null {
  const at = s.lastIndexOf('=');
  if (at < 0) return null;
  const rhs = s.slice(at + 1).trim();
  return parseNumber(rhs) ?? parseNumber(withoutUnit(rhs));
}

function parseNumber(s: string): number | null {
  if (WHOLE_NUMBER.test(s)) return toNumber(s);
  const frac = FRACTION.exec(s);
  if (frac) return toNumber(frac[1]!) / toNumber(frac[2]!);
  const latex = LATEX_FRACTION.exec(s);
  if (latex) return (latex[1] ? -1 : 1) * (toNumber((latex[2] ?? latex[3])!) / toNumber((latex[4] ?? latex[5])!));
  return null;
}

function firstIn(s: string): number | null {
  const m = new RegExp(NUMBER).exec(s);
  return m ? toNumber(m[0]) : null;
}

function toNumber(s: string): number {
  return Number(s.replace(/,/g, '').replace('−', '-'));
}

/** Integers exactly; other numbers to 6 significant digits, so 1/3 and 0.333333 are one answer. */
export function canonicalNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(6)));
}

function looksLikeLatex(s: string): boolean {
  return /\\[a-zA-Z]+|\^|_\{/.test(s);
}

/** LaTeX written differently but meaning the same (`\dfrac` vs `\frac`, spacing) compares equal. */
function expressionKey(span: string): AnswerKey | null {
  const value = span
    .replace(/\\text\{([^}]*)\}/g, '$1')
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/\\left|\\right|\\[,;!]|\s+/g, '')
    .replace(/^\$|\$$/g, '');
  return value ? { format: 'expression', value } : null;
}

/**
 * A Python-like value in its canonical spelling; a top-level string as its escaped content
 * (`'a\\nb'` → `a\nb`, as code-output references are written). Text that is no literal is kept
 * as written (surrounding spaces included: they can be the answer) minus stray quotes at its ends,
 * its line breaks written as `\n`.
 */
function valueKey(raw: string): AnswerKey | null {
  const literal = canonicalLiteral(raw.trim());
  if (literal !== null) return { format: 'value', value: literal };
  const value = raw
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/^(?:\\?["'])+|(?:\\?["']|\\)+$/g, '');
  return { format: 'value', value };
}

function literalKey(span: string): AnswerKey | null {
  if (!/^[[({'"]|^(?:True|False|None)$/.test(span)) return null;
  const value = canonicalLiteral(span);
  return value === null ? null : { format: 'value', value };
}

/** SQuAD-style: lower case, no punctuation, no articles, single spaces. */
export function normalizedText(span: string): string {
  return span
    .toLowerCase()
    .replace(/[*_`]/g, '')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words a sentence wraps its answer in ("It is Canberra."), beside the question's own. */
const WRAPPING = new Set(['is', 'was', 'are', 'were', 'it', 'its']);

/**
 * A short text's key: normalised, less the question's words (`topic`) and the words wrapping an
 * answer; the whole text when nothing else is left ("The sun" answering "the sun or the moon?").
 */
function textKey(span: string, topic?: readonly string[]): AnswerKey | null {
  const value = normalizedText(span);
  if (!value) return null;
  if (!topic?.length) return { format: 'text', value };
  const asked = new Set(topic);
  const rest = value
    .split(' ')
    .filter((w) => !asked.has(w) && !WRAPPING.has(w))
    .join(' ');
  return { format: 'text', value: rest || value };
}
