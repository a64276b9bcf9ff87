//! Fits that must come out the same natively and in the browser: the randomised models (and
//! one that is not) on the built-in sample, with fixed seeds. `tests/cross_platform.rs` checks
//! the native build against `tests/fixtures/cross_platform_predictions.json` (and writes that
//! file when `SHELFCAST_BLESS=1`); the app's browser tests (`tests/web.rs`) check the
//! WebAssembly build against the same file. Both include this module by path, so the
//! scenario is written once.

use std::collections::BTreeMap;

use shelfcast_core::design::{model_data_at, Missing};
use shelfcast_core::features::{build_features, FeatureConfig};
use shelfcast_core::ingest::{read_table, TRAIN};
use shelfcast_core::models::{FitContext, ModelKind, ModelSpec, TrainingSet};
use shelfcast_core::split::split_rows;
use shelfcast_core::synthetic;

/// The fixture, as the test binary was compiled.
pub const FIXTURE: &str = include_str!("../../../../tests/fixtures/cross_platform_predictions.json");

/// Relative tolerance between builds: different compilers may fuse or order floating-point
/// operations differently, nothing more.
pub const TOLERANCE: f64 = 1e-9;

/// A model's name, its parameters and the seed of its fit.
pub type Fit = (&'static str, &'static [(&'static str, &'static str)], u64);

/// Small settings, so the browser test stays quick.
pub const FITS: [Fit; 4] = [
    ("gbdt", &[("max_iter", "15")], 7),
    ("gbdt", &[("max_iter", "15"), ("subsample", "0.7"), ("feature_fraction", "0.6")], 11),
    ("random-forest", &[("n_trees", "4"), ("max_depth", "8")], 7),
    ("decision-tree", &[("max_depth", "8")], 7),
];

/// How many test rows' predictions the fixture keeps per fit.
const ROWS: usize = 64;

/// The key of a fit in the fixture.
pub fn key(model: &str, params: &[(&str, &str)], seed: u64) -> String {
    let params: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{model} {} seed={seed}", params.join(","))
}

/// Every fit's predictions for the first test rows of the 2-store sample.
pub fn predictions() -> BTreeMap<String, Vec<f64>> {
    let csv = synthetic::sample_train_csv_for_stores(synthetic::DEFAULT_SEED, 2);
    let sales = read_table("train.csv", &csv, &TRAIN, &mut |_| {}).expect("the sample ingests").frame;
    let config = FeatureConfig::default();
    let features = build_features(&sales, &config).expect("features of the sample");
    let split = split_rows(&features, None, &config.required_lag_column()).expect("the sample splits");
    // Each model gets its own design matrix: missing values 0, or kept for the trees.
    let data = |missing| {
        let train = model_data_at(&features, &config, &split.train, missing).expect("training rows");
        let test = model_data_at(&features, &config, &split.test, missing).expect("test rows");
        (train, test)
    };
    let (zero, keep) = (data(Missing::Zero), data(Missing::Keep));
    FITS.iter()
        .map(|&(model, params, seed)| {
            let kind = ModelKind::parse(model).expect("a model name");
            let owned: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let spec = ModelSpec::new(kind, &owned).expect("valid parameters");
            let (train, test) = if Missing::for_model(kind) == Missing::Keep { &keep } else { &zero };
            let data = TrainingSet { x: &train.x, y: &train.y, weights: &train.weights, time: Some(&train.dates) };
            let fitted = spec.fit(data, &mut FitContext { seed, progress: &mut |_| {} }).expect("the model fits");
            let mut predicted = fitted.predict(&test.x).expect("predictions");
            predicted.truncate(ROWS);
            (key(model, params, seed), predicted)
        })
        .collect()
}

/// The fits that differ from the fixture by more than [`TOLERANCE`], described; a fit the
/// fixture has and nothing produced is a difference too.
pub fn differences(actual: &BTreeMap<String, Vec<f64>>) -> Vec<String> {
    differences_from(FIXTURE, actual)
}

/// [`differences`] against the fixture text `fixture`.
pub fn differences_from(fixture: &str, actual: &BTreeMap<String, Vec<f64>>) -> Vec<String> {
    let expected: BTreeMap<String, Vec<f64>> = serde_json::from_str(fixture).expect("the fixture is JSON");
    let mut differences: Vec<String> =
        expected.keys().filter(|fit| !actual.contains_key(*fit)).map(|fit| format!("{fit}: in the fixture, but no fit produced it")).collect();
    for (fit, values) in actual {
        let Some(reference) = expected.get(fit) else {
            differences.push(format!("{fit}: not in the fixture"));
            continue;
        };
        if reference.len() != values.len() {
            differences.push(format!("{fit}: {} predictions, the fixture has {}", values.len(), reference.len()));
            continue;
        }
        for (row, (a, e)) in values.iter().zip(reference).enumerate() {
            if (a - e).abs() > TOLERANCE * e.abs().max(1.0) {
                differences.push(format!("{fit}: row {row} predicts {a}, the fixture {e}"));
                break;
            }
        }
    }
    differences
}
