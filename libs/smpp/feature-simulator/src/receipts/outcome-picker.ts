import type { RandomSource } from '../config/random';
import { FINAL_STATS, type FinalStat } from './receipt-text';

export type OutcomeRatios = Readonly<Partial<Record<FinalStat, number>>>;

/**
 * Picks each message's final receipt stat by ratio. Ratios need not sum to 1; they are weights.
 * The random source is injected so tests (and seeded runs) are reproducible.
 */
export class OutcomePicker {
  private readonly stats: FinalStat[] = [];
  private readonly thresholds: number[] = [];

  constructor(
    ratios: OutcomeRatios,
    private readonly random: RandomSource,
  ) {
    let total = 0;
    for (const stat of FINAL_STATS) {
      const w = ratios[stat] ?? 0;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`ratio of ${stat} must be a number ≥ 0, got ${w}`);
      total += w;
    }
    if (total <= 0) throw new RangeError('at least one receipt outcome needs a ratio above 0');
    let cumulative = 0;
    for (const stat of FINAL_STATS) {
      const w = ratios[stat] ?? 0;
      if (w === 0) continue;
      cumulative += w / total;
      this.stats.push(stat);
      this.thresholds.push(cumulative);
    }
    this.thresholds[this.thresholds.length - 1] = 1; // no gap from rounding
  }

  pick(): FinalStat {
    if (this.stats.length === 1) return this.stats[0];
    const r = this.random();
    for (let i = 0; i < this.thresholds.length; i++) if (r < this.thresholds[i]) return this.stats[i];
    return this.stats[this.stats.length - 1];
  }
}
