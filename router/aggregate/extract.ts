// Final-answer extraction from an expert's free text, so answers written differently ("The answer
// is (H)", "\boxed{H}", "Answer: H") count as the same vote.

export type AnswerKind = 'choice' | 'number' | 'expression' | 'span';

/** An extracted final answer; `value` is normalised so equal answers compare equal as strings. */
export interface ExtractedAnswer {
  kind: AnswerKind;
  value: string;
}

// Explicit answer statements, most specific first. The first two are the rules MMLU-Pro's own
// extractor uses (and so what the recorded `pred` was made with); the first occurrence wins, like
// there, because base models often keep writing invented follow-up questions after answering. A
// letter that starts a word or a formula ("(Insufficient data)", "$C(20,10) = …$") is no option.
const CHOICE_STATEMENTS: readonly RegExp[] = [
  /answer is:?\s*\}?\s*\(?\s*(?:\*\*|\$)?\s*\(?([A-J])(?:\)|\$)?(?![A-Za-z0-9'(_{^=])/,
  /answer:\**\s*\(?\**\s*([A-J])\)?(?![A-Za-z0-9'])/i,
  /\\boxed\{\s*(?:\\text\{\s*)?\(?([A-J])\)?\s*\}/,
  /(?:correct|best|closest|right) (?:option|answer|choice)(?: is|:)\s*(?:option\s*)?\**\(?([A-J])\)?(?![A-Za-z0-9'])/i,
];

/** The multiple-choice letter (A–J) an answer commits to, or null when it states none. */
export function extractChoice(text: string): string | null {
  for (const pattern of CHOICE_STATEMENTS) {
    const m = pattern.exec(text);
    if (m?.[1]) return m[1].toUpperCase();
  }
  return null;
}

/**
 * The final answer of a free-text reply: a choice letter, else a `\boxed{}` expression (a number
 * inside counts as a number), else the number or short span after "the answer is", else the
 * whole reply when it is itself short. Null when nothing answer-like is found.
 */
export function extractAnswer(text: string): ExtractedAnswer | null {
  const choice = extractChoice(text);
  if (choice) return { kind: 'choice', value: choice };

  const boxed = lastBoxed(text);
  if (boxed !== null) return classify(boxed, 'expression');

  const stated = /(?:final answer(?: is)?|answer is|answer\s*:)\s*:?\s*([^\n]{1,80})/i.exec(text);
  if (stated?.[1]) return classify(stated[1], 'span');

  const trimmed = text.trim();
  if (trimmed.length > 0 && trimmed.length <= 60 && !trimmed.includes('\n')) return classify(trimmed, 'span');
  return null;
}

/** A number or short text as one canonical string; null when the span normalises to nothing. */
function classify(raw: string, otherwise: 'expression' | 'span'): ExtractedAnswer | null {
  const number = normaliseNumber(raw);
  if (number !== null) return { kind: 'number', value: number };
  const value = otherwise === 'expression' ? normaliseExpression(raw) : normaliseSpan(raw);
  return value ? { kind: otherwise, value } : null;
}

/** "$1,200.50", "1200.5", "1.2005e3" → "1200.5"; "45%" → "45"; anything else → null. */
export function normaliseNumber(raw: string): string | null {
  const stripped = raw
    .trim()
    .replace(/^\\\(|\\\)$/g, '')
    .replace(/^\$+|\$+$/g, '')
    .replace(/\\?[$%]|\\,|\\text\{[^}]*\}|[*.]+$/g, '')
    .trim();
  const m = /^([-+−]?)\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:e([-+]?\d+))?$/i.exec(stripped);
  if (!m) return null;
  const n = Number(`${m[1] === '−' ? '-' : m[1]}${m[2]!.replace(/,/g, '')}${m[3] ?? ''}${m[4] ? `e${m[4]}` : ''}`);
  if (!Number.isFinite(n)) return null;
  // Rounded to 10 significant digits so float noise in long decimals does not split a vote.
  return String(Number(n.toPrecision(10)));
}

/** The content of the last `\boxed{…}`, braces balanced. */
function lastBoxed(text: string): string | null {
  const start = text.lastIndexOf('\\boxed{');
  if (start < 0) return null;
  let depth = 0;
  for (let i = start + '\\boxed'.length; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start + '\\boxed{'.length, i);
  }
  return null;
}

/** LaTeX written differently but meaning the same (`\dfrac` vs `\frac`, spacing) compares equal. */
function normaliseExpression(raw: string): string {
  return raw
    .replace(/\\text\{([^}]*)\}/g, '$1')
    .replace(/\\[dt]frac/g, '\\frac')
    .replace(/\\left|\\right|\\[,;!]|\s+/g, '')
    .replace(/^\$|\$$/g, '');
}

/** SQuAD-style: lower case, no punctuation, no articles, single spaces. */
function normaliseSpan(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[*_`]/g, '')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
