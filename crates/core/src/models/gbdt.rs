//! Histogram gradient boosting for regression: our own, because it is the model that wins
//! here and none of the Rust options builds for wasm32 without threads and is fast enough.
//!
//! It follows LightGBM and scikit-learn's `HistGradientBoostingRegressor`: features binned
//! once into ≤ 256 quantile bins on the training rows ([`super::binning`]), leaf-wise trees
//! grown from gradient histograms with histogram subtraction ([`super::hist_tree`]), Newton
//! leaf values −G/(H+λ) shrunk by the learning rate. Losses:
//! - `squared`: g = w·(ŷ − y), h = w.
//! - `absolute`: g = w·sign(ŷ − y), h = w to choose the splits; each leaf's value is then the
//!   weighted median of the residuals of its rows (as LightGBM and scikit-learn do), so the
//!   model minimises the weighted absolute error, which with holiday weights 5 is WMAE.
//! - `huber`: g = w·clip(ŷ − y, ±δ), h = w, δ the `huber_quantile` of |y − ŷ| at each iteration
//!   (scikit-learn's `GradientBoostingRegressor` adapts δ the same way).
//!
//! `offset` names a column whose value is added to every prediction (LightGBM's init score):
//! with `lag_1` the trees learn the change from last week instead of the level of a series,
//! which varies by three orders of magnitude between departments. A missing offset value
//! counts as 0 (the trees see it missing and learn where such rows go).
//!
//! Early stopping holds out the *latest* rows by time (the `time` of the [`TrainingSet`],
//! e.g. days since 1970 of each row's date) — a random holdout would leak the future of each
//! series into the validation — and keeps the trees up to the best validation loss. Without
//! times it holds out a seeded random fraction, as scikit-learn does. All randomness (row and
//! feature subsampling, that fallback) comes from the fit's seed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::binning::{BinMapper, MAX_BINS};
use super::hist_tree::{normalise_importances, GrowParams, PackedTrees, Tree, TreeGrower};
use crate::rng::SplitMix64;
use super::stats::{weighted_mean, weighted_median};
use super::{
    optional_to_string, param_bool, param_in, param_optional_usize, Estimator, FitContext, Matrix, Predictor, TrainingSet,
};
use crate::error::{Error, Result};
use crate::stage::Stage;

/// The loss the boosting minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GbdtLoss {
    Squared,
    Absolute,
    Huber,
}

impl GbdtLoss {
    const NAMES: [(&'static str, GbdtLoss); 3] =
        [("squared", GbdtLoss::Squared), ("absolute", GbdtLoss::Absolute), ("huber", GbdtLoss::Huber)];

    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, l)| *l == self).map_or("squared", |(n, _)| n)
    }

    fn parse(text: &str) -> Result<Self> {
        Self::NAMES.iter().find(|(n, _)| *n == text).map(|(_, l)| *l).ok_or_else(|| {
            Error::Params(format!("parameter \"loss\" must be one of squared, absolute, huber, got \"{text}\""))
        })
    }
}

/// Hyperparameters of [`GbdtModel`]; the defaults are what the validation tail of the
/// training part chose (see the `models` module docs), within a fit-time budget of 5 s in
/// the browser on the full train.csv (about 2.3 s natively).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtParams {
    pub loss: GbdtLoss,
    /// δ of the Huber loss as a quantile of the absolute residuals, in (0, 1).
    pub huber_quantile: f64,
    pub learning_rate: f64,
    /// Number of boosting iterations (trees), at most.
    pub max_iter: usize,
    /// Leaves per tree (best-first growth); `None` = limited by depth only.
    pub max_leaf_nodes: Option<usize>,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    /// λ: L2 penalty on leaf values.
    pub l2_regularization: f64,
    /// Bins per feature, 2..=256.
    pub max_bins: usize,
    /// Fraction of the rows drawn (without replacement) for each tree.
    pub subsample: f64,
    /// Fraction of the features drawn for each node's split search.
    pub max_features: f64,
    /// Fraction of the features drawn for each tree (LightGBM's `feature_fraction`): the
    /// tree's histograms are built for those only, so it also cuts the fit time.
    #[serde(default = "all_features")]
    pub feature_fraction: f64,
    /// Hold out the latest `validation_fraction` of the rows and stop when the validation
    /// loss has not improved by a relative `tol` for `n_iter_no_change` iterations.
    pub early_stopping: bool,
    pub validation_fraction: f64,
    pub n_iter_no_change: usize,
    pub tol: f64,
    /// Use the sample weights (5 on holiday weeks) in the loss.
    pub weighted: bool,
    /// A column added to every prediction (the trees learn the rest), or `None`. The name
    /// `lag` means the shortest lag column, `lag_h` (`lag_1` at horizon 1).
    pub offset: Option<String>,
}

impl Default for GbdtParams {
    fn default() -> Self {
        GbdtParams {
            loss: GbdtLoss::Absolute,
            huber_quantile: 0.9,
            learning_rate: 0.2,
            max_iter: 50,
            max_leaf_nodes: Some(255),
            max_depth: None,
            min_samples_leaf: 50,
            l2_regularization: 0.0,
            max_bins: 255,
            subsample: 1.0,
            max_features: 1.0,
            feature_fraction: 1.0,
            early_stopping: false,
            validation_fraction: 0.1,
            n_iter_no_change: 20,
            tol: 1e-4,
            weighted: true,
            offset: Some(SHORT_LAG.into()),
        }
    }
}

fn all_features() -> f64 {
    1.0
}

/// The `offset` value that stands for the shortest lag column, whatever the horizon.
const SHORT_LAG: &str = "lag";

/// The column index of an `offset` name.
fn offset_column(x: &Matrix, name: &str) -> Result<usize> {
    if name != SHORT_LAG {
        return x.column_index(name);
    }
    x.names()
        .iter()
        .position(|n| n.starts_with("lag_") && n != "lag_52")
        .ok_or_else(|| Error::stage(Stage::Train, "gbdt: offset \"lag\" needs a lag_h column in the features"))
}

impl GbdtParams {
    pub fn to_map(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("loss".into(), self.loss.name().into()),
            ("huber_quantile".into(), self.huber_quantile.to_string()),
            ("learning_rate".into(), self.learning_rate.to_string()),
            ("max_iter".into(), self.max_iter.to_string()),
            ("max_leaf_nodes".into(), optional_to_string(self.max_leaf_nodes)),
            ("max_depth".into(), optional_to_string(self.max_depth)),
            ("min_samples_leaf".into(), self.min_samples_leaf.to_string()),
            ("l2_regularization".into(), self.l2_regularization.to_string()),
            ("max_bins".into(), self.max_bins.to_string()),
            ("subsample".into(), self.subsample.to_string()),
            ("max_features".into(), self.max_features.to_string()),
            ("feature_fraction".into(), self.feature_fraction.to_string()),
            ("early_stopping".into(), self.early_stopping.to_string()),
            ("validation_fraction".into(), self.validation_fraction.to_string()),
            ("n_iter_no_change".into(), self.n_iter_no_change.to_string()),
            ("tol".into(), self.tol.to_string()),
            ("weighted".into(), self.weighted.to_string()),
            ("offset".into(), self.offset.clone().unwrap_or_else(|| "none".into())),
        ])
    }

    pub fn from_map(values: &BTreeMap<String, String>) -> Result<Self> {
        let fraction = |v: f64| v > 0.0 && v <= 1.0;
        let offset = values.get("offset").map(String::as_str).unwrap_or("none");
        Ok(GbdtParams {
            loss: GbdtLoss::parse(values.get("loss").map(String::as_str).unwrap_or_default())?,
            huber_quantile: param_in(values, "huber_quantile", "a number in (0, 1)", |v: f64| v > 0.0 && v < 1.0)?,
            learning_rate: param_in(values, "learning_rate", "a number > 0", |v: f64| v > 0.0 && v.is_finite())?,
            max_iter: param_in(values, "max_iter", "an integer ≥ 1", |v: usize| v >= 1)?,
            max_leaf_nodes: param_optional_usize(values, "max_leaf_nodes", "an integer ≥ 2 or none", |v| v >= 2)?,
            max_depth: param_optional_usize(values, "max_depth", "an integer ≥ 1 or none", |v| v >= 1)?,
            min_samples_leaf: param_in(values, "min_samples_leaf", "an integer ≥ 1", |v: usize| v >= 1)?,
            l2_regularization: param_in(values, "l2_regularization", "a number ≥ 0", |v: f64| {
                v >= 0.0 && v.is_finite()
            })?,
            max_bins: param_in(values, "max_bins", &format!("an integer in 2..={MAX_BINS}"), |v: usize| {
                (2..=MAX_BINS).contains(&v)
            })?,
            subsample: param_in(values, "subsample", "a number in (0, 1]", fraction)?,
            max_features: param_in(values, "max_features", "a number in (0, 1]", fraction)?,
            feature_fraction: param_in(values, "feature_fraction", "a number in (0, 1]", fraction)?,
            early_stopping: param_bool(values, "early_stopping")?,
            validation_fraction: param_in(values, "validation_fraction", "a number in (0, 1)", |v: f64| {
                v > 0.0 && v < 1.0
            })?,
            n_iter_no_change: param_in(values, "n_iter_no_change", "an integer ≥ 1", |v: usize| v >= 1)?,
            tol: param_in(values, "tol", "a number ≥ 0", |v: f64| v >= 0.0 && v.is_finite())?,
            weighted: param_bool(values, "weighted")?,
            offset: (offset != "none").then(|| offset.to_string()),
        })
    }

    fn grow_params(&self) -> GrowParams {
        GrowParams {
            max_leaf_nodes: self.max_leaf_nodes,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            min_hessian_leaf: 0.0,
            l2_regularization: self.l2_regularization,
            max_features: self.max_features,
        }
    }
}

/// A fitted boosted ensemble: `ŷ = baseline + x[offset] + Σ trees(x)` (leaf values already
/// include the learning rate; `offset` is a column name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbdtModel {
    pub feature_names: Vec<String>,
    pub loss: GbdtLoss,
    pub baseline: f64,
    pub offset: Option<String>,
    pub trees: Vec<Tree>,
    /// Validation loss after each iteration (empty without early stopping).
    pub validation_loss: Vec<f64>,
    /// Total split gain per feature, normalised to sum to 1.
    pub feature_importances: Vec<f64>,
}

impl Estimator for GbdtParams {
    type Fitted = GbdtModel;

    fn fit(&self, data: TrainingSet<'_>, ctx: &mut FitContext<'_>) -> Result<GbdtModel> {
        let x = data.x;
        let n = x.rows();
        let mut rng = SplitMix64::new(ctx.seed);
        let offset_column = self.offset.as_deref().map(|name| offset_column(x, name)).transpose()?;
        // A missing offset value counts as 0, as in the zero-filled matrix.
        let offset_of = |r: usize| offset_column.map_or(0.0, |c| zero_if_missing(x.get(r, c)));
        let weight_of = |r: usize| data.weight(r, self.weighted);

        let (train_rows, valid_rows) = if self.early_stopping {
            validation_split(n, data.time, self.validation_fraction, &mut rng)
        } else {
            ((0..n as u32).collect(), Vec::new())
        };
        if train_rows.is_empty() {
            return Err(Error::stage(Stage::Train, "gbdt: no rows left for training after the validation hold-out"));
        }
        let mapper = BinMapper::fit(x, &train_rows, self.max_bins);
        let binned = mapper.transform(x, &train_rows);
        let binned_valid = mapper.transform(x, &valid_rows);

        // Targets and predictions below are relative to the offset column.
        let target = |rows: &[u32]| -> Vec<f64> { rows.iter().map(|&r| data.y[r as usize] - offset_of(r as usize)).collect() };
        let (y, y_valid) = (target(&train_rows), target(&valid_rows));
        let w: Vec<f64> = train_rows.iter().map(|&r| weight_of(r as usize)).collect();
        let w_valid: Vec<f64> = valid_rows.iter().map(|&r| weight_of(r as usize)).collect();

        let baseline = match self.loss {
            GbdtLoss::Squared => weighted_mean(y.iter().copied().zip(w.iter().copied())),
            GbdtLoss::Absolute | GbdtLoss::Huber => {
                let mut pairs: Vec<(f64, f64)> = y.iter().copied().zip(w.iter().copied()).collect();
                weighted_median(&mut pairs)
            }
        };
        let n_train = train_rows.len();
        let mut raw = vec![baseline; n_train];
        let mut raw_valid = vec![baseline; valid_rows.len()];
        // The hessians are the weights for every loss (see `gradients`).
        let mut grad = vec![0.0; n_train];
        let mut residuals: Vec<(f64, f64)> = Vec::new();
        let all_rows: Vec<u32> = (0..n_train as u32).collect();
        let all_valid: Vec<u32> = (0..valid_rows.len() as u32).collect();
        let mut sample_scratch = Vec::new();
        let mut feature_scratch = Vec::new();
        let mut out_of_sample: Vec<u32> = Vec::new();
        let mut grower = TreeGrower::new(&binned, self.grow_params());

        let mut trees = Vec::new();
        let mut validation_loss = Vec::new();
        let mut importances = vec![0.0; x.cols()];
        let mut best = (f64::INFINITY, 0usize);
        for iteration in 0..self.max_iter {
            self.gradients(&y, &raw, &w, &mut grad, &mut residuals);
            let sampled;
            let sample: &[u32] = if self.subsample < 1.0 {
                let k = ((self.subsample * n_train as f64).round() as usize).max(1);
                sampled = rng.sample_indices(n_train, k, &mut sample_scratch);
                &sampled
            } else {
                &all_rows
            };
            if self.feature_fraction < 1.0 {
                let p = x.cols();
                let k = ((self.feature_fraction * p as f64).round() as usize).clamp(1, p);
                grower.use_features(&rng.sample_indices(p, k, &mut feature_scratch));
            }
            let mut tree = grower.grow(sample, &grad, &w, &mut rng);
            if self.loss == GbdtLoss::Absolute {
                // Line search: the weighted median of each leaf's residuals.
                let rows = grower.rows();
                for leaf in tree.nodes.iter_mut().filter(|node| node.split.is_none()) {
                    leaf.value = median_residual(&rows[leaf.rows.clone()], &y, &raw, &w, &mut residuals);
                }
            }
            let lr = self.learning_rate;
            // Rows in the sample: their leaf is known from the partition.
            let rows = grower.rows();
            for leaf in tree.leaves() {
                add_to_rows(&rows[leaf.rows.clone()], lr * leaf.value, &mut raw);
            }
            if sample.len() < n_train {
                out_of_sample.clear();
                let mut next = sample.iter().copied().peekable();
                for r in 0..n_train as u32 {
                    if next.peek() == Some(&r) {
                        next.next();
                    } else {
                        out_of_sample.push(r);
                    }
                }
                tree.add_binned_predictions(&binned, &out_of_sample, lr, &mut raw);
            }
            tree.add_importances(&mut importances);
            trees.push(Tree::from_grown(&tree, &mapper, lr));

            if !valid_rows.is_empty() {
                tree.add_binned_predictions(&binned_valid, &all_valid, lr, &mut raw_valid);
                let loss = self.validation_loss(&y_valid, &raw_valid, &w_valid);
                validation_loss.push(loss);
                if loss < best.0 * (1.0 - self.tol) || iteration == 0 {
                    best = (loss, iteration);
                } else if iteration - best.1 >= self.n_iter_no_change {
                    ctx.report(self.max_iter, self.max_iter);
                    break;
                }
            }
            ctx.report(iteration + 1, self.max_iter);
        }
        if !valid_rows.is_empty() {
            trees.truncate(best.1 + 1);
        }
        normalise_importances(&mut importances);
        Ok(GbdtModel {
            feature_names: x.names().to_vec(),
            loss: self.loss,
            baseline,
            // Stored resolved, so the model scores the same column whatever it was called.
            offset: offset_column.map(|c| x.names()[c].clone()),
            trees,
            validation_loss,
            feature_importances: importances,
        })
    }
}

// The per-leaf and per-iteration loops of `fit` are functions of their own, kept out of line:
// `fit` is called once per run, and WebAssembly engines swap in optimised code only at a
// call, so a loop inlined into it would run in baseline code to the end of the fit.

/// The weighted median of `y − raw` over one leaf's `rows`, `scratch` its buffer.
#[inline(never)]
fn median_residual(rows: &[u32], y: &[f64], raw: &[f64], w: &[f64], scratch: &mut Vec<(f64, f64)>) -> f64 {
    scratch.clear();
    scratch.extend(rows.iter().map(|&r| {
        let r = r as usize;
        (y[r] - raw[r], w[r])
    }));
    weighted_median(scratch)
}

/// Adds `value` to `raw` at each of one leaf's `rows`.
#[inline(never)]
fn add_to_rows(rows: &[u32], value: f64, raw: &mut [f64]) {
    for &r in rows {
        raw[r as usize] += value;
    }
}

impl GbdtParams {
    /// Gradients of the loss at the current predictions. The hessians are the weights `w`
    /// for every loss (the absolute and Huber losses use them to choose splits only).
    #[inline(never)]
    fn gradients(&self, y: &[f64], raw: &[f64], w: &[f64], grad: &mut [f64], scratch: &mut Vec<(f64, f64)>) {
        match self.loss {
            GbdtLoss::Squared => {
                for (((g, y), p), w) in grad.iter_mut().zip(y).zip(raw).zip(w) {
                    *g = w * (p - y);
                }
            }
            GbdtLoss::Absolute => {
                for (((g, y), p), w) in grad.iter_mut().zip(y).zip(raw).zip(w) {
                    *g = if p > y { *w } else if p < y { -w } else { 0.0 };
                }
            }
            GbdtLoss::Huber => {
                scratch.clear();
                scratch.extend(y.iter().zip(raw).map(|(y, p)| ((y - p).abs(), 0.0)));
                let k = ((self.huber_quantile * scratch.len() as f64) as usize).min(scratch.len() - 1);
                let delta = scratch.select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0)).1 .0;
                for (((g, y), p), w) in grad.iter_mut().zip(y).zip(raw).zip(w) {
                    *g = w * (p - y).clamp(-delta, delta);
                }
            }
        }
    }

    /// Weighted mean squared error for the squared loss, weighted mean absolute error else.
    fn validation_loss(&self, y: &[f64], raw: &[f64], w: &[f64]) -> f64 {
        let error = |(y, p): (&f64, &f64)| match self.loss {
            GbdtLoss::Squared => (y - p) * (y - p),
            GbdtLoss::Absolute | GbdtLoss::Huber => (y - p).abs(),
        };
        weighted_mean(y.iter().zip(raw).map(error).zip(w.iter().copied()))
    }
}

/// Rows for training and for validation. With times, the validation rows are those at the
/// latest times, about `fraction` of all rows, whole time steps at a time (never all of them);
/// without, a seeded random `fraction`.
fn validation_split(n: usize, time: Option<&[i32]>, fraction: f64, rng: &mut SplitMix64) -> (Vec<u32>, Vec<u32>) {
    let wanted = ((fraction * n as f64).round() as usize).clamp(1, n.saturating_sub(1).max(1));
    let in_validation: Vec<bool> = match time {
        Some(time) => {
            let mut sorted = time.to_vec();
            sorted.sort_unstable();
            // The earliest time such that rows at or after it are at least `wanted`,
            // moved forward if that would leave no training rows.
            let mut threshold = sorted[n - wanted];
            if threshold == sorted[0] {
                threshold = sorted.iter().copied().find(|&t| t > threshold).unwrap_or(i32::MAX);
            }
            time.iter().map(|&t| t >= threshold).collect()
        }
        None => {
            let mut flags = vec![false; n];
            for r in rng.sample_indices(n, wanted, &mut Vec::new()) {
                flags[r as usize] = true;
            }
            flags
        }
    };
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for (r, &v) in in_validation.iter().enumerate() {
        if v { valid.push(r as u32) } else { train.push(r as u32) }
    }
    (train, valid)
}

impl GbdtModel {
    pub fn named_importances(&self) -> Vec<(String, f64)> {
        self.feature_names.iter().cloned().zip(self.feature_importances.iter().copied()).collect()
    }
}

/// A missing offset value (NaN, where the matrix keeps missing values) counts as 0.
fn zero_if_missing(value: f64) -> f64 {
    if value.is_nan() { 0.0 } else { value }
}

impl Predictor for GbdtModel {
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_same_columns(&self.feature_names)?;
        let trees = PackedTrees::new(&self.trees, x.cols())?;
        let offset = self.offset.as_deref().map(|name| x.column_index(name)).transpose()?;
        let mut predictions: Vec<f64> =
            (0..x.rows()).map(|r| self.baseline + offset.map_or(0.0, |c| zero_if_missing(x.get(r, c)))).collect();
        trees.add_predictions(x, &mut predictions)?;
        Ok(predictions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::FitProgress;

    fn fit(params: &GbdtParams, x: &Matrix, y: &[f64], w: &[f64], time: Option<&[i32]>) -> GbdtModel {
        let mut progress = |_| {};
        let mut ctx = FitContext { seed: 9, progress: &mut progress };
        params.fit(TrainingSet { x, y, weights: w, time }, &mut ctx).unwrap()
    }

    fn exact(loss: GbdtLoss) -> GbdtParams {
        GbdtParams {
            loss,
            learning_rate: 1.0,
            max_iter: 1,
            max_leaf_nodes: Some(3),
            min_samples_leaf: 1,
            weighted: false,
            offset: None,
            ..GbdtParams::default()
        }
    }

    fn step() -> (Matrix, Vec<f64>) {
        let values: Vec<f64> = (0..90).map(f64::from).collect();
        let y = values.iter().map(|&v| if v < 30.0 { 10.0 } else if v < 60.0 { -4.0 } else { 7.5 }).collect();
        (Matrix::new(vec!["x".into()], values).unwrap(), y)
    }

    #[test]
    fn one_tree_with_learning_rate_one_fits_a_step_function_exactly() {
        let (x, y) = step();
        for loss in [GbdtLoss::Squared, GbdtLoss::Absolute] {
            let model = fit(&exact(loss), &x, &y, &vec![1.0; 90], None);
            assert_eq!(model.trees.len(), 1);
            let pred = model.predict(&x).unwrap();
            for (p, t) in pred.iter().zip(&y) {
                assert!((p - t).abs() < 1e-9, "{loss:?}: {p} vs {t}");
            }
        }
    }

    #[test]
    fn boosting_converges_on_a_step_function_with_shrinkage() {
        let (x, y) = step();
        let params = GbdtParams { learning_rate: 0.3, max_iter: 60, ..exact(GbdtLoss::Squared) };
        let pred = fit(&params, &x, &y, &vec![1.0; 90], None).predict(&x).unwrap();
        assert!(pred.iter().zip(&y).all(|(p, t)| (p - t).abs() < 1e-6));
    }

    /// The absolute loss puts each leaf at the weighted median of its residuals: an outlier
    /// does not move it, a weight does.
    #[test]
    fn absolute_loss_leaves_are_weighted_medians() {
        let x = Matrix::new(vec!["x".into()], vec![0.0; 5]).unwrap();
        let y = [1.0, 2.0, 3.0, 4.0, 1000.0];
        let params = GbdtParams { max_leaf_nodes: Some(2), ..exact(GbdtLoss::Absolute) };
        let model = fit(&params, &x, &y, &[1.0; 5], None);
        assert_eq!(model.predict(&x).unwrap()[0], 3.0);
        let weighted = GbdtParams { weighted: true, ..params };
        let model = fit(&weighted, &x, &y, &[1.0, 1.0, 1.0, 1.0, 5.0], None);
        assert_eq!(model.predict(&x).unwrap()[0], 1000.0);
    }

    #[test]
    fn the_offset_column_is_added_to_every_prediction() {
        let x = Matrix::new(vec!["lag_1".into(), "z".into()], vec![100.0, 0.0, 200.0, 1.0, 300.0, 0.0, 400.0, 1.0]).unwrap();
        let y = [101.0, 205.0, 301.0, 405.0];
        let params = GbdtParams { offset: Some("lag".into()), max_leaf_nodes: Some(2), ..exact(GbdtLoss::Squared) };
        let model = fit(&params, &x, &y, &[1.0; 4], None);
        assert_eq!(model.offset.as_deref(), Some("lag_1"));
        assert_eq!(model.predict(&x).unwrap(), y.to_vec());
        let missing = GbdtParams { offset: Some("lag_9".into()), ..params };
        let mut progress = |_| {};
        let mut ctx = FitContext { seed: 0, progress: &mut progress };
        assert_eq!(missing.fit(TrainingSet { x: &x, y: &y, weights: &[1.0; 4], time: None }, &mut ctx).unwrap_err().to_string(), "matrix: no feature column \"lag_9\"");
    }

    #[test]
    fn the_validation_hold_out_is_the_latest_rows() {
        let time: Vec<i32> = (0..100).map(|i| (i * 37) % 100).collect();
        let (train, valid) = validation_split(100, Some(&time), 0.1, &mut SplitMix64::new(0));
        assert_eq!(valid.len(), 10);
        assert!(valid.iter().all(|&r| time[r as usize] >= 90));
        assert_eq!(train.len(), 90);
        // Ties at the threshold go to validation together; never everything.
        let same = vec![5; 10];
        let (train, valid) = validation_split(10, Some(&same), 0.5, &mut SplitMix64::new(0));
        assert_eq!((train.len(), valid.len()), (10, 0));
        let (train, valid) = validation_split(10, None, 0.3, &mut SplitMix64::new(0));
        assert_eq!((train.len(), valid.len()), (7, 3));
    }

    #[test]
    fn early_stopping_keeps_the_best_iteration_and_reports_progress() {
        // Noise only: any tree after the first few overfits the training part.
        let mut rng = SplitMix64::new(4);
        let values: Vec<f64> = (0..400).map(|_| rng.below(1000) as f64).collect();
        let y: Vec<f64> = (0..400).map(|_| rng.below(100) as f64).collect();
        let x = Matrix::new(vec!["x".into()], values).unwrap();
        let time: Vec<i32> = (0..400).collect();
        let params = GbdtParams {
            loss: GbdtLoss::Squared,
            max_iter: 200,
            min_samples_leaf: 2,
            early_stopping: true,
            n_iter_no_change: 5,
            offset: None,
            ..GbdtParams::default()
        };
        let mut reports = Vec::new();
        let mut progress = |p: FitProgress| reports.push(p);
        let mut ctx = FitContext { seed: 1, progress: &mut progress };
        let model = params.fit(TrainingSet { x: &x, y: &y, weights: &[1.0; 400], time: Some(&time) }, &mut ctx).unwrap();
        assert!(model.validation_loss.len() < 200);
        let best = model.validation_loss.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(model.validation_loss[model.trees.len() - 1], best);
        assert_eq!(reports.last(), Some(&FitProgress { done: 200, total: 200 }));
    }
}
