//! Weighted means and medians, shared by the baselines and the boosting's absolute loss.
//!
//! The weighted median is the value where the cumulative weight first reaches half of the
//! total; when the weights split exactly in half between two values it is their midpoint, so
//! with equal weights it is the ordinary median (numpy's and pandas'). It is found by
//! quickselect in expected linear time: the absolute-loss boosting needs one per leaf per
//! iteration, and sorting every leaf would cost more than growing the tree.

/// Σwᵢyᵢ / Σwᵢ; the plain mean when the weights sum to zero; 0 for no values.
pub(crate) fn weighted_mean(values: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let (sum, weight) = values.clone().fold((0.0, 0.0), |(s, t), (v, w)| (s + w * v, t + w));
    if weight > 0.0 {
        return sum / weight;
    }
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), (v, _)| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// The weighted median of `(value, weight)` pairs (reorders them). Weights must be ≥ 0; when
/// they sum to zero every weight counts as 1. Returns 0 for no values.
pub(crate) fn weighted_median(items: &mut [(f64, f64)]) -> f64 {
    if items.is_empty() {
        return 0.0;
    }
    let first_weight = items[0].1;
    if items.iter().all(|p| p.1 == first_weight) {
        return unweighted_median(items);
    }
    let mut total: f64 = items.iter().map(|p| p.1).sum();
    if total <= 0.0 {
        items.iter_mut().for_each(|p| p.1 = 1.0);
        total = items.len() as f64;
    }
    let half = total / 2.0;
    let (mut lo, mut hi) = (0usize, items.len());
    // Weight of the items ordered before `lo`; every item in [lo, hi) is ≤ every item after.
    let mut below = 0.0;
    loop {
        let pivot = median_of_three(items[lo].0, items[lo + (hi - lo) / 2].0, items[hi - 1].0);
        let (less_end, greater_start) = partition3(&mut items[lo..hi], pivot);
        let (less_end, greater_start) = (lo + less_end, lo + greater_start);
        let less: f64 = items[lo..less_end].iter().map(|p| p.1).sum();
        let equal: f64 = items[less_end..greater_start].iter().map(|p| p.1).sum();
        if below + less >= half && less_end > lo {
            hi = less_end;
        } else if below + less + equal >= half {
            if below + less + equal == half {
                // Exactly half the weight is ≤ pivot: the median is midway to the next value.
                let next = items[greater_start..].iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
                if next.is_finite() {
                    return pivot + (next - pivot) / 2.0;
                }
            }
            return pivot;
        } else {
            below += less + equal;
            lo = greater_start;
        }
        if lo >= hi {
            // Only reachable through rounding of the weight sums: the last value ordered.
            return items[..hi.max(1)].iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        }
    }
}

/// The ordinary median (the mean of the middle two for an even count), by the standard
/// library's selection.
fn unweighted_median(items: &mut [(f64, f64)]) -> f64 {
    let n = items.len();
    let order = |a: &(f64, f64), b: &(f64, f64)| a.0.total_cmp(&b.0);
    let upper = items.select_nth_unstable_by(n / 2, order).1 .0;
    if n % 2 == 1 {
        return upper;
    }
    let lower = items[..n / 2].iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    lower + (upper - lower) / 2.0
}

fn median_of_three(a: f64, b: f64, c: f64) -> f64 {
    a.max(b).min(a.min(b).max(c))
}

/// Three-way partition around `pivot`: `[< pivot][== pivot][> pivot]`; returns the bounds.
/// NaN values compare as neither, so they are kept in the "greater" part.
fn partition3(items: &mut [(f64, f64)], pivot: f64) -> (usize, usize) {
    let (mut lt, mut i, mut gt) = (0, 0, items.len());
    while i < gt {
        let v = items[i].0;
        if v < pivot {
            items.swap(lt, i);
            lt += 1;
            i += 1;
        } else if v == pivot {
            i += 1;
        } else {
            gt -= 1;
            items.swap(i, gt);
        }
    }
    (lt, gt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn median_of(values: &[f64], weights: &[f64]) -> f64 {
        let mut items: Vec<(f64, f64)> = values.iter().copied().zip(weights.iter().copied()).collect();
        weighted_median(&mut items)
    }

    #[test]
    fn equal_weights_give_the_ordinary_median() {
        assert_eq!(median_of(&[3.0, 1.0, 2.0], &[1.0; 3]), 2.0);
        assert_eq!(median_of(&[4.0, 1.0, 3.0, 2.0], &[1.0; 4]), 2.5);
        assert_eq!(median_of(&[5.0, 5.0, 5.0, 1.0], &[1.0; 4]), 5.0);
        assert_eq!(median_of(&[7.0], &[1.0]), 7.0);
        assert_eq!(median_of(&[], &[]), 0.0);
    }

    #[test]
    fn weights_move_the_median() {
        // Weight 5 on the largest value: cumulative 1, 2, 7 of 7 → reaches 3.5 at 10.
        assert_eq!(median_of(&[1.0, 2.0, 10.0], &[1.0, 1.0, 5.0]), 10.0);
        assert_eq!(median_of(&[1.0, 2.0, 10.0], &[5.0, 1.0, 1.0]), 1.0);
        assert_eq!(median_of(&[1.0, 2.0], &[0.0, 0.0]), 1.5);
    }

    #[test]
    fn agrees_with_sorting_on_many_random_inputs() {
        let mut rng = crate::rng::SplitMix64::new(3);
        for case in 0..500 {
            let n = 1 + rng.below(60);
            let values: Vec<f64> = (0..n).map(|_| (rng.below(20) as f64) - 5.0).collect();
            let weights: Vec<f64> = (0..n).map(|_| if case % 2 == 0 { 1.0 } else { 1.0 + rng.below(5) as f64 }).collect();
            let mut sorted: Vec<(f64, f64)> = values.iter().copied().zip(weights.iter().copied()).collect();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let total: f64 = weights.iter().sum();
            let mut acc = 0.0;
            let mut expected = f64::NAN;
            for (i, (v, w)) in sorted.iter().enumerate() {
                acc += w;
                if acc >= total / 2.0 {
                    expected = if acc == total / 2.0 && i + 1 < n { (v + sorted[i + 1].0) / 2.0 } else { *v };
                    break;
                }
            }
            assert_eq!(median_of(&values, &weights), expected, "case {case}: {values:?} {weights:?}");
        }
    }

    #[test]
    fn weighted_mean_falls_back_when_weights_vanish() {
        assert_eq!(weighted_mean([(1.0, 1.0), (4.0, 2.0)].into_iter()), 3.0);
        assert_eq!(weighted_mean([(1.0, 0.0), (4.0, 0.0)].into_iter()), 2.5);
        assert_eq!(weighted_mean(std::iter::empty()), 0.0);
    }
}
