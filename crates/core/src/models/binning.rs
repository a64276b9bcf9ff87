//! Quantile binning of the features into at most 256 bins, for the histogram trees.
//!
//! Histogram trees never look at raw feature values while growing: each value is replaced
//! once by the index of its bin (a `u8`), and a split "bin ≤ b goes left" is a scan over at
//! most 256 histogram entries instead of a sort of the node's rows (which is what makes
//! smartcore's trees slow at 300k rows). The edges are computed on the training rows only:
//! every distinct value gets its own bin when there are few of them (Store, Dept, Month …),
//! otherwise the bins are quantiles, as in LightGBM and scikit-learn's HistGradientBoosting.
//!
//! An edge is the upper bound of its bin: `bin(v) ≤ b ⇔ v ≤ edges[b]`. The fitted trees keep
//! the edge value as their threshold, so prediction works on raw values and agrees exactly
//! with the binned training data. A missing value (NaN) has a bin of its own,
//! [`MISSING_BIN`], after every value bin: each split learns which side missing values go
//! (as LightGBM does), and the tree keeps that side for prediction.

use super::Matrix;

/// Bins per feature cannot exceed this: bin indices are `u8`.
pub(crate) const MAX_BINS: usize = 256;
/// The bin of a missing value; value bins are below it (at most `MAX_BINS − 1` of them).
pub(crate) const MISSING_BIN: u8 = (MAX_BINS - 1) as u8;

#[derive(Debug, Clone)]
pub(crate) struct BinMapper {
    /// Per feature, the ascending upper edges of all bins but the last.
    edges: Vec<Vec<f64>>,
}

impl BinMapper {
    /// Computes the edges of each feature from the rows `rows` of `x` (`max_bins` in 2..=256).
    pub fn fit(x: &Matrix, rows: &[u32], max_bins: usize) -> Self {
        let max_bins = max_bins.clamp(2, MAX_BINS - 1);
        let mut values = Vec::with_capacity(rows.len());
        let edges = (0..x.cols())
            .map(|c| {
                values.clear();
                values.extend(rows.iter().map(|&r| x.get(r as usize, c)).filter(|v| !v.is_nan()));
                values.sort_unstable_by(f64::total_cmp);
                feature_edges(&values, max_bins)
            })
            .collect();
        BinMapper { edges }
    }

    pub fn n_features(&self) -> usize {
        self.edges.len()
    }

    /// Number of value bins of `feature` (edges + 1; the missing bin is apart).
    pub fn n_bins(&self, feature: usize) -> usize {
        self.edges[feature].len() + 1
    }

    /// The threshold that sends `bin ≤ b` left.
    pub fn edge(&self, feature: usize, bin: u8) -> f64 {
        self.edges[feature].get(usize::from(bin)).copied().unwrap_or(f64::INFINITY)
    }

    pub fn bin_of(&self, feature: usize, value: f64) -> u8 {
        // Number of edges strictly below `value`: the first bin whose edge is ≥ value.
        if value.is_nan() {
            return MISSING_BIN;
        }
        let edges = &self.edges[feature];
        edges.partition_point(|&e| e < value) as u8
    }

    /// The binned copy of rows `rows` of `x`, column-major.
    pub fn transform(&self, x: &Matrix, rows: &[u32]) -> BinnedMatrix {
        let n = rows.len();
        let mut bins = vec![0u8; n * self.n_features()];
        for (f, column) in bins.chunks_exact_mut(n.max(1)).enumerate().take(self.n_features()) {
            for (slot, &r) in column.iter_mut().zip(rows) {
                *slot = self.bin_of(f, x.get(r as usize, f));
            }
        }
        let n_features = self.n_features();
        let mut by_row = vec![0u8; bins.len()];
        for (f, column) in bins.chunks_exact(n.max(1)).enumerate() {
            for (r, &bin) in column.iter().enumerate() {
                by_row[r * n_features + f] = bin;
            }
        }
        BinnedMatrix { rows: n, bins, by_row, n_bins: (0..self.n_features()).map(|f| self.n_bins(f)).collect() }
    }
}

/// Edges of one feature from its sorted non-NaN values.
fn feature_edges(sorted: &[f64], max_bins: usize) -> Vec<f64> {
    let mut distinct: Vec<f64> = Vec::new();
    for &v in sorted {
        if distinct.last() != Some(&v) {
            distinct.push(v);
            if distinct.len() > max_bins {
                break;
            }
        }
    }
    if distinct.len() <= max_bins {
        return distinct.windows(2).map(|w| midpoint(w[0], w[1])).collect();
    }
    // Quantiles: edge k sits between the values at ranks ⌈k·n/max_bins⌉ − 1 and ⌈k·n/max_bins⌉.
    let n = sorted.len();
    let mut edges: Vec<f64> = Vec::with_capacity(max_bins - 1);
    for k in 1..max_bins {
        let rank = (k * n).div_ceil(max_bins).clamp(1, n - 1);
        let (below, above) = (sorted[rank - 1], sorted[rank]);
        // Between equal values there is no edge: the whole run stays in one bin.
        let edge = if below < above { midpoint(below, above) } else { below };
        if edges.last().is_none_or(|&last| edge > last) {
            edges.push(edge);
        }
    }
    // The largest value must stay in the last bin, not on an edge of its own.
    if edges.last() == sorted.last() {
        edges.pop();
    }
    edges
}

fn midpoint(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    // Rounding can put the midpoint of two adjacent floats on `b`; keep `b` strictly above.
    if m < b { m } else { a }
}

/// Bin indices of a set of rows, held twice: column-major (column `f` is
/// `bins[f·rows .. (f+1)·rows]`), which partitioning a node on one feature reads, and
/// row-major, which building a histogram reads (all of a row's bins in one cache line rather
/// than one line per feature). A bin is one byte, so both copies together are a fraction of
/// the `f64` matrix they come from.
#[derive(Debug, Clone)]
pub(crate) struct BinnedMatrix {
    rows: usize,
    bins: Vec<u8>,
    by_row: Vec<u8>,
    n_bins: Vec<usize>,
}

impl BinnedMatrix {
    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn n_features(&self) -> usize {
        self.n_bins.len()
    }

    pub fn n_bins(&self, feature: usize) -> usize {
        self.n_bins[feature]
    }

    pub fn column(&self, feature: usize) -> &[u8] {
        &self.bins[feature * self.rows..(feature + 1) * self.rows]
    }

    /// Row `row`'s bins, one per feature.
    pub fn row(&self, row: usize) -> &[u8] {
        let n = self.n_features();
        &self.by_row[row * n..(row + 1) * n]
    }

    pub fn get(&self, row: usize, feature: usize) -> u8 {
        self.bins[feature * self.rows + row]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(columns: &[Vec<f64>]) -> Matrix {
        let rows = columns[0].len();
        let data = (0..rows).flat_map(|r| columns.iter().map(move |c| c[r])).collect();
        Matrix::new((0..columns.len()).map(|c| format!("f{c}")).collect(), data).unwrap()
    }

    #[test]
    fn few_distinct_values_get_one_bin_each_and_edges_agree_with_bins() {
        let x = matrix(&[vec![3.0, 1.0, 2.0, 1.0, 3.0]]);
        let all: Vec<u32> = (0..5).collect();
        let mapper = BinMapper::fit(&x, &all, 255);
        assert_eq!(mapper.n_bins(0), 3);
        assert_eq!(mapper.edges[0], vec![1.5, 2.5]);
        let binned = mapper.transform(&x, &all);
        assert_eq!(binned.column(0), &[2, 0, 1, 0, 2]);
        assert_eq!(binned.row(4), &[2]);
        for r in 0..5 {
            for b in 0..3u8 {
                assert_eq!(binned.get(r, 0) <= b, x.get(r, 0) <= mapper.edge(0, b));
            }
        }
        assert_eq!(mapper.bin_of(0, f64::NAN), MISSING_BIN, "a missing value has a bin of its own");
        assert_eq!(mapper.bin_of(0, 100.0), 2);
        assert_eq!(mapper.bin_of(0, -100.0), 0);
    }

    #[test]
    fn many_distinct_values_make_quantile_bins() {
        let values: Vec<f64> = (0..10_000).map(|i| (i as f64).sqrt()).collect();
        let x = matrix(std::slice::from_ref(&values));
        let all: Vec<u32> = (0..10_000).collect();
        let mapper = BinMapper::fit(&x, &all, 16);
        assert_eq!(mapper.n_bins(0), 16);
        let binned = mapper.transform(&x, &all);
        let mut counts = [0usize; 16];
        for &b in binned.column(0) {
            counts[usize::from(b)] += 1;
        }
        assert!(counts.iter().all(|&c| c == 625), "{counts:?}");
        for (r, v) in values.iter().enumerate() {
            let b = binned.get(r, 0);
            assert!(*v <= mapper.edge(0, b));
            assert!(b == 0 || *v > mapper.edge(0, b - 1));
        }
    }

    #[test]
    fn heavy_ties_do_not_make_empty_or_split_runs() {
        let values: Vec<f64> = (0..1000).map(|i| if i < 700 { 0.0 } else { i as f64 }).collect();
        let x = matrix(&[values]);
        let all: Vec<u32> = (0..1000).collect();
        let mapper = BinMapper::fit(&x, &all, 10);
        let binned = mapper.transform(&x, &all);
        assert!(binned.column(0)[..700].iter().all(|&b| b == 0));
        assert!(mapper.n_bins(0) <= 10);
    }
}
