// Prompt → terms. The same function runs at training and at routing time, so a router sees
// exactly the vocabulary it was trained on.

const WORD = /[a-z]+|[0-9]+(?:\.[0-9]+)?/g;

/**
 * Stop words carry no topic; dropping them keeps bigrams meaningful ("rate interest" instead of
 * "the rate"). The list is short on purpose: TF-IDF already down-weights the rest.
 */
const STOP = new Set(
  'a an and are as at be but by for from has have he her his i if in into is it its of on or our she that the their them then there these they this to was we were what when which who will with would you your answer letter correct option options question following'.split(
    ' ',
  ),
);

/** Lower-cased words; every number becomes `<num>` so arithmetic questions share a feature. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0];
    if (w.charCodeAt(0) <= 57) out.push('<num>');
    else if (w.length > 1 && !STOP.has(w)) out.push(w);
  }
  return out;
}

/** Unigrams and adjacent bigrams ("interest rate") of a text. */
export function terms(text: string): string[] {
  const ws = words(text);
  const out = [...ws];
  for (let i = 1; i < ws.length; i++) out.push(`${ws[i - 1]} ${ws[i]}`);
  return out;
}
