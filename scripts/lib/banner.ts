// What `npm start` prints once the gateway is up: where everything is, the credentials, and a
// request that works as pasted (a question the offline replay experts have recorded answers for).

/** MMLU-Pro dev question mmlu-pro-8026: every replay expert has an answer for it. */
export const EXAMPLE_PROMPT =
  'Question: Which expression is equal to 720?\nOptions:\nA. 7x20\nB. 9x90\nC. 8x80\nD. 9x80\nAnswer with the letter of the correct option.';

export function exampleCurl(base: string, apiKey: string): string {
  const body = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: EXAMPLE_PROMPT }] });
  return [
    `curl -sS --fail-with-body ${base}/v1/chat/completions \\`,
    `  -H 'authorization: Bearer ${apiKey}' -H 'content-type: application/json' \\`,
    `  -d '${body}'`,
  ].join('\n');
}

export interface BannerFacts {
  base: string;
  adminToken: string;
  apiKey: string;
  experts: number;
  gpu: { url: string; expertId: string } | { skipped: string };
}

export function banner(f: BannerFacts): string {
  const gpu = 'url' in f.gpu ? `${f.gpu.url}   (expert '${f.gpu.expertId}': demo MoE checkpoint, RANDOM weights)` : `not running (${f.gpu.skipped})`;
  return [
    '',
    `Conclave is running on local D1 with ${f.experts} offline replay experts.`,
    '',
    `  API          ${f.base}/v1   (OpenAI-compatible: Authorization: Bearer $DEV_API_KEY)`,
    `  Dashboard    ${f.base}/admin   (sign in with ADMIN_TOKEN)`,
    `  Admin API    ${f.base}/admin/api   (Authorization: Bearer $ADMIN_TOKEN)`,
    `  GPU service  ${gpu}`,
    '',
    `  ADMIN_TOKEN=${f.adminToken}`,
    `  DEV_API_KEY=${f.apiKey}`,
    '  (kept in .dev.vars; `set -a; . ./.dev.vars; set +a` exports them in another shell)',
    '',
    'Try it (the replay experts answer the MMLU-Pro questions in data/ as recorded, nothing else):',
    '',
    exampleCurl(f.base, f.apiKey),
    '',
  ].join('\n');
}
