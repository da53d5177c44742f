/** Server-sent events carrying these JSON values (JSON.stringify writes no line breaks), then `[DONE]` when `done`. */
export function sseData(events: readonly unknown[], done = false): string {
  return events.map((data) => `data: ${JSON.stringify(data)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
}
