// The `answer` field of a reply that was asked to answer in JSON (`{"reasoning": …, "answer": …}`).
// The first complete object is parsed; replies whose JSON is broken (unescaped quotes inside the
// reasoning are common) still state the field, so a regex reads it from the raw text instead.

/** The stated `answer` as text (numbers, lists and objects written back as JSON), or null. */
export function jsonAnswerField(text: string): string | null {
  const object = firstObject(text);
  if (object && typeof object === 'object' && !Array.isArray(object) && 'answer' in object) return asText((object as Record<string, unknown>)['answer']);
  const quoted = /"answer"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  if (quoted) return unescapeJson(quoted[1]!);
  const bare = /"answer"\s*:\s*([^,\s}][^\n}]*?)\s*(?:[,}\n]|$)/.exec(text);
  return bare ? bare[1]! : null;
}

/** The reply's JSON says it has no answer: `{"answer": null}` (parsed, or as the raw text writes it). */
export function jsonAnswerIsNull(text: string): boolean {
  const object = firstObject(text);
  if (object && typeof object === 'object' && !Array.isArray(object) && 'answer' in object) return (object as Record<string, unknown>)['answer'] === null;
  return /"answer"\s*:\s*null\s*(?:[,}\n]|$)/.test(text);
}

function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function unescapeJson(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}

/** The first balanced `{…}` in the text, parsed; null when it is not JSON. */
function firstObject(text: string): unknown {
  const start = text.indexOf('{');
  if (start < 0) return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return parse(text.slice(start, i + 1));
  }
  return null;
}

function parse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    // Models put raw line breaks inside JSON strings; JSON forbids them, the reader meant spaces.
    try {
      return JSON.parse(s.replace(/\r?\n/g, ' '));
    } catch {
      return null;
    }
  }
}
