//! The engine on the real Kaggle train.csv, against docs/definitions.md (data files, reference figures).
//!
//! The data is not in the repository: it is read from `SHELFCAST_DATA_DIR`, by default
//! `../shared/data/walmart` beside the repository. When it is absent each test says so on
//! stderr and returns without asserting; with `SHELFCAST_REQUIRE_DATA=1` (CI) it fails.

mod common;

use common::real_train;
use shelfcast_core::design::{model_data, Missing};
use shelfcast_core::features::{build_features, FeatureConfig};
use shelfcast_core::models::{FitContext, ModelKind, ModelSpec, TrainingSet};
use shelfcast_core::split::split_by_date;
use shelfcast_core::{calendar, metrics};

fn rel_close(actual: f64, expected: f64, tolerance: f64) -> bool {
    ((actual - expected) / expected).abs() <= tolerance
}

#[test]
fn real_train_csv_has_the_documented_shape() {
    let Some(frame) = real_train() else { return };
    assert_eq!(frame.num_rows(), 421_570);
    let sales = frame.floats("Weekly_Sales").unwrap();
    let cents: i64 = sales.values().iter().map(|v| (v * 100.0).round() as i64).sum();
    assert_eq!(cents, 673_721_898_711, "sum of Weekly_Sales is 6,737,218,987.11");
    assert_eq!(sales.values().iter().filter(|v| **v < 0.0).count(), 1_285);
    assert_eq!(sales.values().iter().filter(|v| **v == 0.0).count(), 73);
    let stores = frame.ints("Store").unwrap();
    let depts = frame.ints("Dept").unwrap();
    let mut series: Vec<(i64, i64)> = stores.values().iter().copied().zip(depts.values().iter().copied()).collect();
    series.sort_unstable();
    series.dedup();
    assert_eq!(series.len(), 3_331);
    let holidays = frame.bools("IsHoliday").unwrap();
    assert_eq!(holidays.true_count(), 29_661);
}

#[test]
fn real_split_and_baselines_reproduce_the_reference_figures() {
    let Some(frame) = real_train() else { return };
    let config = FeatureConfig::default();
    let features = build_features(&frame, &config).unwrap();
    let split = split_by_date(&features, None, &config.required_lag_column()).unwrap();
    assert_eq!(calendar::format_date(split.cutoff), "2012-02-03");
    // DESIGN's model matrix: missing values 0 (what the Ridge and seasonal naive figures need).
    let train = model_data(&split.train, &config, Missing::Zero).unwrap();
    let test = model_data(&split.test, &config, Missing::Zero).unwrap();
    assert_eq!(train.y.len(), 298_884);
    assert_eq!(test.y.len(), 113_908);

    let mut progress = |_| {};
    let mut ctx = FitContext { seed: 42, progress: &mut progress };
    let fit = |kind, ctx: &mut FitContext<'_>| {
        ModelSpec::new(kind, &[]).unwrap().fit(TrainingSet { x: &train.x, y: &train.y, weights: &train.weights, time: Some(&train.dates) }, ctx).unwrap()
    };
    let ridge = fit(ModelKind::Ridge, &mut ctx);
    let m = metrics::score(&test.y, &ridge.predict(&test.x).unwrap(), &test.weights).unwrap();
    assert!(rel_close(m.mae, 2705.669, 1e-6), "ridge MAE {}", m.mae);
    assert!(rel_close(m.rmse, 4045.412, 1e-6), "ridge RMSE {}", m.rmse);
    assert!(rel_close(m.wmae, 2858.373, 1e-6), "ridge WMAE {}", m.wmae);

    let naive = fit(ModelKind::SeasonalNaive, &mut ctx);
    let m = metrics::score(&test.y, &naive.predict(&test.x).unwrap(), &test.weights).unwrap();
    assert!(rel_close(m.wmae, 1820.185, 1e-6), "seasonal naive WMAE {}", m.wmae);
}

/// The test metrics of `spec` fitted with seed 42 on the holdout (docs/definitions.md#split) of the real data
/// with `config`'s features, or `None` when the data is absent.
fn holdout_metrics(spec: ModelSpec, config: FeatureConfig, missing: Missing) -> Option<metrics::Metrics> {
    let frame = real_train()?;
    let features = build_features(&frame, &config).unwrap();
    let split = split_by_date(&features, None, &config.required_lag_column()).unwrap();
    let train = model_data(&split.train, &config, missing).unwrap();
    let test = model_data(&split.test, &config, missing).unwrap();
    let mut progress = |_| {};
    let mut ctx = FitContext { seed: 42, progress: &mut progress };
    let model = spec.fit(TrainingSet { x: &train.x, y: &train.y, weights: &train.weights, time: Some(&train.dates) }, &mut ctx).unwrap();
    Some(metrics::score(&test.y, &model.predict(&test.x).unwrap(), &test.weights).unwrap())
}

/// The models' accuracy target (see the `models` module docs): the default gbdt with the
/// series statistics switch reaches WMAE ≤ 1400 on the holdout (docs/definitions.md#split), better than every
/// scikit-learn reference (Ridge 2858.4, RandomForest 1470.0, HistGradientBoosting 1435.2),
/// and learning where missing values go beats the zero-filled matrix (LightGBM 4.7 with these
/// settings: 1482.8 zero-filled, 1375.4 with missing values kept).
#[test]
fn default_gbdt_with_series_statistics_reaches_the_accuracy_target() {
    let config = FeatureConfig { series_stats: true, ..FeatureConfig::default() };
    let Some(kept) = holdout_metrics(ModelKind::Gbdt.default_spec(), config.clone(), Missing::Keep) else { return };
    assert!(kept.wmae <= 1400.0, "gbdt WMAE {}", kept.wmae);
    let zero = holdout_metrics(ModelKind::Gbdt.default_spec(), config, Missing::Zero).unwrap();
    assert!(kept.wmae < zero.wmae, "missing values kept: WMAE {}, zero-filled: {}", kept.wmae, zero.wmae);
}

/// Our random forest against scikit-learn's on the holdout (docs/definitions.md#split): RandomForestRegressor with
/// 50 trees of depth 12 scores WMAE 1470.03 there. Ours has the same defaults (50 trees, depth
/// 12, bootstrap) but splits on 255-bin histograms rather than every distinct value and draws
/// its bootstrap samples from its own generator, so it agrees within a tolerance rather than
/// to the digit: 1% of the reference (it measured 1467.9 when this was written). Both on the
/// zero-filled matrix scikit-learn was given; with missing values kept (the forest's default
/// matrix, [`Missing::for_model`]) it does better still.
#[test]
fn random_forest_is_within_one_percent_of_scikit_learns() {
    let Some(m) = holdout_metrics(ModelKind::RandomForest.default_spec(), FeatureConfig::default(), Missing::Zero) else { return };
    assert!(rel_close(m.wmae, 1470.03, 0.01), "random forest WMAE {} (scikit-learn 1470.03)", m.wmae);
    let kept = holdout_metrics(ModelKind::RandomForest.default_spec(), FeatureConfig::default(), Missing::Keep).unwrap();
    assert!(kept.wmae < m.wmae, "missing values kept: WMAE {}, zero-filled: {}", kept.wmae, m.wmae);
}
