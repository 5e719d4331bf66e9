import { FinishedPrefix } from './finished-prefix';

describe('FinishedPrefix', () => {
  it('commits only up to the first unfinished message', () => {
    const p = new FinishedPrefix(['10', '11', '12', '13']);
    expect(p.through()).toBeUndefined();
    p.finish('11');
    p.finish('13');
    expect(p.through()).toBeUndefined();
    p.finish('10');
    expect(p.through()).toBe('11');
    expect(p.complete).toBe(false);
    p.finish('12');
    expect(p.through()).toBe('13');
    expect(p.complete).toBe(true);
  });

  it('an empty batch is complete', () => {
    expect(new FinishedPrefix([]).through()).toBeUndefined();
    expect(new FinishedPrefix([]).complete).toBe(true);
  });
});
