import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../router/recent';

describe('RecentMap', () => {
  it('keeps only the entries set last, oldest out first', () => {
    const m = new RecentMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3); // a key set again keeps its place and does not evict
    expect([m.size, m.get('a'), m.get('b')]).toEqual([2, 3, 2]);
    m.set('c', 4);
    expect([m.size, m.get('a'), m.get('b'), m.get('c')]).toEqual([2, undefined, 2, 4]);
  });

  it('remember makes a value once and keeps it until evicted', () => {
    const m = new RecentMap<number, string>(1);
    let made = 0;
    const make = (k: number) => () => `${k}:${++made}`;
    expect(m.remember(1, make(1))).toBe('1:1');
    expect(m.remember(1, make(1))).toBe('1:1');
    expect(m.remember(2, make(2))).toBe('2:2');
    expect(m.remember(1, make(1))).toBe('1:3');
  });
});
