import { extractAnswer } from './extract';
import { answerKey, sameAnswer, type AnswerReading } from './key';
import { promptKind, readingOf } from './prompt-kind';

// How well extraction from the recorded texts reproduces the recorded `pred` (the workload's own
// scorer): the measure that says votes on extracted answers count what the data counts.

export interface ExtractionAgreement {
  total: number;
  /** Extracted answer equivalent to the recorded `pred` (both none counts as agreement). */
  agree: number;
  rate: number;
  /** Recorded a pred where we extract none (MMLU-Pro guesses a letter for unparseable replies). */
  onlyRecorded: number;
  /** We extract an answer where the record has none (e.g. "The closest option is (F)", a `\boxed{}`). */
  onlyExtracted: number;
  /** Both found an answer, different ones. */
  different: number;
}

export interface RecordedReply {
  pred: string | null;
  text: string;
}

/** Agreement over replies to prompts read the same way (multiple choice unless told otherwise). */
export function measureExtractionAgreement(rows: Iterable<RecordedReply>, reading: AnswerReading = { expect: 'choice' }): ExtractionAgreement {
  const out: ExtractionAgreement = { total: 0, agree: 0, rate: 0, onlyRecorded: 0, onlyExtracted: 0, different: 0 };
  for (const row of rows) {
    out.total++;
    const mine = extractAnswer(row.text, reading);
    const recorded = row.pred === null ? null : answerKey(row.pred, reading.expect, reading.topic);
    if (mine === null && recorded === null) out.agree++;
    else if (sameAnswer(mine, recorded)) out.agree++;
    else if (mine === null) out.onlyRecorded++;
    else if (recorded === null) out.onlyExtracted++;
    else out.different++;
  }
  out.rate = out.total ? out.agree / out.total : 0;
  return out;
}

export interface RecordedQuestion {
  prompt: string;
  category: string;
  outcomes: Readonly<Record<string, RecordedReply>>;
}

/** Agreement per category, each question's replies read as its prompt's kind says (prompt alone). */
export function agreementByCategory(questions: Iterable<RecordedQuestion>): Map<string, ExtractionAgreement> {
  const parts = new Map<string, ExtractionAgreement[]>();
  for (const q of questions) {
    const reading = readingOf(promptKind(q.prompt), q.prompt) ?? { expect: 'any' };
    parts.set(q.category, [...(parts.get(q.category) ?? []), measureExtractionAgreement(Object.values(q.outcomes), reading)]);
  }
  const out = new Map<string, ExtractionAgreement>();
  for (const [category, parts_] of parts) {
    const parts = parts_;
    const sum = (k: keyof ExtractionAgreement) => parts.reduce((s, p) => s + p[k], 0);
    const total = sum('total');
    out.set(category, {
      total,
      agree: sum('agree'),
      rate: total ? sum('agree') / total : 0,
      onlyRecorded: sum('onlyRecorded'),
      onlyExtracted: sum('onlyExtracted'),
      different: sum('different'),
    });
  }
  return out;
}
