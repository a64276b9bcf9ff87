//! Tests across all models: registry round trips, determinism, parameter checks, weights,
//! on a small synthetic data set with the model matrix's columns.

use super::*;

/// A small synthetic weekly-sales matrix: 3 stores × 4 depts × 80 weeks, yearly seasonality,
/// a holiday spike, with the base feature columns (lags and rolling means computed crudely).
fn synthetic() -> (Matrix, Vec<f64>, Vec<f64>, Vec<i32>) {
    let names: Vec<String> = [
        "Store", "Dept", "Year", "Month", "Week", "IsHoliday", "lag_1", "lag_2", "lag_52", "roll_mean_4", "roll_std_4",
        "roll_mean_8", "roll_std_8", "roll_mean_13", "roll_std_13",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rng = crate::rng::SplitMix64::new(11);
    let (mut data, mut y, mut w, mut t) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for store in 1..=3 {
        for dept in 1..=4 {
            let level = 1000.0 * f64::from(store * dept);
            let sales: Vec<f64> = (0..80)
                .map(|week| {
                    let season = (f64::from(week % 52) / 52.0 * std::f64::consts::TAU).sin();
                    let holiday = if week % 52 == 47 { 2.0 } else { 1.0 };
                    level * (1.0 + 0.3 * season) * holiday + (rng.below(100) as f64)
                })
                .collect();
            for week in 1..80usize {
                let lag = |k: usize| if week >= k { sales[week - k] } else { 0.0 };
                let mean = |k: usize| (1..=k).filter(|&j| week >= j).map(lag).sum::<f64>() / k.min(week) as f64;
                let holiday = week % 52 == 47;
                data.extend([
                    f64::from(store),
                    f64::from(dept),
                    2010.0 + (week / 52) as f64,
                    1.0 + ((week % 52) / 5) as f64 % 12.0,
                    1.0 + (week % 52) as f64,
                    if holiday { 1.0 } else { 0.0 },
                    lag(1),
                    lag(2),
                    lag(52),
                    mean(4),
                    0.0,
                    mean(8),
                    0.0,
                    mean(13),
                    0.0,
                ]);
                y.push(sales[week]);
                w.push(if holiday { 5.0 } else { 1.0 });
                t.push(week as i32 * 7);
            }
        }
    }
    (Matrix::new(names, data).unwrap(), y, w, t)
}

fn fit(spec: &ModelSpec, x: &Matrix, y: &[f64], w: &[f64], t: &[i32], seed: u64) -> FittedModel {
    let mut progress = |_| {};
    let mut ctx = FitContext { seed, progress: &mut progress };
    spec.fit(TrainingSet { x, y, weights: w, time: Some(t) }, &mut ctx).unwrap()
}

fn quick(kind: ModelKind) -> ModelSpec {
    let params: &[(&str, &str)] = match kind {
        ModelKind::Gbdt => &[("max_iter", "30"), ("subsample", "0.8"), ("max_features", "0.7")],
        ModelKind::RandomForest => &[("n_trees", "5"), ("max_features", "0.5")],
        _ => &[],
    };
    let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    ModelSpec::new(kind, &params).unwrap()
}

#[test]
fn every_model_round_trips_through_json_with_identical_predictions() {
    let (x, y, w, t) = synthetic();
    for &kind in ModelKind::ALL {
        let model = fit(&quick(kind), &x, &y, &w, &t, 5);
        assert_eq!(model.kind(), kind);
        let before = model.predict(&x).unwrap();
        let restored = FittedModel::from_json(&model.to_json(), "model.json").unwrap();
        assert_eq!(restored, model, "{}", kind.name());
        assert_eq!(restored.predict(&x).unwrap(), before, "{}", kind.name());
        assert!(before.iter().all(|p| p.is_finite()), "{}", kind.name());
    }
}

#[test]
fn every_model_beats_predicting_the_global_mean_in_sample() {
    let (x, y, w, t) = synthetic();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let baseline: f64 = y.iter().map(|v| (v - mean).abs()).sum();
    for &kind in ModelKind::ALL {
        let pred = fit(&quick(kind), &x, &y, &w, &t, 5).predict(&x).unwrap();
        let error: f64 = pred.iter().zip(&y).map(|(p, v)| (p - v).abs()).sum();
        assert!(error < 0.5 * baseline, "{}: {error} vs {baseline}", kind.name());
    }
}

#[test]
fn fits_are_deterministic_for_a_seed_and_seeds_matter_where_there_is_randomness() {
    let (x, y, w, t) = synthetic();
    for &kind in ModelKind::ALL {
        let spec = quick(kind);
        let a = fit(&spec, &x, &y, &w, &t, 1);
        assert_eq!(a, fit(&spec, &x, &y, &w, &t, 1), "{}", kind.name());
        if matches!(kind, ModelKind::Gbdt | ModelKind::RandomForest) {
            assert_ne!(a, fit(&spec, &x, &y, &w, &t, 2), "{}", kind.name());
        }
    }
}

#[test]
fn parameters_are_checked_and_listed() {
    let bad = |kind, key: &str, value: &str| ModelSpec::new(kind, &[(key.to_string(), value.to_string())]).unwrap_err().to_string();
    assert!(bad(ModelKind::Gbdt, "learning_rat", "0.1").contains("valid parameters: "));
    assert!(bad(ModelKind::Gbdt, "loss", "hinge").contains("squared, absolute, huber"));
    assert!(bad(ModelKind::Gbdt, "max_bins", "300").contains("2..=256"));
    assert!(bad(ModelKind::Gbdt, "subsample", "0").contains("(0, 1]"));
    assert!(bad(ModelKind::Lasso, "l1_ratio", "0.5").contains("no parameter"));
    assert!(bad(ModelKind::ElasticNet, "l1_ratio", "2").contains("[0, 1]"));
    assert!(bad(ModelKind::RandomForest, "max_depth", "zero").contains("or none"));
    assert!(bad(ModelKind::SeasonalNaive, "alpha", "1").contains("valid parameters: none"));
    let spec = ModelSpec::new(ModelKind::RandomForest, &[("max_depth".into(), "none".into())]).unwrap();
    assert_eq!(spec.params()["max_depth"], "none");
    for &kind in ModelKind::ALL {
        // The defaults survive the string round trip used by run records.
        let defaults: Vec<(String, String)> = kind.default_params().into_iter().collect();
        assert_eq!(ModelSpec::new(kind, &defaults).unwrap(), kind.default_spec(), "{}", kind.name());
    }
}

#[test]
fn holiday_weights_change_the_fit_where_a_model_uses_them() {
    let (x, y, w, t) = synthetic();
    let kinds = [
        (ModelKind::SeriesMean, vec![]),
        (ModelKind::Linear, vec![]),
        (ModelKind::Ridge, vec![]),
        (ModelKind::Lasso, vec![]),
        (ModelKind::DecisionTree, vec![]),
        (ModelKind::Gbdt, vec![("max_iter", "20")]),
    ];
    for (kind, extra) in kinds {
        let spec = |weighted: &str| {
            let mut params: Vec<(String, String)> = extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            params.push(("weighted".into(), weighted.into()));
            ModelSpec::new(kind, &params).unwrap()
        };
        let on = fit(&spec("true"), &x, &y, &w, &t, 3).predict(&x).unwrap();
        let off = fit(&spec("false"), &x, &y, &w, &t, 3).predict(&x).unwrap();
        assert_ne!(on, off, "{}", kind.name());
        // Weighting pulls the fit towards the holiday rows: their error shrinks.
        let holiday_error = |p: &[f64]| p.iter().zip(&y).zip(&w).filter(|(_, w)| **w > 1.0).map(|((p, y), _)| (p - y).abs()).sum::<f64>();
        assert!(holiday_error(&on) <= holiday_error(&off) + 1e-9, "{}", kind.name());
    }
}

#[test]
fn a_model_refuses_a_matrix_with_other_columns() {
    let (x, y, w, t) = synthetic();
    let model = fit(&quick(ModelKind::Gbdt), &x, &y, &w, &t, 0);
    let other = Matrix::new(vec!["Store".into()], vec![1.0]).unwrap();
    assert_eq!(model.predict(&other).unwrap_err().to_string(), "predict: feature columns differ from the model's: got [Store], expected [Store, Dept, Year, Month, Week, IsHoliday, lag_1, lag_2, lag_52, roll_mean_4, roll_std_4, roll_mean_8, roll_std_8, roll_mean_13, roll_std_13]");
}

#[test]
fn training_sets_with_mismatched_lengths_or_bad_values_are_errors() {
    let (x, y, w, t) = synthetic();
    let mut progress = |_| {};
    let mut ctx = FitContext { seed: 0, progress: &mut progress };
    let spec = ModelKind::Ridge.default_spec();
    assert_eq!(spec.fit(TrainingSet { x: &x, y: &y[1..], weights: &w, time: None }, &mut ctx).unwrap_err().to_string(), "train: 948 rows of features but 947 targets and 948 weights");
    assert_eq!(spec.fit(TrainingSet { x: &x, y: &y, weights: &w, time: Some(&t[1..]) }, &mut ctx).unwrap_err().to_string(), "train: 948 rows of features but 947 times");
    let mut bad = y.clone();
    bad[3] = f64::NAN;
    assert_eq!(spec.fit(TrainingSet { x: &x, y: &bad, weights: &w, time: None }, &mut ctx).unwrap_err().to_string(), "train: target of training row 4 is not a finite number");
}

/// Typed parameters go through the same checks as text ones: every default spec checks to
/// itself, and a typed value out of range is refused with the text check's message.
#[test]
fn typed_parameters_are_checked_by_the_rules_of_text_ones() {
    for kind in ModelKind::ALL {
        let spec = kind.default_spec();
        assert_eq!(spec.checked().unwrap(), spec, "{}", kind.name());
    }
    let tuned = ModelSpec::Gbdt(GbdtParams { max_iter: 7, learning_rate: 0.3, subsample: 0.55, ..GbdtParams::default() });
    assert_eq!(tuned.checked().unwrap(), tuned);
    let bad = ModelSpec::Gbdt(GbdtParams { subsample: 1.5, ..GbdtParams::default() });
    assert_eq!(bad.checked().unwrap_err().to_string(), "parameter \"subsample\" must be a number in (0, 1], got \"1.5\"");
    let bad = ModelSpec::Ridge(RidgeParams { alpha: -1.0, ..RidgeParams::default() });
    assert_eq!(bad.checked().unwrap_err().to_string(), "parameter \"alpha\" must be a number ≥ 0, got \"-1\"");
}
