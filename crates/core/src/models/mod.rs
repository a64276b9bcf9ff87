//! Models: a common shape for every estimator, and the enum that stores fitted ones.
//!
//! Each model follows the same path (as linfa does): a name and string hyperparameters from
//! the user → checked, typed parameters (a bad name or value is an error listing the valid
//! ones) → `fit` on a [`TrainingSet`] → a fitted model that can `predict` and that
//! serializes with serde for the registry. [`FittedModel`] is an enum rather than a trait
//! object so that a stored model deserializes without a type registry, on wasm as natively.
//!
//! The models, by file: `seasonal_naive` and `series_level` (baselines any model must beat),
//! `linear` (least squares, ridge, lasso, elastic net on one weighted Gram matrix), `forest`
//! (decision tree, random forest) and `gbdt` (histogram gradient boosting, the strongest
//! here), the last two on the binned trees of `binning` and `hist_tree`. Every fit is
//! deterministic for its `FitContext::seed` (`rng`), reads no clock and uses no threads, so it
//! runs unchanged in the browser's worker.
//!
//! ## How the defaults were chosen
//!
//! On the training part only: a validation tail inside the weeks before the default cutoff (docs/definitions.md#split).
//! The data before 2012-02-03 is split at 2011-08-05, so the models train on 2010-02-05 …
//! 2011-07-29 and are scored (WMAE) on the 26 weeks 2011-08-05 … 2012-01-27, which hold
//! Labor Day, Thanksgiving and Christmas. `cargo xtask bench-accuracy` reruns this fold as
//! `tuning` next to the holdout and two other cutoffs. What the fold said for `gbdt`, one
//! change at a time (the base features, docs/definitions.md#base-features, unless a switch is named):
//!
//! | setting | fold WMAE |
//! | --- | ---: |
//! | previous defaults: absolute loss, unweighted, 70 trees × 0.15 | 2401 |
//! | `weighted=true` (holiday weeks count 5, as in WMAE) | 2233 |
//! | `weighted=true`, 50 trees × 0.2 (**chosen**, ~30 % less fit time) | 2216 |
//! | … with `min_samples_leaf` 20 / 100 (unweighted) | 2446 / 2452 |
//! | … with `max_leaf_nodes=127` / `subsample=0.5` / `max_features=0.5` (unweighted) | 2490 / 2550 / 2468 |
//! | … with `loss=huber` (unweighted) | 2599 |
//! | chosen + `series_stats` (**on by default for gbdt**) | 2114 |
//! | chosen + `seasonal_lags` / `holiday_features` | 2334 / 2354 |
//! | chosen + `join_stores` / `join_features` | 2372 / 2390 |
//! | chosen + `holiday_features` + `series_stats` | 2168 |
//! | chosen + `series_stats`, 40 trees × 0.25 / 35 × 0.3 | 2216 / 2207 |
//! | chosen + `series_stats`, `max_bins` 127 / 63 | 2187 / 2208 |
//! | chosen + `series_stats`, `feature_fraction=0.8` | 2240 |
//! | chosen + `series_stats`, `loss=squared` | 2079 |
//!
//! The squared loss did a little better on this fold (−1.7 %) but worse on the earlier
//! blocked validation (the test part's calendar weeks one year earlier), and the absolute
//! loss is the one that minimises WMAE itself, so it stays. The fold cannot judge
//! features.csv fairly: its markdowns start in November 2011, after the fold's training
//! weeks, so they are noise there; the joins stay off. Every feature switch is off by
//! default so that the reference figures (Ridge, seasonal naive; docs/definitions.md#reference-figures) are the defaults'.
//!
//! The table above is on the zero-filled matrix. The trees now learn where missing values
//! go (the design matrix keeps them missing for them: `design::Missing`), which the issue
//! asked for after LightGBM 4.7 measured 1482.8 zero-filled against 1375.4 with missing values
//! kept on the holdout. `cargo xtask bench-accuracy --models gbdt` with missing values kept:
//!
//! | fold | base | + `series_stats` | (zero-filled: base / + `series_stats`) |
//! | --- | ---: | ---: | ---: |
//! | tuning (2011-08-05) | 2258.8 | **2160.5** | 2216 / 2114 |
//! | holdout (2012-02-03) | 1365.8 | 1372.8 | 1427.3 / 1397.5 |
//! | 2011-11-04 | 1848.9 | 1845.9 | 1851 / 1823 |
//! | 2012-04-27 | 1294.5 | 1322.2 | 1335 / 1367 |
//!
//! The tuning fold still prefers `series_stats` (2160.5 against 2258.8), so `run --model gbdt`
//! has them on by default ([`ModelKind::wants_series_stats`]; `--no-series-stats` leaves them
//! off). Keeping missing values is better on the holdout and at 2012-04-27 and a little worse
//! on the tuning fold and at 2011-11-04: mixed, as the earlier folds' own spread is.
//!
//! On the holdout (h = 1, cutoff 2012-02-03) the default gbdt (`shelfcast run --model gbdt`,
//! series statistics on) scores WMAE ≈ 1372.8, better than every scikit-learn reference
//! (Ridge 2858.4, RandomForest 1470.0, HistGradientBoosting 1435.2) and than LightGBM 4.7 on
//! the zero-filled matrix (1482.8); the real-data test
//! `default_gbdt_with_series_statistics_reaches_the_accuracy_target` holds it to ≤ 1400 and
//! checks that keeping missing values beats zero-filling them. The fit takes about 2.3 s natively on the full train.csv and about
//! 3.6 s in headless Chromium (`cargo xtask bench-browser --model gbdt --features series-stats`).
//! At the other cutoffs of `bench-accuracy` the same defaults stay ahead of the random
//! forest and Ridge:
//! gbdt 1851 (base features) / 1823 (`series_stats`) at 2011-11-04, 1335 / 1367 at 2012-04-27 — so the
//! statistics are not a gain everywhere, which is one more reason they are a switch.

mod binning;
mod forest;
mod gbdt;
mod hist_tree;
mod linear;
mod matrix;
mod seasonal_naive;
mod series_level;
mod stats;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use forest::{ForestModel, ForestParams};
pub use gbdt::{GbdtLoss, GbdtModel, GbdtParams};
pub use hist_tree::Tree;
pub use linear::{ElasticNetParams, LinearModel, LinearParams, RidgeParams};
pub use series_level::{SeriesLevelModel, SeriesLevelParams, SeriesStatistic, SeriesValue};
pub use matrix::Matrix;
pub use seasonal_naive::SeasonalNaive;

use crate::error::{Error, Result};
use crate::stage::Stage;

/// What a model is fitted on: the model matrix, the target and per-row weights
/// (5 on holiday weeks, 1 otherwise, so training aligns with WMAE where a model allows).
///
/// `time` orders the rows in time (the pipeline passes each row's date as days since
/// 1970-01-01). The matrix is sorted by series, not by date, so a model that holds out a
/// validation part for early stopping needs it to take the *latest* rows rather than the
/// last stores; without it such a model falls back to a seeded random hold-out.
#[derive(Debug, Clone, Copy)]
pub struct TrainingSet<'a> {
    pub x: &'a Matrix,
    pub y: &'a [f64],
    pub weights: &'a [f64],
    pub time: Option<&'a [i32]>,
}

impl TrainingSet<'_> {
    /// Row `r`'s sample weight for a model whose `weighted` switch is as given.
    pub(crate) fn weight(&self, r: usize, weighted: bool) -> f64 {
        if weighted { self.weights[r] } else { 1.0 }
    }
}

/// Progress of a long fit, e.g. trees built; the app turns it into a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitProgress {
    pub done: usize,
    pub total: usize,
}

/// Everything a fit may need from outside besides the data: the seed (the core has no
/// randomness of its own) and a progress callback.
pub struct FitContext<'a> {
    pub seed: u64,
    pub progress: &'a mut dyn FnMut(FitProgress),
}

impl FitContext<'_> {
    pub fn report(&mut self, done: usize, total: usize) {
        (self.progress)(FitProgress { done, total });
    }
}

/// An estimator with checked parameters.
pub trait Estimator {
    type Fitted: Predictor;
    fn fit(&self, data: TrainingSet<'_>, ctx: &mut FitContext<'_>) -> Result<Self::Fitted>;
}

/// A fitted model.
pub trait Predictor {
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>>;
}

/// The models the engine offers, by their CLI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    SeasonalNaive,
    SeriesMean,
    SeriesMedian,
    Linear,
    Ridge,
    Lasso,
    ElasticNet,
    DecisionTree,
    RandomForest,
    Gbdt,
}

impl ModelKind {
    pub const ALL: &'static [ModelKind] = &[
        ModelKind::SeasonalNaive,
        ModelKind::SeriesMean,
        ModelKind::SeriesMedian,
        ModelKind::Linear,
        ModelKind::Ridge,
        ModelKind::Lasso,
        ModelKind::ElasticNet,
        ModelKind::DecisionTree,
        ModelKind::RandomForest,
        ModelKind::Gbdt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::SeasonalNaive => "seasonal-naive",
            ModelKind::SeriesMean => "series-mean",
            ModelKind::SeriesMedian => "series-median",
            ModelKind::Linear => "linear",
            ModelKind::Ridge => "ridge",
            ModelKind::Lasso => "lasso",
            ModelKind::ElasticNet => "elastic-net",
            ModelKind::DecisionTree => "decision-tree",
            ModelKind::RandomForest => "random-forest",
            ModelKind::Gbdt => "gbdt",
        }
    }

    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name).ok_or_else(|| {
            let valid: Vec<_> = Self::ALL.iter().map(|k| k.name()).collect();
            Error::Params(format!("unknown model \"{name}\"; valid models: {}", valid.join(", ")))
        })
    }

    /// Whether the model learns where missing feature values go (the histogram trees keep a
    /// bin for them), so its design matrix keeps them missing; the others get 0 for them
    /// (docs/definitions.md#model-matrix).
    pub fn learns_missing_values(self) -> bool {
        matches!(self, ModelKind::DecisionTree | ModelKind::RandomForest | ModelKind::Gbdt)
    }

    /// Whether the model's best measured configuration includes the series statistics
    /// (`FeatureConfig::series_stats`): the gbdt's (fold WMAE 2114 against 2216 without, see
    /// above). `shelfcast run --model gbdt` and the app switch them on unless told not to.
    pub fn wants_series_stats(self) -> bool {
        self == ModelKind::Gbdt
    }

    /// The hyperparameters this model takes, with their defaults, as strings.
    pub fn default_params(self) -> BTreeMap<String, String> {
        self.default_spec().params()
    }

    /// This model with its default hyperparameters.
    pub fn default_spec(self) -> ModelSpec {
        match self {
            ModelKind::SeasonalNaive => ModelSpec::SeasonalNaive,
            ModelKind::SeriesMean => ModelSpec::SeriesMean(SeriesLevelParams::new(SeriesStatistic::Mean)),
            ModelKind::SeriesMedian => ModelSpec::SeriesMedian(SeriesLevelParams::new(SeriesStatistic::Median)),
            ModelKind::Linear => ModelSpec::Linear(LinearParams::default()),
            ModelKind::Ridge => ModelSpec::Ridge(RidgeParams::default()),
            ModelKind::Lasso => ModelSpec::Lasso(ElasticNetParams::lasso()),
            ModelKind::ElasticNet => ModelSpec::ElasticNet(ElasticNetParams::elastic_net()),
            ModelKind::DecisionTree => ModelSpec::DecisionTree(ForestParams::decision_tree()),
            ModelKind::RandomForest => ModelSpec::RandomForest(ForestParams::random_forest()),
            ModelKind::Gbdt => ModelSpec::Gbdt(GbdtParams::default()),
        }
    }
}

/// A model and its checked hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum ModelSpec {
    SeasonalNaive,
    SeriesMean(SeriesLevelParams),
    SeriesMedian(SeriesLevelParams),
    Linear(LinearParams),
    Ridge(RidgeParams),
    Lasso(ElasticNetParams),
    ElasticNet(ElasticNetParams),
    DecisionTree(ForestParams),
    RandomForest(ForestParams),
    Gbdt(GbdtParams),
}

impl ModelSpec {
    /// Checks user-supplied `key=value` hyperparameters against the model's; unknown keys
    /// and unparsable values are errors that list the valid names.
    pub fn new(kind: ModelKind, params: &[(String, String)]) -> Result<Self> {
        let values = overlay_params(&format!("model \"{}\"", kind.name()), kind.default_params(), params)?;
        Ok(match kind {
            ModelKind::SeasonalNaive => ModelSpec::SeasonalNaive,
            ModelKind::SeriesMean => ModelSpec::SeriesMean(SeriesLevelParams::from_map(SeriesStatistic::Mean, &values)?),
            ModelKind::SeriesMedian => {
                ModelSpec::SeriesMedian(SeriesLevelParams::from_map(SeriesStatistic::Median, &values)?)
            }
            ModelKind::Linear => ModelSpec::Linear(LinearParams::from_map(&values)?),
            ModelKind::Ridge => ModelSpec::Ridge(RidgeParams::from_map(&values)?),
            ModelKind::Lasso => ModelSpec::Lasso(ElasticNetParams::from_map(&values)?),
            ModelKind::ElasticNet => ModelSpec::ElasticNet(ElasticNetParams::from_map(&values)?),
            ModelKind::DecisionTree => ModelSpec::DecisionTree(ForestParams::from_map(false, &values)?),
            ModelKind::RandomForest => ModelSpec::RandomForest(ForestParams::from_map(true, &values)?),
            ModelKind::Gbdt => ModelSpec::Gbdt(GbdtParams::from_map(&values)?),
        })
    }

    /// The spec checked as [`ModelSpec::new`] checks parameters given as text: a spec built
    /// from typed parameters (`ModelSpec::Gbdt(GbdtParams { max_iter: 5, .. })`) goes through
    /// the same rules, written once, before any fit. The train stage fits only checked specs,
    /// so an unchecked parameter never reaches the maths.
    pub fn checked(&self) -> Result<ModelSpec> {
        let params: Vec<(String, String)> = self.params().into_iter().collect();
        let checked = ModelSpec::new(self.kind(), &params)?;
        if checked != *self {
            // Only a value with no exact text form could differ; none of the parameters has one.
            return Err(Error::Params(format!("the {} parameters do not read back as they were given", self.kind().name())));
        }
        Ok(checked)
    }

    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::SeasonalNaive => ModelKind::SeasonalNaive,
            ModelSpec::SeriesMean(_) => ModelKind::SeriesMean,
            ModelSpec::SeriesMedian(_) => ModelKind::SeriesMedian,
            ModelSpec::Linear(_) => ModelKind::Linear,
            ModelSpec::Ridge(_) => ModelKind::Ridge,
            ModelSpec::Lasso(_) => ModelKind::Lasso,
            ModelSpec::ElasticNet(_) => ModelKind::ElasticNet,
            ModelSpec::DecisionTree(_) => ModelKind::DecisionTree,
            ModelSpec::RandomForest(_) => ModelKind::RandomForest,
            ModelSpec::Gbdt(_) => ModelKind::Gbdt,
        }
    }

    /// The effective hyperparameters, for the run record.
    pub fn params(&self) -> BTreeMap<String, String> {
        match self {
            ModelSpec::SeasonalNaive => BTreeMap::new(),
            ModelSpec::SeriesMean(p) | ModelSpec::SeriesMedian(p) => p.to_map(),
            ModelSpec::Linear(p) => p.to_map(),
            ModelSpec::Ridge(p) => p.to_map(),
            ModelSpec::Lasso(p) => p.to_map(false),
            ModelSpec::ElasticNet(p) => p.to_map(true),
            ModelSpec::DecisionTree(p) => p.to_map(false),
            ModelSpec::RandomForest(p) => p.to_map(true),
            ModelSpec::Gbdt(p) => p.to_map(),
        }
    }

    pub fn fit(&self, data: TrainingSet<'_>, ctx: &mut FitContext<'_>) -> Result<FittedModel> {
        check_training_set(&data)?;
        Ok(match self {
            ModelSpec::SeasonalNaive => FittedModel::SeasonalNaive(SeasonalNaive::fit_on(data.x)?),
            ModelSpec::SeriesMean(p) => FittedModel::SeriesMean(p.fit(data, ctx)?),
            ModelSpec::SeriesMedian(p) => FittedModel::SeriesMedian(p.fit(data, ctx)?),
            ModelSpec::Linear(p) => FittedModel::Linear(p.fit(data, ctx)?),
            ModelSpec::Ridge(p) => FittedModel::Ridge(p.fit(data, ctx)?),
            ModelSpec::Lasso(p) => FittedModel::Lasso(p.fit(data, ctx)?),
            ModelSpec::ElasticNet(p) => FittedModel::ElasticNet(p.fit(data, ctx)?),
            ModelSpec::DecisionTree(p) => FittedModel::DecisionTree(p.fit(data, ctx)?),
            ModelSpec::RandomForest(p) => FittedModel::RandomForest(p.fit(data, ctx)?),
            ModelSpec::Gbdt(p) => FittedModel::Gbdt(p.fit(data, ctx)?),
        })
    }
}

fn check_training_set(data: &TrainingSet<'_>) -> Result<()> {
    if data.x.rows() != data.y.len() || data.y.len() != data.weights.len() {
        return Err(Error::stage(
            Stage::Train,
            format!("{} rows of features but {} targets and {} weights", data.x.rows(), data.y.len(), data.weights.len()),
        ));
    }
    if data.x.rows() == 0 {
        return Err(Error::stage(Stage::Train, "the training part has no rows"));
    }
    if let Some(time) = data.time {
        if time.len() != data.y.len() {
            return Err(Error::stage(Stage::Train, format!("{} rows of features but {} times", data.x.rows(), time.len())));
        }
    }
    if let Some(r) = data.y.iter().position(|v| !v.is_finite()) {
        return Err(Error::stage(Stage::Train, format!("target of training row {} is not a finite number", r + 1)));
    }
    if let Some(r) = data.weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        return Err(Error::stage(Stage::Train, format!("weight of training row {} is not a finite number ≥ 0", r + 1)));
    }
    Ok(())
}

/// A fitted model of any kind, as stored in a run's artifacts and the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum FittedModel {
    SeasonalNaive(SeasonalNaive),
    SeriesMean(SeriesLevelModel),
    SeriesMedian(SeriesLevelModel),
    Linear(LinearModel),
    Ridge(LinearModel),
    Lasso(LinearModel),
    ElasticNet(LinearModel),
    DecisionTree(ForestModel),
    RandomForest(ForestModel),
    Gbdt(GbdtModel),
}

impl FittedModel {
    pub fn kind(&self) -> ModelKind {
        match self {
            FittedModel::SeasonalNaive(_) => ModelKind::SeasonalNaive,
            FittedModel::SeriesMean(_) => ModelKind::SeriesMean,
            FittedModel::SeriesMedian(_) => ModelKind::SeriesMedian,
            FittedModel::Linear(_) => ModelKind::Linear,
            FittedModel::Ridge(_) => ModelKind::Ridge,
            FittedModel::Lasso(_) => ModelKind::Lasso,
            FittedModel::ElasticNet(_) => ModelKind::ElasticNet,
            FittedModel::DecisionTree(_) => ModelKind::DecisionTree,
            FittedModel::RandomForest(_) => ModelKind::RandomForest,
            FittedModel::Gbdt(_) => ModelKind::Gbdt,
        }
    }

    pub fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        match self {
            FittedModel::SeasonalNaive(m) => m.predict(x),
            FittedModel::SeriesMean(m) | FittedModel::SeriesMedian(m) => m.predict(x),
            FittedModel::Linear(m) | FittedModel::Ridge(m) | FittedModel::Lasso(m) | FittedModel::ElasticNet(m) => {
                m.predict(x)
            }
            FittedModel::DecisionTree(m) | FittedModel::RandomForest(m) => m.predict(x),
            FittedModel::Gbdt(m) => m.predict(x),
        }
    }

    /// Named coefficients of linear models (for the coefficient chart), else `None`.
    pub fn coefficients(&self) -> Option<Vec<(String, f64)>> {
        match self {
            FittedModel::Linear(m) | FittedModel::Ridge(m) | FittedModel::Lasso(m) | FittedModel::ElasticNet(m) => {
                Some(m.named_coefficients())
            }
            _ => None,
        }
    }

    /// Named feature importances of tree models (share of the total split gain), else `None`.
    pub fn feature_importances(&self) -> Option<Vec<(String, f64)>> {
        match self {
            FittedModel::DecisionTree(m) | FittedModel::RandomForest(m) => Some(m.named_importances()),
            FittedModel::Gbdt(m) => Some(m.named_importances()),
            _ => None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("fitted models serialize")
    }

    pub fn from_json(text: &str, what: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::artifact(what, format!("not a Shelfcast model: {e}")))
    }
}

/// `params` over `defaults`; a key `defaults` does not have is an error naming `owner` (e.g.
/// `model "gbdt"`) and listing the valid keys.
pub(crate) fn overlay_params(owner: &str, mut defaults: BTreeMap<String, String>, params: &[(String, String)]) -> Result<BTreeMap<String, String>> {
    for (key, value) in params {
        if !defaults.contains_key(key) {
            let valid: Vec<_> = defaults.keys().cloned().collect();
            return Err(Error::Params(format!(
                "{owner} has no parameter \"{key}\"; valid parameters: {}",
                if valid.is_empty() { "none".to_string() } else { valid.join(", ") }
            )));
        }
        defaults.insert(key.clone(), value.clone());
    }
    Ok(defaults)
}

/// Parses a hyperparameter, naming it in the error.
pub(crate) fn parse_param<T: std::str::FromStr>(values: &BTreeMap<String, String>, key: &str, what: &str) -> Result<T> {
    let text = values.get(key).map(String::as_str).unwrap_or_default();
    text.parse()
        .map_err(|_| Error::Params(format!("parameter \"{key}\" must be {what}, got \"{text}\"")))
}

/// Parses a hyperparameter and checks it with `valid`; `what` describes the valid values.
pub(crate) fn param_in<T: std::str::FromStr + Copy>(
    values: &BTreeMap<String, String>,
    key: &str,
    what: &str,
    valid: impl Fn(T) -> bool,
) -> Result<T> {
    let value: T = parse_param(values, key, what)?;
    if valid(value) {
        Ok(value)
    } else {
        let text = values.get(key).map(String::as_str).unwrap_or_default();
        Err(Error::Params(format!("parameter \"{key}\" must be {what}, got \"{text}\"")))
    }
}

/// How [`param_optional_usize`] reads back an optional integer hyperparameter.
pub(crate) fn optional_to_string(value: Option<usize>) -> String {
    value.map_or("none".into(), |v| v.to_string())
}

/// An integer hyperparameter that may be `none`.
pub(crate) fn param_optional_usize(
    values: &BTreeMap<String, String>,
    key: &str,
    what: &str,
    valid: impl Fn(usize) -> bool,
) -> Result<Option<usize>> {
    if values.get(key).is_some_and(|v| v == "none") {
        return Ok(None);
    }
    param_in(values, key, what, valid).map(Some)
}

/// `true` or `false`.
pub(crate) fn param_bool(values: &BTreeMap<String, String>, key: &str) -> Result<bool> {
    parse_param(values, key, "true or false")
}
