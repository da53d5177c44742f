import { parseOptions } from '../stacker/options';
import { normalizedText, type AnswerExpectation, type AnswerReading } from './key';

// What kind of answer a prompt asks for, from the prompt alone: that decides whether experts'
// answers can be compared at all (votes, stacked votes, agreement-based stopping) and how they
// are read. Rules rather than a learned model: the dev splits hold no open-ended prompts to learn
// from, and each rule names a phrasing a reader can check.

export type PromptKind =
  /** Options listed under letters: answers are letters (`lowercase`: listed as "a) …", read so). */
  | { kind: 'multiple-choice'; expect: 'choice'; options: number; lowercase?: true }
  /** One short final answer (a number or expression, a Python-like value, a short text). */
  | { kind: 'short-answer'; expect: Exclude<AnswerExpectation, 'choice' | 'any'>; json: boolean }
  /** Free text (writing, explaining, chatting): answers cannot be compared by a key. */
  | { kind: 'open-ended' };

const LETTERED_LINE = /^\(?([A-J])[.):]\s+\S/;
const LETTER_INSTRUCTION = /\b(?:answer|respond|reply) with (?:the|a|only the) (?:letter|option)|\bchoose (?:the|one) (?:correct )?(?:option|letter)\b/i;
/** The prompt prescribes a single final answer: a JSON answer field, a box, "only the answer". */
const FINAL_ANSWER_FORMAT =
  /[`"']answer[`"']\s*(?:field|key|:)|\\boxed|\bfinal answer\b|\b(?:only|just) (?:the|a|your) (?:final )?(?:answer|number|value|result)\b|\b(?:answer|reply|respond) with (?:a|an|one|the|a single|only (?:a|the)|just (?:a|the)) (?:number|integer|word|value|name|result)\b/i;
/** "… in the `answer` field", then a JSON template naming it: the reply's JSON field is its answer. */
const ANSWER_FIELD = /[`"']answer[`"']\s*(?:field|key)\b/i;
const JSON_ANSWER_EXAMPLE = /e\.g\.,?\s*`?"answer"\s*:\s*"[^"]*"`?/gi;
const CODE_OUTPUT =
  /\[PYTHON\]|```(?:python|py)\b|\bassert\s+\w+\(.*==|\b(?:output|return value|result) of (?:the|this) (?:code|function|program|snippet)\b|\bwhat (?:does|will) (?:the|this) (?:code|function|program) (?:print|return|output)\b/i;
const ARITHMETIC = /\d\s*[-+*/^=×÷]\s*\d|\bbetween -?\d/;
const MATH =
  /\$[^$\n]+\$|\\frac|\\sqrt|\d\s*[-+*/^=×÷]\s*\d|\bhow (?:many|much|long|far|old)\b|\b(?:what|which|in which) year\b|\b(?:calculate|compute|evaluate|simplify|solve|sum|product|probability|percent(?:age)?|remainder|integer|digits?|equation)\b/i;
/** Writing, explaining or advising: many good answers, none of them a key. */
const OPEN_REQUEST =
  /^(?:please\s+)?(?:write|compose|draft|create|generate|make up|describe|explain|summari[sz]e|translate|rewrite|paraphrase|tell me (?:about|a|how|why)|give me (?:some|a few|ideas|tips|advice|an? (?:overview|example|story|poem))|list|suggest|brainstorm|design|plan|outline|discuss|compare|elaborate|brief me|help me|can you (?:write|explain|help|describe|tell)|could you (?:write|explain|help|describe|tell)|how (?:do|can|should|would) (?:i|we|you)|why (?:do|does|is|are|did|was|were|should|would)|what (?:are (?:some|the (?:pros|benefits|differences))|do you think|would you)|i (?:need|want|would like)|let'?s)\b/i;
const FACTOID = /^(?:who|what|which|when|where|how (?:many|much))\b[^\n]{0,200}\?$/i;
/**
 * Questions that open like a factoid but ask for an opinion, an explanation or a definition ("What
 * is the meaning of life?", "What is machine learning?", "Which is better, …?"): their replies are
 * paragraphs with no key, so reading them as short answers would walk a ladder that never agrees.
 */
const OPEN_QUESTION =
  /^(?:what(?:'s| is| are| was| were)\s+(?:the\s+)?(?:meaning|purpose|point|best|worst|easiest|fastest way|right way|most effective|difference|differences|relationship|role|impact|effects?|importance|significance|advantages?|disadvantages?|benefits?|pros|cons|future|secret|key to)\b|what(?:'s| is| are) (?:your|some|a good|good)\b|what (?:would|will|could|might|should|happens|if|do you|does it mean|makes)\b|what(?:'s| is| are) (?:an? )?[a-z][\w-]*(?: [a-z][\w-]*)?\?$|what(?:'s| is| are| was| were) [^?\n]{1,120} like\b[^?\n]{0,120}\?$|which (?:is|one is|would be|should i) (?:better|best|preferable|choose|pick|use)\b)/i;

/**
 * Listed options are material for a text to write, not answers to choose, when the request opens
 * by asking for a kind of text ("Write a short story set in: A. … B. …"), or for one of the
 * options to be picked and written about ("Pick one of these and write …", "Describe a sunset over
 * one of these places: …"), and nothing asks for a choice: no letter asked for, no "which …?".
 */
const TEXT_TO_WRITE =
  /^(?:please\s+)?(?:(?:can|could|would) you\s+)?(?:write|compose|draft|create|generate|make up|tell|give)\s+(?:me\s+|us\s+)?(?:a|an|one|some|two|three|\d+|my|our)\s+(?:[\w'-]+\s+){0,3}?(?:stor(?:y|ies)|tale|poems?|haiku|sonnet|limerick|verse|song|lyrics|essay|article|blog post|email|e-mail|letter|memo|speech|toast|script|dialogue|scene|paragraph|description|review|summary|tweet|slogan|joke|pitch)\b/i;
const PICK_TO_WRITE =
  /^(?:please\s+)?(?:pick|choose|select)\s+(?:one|any|two)\b[^.?!\n]{0,80}?\s(?:and|then)\s+(?:write|compose|draft|create|generate|describe|tell)\b/i;
const OPTIONS_AS_MATERIAL = /\b(?:one|any|some|two|each|either) of (?:these|those|the following)\b|\byour choice of\b/i;
const CHOICE_ASKED = /\b(?:which|what)\b[^?\n]{0,300}\?|\b(?:correct|right|best) (?:answer|option|choice)\b/i;

function writesWithOptions(text: string, opening: string): boolean {
  const asksForText = TEXT_TO_WRITE.test(opening) || PICK_TO_WRITE.test(opening) || (OPEN_REQUEST.test(opening) && OPTIONS_AS_MATERIAL.test(text));
  return asksForText && !CHOICE_ASKED.test(text) && !LETTER_INSTRUCTION.test(text);
}

/** The kind of the last user turn (or of the whole text when given a single string). */
export function promptKind(prompt: string): PromptKind {
  const text = prompt.trim();
  const first = text.split(/(?<=[.!?:])\s+|\n/)[0] ?? '';
  const choice = choiceKind(prompt);
  if (choice) return writesWithOptions(text, first) ? { kind: 'open-ended' } : choice;
  if (FINAL_ANSWER_FORMAT.test(text)) return shortAnswer(text);
  if (OPEN_REQUEST.test(first) || OPEN_REQUEST.test(text) || (OPEN_QUESTION.test(first) && !ARITHMETIC.test(text))) return { kind: 'open-ended' };
  if (
    CODE_OUTPUT.test(text) ||
    FACTOID.test(text) ||
    (MATH.test(text) &&
      text.length < 2000 &&
      /\?(?:\s*$|\s+(?:answer|reply|respond|give|state)\b)|^\s*(?:find|compute|calculate|evaluate|simplify|solve)\b/im.test(text))
  )
    return shortAnswer(text);
  return { kind: 'open-ended' };
}

/** Multiple-choice when the prompt lists options (under capital letters, else lowercase ones). */
function choiceKind(prompt: string): PromptKind | null {
  const options = optionCount(prompt);
  if (options >= 2) return { kind: 'multiple-choice', expect: 'choice', options };
  const lowercase = lowercaseOptionCount(prompt);
  if (lowercase >= 2) return { kind: 'multiple-choice', expect: 'choice', options: lowercase, lowercase: true };
  return null;
}

function shortAnswer(text: string): PromptKind {
  const json = asksForJsonAnswer(text);
  if (CODE_OUTPUT.test(text)) return { kind: 'short-answer', expect: 'value', json };
  if (MATH.test(text) || /\d/.test(text.replace(JSON_ANSWER_EXAMPLE, ''))) return { kind: 'short-answer', expect: 'number', json };
  return { kind: 'short-answer', expect: 'text', json };
}

// Found in two linear steps: one regex spanning both would backtrack quadratically on long prompts.
function asksForJsonAnswer(text: string): boolean {
  const field = ANSWER_FIELD.exec(text);
  const brace = field ? text.indexOf('{', field.index) : -1;
  return brace >= 0 && /"answer"\s*:/.test(text.slice(brace));
}

/** Options under consecutive letters from A ("Options:\nA. …" as in the data, or "(A) …" lines). */
function optionCount(prompt: string): number {
  const listed = parseOptions(prompt).options.length;
  if (listed >= 2) return listed;
  let count = 0;
  for (const line of prompt.split('\n')) {
    const m = LETTERED_LINE.exec(line.trim());
    if (m && m[1] === String.fromCharCode(65 + count)) count++;
    else if (m && m[1] === 'A') count = 1;
  }
  if (count >= 2 || (count === 1 && LETTER_INSTRUCTION.test(prompt))) return count;
  return inlineOptionCount(prompt);
}

const LOWERCASE_LINE = /^\(?([a-j])[.)]\s+\S/;
/** What makes lowercase lettered lines options rather than an enumeration: a choice asked for. */
const ASKS_TO_CHOOSE = /\b(?:which|what)\b[^?\n]*\?|\b(?:choose|select|pick)\b|\b(?:true or false|correct|best answer)\b/i;

/**
 * Options under lowercase letters on their own lines ("a) shark\nb) dolphin"), as chat prompts
 * often write them: two or more from a, after a question or an instruction to choose, and not in a
 * request to write or explain ("Write an essay covering:\na) causes\nb) effects" lists topics).
 */
function lowercaseOptionCount(prompt: string): number {
  const lines = prompt.split('\n');
  let count = 0;
  let first = -1;
  for (const [i, line] of lines.entries()) {
    const m = LOWERCASE_LINE.exec(line.trim());
    if (m && m[1] === String.fromCharCode(97 + count)) {
      if (count === 0) first = i;
      count++;
    } else if (m && m[1] === 'a') {
      count = 1;
      first = i;
    }
  }
  if (count < 2) return 0;
  const stem = lines.slice(0, first).join('\n').trim();
  const opening = stem.split(/(?<=[.!?:])\s+|\n/)[0] ?? '';
  if (OPEN_REQUEST.test(opening) || !(ASKS_TO_CHOOSE.test(stem) || LETTER_INSTRUCTION.test(prompt))) return 0;
  return count;
}

const INLINE_OPTION = /(?:^|\s)\(([A-J])\)\s*[^\s(]/g;

/** Options on one line ("… (A) shark (B) dolphin (C) trout"): three from A, or two with a letter instruction. */
function inlineOptionCount(prompt: string): number {
  for (const line of prompt.split('\n')) {
    let count = 0;
    for (const m of line.matchAll(INLINE_OPTION)) {
      if (m[1] === String.fromCharCode(65 + count)) count++;
      else if (m[1] === 'A') count = 1;
    }
    if (count >= 3 || (count === 2 && LETTER_INSTRUCTION.test(prompt))) return count;
  }
  return 0;
}

/** How to read replies to `prompt`; a prompt whose answers cannot be compared is read as `any`. */
export function readingForPrompt(prompt: string | null): AnswerReading {
  return (prompt === null ? null : readingOf(promptKind(prompt), prompt)) ?? { expect: 'any' };
}

/**
 * How to read the experts' answers to a prompt of this kind; null when they cannot be compared.
 * Given the prompt, a short text is read without the question's own words (AnswerReading.topic).
 */
export function readingOf(kind: PromptKind, prompt?: string): AnswerReading | null {
  if (kind.kind === 'open-ended') return null;
  if (kind.kind === 'multiple-choice') return kind.lowercase ? { expect: 'choice', lowercase: true } : { expect: 'choice' };
  const reading: AnswerReading = kind.kind === 'short-answer' && kind.json ? { expect: kind.expect, json: true } : { expect: kind.expect };
  return kind.expect === 'text' && prompt !== undefined ? { ...reading, topic: topicOf(prompt) } : reading;
}

/**
 * The words a question asks with (its first 1,000 characters), as short-text keys spell them; none
 * for an either/or question ("Sydney or Canberra?"), whose own words are the answers to tell apart.
 */
function topicOf(prompt: string): string[] {
  const words = normalizedText(prompt.slice(0, 1000)).split(' ');
  return words.includes('or') ? [] : [...new Set(words)].filter(Boolean);
}
