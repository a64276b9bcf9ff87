//! Decision tree and random forest regressors (squared error), on the histogram trees.
//!
//! smartcore 0.7 has both, but they cannot be stored: their fitted trees are private and only
//! serialise through smartcore's `serde` feature, which pulls `typetag` and breaks wasm32.
//! They are also slow here — every node re-sorts its rows (see the figures in the models
//! report). So these grow the same binned trees as the boosting ([`super::hist_tree`]) with
//! g = w·(ȳ − y), h = w, λ = 0, where the gain is exactly the weighted squared-error
//! reduction and a leaf's value is the weighted mean of its rows. Thresholds are bin edges
//! (≤ 256 quantile bins per feature) instead of every midpoint, the usual histogram
//! approximation.
//!
//! The forest is scikit-learn's `RandomForestRegressor`: each tree on a bootstrap sample of
//! the rows (drawn from the fit's seed; a row drawn k times counts k times, through its
//! weight), `max_features` of the features tried at each node, predictions averaged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::binning::{BinMapper, MAX_BINS};
use super::hist_tree::{normalise_importances, GrowParams, PackedTrees, Tree, TreeGrower};
use crate::rng::SplitMix64;
use super::stats::weighted_mean;
use super::{optional_to_string, param_bool, param_in, param_optional_usize, Estimator, FitContext, Matrix, Predictor, TrainingSet};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    /// 1 with `bootstrap = false` and `max_features = 1` is a single decision tree.
    pub n_trees: usize,
    pub max_depth: Option<usize>,
    pub max_leaf_nodes: Option<usize>,
    pub min_samples_leaf: usize,
    pub max_features: f64,
    pub bootstrap: bool,
    pub max_bins: usize,
    pub weighted: bool,
}

impl ForestParams {
    pub fn decision_tree() -> Self {
        ForestParams {
            n_trees: 1,
            max_depth: Some(12),
            max_leaf_nodes: None,
            min_samples_leaf: 5,
            max_features: 1.0,
            bootstrap: false,
            max_bins: 255,
            weighted: true,
        }
    }

    pub fn random_forest() -> Self {
        ForestParams {
            n_trees: 50,
            max_depth: Some(12),
            max_leaf_nodes: None,
            min_samples_leaf: 1,
            max_features: 1.0,
            bootstrap: true,
            max_bins: 255,
            weighted: true,
        }
    }

    /// The decision tree has neither `n_trees` nor `bootstrap`: `forest` = false.
    pub fn to_map(&self, forest: bool) -> BTreeMap<String, String> {
        let mut map = BTreeMap::from([
            ("max_depth".to_string(), optional_to_string(self.max_depth)),
            ("max_leaf_nodes".to_string(), optional_to_string(self.max_leaf_nodes)),
            ("min_samples_leaf".to_string(), self.min_samples_leaf.to_string()),
            ("max_features".to_string(), self.max_features.to_string()),
            ("max_bins".to_string(), self.max_bins.to_string()),
            ("weighted".to_string(), self.weighted.to_string()),
        ]);
        if forest {
            map.insert("n_trees".to_string(), self.n_trees.to_string());
            map.insert("bootstrap".to_string(), self.bootstrap.to_string());
        }
        map
    }

    pub fn from_map(forest: bool, values: &BTreeMap<String, String>) -> Result<Self> {
        Ok(ForestParams {
            n_trees: if forest { param_in(values, "n_trees", "an integer ≥ 1", |v: usize| v >= 1)? } else { 1 },
            max_depth: param_optional_usize(values, "max_depth", "an integer ≥ 1 or none", |v| v >= 1)?,
            max_leaf_nodes: param_optional_usize(values, "max_leaf_nodes", "an integer ≥ 2 or none", |v| v >= 2)?,
            min_samples_leaf: param_in(values, "min_samples_leaf", "an integer ≥ 1", |v: usize| v >= 1)?,
            max_features: param_in(values, "max_features", "a number in (0, 1]", |v: f64| v > 0.0 && v <= 1.0)?,
            bootstrap: if forest { param_bool(values, "bootstrap")? } else { false },
            max_bins: param_in(values, "max_bins", &format!("an integer in 2..={MAX_BINS}"), |v: usize| {
                (2..=MAX_BINS).contains(&v)
            })?,
            weighted: param_bool(values, "weighted")?,
        })
    }
}

/// A fitted tree ensemble whose prediction is the mean of its trees (one tree for a
/// decision tree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestModel {
    pub feature_names: Vec<String>,
    pub trees: Vec<Tree>,
    /// Total squared-error reduction per feature, normalised to sum to 1.
    pub feature_importances: Vec<f64>,
}

impl Estimator for ForestParams {
    type Fitted = ForestModel;

    fn fit(&self, data: TrainingSet<'_>, ctx: &mut FitContext<'_>) -> Result<ForestModel> {
        let x = data.x;
        let n = x.rows();
        let all_rows: Vec<u32> = (0..n as u32).collect();
        let mapper = BinMapper::fit(x, &all_rows, self.max_bins);
        let binned = mapper.transform(x, &all_rows);
        let grow = GrowParams {
            max_leaf_nodes: self.max_leaf_nodes,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            min_hessian_leaf: 0.0,
            l2_regularization: 0.0,
            max_features: self.max_features,
        };
        let mut grower = TreeGrower::new(&binned, grow);
        let root = SplitMix64::new(ctx.seed);
        let base_weight = |r: usize| data.weight(r, self.weighted);
        let (mut grad, mut hess) = (vec![0.0; n], vec![0.0; n]);
        let mut counts = vec![0u32; n];
        let mut trees = Vec::with_capacity(self.n_trees);
        let mut importances = vec![0.0; x.cols()];
        for t in 0..self.n_trees {
            let mut rng = root.fork(t as u64);
            let drawn;
            let sample: &[u32] = if self.bootstrap {
                counts.fill(0);
                for _ in 0..n {
                    counts[rng.below(n)] += 1;
                }
                drawn = all_rows.iter().copied().filter(|&r| counts[r as usize] > 0).collect::<Vec<u32>>();
                &drawn
            } else {
                counts.fill(1);
                &all_rows
            };
            let mean = weighted_mean(sample.iter().map(|&r| {
                let r = r as usize;
                (data.y[r], base_weight(r) * f64::from(counts[r]))
            }));
            for &r in sample {
                let r = r as usize;
                let w = base_weight(r) * f64::from(counts[r]);
                grad[r] = w * (mean - data.y[r]);
                hess[r] = w;
            }
            let grown = grower.grow(sample, &grad, &hess, &mut rng);
            grown.add_importances(&mut importances);
            let mut tree = Tree::from_grown(&grown, &mapper, 1.0);
            for (value, &left) in tree.value.iter_mut().zip(&tree.left) {
                if left == 0 {
                    *value += mean;
                }
            }
            trees.push(tree);
            ctx.report(t + 1, self.n_trees);
        }
        normalise_importances(&mut importances);
        Ok(ForestModel { feature_names: x.names().to_vec(), trees, feature_importances: importances })
    }
}

impl ForestModel {
    pub fn named_importances(&self) -> Vec<(String, f64)> {
        self.feature_names.iter().cloned().zip(self.feature_importances.iter().copied()).collect()
    }
}

impl Predictor for ForestModel {
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_same_columns(&self.feature_names)?;
        if self.trees.is_empty() {
            return Err(Error::artifact("model", "a forest without trees"));
        }
        let trees = PackedTrees::new(&self.trees, x.cols())?;
        let mut sums = vec![0.0; x.rows()];
        trees.add_predictions(x, &mut sums)?;
        let scale = 1.0 / self.trees.len() as f64;
        sums.iter_mut().for_each(|s| *s *= scale);
        Ok(sums)
    }
}
