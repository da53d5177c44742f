/** Time-ordered, unguessable route ids: `rt_` + ms timestamp (base36) + 64 random bits. */
export function newRouteId(now: number): string {
  const rand = crypto.getRandomValues(new Uint8Array(8));
  return `rt_${now.toString(36)}${[...rand].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
