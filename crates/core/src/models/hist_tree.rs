//! Histogram regression trees: the grower shared by the gradient boosting, the decision tree
//! and the random forest, and the fitted tree they store.
//!
//! The grower works on binned features ([`BinnedMatrix`]) and per-row gradients and hessians
//! (for a plain regression tree: g = w·(ȳ − y), h = w). Each node owns a contiguous range of
//! one row-index array, so splitting a node is a stable in-place partition of its range. A
//! node's histogram holds, per feature and bin, the sums of g and h and the row count; the
//! best split of a node is one scan over it. Only the smaller child's histogram is built from
//! rows: the larger one is the parent's minus the smaller's (histogram subtraction), which
//! roughly halves the work per level. Histograms come from a pool, so growing a tree allocates
//! nothing per node once the pool is warm.
//!
//! Growth is best-first ("leaf-wise", as LightGBM and scikit-learn's HistGradientBoosting)
//! when `max_leaf_nodes` is set: the open leaf with the largest gain is split next, up to the
//! leaf budget. Without a leaf budget every splittable node is split anyway, so the order is
//! irrelevant and growth is depth-first, which keeps at most about `depth` histograms alive.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::binning::{BinMapper, BinnedMatrix, MAX_BINS, MISSING_BIN};
use crate::rng::SplitMix64;
use super::Matrix;
use crate::error::{Error, Result};

/// Sums of gradients, hessians and rows of one histogram bin (or of a node).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct BinStats {
    pub grad: f64,
    pub hess: f64,
    pub count: u32,
}

impl BinStats {
    fn add(&mut self, other: &BinStats) {
        self.grad += other.grad;
        self.hess += other.hess;
        self.count += other.count;
    }

    fn minus(&self, other: &BinStats) -> BinStats {
        BinStats { grad: self.grad - other.grad, hess: self.hess - other.hess, count: self.count - other.count }
    }
}

/// One histogram: per feature, a fixed block of 256 bins (indexing by a `u8` needs no checks).
type Histogram = Vec<[BinStats; MAX_BINS]>;

/// How a tree is grown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GrowParams {
    /// Leaf budget; `None` splits every node that can be split (depth-first).
    pub max_leaf_nodes: Option<usize>,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    /// Minimum sum of hessians in a leaf (the weight of its rows for squared error).
    pub min_hessian_leaf: f64,
    /// L2 penalty λ on leaf values: value = −G / (H + λ).
    pub l2_regularization: f64,
    /// Fraction of the features drawn at random for each node's split search (1 = all).
    pub max_features: f64,
}

/// A node's best split: rows whose bin of `feature` is ≤ `bin` go left, and rows missing
/// the feature go left when `missing_left`.
#[derive(Debug, Clone, Copy)]
struct Split {
    gain: f64,
    feature: usize,
    bin: u8,
    missing_left: bool,
    left: BinStats,
    right: BinStats,
}

/// Whether a row in `bin` goes left of a split at `split_bin` (missing values: `missing_left`).
#[inline]
fn goes_left(bin: u8, split_bin: u8, missing_left: bool) -> bool {
    // A missing value's bin is above every split bin, so only `missing_left` sends it left.
    bin <= split_bin || (missing_left && bin == MISSING_BIN)
}

/// A node of a tree grown in bin space.
#[derive(Debug, Clone)]
pub(crate) struct GrownNode {
    /// `(feature, bin, missing_left)`: rows with `bin ≤ bin` (and missing ones when
    /// `missing_left`) go to `left`, the others to `left + 1`.
    pub split: Option<(usize, u8, bool)>,
    pub left: usize,
    /// The leaf value −G/(H+λ); the caller may replace it (line search, shrinkage).
    pub value: f64,
    /// This node's rows: a range of [`TreeGrower::rows`].
    pub rows: Range<usize>,
    pub stats: BinStats,
    pub depth: usize,
    /// Loss reduction of this node's split (0 for leaves), for feature importances.
    pub gain: f64,
}

/// A tree in bin space, as grown; leaves own ranges of [`TreeGrower::rows`].
#[derive(Debug, Clone)]
pub(crate) struct GrownTree {
    pub nodes: Vec<GrownNode>,
}

impl GrownTree {
    pub fn leaves(&self) -> impl Iterator<Item = &GrownNode> {
        self.nodes.iter().filter(|n| n.split.is_none())
    }

    /// Adds `scale` × the leaf value of each row in `rows` of `binned` (a matrix made by the
    /// same [`BinMapper`]) to `out[row]`; eight rows go down the tree side by side, as in
    /// [`PackedTrees::add_tree`].
    pub fn add_binned_predictions(&self, binned: &BinnedMatrix, rows: &[u32], scale: f64, out: &mut [f64]) {
        const BLOCK: usize = 8;
        for block in rows.chunks(BLOCK) {
            let mut node = [0usize; BLOCK];
            loop {
                let mut moved = false;
                for (n, &r) in node.iter_mut().zip(block) {
                    let current = &self.nodes[*n];
                    if let Some((feature, bin, missing_left)) = current.split {
                        *n = current.left + usize::from(!goes_left(binned.get(r as usize, feature), bin, missing_left));
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
            for (n, &r) in node.iter().zip(block) {
                out[r as usize] += scale * self.nodes[*n].value;
            }
        }
    }

    /// Adds each split's gain to its feature's total (see [`normalise_importances`]).
    pub fn add_importances(&self, totals: &mut [f64]) {
        for node in &self.nodes {
            if let Some((feature, _, _)) = node.split {
                totals[feature] += node.gain;
            }
        }
    }
}

/// Scales gain totals to sum to 1 (left as they are when no split gained anything).
pub(crate) fn normalise_importances(totals: &mut [f64]) {
    let total: f64 = totals.iter().sum();
    if total > 0.0 {
        totals.iter_mut().for_each(|v| *v /= total);
    }
}

struct OpenLeaf {
    node: usize,
    histogram: Histogram,
    split: Split,
}

/// Grows trees on one binned matrix; reuses its buffers from tree to tree.
pub(crate) struct TreeGrower<'a> {
    binned: &'a BinnedMatrix,
    params: GrowParams,
    rows: Vec<u32>,
    scratch: Vec<u32>,
    /// The tree's gradient and hessian of each row side by side: one load per row.
    gradient_pairs: Vec<[f64; 2]>,
    /// A node's gradient pairs and row-major bins, gathered for its histogram.
    ordered_pairs: Vec<[f64; 2]>,
    ordered_bins: Vec<u8>,
    pool: Vec<Histogram>,
    feature_scratch: Vec<u32>,
    /// The features the next tree may split on (all unless [`TreeGrower::use_features`]
    /// narrowed them); histograms are built, cleared and subtracted for these only.
    features: Vec<u32>,
    /// Set while growing a tree whose rows all have the same hessian (unweighted losses):
    /// the histograms then sum gradients and counts only.
    constant_hessian: Option<f64>,
}

impl<'a> TreeGrower<'a> {
    pub fn new(binned: &'a BinnedMatrix, params: GrowParams) -> Self {
        TreeGrower {
            binned,
            params,
            rows: Vec::with_capacity(binned.rows()),
            scratch: Vec::new(),
            gradient_pairs: Vec::with_capacity(binned.rows()),
            ordered_pairs: Vec::with_capacity(binned.rows()),
            ordered_bins: Vec::with_capacity(binned.rows() * binned.n_features()),
            pool: Vec::new(),
            feature_scratch: Vec::new(),
            features: (0..binned.n_features() as u32).collect(),
            constant_hessian: None,
        }
    }

    /// Restricts the next trees to `features` (ascending indices; empty means all), as
    /// LightGBM's `feature_fraction`: a tree's histograms then cost in proportion.
    pub fn use_features(&mut self, features: &[u32]) {
        self.features.clear();
        if features.is_empty() {
            self.features.extend(0..self.binned.n_features() as u32);
        } else {
            self.features.extend_from_slice(features);
        }
    }

    /// The row indices, partitioned so that each node of the last grown tree owns `rows`.
    pub fn rows(&self) -> &[u32] {
        &self.rows
    }

    /// Grows one tree on `sample` (indices into the binned matrix, ascending, non-empty)
    /// with per-row gradients and hessians indexed like the binned matrix.
    pub fn grow(&mut self, sample: &[u32], grad: &[f64], hess: &[f64], rng: &mut SplitMix64) -> GrownTree {
        self.rows.clear();
        self.rows.extend_from_slice(sample);
        self.gradient_pairs.clear();
        self.gradient_pairs.extend(grad.iter().zip(hess).map(|(&g, &h)| [g, h]));
        let first_hessian = sample.first().map_or(0.0, |&r| hess[r as usize]);
        self.constant_hessian =
            sample.iter().all(|&r| hess[r as usize] == first_hessian).then_some(first_hessian);
        let mut total = BinStats::default();
        for &r in sample {
            total.add(&BinStats { grad: grad[r as usize], hess: hess[r as usize], count: 1 });
        }
        let mut nodes = vec![GrownNode {
            split: None,
            left: 0,
            value: 0.0,
            rows: 0..sample.len(),
            stats: total,
            depth: 0,
            gain: 0.0,
        }];
        let mut open: Vec<OpenLeaf> = Vec::new();
        if self.can_split(&nodes[0]) {
            let mut histogram = self.take_histogram();
            self.build_histogram(&mut histogram, 0..sample.len());
            self.open_or_release(&mut open, 0, histogram, total, rng);
        }
        let best_first = self.params.max_leaf_nodes.is_some();
        let max_leaves = self.params.max_leaf_nodes.unwrap_or(usize::MAX);
        let mut n_leaves = 1;
        while n_leaves < max_leaves && !open.is_empty() {
            let pick = if best_first {
                // Largest gain; the earliest opened wins ties, so growth is deterministic.
                let mut best = 0;
                for (i, leaf) in open.iter().enumerate() {
                    if leaf.split.gain > open[best].split.gain {
                        best = i;
                    }
                }
                best
            } else {
                open.len() - 1
            };
            let OpenLeaf { node, mut histogram, split } = open.remove(pick);
            let range = nodes[node].rows.clone();
            let depth = nodes[node].depth + 1;
            let mid = range.start + self.partition(range.clone(), split.feature, split.bin, split.missing_left);
            let left = nodes.len();
            for (rows, stats) in [(range.start..mid, split.left), (mid..range.end, split.right)] {
                nodes.push(GrownNode { split: None, left: 0, value: 0.0, rows, stats, depth, gain: 0.0 });
            }
            let parent = &mut nodes[node];
            parent.split = Some((split.feature, split.bin, split.missing_left));
            parent.left = left;
            parent.gain = split.gain;
            n_leaves += 1;

            let splittable = [self.can_split(&nodes[left]), self.can_split(&nodes[left + 1])];
            if splittable == [false, false] {
                self.pool.push(histogram);
                continue;
            }
            let (small, large) =
                if split.left.count <= split.right.count { (left, left + 1) } else { (left + 1, left) };
            let mut small_histogram = self.take_histogram();
            self.build_histogram(&mut small_histogram, nodes[small].rows.clone());
            self.subtract(&mut histogram, &small_histogram);
            for (child, child_histogram) in [(small, small_histogram), (large, histogram)] {
                if splittable[child - left] {
                    self.open_or_release(&mut open, child, child_histogram, nodes[child].stats, rng);
                } else {
                    self.pool.push(child_histogram);
                }
            }
        }
        self.pool.extend(open.into_iter().map(|leaf| leaf.histogram));
        let lambda = self.params.l2_regularization;
        for node in nodes.iter_mut().filter(|n| n.split.is_none()) {
            node.value = leaf_value(&node.stats, lambda);
        }
        GrownTree { nodes }
    }

    fn can_split(&self, node: &GrownNode) -> bool {
        let p = &self.params;
        node.stats.count as usize >= 2 * p.min_samples_leaf.max(1)
            && node.stats.hess >= 2.0 * p.min_hessian_leaf
            && p.max_depth.is_none_or(|d| node.depth < d)
    }

    fn open_or_release(
        &mut self,
        open: &mut Vec<OpenLeaf>,
        node: usize,
        histogram: Histogram,
        stats: BinStats,
        rng: &mut SplitMix64,
    ) {
        match self.best_split(&histogram, &stats, rng) {
            Some(split) => open.push(OpenLeaf { node, histogram, split }),
            None => self.pool.push(histogram),
        }
    }

    fn take_histogram(&mut self) -> Histogram {
        match self.pool.pop() {
            Some(mut histogram) => {
                // Bins of other features keep stale sums: this tree never reads them.
                for &f in &self.features {
                    let f = f as usize;
                    histogram[f].fill(BinStats::default());
                }
                histogram
            }
            None => vec![[BinStats::default(); MAX_BINS]; self.binned.n_features()],
        }
    }

    /// The hot loop: sums gradients, hessians and counts per bin over the node's rows.
    fn build_histogram(&mut self, histogram: &mut Histogram, range: Range<usize>) {
        match self.constant_hessian {
            Some(h) => {
                self.build_histogram_with::<true>(histogram, range);
                // Only counts were summed: the hessian of a bin is count × h.
                for &f in &self.features {
                    let f = f as usize;
                    let n = self.binned.n_bins(f);
                    let (values, missing) = histogram[f].split_at_mut(usize::from(MISSING_BIN));
                    for entry in values[..n].iter_mut().chain(missing.iter_mut()) {
                        entry.hess = f64::from(entry.count) * h;
                    }
                }
            }
            None => self.build_histogram_with::<false>(histogram, range),
        }
    }

    /// Sums gradients, hessians (unless `CONSTANT_HESSIAN`) and counts per bin, row by row
    /// over all the features of a row (LightGBM's row-wise histograms). The node's rows are
    /// scattered, so their bins and gradient pairs are first gathered into contiguous
    /// buffers: that loop has nothing but independent loads, so many cache misses are in
    /// flight at once, and the summing loop then reads memory in order. Rows are in series
    /// order, so Store, Dept, … repeat their bin for long runs; an add waits for the previous
    /// add to the same entry, but consecutive adds to one feature's histogram are a whole row
    /// of other features' adds apart, which hides that wait.
    fn build_histogram_with<const CONSTANT_HESSIAN: bool>(&mut self, histogram: &mut Histogram, range: Range<usize>) {
        let rows = &self.rows[range];
        let n_features = self.binned.n_features();
        self.ordered_pairs.clear();
        self.ordered_pairs.extend(rows.iter().map(|&r| self.gradient_pairs[r as usize]));
        self.ordered_bins.clear();
        for &r in rows {
            self.ordered_bins.extend_from_slice(self.binned.row(r as usize));
        }
        let add = |entry: &mut BinStats, [g, h]: [f64; 2]| {
            entry.grad += g;
            if !CONSTANT_HESSIAN {
                entry.hess += h;
            }
            entry.count += 1;
        };
        let gathered = self.ordered_bins.chunks_exact(n_features.max(1)).zip(&self.ordered_pairs);
        if self.features.len() == n_features {
            for (row, &pair) in gathered {
                for (bins, &bin) in histogram.iter_mut().zip(row) {
                    add(&mut bins[usize::from(bin)], pair);
                }
            }
        } else {
            for (row, &pair) in gathered {
                for &f in &self.features {
                    add(&mut histogram[f as usize][usize::from(row[f as usize])], pair);
                }
            }
        }
    }

    fn subtract(&self, parent: &mut Histogram, child: &Histogram) {
        for &f in &self.features {
            let f = f as usize;
            let n = self.binned.n_bins(f);
            for (pb, cb) in parent[f][..n].iter_mut().zip(&child[f][..n]) {
                *pb = pb.minus(cb);
            }
            let m = usize::from(MISSING_BIN);
            parent[f][m] = parent[f][m].minus(&child[f][m]);
        }
    }

    fn best_split(&mut self, histogram: &Histogram, total: &BinStats, rng: &mut SplitMix64) -> Option<Split> {
        let p = &self.params;
        let n_features = self.features.len();
        let lambda = p.l2_regularization;
        let min_count = p.min_samples_leaf.max(1) as u32;
        let parent_score = score(total, lambda);
        let drawn = (p.max_features < 1.0).then(|| {
            let k = ((p.max_features * n_features as f64).round() as usize).clamp(1, n_features);
            let drawn = rng.sample_indices(n_features, k, &mut self.feature_scratch);
            drawn.into_iter().map(|i| self.features[i as usize]).collect::<Vec<u32>>()
        });
        let features: &[u32] = drawn.as_deref().unwrap_or(&self.features);
        let mut best: Option<Split> = None;
        for &feature in features {
            let feature = feature as usize;
            let bins = &histogram[feature][..self.binned.n_bins(feature)];
            let missing = histogram[feature][usize::from(MISSING_BIN)];
            // With missing values every threshold is tried twice (missing right, then left),
            // and one more split separates the missing rows from all the others.
            let thresholds = if missing.count > 0 { bins.len() } else { bins.len() - 1 };
            let mut values_left = BinStats::default();
            for (bin, stats) in bins.iter().enumerate().take(thresholds) {
                values_left.add(stats);
                for missing_left in [false, true] {
                    if missing_left && (missing.count == 0 || bin + 1 == bins.len()) {
                        continue;
                    }
                    let mut left = values_left;
                    if missing_left {
                        left.add(&missing);
                    }
                    if left.count < min_count || left.hess < p.min_hessian_leaf {
                        continue;
                    }
                    let right = total.minus(&left);
                    if right.count < min_count || right.hess < p.min_hessian_leaf {
                        continue;
                    }
                    let gain = score(&left, lambda) + score(&right, lambda) - parent_score;
                    if gain > best.map_or(0.0, |b| b.gain) {
                        best = Some(Split { gain, feature, bin: bin as u8, missing_left, left, right });
                    }
                }
            }
        }
        // A gain of rounding noise is no split.
        best.filter(|b| b.gain > 1e-12 * parent_score.abs().max(f64::MIN_POSITIVE))
    }

    /// Stable partition of `rows[range]`: bin ≤ `bin` first. Returns the size of the left part.
    /// Branch-free: each row is written to both sides and only the matching cursor advances
    /// (which side a row goes is data-dependent and would mispredict half the time).
    fn partition(&mut self, range: Range<usize>, feature: usize, bin: u8, missing_left: bool) -> usize {
        let column = self.binned.column(feature);
        let rows = &mut self.rows[range];
        self.scratch.resize(rows.len(), 0);
        let scratch = &mut self.scratch[..];
        let (mut left, mut right) = (0usize, 0usize);
        for read in 0..rows.len() {
            let r = rows[read];
            let goes_left = usize::from(goes_left(column[r as usize], bin, missing_left));
            rows[left] = r;
            scratch[right] = r;
            left += goes_left;
            right += 1 - goes_left;
        }
        rows[left..].copy_from_slice(&scratch[..right]);
        left
    }
}

/// G²/(H+λ): the (negated, doubled) loss of a leaf at its optimal value.
fn score(stats: &BinStats, lambda: f64) -> f64 {
    let denominator = stats.hess + lambda;
    if denominator > 0.0 { stats.grad * stats.grad / denominator } else { 0.0 }
}

pub(crate) fn leaf_value(stats: &BinStats, lambda: f64) -> f64 {
    let denominator = stats.hess + lambda;
    if denominator > 0.0 { -stats.grad / denominator } else { 0.0 }
}

/// A fitted regression tree on raw feature values, stored column-wise (compact JSON).
///
/// Node 0 is the root. An internal node `i` sends a row left when
/// `row[feature[i]] <= threshold[i]`, or when the value is missing (NaN) and
/// `missing_left[i]`, to node `left[i]`, else to `left[i] + 1`; a leaf has `left[i] == 0` and
/// predicts `value[i]`. `missing_left` is empty when no node sends missing values left (and
/// in models saved before it existed, whose missing values all went right).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub feature: Vec<u32>,
    pub threshold: Vec<f64>,
    pub left: Vec<u32>,
    pub value: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_left: Vec<bool>,
}

impl Tree {
    /// The raw-value form of a grown tree, with leaf values scaled by `scale`.
    pub(crate) fn from_grown(grown: &GrownTree, mapper: &BinMapper, scale: f64) -> Tree {
        let n = grown.nodes.len();
        let mut tree = Tree {
            feature: vec![0; n],
            threshold: vec![0.0; n],
            left: vec![0; n],
            value: vec![0.0; n],
            missing_left: vec![false; n],
        };
        for (i, node) in grown.nodes.iter().enumerate() {
            match node.split {
                Some((feature, bin, missing_left)) => {
                    tree.feature[i] = feature as u32;
                    tree.threshold[i] = mapper.edge(feature, bin);
                    tree.left[i] = node.left as u32;
                    tree.missing_left[i] = missing_left;
                }
                None => tree.value[i] = node.value * scale,
            }
        }
        if !tree.missing_left.contains(&true) {
            tree.missing_left.clear();
        }
        tree
    }

    pub fn n_leaves(&self) -> usize {
        self.left.iter().filter(|&&l| l == 0).count()
    }

    pub fn predict_row(&self, row: &[f64]) -> f64 {
        let mut i = 0usize;
        loop {
            let left = self.left[i] as usize;
            if left == 0 {
                return self.value[i];
            }
            // Branch-free step (the right child follows the left).
            let value = row[self.feature[i] as usize];
            let nan_left = self.missing_left.get(i).copied().unwrap_or(false) && value.is_nan();
            i = left + 1 - usize::from(value <= self.threshold[i] || nan_left);
        }
    }

    /// Checks a tree read from storage, so that prediction can neither index out of bounds
    /// nor loop: children come after their parent and exist, features exist.
    pub(crate) fn check(&self, n_features: usize) -> Result<()> {
        let n = self.left.len();
        let bad = |why: String| Err(Error::artifact("model", format!("invalid tree: {why}")));
        if n == 0 || self.feature.len() != n || self.threshold.len() != n || self.value.len() != n {
            return bad("node arrays are empty or differ in length".into());
        }
        if !self.missing_left.is_empty() && self.missing_left.len() != n {
            return bad("missing_left has another length than the nodes".into());
        }
        for i in 0..n {
            let left = self.left[i] as usize;
            if left != 0 && (left <= i || left + 1 >= n) {
                return bad(format!("node {i} has children {left}, {}", left + 1));
            }
            if left != 0 && self.feature[i] as usize >= n_features {
                return bad(format!("node {i} splits on feature {} of {n_features}", self.feature[i]));
            }
        }
        Ok(())
    }
}

/// A node of [`PackedTrees`]: 16 bytes, so four share a cache line.
///
/// A split sends a row to `right − 1` (its left child) when `row[feature] <= threshold`, or
/// when the value is missing and the top bit of `feature` ([`MISSING_LEFT`]) is set, else to
/// `right`. A leaf has a NaN threshold and `right` = itself, so a row that reached it stays
/// there whatever its values: the walk needs no test for leaves.
#[derive(Debug, Clone, Copy)]
struct PackedNode {
    threshold: f64,
    feature: u32,
    right: u32,
}

/// The bit of [`PackedNode::feature`] that sends missing values left.
const MISSING_LEFT: u32 = 1 << 31;

/// Rows per piece of [`PackedTrees::add_predictions`]: 256 rows of 20 features are 40 KiB, so a
/// piece stays in the first- or second-level cache while every tree walks it.
const PREDICT_CHUNK: usize = 256;
/// Rows that go down one tree side by side: one row's path is a chain of dependent loads,
/// eight independent chains keep the processor busy.
const PREDICT_LANES: usize = 8;

/// Checked trees laid out for prediction: every tree's nodes in one flat array of
/// [`PackedNode`]s (global indices), the leaf values apart.
///
/// Prediction goes piece by piece over the rows and, within a piece, tree by tree, so a
/// piece of the row-major matrix is read from memory once rather than once per tree; each
/// row still sums its trees in their order, so the result is exactly the tree-by-tree one.
/// The walk of one tree over one piece is its own small function, called once per tree and
/// piece: WebAssembly engines swap in optimised code only at a call, so one long call over
/// all rows would run in baseline code to the end.
pub(crate) struct PackedTrees {
    nodes: Vec<PackedNode>,
    values: Vec<f64>,
    roots: Vec<usize>,
    n_features: usize,
}

impl PackedTrees {
    /// Packs `trees` after checking each against `n_features` (a stored model may be corrupt).
    pub fn new(trees: &[Tree], n_features: usize) -> Result<Self> {
        let total = trees.iter().map(|t| t.left.len()).sum();
        let mut packed =
            PackedTrees { nodes: Vec::with_capacity(total), values: Vec::with_capacity(total), roots: Vec::new(), n_features };
        for tree in trees {
            tree.check(n_features)?;
            let root = packed.nodes.len();
            packed.roots.push(root);
            for i in 0..tree.left.len() {
                let left = tree.left[i] as usize;
                let node = if left == 0 {
                    PackedNode { threshold: f64::NAN, feature: 0, right: (root + i) as u32 }
                } else {
                    let missing_left = if tree.missing_left.get(i).copied().unwrap_or(false) { MISSING_LEFT } else { 0 };
                    PackedNode { threshold: tree.threshold[i], feature: tree.feature[i] | missing_left, right: (root + left + 1) as u32 }
                };
                packed.nodes.push(node);
                packed.values.push(if left == 0 { tree.value[i] } else { 0.0 });
            }
        }
        if packed.nodes.len() > u32::MAX as usize {
            return Err(Error::artifact("model", "too many tree nodes"));
        }
        Ok(packed)
    }

    /// Adds the sum of the trees' predictions for each row of `x` to `out` (one per row).
    pub fn add_predictions(&self, x: &Matrix, out: &mut [f64]) -> Result<()> {
        if x.cols() != self.n_features || out.len() != x.rows() {
            return Err(Error::part("predict", "the matrix does not match the trees"));
        }
        let cols = x.cols();
        for (rows, sums) in x.data().chunks(PREDICT_CHUNK * cols).zip(out.chunks_mut(PREDICT_CHUNK)) {
            for &root in &self.roots {
                self.add_tree(root, rows, cols, sums);
            }
        }
        Ok(())
    }

    /// One tree's leaf value added to each row of a piece (`rows` row-major, `cols` wide).
    #[inline(never)]
    fn add_tree(&self, root: usize, rows: &[f64], cols: usize, sums: &mut [f64]) {
        for (block, block_sums) in rows.chunks(PREDICT_LANES * cols).zip(sums.chunks_mut(PREDICT_LANES)) {
            let mut node = [root; PREDICT_LANES];
            loop {
                let mut moved = false;
                for (j, n) in node.iter_mut().enumerate().take(block_sums.len()) {
                    let current = self.nodes[*n];
                    let value = block[j * cols + (current.feature & !MISSING_LEFT) as usize];
                    let nan_left = (current.feature & MISSING_LEFT != 0) & value.is_nan();
                    let next = current.right as usize - usize::from((value <= current.threshold) | nan_left);
                    moved |= next != *n;
                    *n = next;
                }
                if !moved {
                    break;
                }
            }
            for (sum, n) in block_sums.iter_mut().zip(node) {
                *sum += self.values[n];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grow_on(values: &[f64], y: &[f64], params: GrowParams) -> (Tree, GrownTree) {
        let x = Matrix::new(vec!["x".into()], values.to_vec()).unwrap();
        let all: Vec<u32> = (0..values.len() as u32).collect();
        let mapper = BinMapper::fit(&x, &all, 255);
        let binned = mapper.transform(&x, &all);
        // Squared error from a zero start: g = −y, h = 1, so leaf values are leaf means.
        let grad: Vec<f64> = y.iter().map(|v| -v).collect();
        let hess = vec![1.0; y.len()];
        let mut grower = TreeGrower::new(&binned, params);
        let grown = grower.grow(&all, &grad, &hess, &mut SplitMix64::new(0));
        (Tree::from_grown(&grown, &mapper, 1.0), grown)
    }

    fn params(max_leaf_nodes: Option<usize>) -> GrowParams {
        GrowParams {
            max_leaf_nodes,
            max_depth: None,
            min_samples_leaf: 1,
            min_hessian_leaf: 0.0,
            l2_regularization: 0.0,
            max_features: 1.0,
        }
    }

    #[test]
    fn a_tree_fits_a_step_function_exactly() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|&v| if v < 30.0 { 1.0 } else if v < 70.0 { 5.0 } else { -2.0 }).collect();
        let (tree, _) = grow_on(&x, &y, params(Some(3)));
        assert_eq!(tree.n_leaves(), 3);
        for (v, target) in x.iter().zip(&y) {
            assert_eq!(tree.predict_row(&[*v]), *target);
        }
        let matrix = Matrix::new(vec!["x".into()], x.clone()).unwrap();
        let mut packed = vec![0.0; x.len()];
        PackedTrees::new(std::slice::from_ref(&tree), 1).unwrap().add_predictions(&matrix, &mut packed).unwrap();
        assert_eq!(packed, y);
        // Between training points the split sits at the midpoint.
        assert_eq!(tree.predict_row(&[29.4]), 1.0);
        assert_eq!(tree.predict_row(&[29.6]), 5.0);
        tree.check(1).unwrap();
    }

    #[test]
    fn missing_values_go_the_side_the_split_learned() {
        // Missing rows are like the small values: one split sends them left with them.
        let x = [1.0, 2.0, 3.0, 4.0, f64::NAN, f64::NAN];
        let y = [0.0, 0.0, 10.0, 10.0, 0.0, 0.0];
        let (tree, _) = grow_on(&x, &y, params(Some(2)));
        assert_eq!(tree.n_leaves(), 2);
        assert_eq!(tree.missing_left, vec![true, false, false]);
        for (v, target) in x.iter().zip(&y) {
            assert_eq!(tree.predict_row(&[*v]), *target, "x = {v}");
        }
        let matrix = Matrix::new(vec!["x".into()], x.to_vec()).unwrap();
        let mut packed = vec![0.0; x.len()];
        PackedTrees::new(std::slice::from_ref(&tree), 1).unwrap().add_predictions(&matrix, &mut packed).unwrap();
        assert_eq!(packed, y, "the packed walk sends missing values the same way");
        // Like the large values: they go right, and the tree records no left-going node.
        let (right, _) = grow_on(&x, &[0.0, 0.0, 10.0, 10.0, 10.0, 10.0], params(Some(2)));
        assert!(right.missing_left.is_empty(), "{:?}", right.missing_left);
        assert_eq!(right.predict_row(&[f64::NAN]), 10.0);
        // Unlike every value: one split separates the missing rows from all the others.
        let (apart, _) = grow_on(&x, &[3.0, 3.0, 3.0, 3.0, -7.0, -7.0], params(Some(2)));
        assert_eq!((apart.predict_row(&[f64::NAN]), apart.predict_row(&[4.0]), apart.predict_row(&[100.0])), (-7.0, 3.0, 3.0));
        // A tree saved before missing values had a side (no `missing_left`) reads as all right.
        let old: Tree = serde_json::from_str(r#"{"feature":[0,0,0],"threshold":[2.5,0,0],"left":[1,0,0],"value":[0,1,2]}"#).unwrap();
        assert_eq!(old.predict_row(&[f64::NAN]), 2.0);
    }

    #[test]
    fn best_first_takes_the_largest_gain_and_depth_first_splits_everything() {
        let x: Vec<f64> = (0..8).map(f64::from).collect();
        let y = [0.0, 0.0, 0.0, 0.0, 100.0, 100.0, 101.0, 101.0];
        let (tree, _) = grow_on(&x, &y, params(Some(2)));
        assert_eq!(tree.n_leaves(), 2);
        assert_eq!(tree.predict_row(&[6.0]), 100.5);
        let (full, grown) = grow_on(&x, &y, params(None));
        assert_eq!(full.n_leaves(), 3);
        assert_eq!(full.predict_row(&[6.0]), 101.0);
        assert_eq!(grown.leaves().map(|l| l.stats.count).sum::<u32>(), 8);
    }

    #[test]
    fn min_samples_leaf_and_max_depth_hold() {
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| (v * 0.7).sin() * 10.0 + v).collect();
        let (_, grown) = grow_on(&x, &y, GrowParams { min_samples_leaf: 7, max_depth: Some(3), ..params(None) });
        assert!(grown.leaves().all(|l| l.stats.count >= 7 && l.depth <= 3));
        assert!(grown.leaves().count() <= 8);
    }

    /// Several trees on several features, rows with NaN and a leaf-only tree: the packed,
    /// piecewise prediction is exactly each row's sum of `predict_row` in tree order.
    #[test]
    fn packed_prediction_equals_the_sum_of_row_by_row_predictions() {
        let mut rng = SplitMix64::new(11);
        let (rows, cols) = (PREDICT_CHUNK * 2 + 13, 3);
        let data: Vec<f64> = (0..rows * cols)
            .map(|i| if i % 37 == 5 { f64::NAN } else { rng.below(1000) as f64 / 7.0 })
            .collect();
        let x = Matrix::new(vec!["a".into(), "b".into(), "c".into()], data).unwrap();
        let all: Vec<u32> = (0..rows as u32).collect();
        let mapper = BinMapper::fit(&x, &all, 32);
        let binned = mapper.transform(&x, &all);
        let mut grower = TreeGrower::new(&binned, GrowParams { min_samples_leaf: 3, ..params(Some(20)) });
        let mut trees: Vec<Tree> = (0..4)
            .map(|t| {
                let grad: Vec<f64> = (0..rows).map(|r| ((r * (t + 3)) % 17) as f64 - 8.0).collect();
                let grown = grower.grow(&all, &grad, &vec![1.0; rows], &mut rng);
                Tree::from_grown(&grown, &mapper, 0.3)
            })
            .collect();
        trees.push(Tree { feature: vec![0], threshold: vec![0.0], left: vec![0], value: vec![2.5], missing_left: vec![] });
        assert!(trees[0].n_leaves() > 5);
        let mut packed = vec![1.0; rows];
        PackedTrees::new(&trees, cols).unwrap().add_predictions(&x, &mut packed).unwrap();
        for (r, p) in packed.iter().enumerate() {
            let expected = trees.iter().fold(1.0, |sum, tree| sum + tree.predict_row(x.row(r)));
            assert_eq!(*p, expected, "row {r}");
        }
        let refused = PackedTrees::new(&trees, 2).err().expect("refused").to_string();
        assert!(refused.starts_with("model: invalid tree: node ") && refused.ends_with("splits on feature 2 of 2"), "{refused}");
    }

    #[test]
    fn corrupt_trees_are_rejected() {
        let tree = Tree { feature: vec![0, 0], threshold: vec![0.0, 0.0], left: vec![1, 0], value: vec![0.0, 1.0], missing_left: vec![] };
        assert_eq!(tree.check(1).unwrap_err().to_string(), "model: invalid tree: node 0 has children 1, 2");
        let cycle = Tree { feature: vec![0; 3], threshold: vec![0.0; 3], left: vec![1, 1, 0], value: vec![0.0; 3], missing_left: vec![] };
        assert_eq!(cycle.check(1).unwrap_err().to_string(), "model: invalid tree: node 1 has children 1, 2");
        let feature = Tree { feature: vec![3, 0, 0], threshold: vec![0.0; 3], left: vec![1, 0, 0], value: vec![0.0; 3], missing_left: vec![] };
        assert_eq!(feature.check(1).unwrap_err().to_string(), "model: invalid tree: node 0 splits on feature 3 of 1");
    }
}
