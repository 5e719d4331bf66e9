import { seededRandom } from '../config/random';
import { OutcomePicker } from './outcome-picker';

describe('OutcomePicker', () => {
  it('maps the random draw onto cumulative ratios in a fixed order', () => {
    const draws = [0, 0.49, 0.5, 0.74, 0.75, 0.99];
    let i = 0;
    const picker = new OutcomePicker({ DELIVRD: 2, UNDELIV: 1, REJECTD: 1 }, () => draws[i++]);
    expect(draws.map(() => picker.pick())).toEqual(['DELIVRD', 'DELIVRD', 'UNDELIV', 'UNDELIV', 'REJECTD', 'REJECTD']);
  });

  it('never picks an outcome with ratio 0 and needs no draw for a single outcome', () => {
    const random = jest.fn(() => 0.3);
    const picker = new OutcomePicker({ DELIVRD: 0, EXPIRED: 5 }, random);
    expect(picker.pick()).toBe('EXPIRED');
    expect(random).not.toHaveBeenCalled();
  });

  it('follows the ratios over many picks', () => {
    const picker = new OutcomePicker({ DELIVRD: 0.9, UNDELIV: 0.05, EXPIRED: 0.03, REJECTD: 0.02 }, seededRandom(42));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 100_000; i++) {
      const s = picker.pick();
      counts[s] = (counts[s] ?? 0) + 1;
    }
    expect(counts['DELIVRD'] / 100_000).toBeCloseTo(0.9, 2);
    expect(counts['UNDELIV'] / 100_000).toBeCloseTo(0.05, 2);
    expect(counts['EXPIRED'] / 100_000).toBeCloseTo(0.03, 2);
    expect(counts['REJECTD'] / 100_000).toBeCloseTo(0.02, 2);
  });

  it('rejects ratios that pick nothing or are negative', () => {
    expect(() => new OutcomePicker({}, Math.random)).toThrow('at least one');
    expect(() => new OutcomePicker({ DELIVRD: -1, UNDELIV: 2 }, Math.random)).toThrow('DELIVRD');
  });
});
