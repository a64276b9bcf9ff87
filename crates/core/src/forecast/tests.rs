//! The forecast methods on small hand-checked histories, the no-leakage rule for every
//! method, backtest windows and bands, and interval coverage on data with known noise.

use crate::calendar::{days_from_civil, format_date};
use crate::frame::Frame;
use crate::ingest::{read_table, TRAIN};
use crate::rng::SplitMix64 as Rng;
use crate::stages::forecast::{backtest, forecast, ForecastSettings};

use super::evaluation::{band_key, band_range, bands};
use super::methods::{christmas_shift, pre_christmas_days, NewSeries};
use super::*;

fn sales(csv: &str) -> Frame {
    read_table("train.csv", csv.as_bytes(), &TRAIN, &mut |_| {}).expect("test table reads").frame
}

/// A CSV of train.csv's columns from `(store, dept, date, sales)`.
fn csv_of(rows: impl IntoIterator<Item = (i64, i64, i32, f64)>) -> String {
    let mut csv = String::from("Store,Dept,Date,Weekly_Sales,IsHoliday\n");
    for (store, dept, date, value) in rows {
        let holiday = crate::holidays::holiday_week(date).is_some();
        csv.push_str(&format!("{store},{dept},{},{value},{}\n", format_date(date), if holiday { "TRUE" } else { "FALSE" }));
    }
    csv
}

const FIRST: i32 = 14645; // 2010-02-05, a Friday

fn week(w: i32) -> i32 {
    FIRST + 7 * w
}

/// Every panel method, and two one-step models fitted per horizon band (a few trees).
fn all_methods() -> Vec<ForecastMethod> {
    let mut methods: Vec<ForecastMethod> = METHOD_NAMES.iter().map(|name| ForecastMethod::parse(name, &[]).unwrap()).collect();
    methods.push(ForecastMethod::parse("ridge", &[]).unwrap());
    methods.push(ForecastMethod::parse("gbdt", &[("max_iter".into(), "5".into())]).unwrap());
    methods
}

#[test]
fn seasonal_naive_is_designs_rule() {
    // One series, 60 weeks: value w at week w, except week 5 missing and week 6 zero.
    let rows = (0..60).filter(|&w| w != 5).map(|w| (1, 1, week(w), if w == 6 { 0.0 } else { w as f64 + 1.0 }));
    let frame = sales(&csv_of(rows));
    let history = History::before(&frame, "train.csv", week(57)).unwrap();
    assert_eq!(history.weeks, 57);
    let f = PanelMethod::YearlyNaive.forecast(&history, 3);
    // Targets weeks 57, 58, 59 read weeks 5 (missing), 6 (zero), 7 (present: 8).
    assert_eq!(f.values, vec![57.0, 57.0, 8.0], "missing or 0 → the last value before the origin (week 56: 57)");
    // A series with no history: 0 for the seasonal naive.
    let new_row = TargetRows { series: vec![SeriesKey { store: 2, dept: 1 }], date: vec![week(57)], holiday: vec![false], actual: None, file: None };
    assert_eq!(f.predict(&new_row), vec![0.0]);
}

#[test]
fn svd_smoothing_on_a_hand_checked_department() {
    // Department 1 has two stores over 53 weeks; store 2 is exactly twice store 1 except
    // at week 1, where store 2 has a bump: rank 1 spreads it over both stores in the ratio
    // of the dominant direction, rank 2 (full) keeps every value.
    let base = |w: i32| 10.0 + (w % 7) as f64;
    let mut rows = Vec::new();
    for w in 0..53 {
        rows.push((1, 1, week(w), base(w)));
        rows.push((2, 1, week(w), 2.0 * base(w) + if w == 1 { 5.0 } else { 0.0 }));
    }
    let frame = sales(&csv_of(rows));
    let history = History::before(&frame, "train.csv", week(53)).unwrap();
    let params = |rank| PanelMethod::SvdYearly(SvdParams { rank, ..SvdParams::PLAIN });
    // Full rank: the smoothed value 52 weeks before week 53 is week 1's own value.
    let full = params(2).forecast(&history, 1);
    assert_eq!(full.values, vec![base(1), 2.0 * base(1) + 5.0]);
    // Rank 1: the reconstruction is X·v·vᵀ with v the leading right singular vector; the
    // leading direction is close to (1, 2)/√5, so week 1 becomes about its projection.
    let one = params(1).forecast(&history, 1);
    let (a, b) = (one.values[0], one.values[1]);
    assert!((b / a - 2.0).abs() < 0.01, "rank 1 keeps the stores' 1:2 ratio: {a} {b}");
    let projected = (base(1) + 2.0 * (2.0 * base(1) + 5.0)) / 5.0; // (x·u) with u = (1, 2)/√5, times u
    assert!((a - projected).abs() < 0.05, "{a} vs {projected}");
    assert!(a > base(1) && b < 2.0 * base(1) + 5.0, "the bump is shared: {a} {b}");
}

#[test]
fn pre_christmas_days_are_the_competitions() {
    assert_eq!([2010, 2011, 2012].map(pre_christmas_days), [0, 1, 3]);
}

#[test]
fn christmas_shift_moves_a_peaking_department_only() {
    // Origin 2012-11-30 (ISO week 48), horizon 5: weeks 48–52 of 2012; k = 3 − 1 = 2.
    let origin = days_from_civil(2012, 11, 30);
    let series = vec![SeriesKey { store: 1, dept: 1 }, SeriesKey { store: 1, dept: 2 }];
    let history = History::from_values(origin, 1, series, vec![1.0, 1.0]);
    // Dept 1 peaks in weeks 49–51 (mean 30 > 1.1 × mean(10, 10)); dept 2 is flat.
    let mut values = vec![10.0, 20.0, 30.0, 40.0, 10.0, 5.0, 5.0, 5.0, 5.0, 5.0];
    christmas_shift(&history, 5, &mut values);
    let k = 2.0 / 7.0;
    let expected = [10.0, (1.0 - k) * 20.0 + k * 10.0, (1.0 - k) * 30.0 + k * 20.0, (1.0 - k) * 40.0 + k * 30.0, (1.0 - k) * 10.0 + k * 40.0];
    for (got, want) in values[..5].iter().zip(expected) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
    assert_eq!(&values[5..], &[5.0; 5], "a department without a pre-Christmas peak is left alone");
    // Without week 48 in the horizon nothing moves.
    let later = History::from_values(origin + 7, 1, vec![SeriesKey { store: 1, dept: 1 }], vec![1.0]);
    let mut four = vec![20.0, 30.0, 40.0, 10.0];
    christmas_shift(&later, 4, &mut four);
    assert_eq!(four, vec![20.0, 30.0, 40.0, 10.0]);
}

/// Two years of weekly sales for 3 stores × 2 departments: a yearly cycle and noise.
fn two_years(seed: u64) -> Frame {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::new();
    for store in 1..=3 {
        for dept in 1..=2 {
            let level = 1000.0 * (store + dept) as f64;
            for w in 0..110 {
                let season = 1.0 + 0.3 * (2.0 * std::f64::consts::PI * w as f64 / 52.0).sin();
                rows.push((store, dept, week(w), level * season + 50.0 * rng.normal()));
            }
        }
    }
    sales(&csv_of(rows))
}

#[test]
fn no_forecast_sees_anything_on_or_after_the_origin() {
    let frame = two_years(7);
    let origin = week(90);
    // Plant absurd values on and after the origin (and a new series there).
    let mut rows = Vec::new();
    let cols = super::history::SalesColumns::of(&frame, true).unwrap();
    for r in 0..frame.num_rows() {
        let date = cols.date.value(r);
        let value = cols.sales.unwrap().value(r);
        rows.push((cols.store.value(r), cols.dept.value(r), date, if date >= origin { 1e12 } else { value }));
    }
    rows.push((9, 1, week(95), -1e12));
    let planted = sales(&csv_of(rows));
    for method in all_methods() {
        let settings = ForecastSettings { method: method.clone(), horizon: 13, origin: Some(origin), backtest_windows: 2, step: 4, ..ForecastSettings::default() };
        // A direct model's features go through the shipped feature contract at each band's gap.
        let suites = crate::pipeline::Suites::shipped();
        let run = |f: &Frame| {
            let bt = backtest(f, "train.csv", &settings, origin, suites.features.as_ref(), &mut |_, _| {}).unwrap();
            let rows = TargetRows::labelled(&frame, origin, 13).unwrap();
            forecast(f, "train.csv", Some(TargetRows { actual: None, ..rows }), &settings, origin, &bt, suites.features.as_ref(), &mut |_| {}).unwrap()
        };
        let (clean, dirty) = (run(&frame), run(&planted));
        assert_eq!(clean.predicted, dirty.predicted, "{}: a planted future value changed a forecast", method.name());
        assert_eq!(clean.intervals, dirty.intervals, "{}: a planted future value changed an interval", method.name());
    }
}

#[test]
fn backtest_windows_step_back_from_origin_minus_horizon() {
    let settings = ForecastSettings { horizon: 39, backtest_windows: 3, step: 4, ..ForecastSettings::default() };
    let origin = days_from_civil(2012, 2, 3);
    let origins: Vec<String> = settings.window_origins(origin).into_iter().map(format_date).collect();
    assert_eq!(origins, ["2011-05-06", "2011-04-08", "2011-03-11"]);
    assert_eq!((0..bands(39)).map(|b| band_key(b, 39)).collect::<Vec<_>>(), ["h01_13", "h14_26", "h27_39"]);
    assert_eq!((0..bands(20)).map(|b| band_key(b, 20)).collect::<Vec<_>>(), ["h01_13", "h14_20"]);
    assert_eq!(band_range(3, 52), (39, 52));
}

#[test]
fn backtest_scores_each_window_and_band() {
    let frame = two_years(3);
    let settings = ForecastSettings { method: ForecastMethod::Panel(PanelMethod::YearlyNaive), horizon: 26, backtest_windows: 2, step: 4, ..ForecastSettings::default() };
    let origin = week(108);
    let bt = backtest(&frame, "train.csv", &settings, origin, None, &mut |_, _| {}).unwrap();
    assert_eq!(bt.windows.iter().map(|w| w.origin).collect::<Vec<_>>(), vec![week(82), week(78)]);
    for window in &bt.windows {
        assert_eq!(window.scores.overall.rows, 26 * 6, "every series in every week of the window");
        assert_eq!(window.scores.weeks.len(), 26);
        assert_eq!(window.scores.bands.len(), 2);
        // The bands partition the window: their rows add up, and so do their absolute errors.
        let bands: Vec<_> = window.scores.bands.iter().map(|b| b.unwrap()).collect();
        assert_eq!(bands.iter().map(|b| b.rows).sum::<usize>(), window.scores.overall.rows);
        let mae = bands.iter().map(|b| b.mae * b.rows as f64).sum::<f64>() / window.scores.overall.rows as f64;
        assert!((mae - window.scores.overall.mae).abs() < 1e-9, "{mae} vs {}", window.scores.overall.mae);
    }
    let pooled = bt.pooled.as_ref().unwrap();
    assert_eq!(pooled.overall.rows, 2 * 26 * 6);
    let calibration = bt.calibration.as_ref().unwrap();
    assert_eq!(calibration.counts, vec![2 * 13 * 6, 2 * 13 * 6]);
    // A window before the data's first weeks is an error that says what to change.
    let too_many = ForecastSettings { backtest_windows: 30, ..settings.clone() };
    let error = backtest(&frame, "train.csv", &too_many, origin, None, &mut |_, _| {}).unwrap_err().to_string();
    assert!(error.contains("backtest window") && error.contains("use fewer windows or a smaller step"), "{error}");
}

#[test]
fn intervals_cover_as_promised_on_known_noise() {
    // Flat series with Gaussian noise of a known σ: the yearly mean is the right forecast,
    // and the conformal intervals calibrated on 6 windows should cover ~80 % and ~95 %.
    let mut rng = Rng::new(11);
    let mut rows = Vec::new();
    for store in 1..=20 {
        for dept in 1..=5 {
            let level = 500.0 + 100.0 * dept as f64;
            for w in 0..160 {
                rows.push((store, dept, week(w), level + 0.1 * level * rng.normal()));
            }
        }
    }
    let frame = sales(&csv_of(rows));
    let settings = ForecastSettings { method: ForecastMethod::Panel(PanelMethod::YearlyMean), horizon: 26, origin: Some(week(134)), backtest_windows: 6, step: 4, ..ForecastSettings::default() };
    let origin = week(134);
    let bt = backtest(&frame, "train.csv", &settings, origin, None, &mut |_, _| {}).unwrap();
    let fc = forecast(&frame, "train.csv", None, &settings, origin, &bt, None, &mut |_| {}).unwrap();
    let [c80, c95] = fc.coverage.unwrap();
    assert!((c80 - 0.80).abs() < 0.03, "80 % interval covers {c80}");
    assert!((c95 - 0.95).abs() < 0.02, "95 % interval covers {c95}");
    // Band by band too (weeks 1–13, 14–26), each calibrated on its own residuals.
    assert_eq!(fc.band_coverage.len(), 2);
    for [b80, b95] in fc.band_coverage.iter().map(|c| c.unwrap()) {
        assert!((b80 - 0.80).abs() < 0.05 && (b95 - 0.95).abs() < 0.03, "a band covers {b80} / {b95}");
    }
    // The scaled residual quantiles are those of |N(0, 0.1)| relative to the level: ≈ 1.28 σ
    // and ≈ 1.96 σ (σ = 0.1 of the level, the scale being the mean level).
    let q = bt.calibration.as_ref().unwrap().quantiles[0];
    assert!((q[0] - 0.128).abs() < 0.01 && (q[1] - 0.196).abs() < 0.015, "{q:?}");
}

#[test]
fn every_future_row_gets_a_forecast_with_the_new_series_rule() {
    let frame = two_years(5);
    let origin = week(110);
    let future = TargetRows {
        series: vec![SeriesKey { store: 1, dept: 1 }, SeriesKey { store: 7, dept: 2 }, SeriesKey { store: 7, dept: 99 }],
        date: vec![origin, origin + 7, origin],
        holiday: vec![false; 3],
        actual: None,
        file: Some("test.csv".into()),
    };
    let settings = ForecastSettings { origin: Some(origin), backtest_windows: 1, horizon: 4, ..ForecastSettings::default() };
    assert_eq!(settings.method.new_series(), Some(NewSeries::DepartmentLowest));
    let bt = backtest(&frame, "train.csv", &settings, origin, None, &mut |_, _| {}).unwrap();
    let fc = forecast(&frame, "train.csv", Some(future.clone()), &settings, origin, &bt, None, &mut |_| {}).unwrap();
    assert!(fc.predicted.iter().all(|p| p.is_finite()));
    let history = History::before(&frame, "train.csv", origin).unwrap();
    let all = PanelMethod::DEFAULT.forecast(&history, 4);
    let dept2_lowest = (0..history.series.len()).filter(|&s| history.series[s].dept == 2).map(|s| all.values[s * 4 + 1]).fold(f64::INFINITY, f64::min);
    assert_eq!(fc.predicted[1], dept2_lowest, "a new store in department 2: its lowest store's forecast that week");
    assert_eq!(fc.predicted[2], 0.0, "a department with no history at all: 0");
    assert_eq!(fc.series_without_history, 2);
    assert!(fc.intervals.as_ref().unwrap().iter().all(|b| b.iter().all(|v| v.is_finite())));
    // A future week outside the horizon is an error naming the line and the horizon that fits.
    let late = TargetRows { date: vec![origin, origin + 7 * 6, origin], ..future };
    let error = forecast(&frame, "train.csv", Some(late), &settings, origin, &bt, None, &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("test.csv, line 3") && error.contains("a horizon of 7 weeks covers the file"), "{error}");
}

#[test]
fn an_origin_off_the_weekly_grid_names_the_nearest_weeks() {
    let frame = two_years(1);
    let error = History::before(&frame, "train.csv", week(60) + 1).unwrap_err().to_string();
    assert!(error.contains("the origin 2011-04-02 is not one of train.csv's weeks") && error.contains("2011-04-01 and 2011-04-08"), "{error}");
}

#[test]
fn method_names_and_settings_are_checked() {
    assert_eq!(ForecastMethod::parse("svd-trend", &[]).unwrap(), ForecastMethod::DEFAULT);
    let error = ForecastMethod::parse("prophet", &[]).unwrap_err().to_string();
    assert!(error.contains("valid methods: yearly-naive, yearly-mean, svd-yearly-naive, svd-trend; or a model fitted per horizon band: seasonal-naive"), "{error}");
    let gbdt = ForecastMethod::parse("gbdt", &[]).unwrap();
    assert_eq!(gbdt.params()["offset"], "lag_52", "a direct gbdt boosts from last year's value");
    assert_eq!(ForecastMethod::parse("gbdt", &[("offset".into(), "none".into())]).unwrap().params()["offset"], "none");
    let error = ForecastMethod::parse("svd-trend", &[("rank".into(), "0".into())]).unwrap_err().to_string();
    assert_eq!(error, "parameter \"rank\" must be an integer ≥ 1, got \"0\"");
    let error = ForecastMethod::parse("yearly-naive", &[("rank".into(), "3".into())]).unwrap_err().to_string();
    assert!(error.contains("has no parameter \"rank\""), "{error}");
    let error = ForecastMethod::parse("ridge", &[("rank".into(), "3".into())]).unwrap_err().to_string();
    assert!(error.contains("has no parameter \"rank\""), "{error}");
    let ten = ForecastMethod::parse("svd-yearly-naive", &[("rank".into(), "10".into())]).unwrap();
    assert_eq!(ten.params()["rank"], "10");
    for method in all_methods() {
        let params: Vec<(String, String)> = method.params().into_iter().collect();
        assert_eq!(ForecastMethod::parse(method.name(), &params).unwrap(), method, "{} reads back", method.name());
    }
}

#[test]
fn the_submission_and_forecast_files() {
    let rows = TargetRows {
        series: vec![SeriesKey { store: 1, dept: 1 }, SeriesKey { store: 45, dept: 98 }],
        date: vec![days_from_civil(2012, 11, 2), days_from_civil(2013, 7, 26)],
        holiday: vec![false, true],
        actual: None,
        file: None,
    };
    let text = submission::submission_csv(&rows, &[1.5, -2.25]);
    assert_eq!(text, "Id,Weekly_Sales\n1_1_2012-11-02,1.5\n45_98_2013-07-26,-2.25\n");
    let text = submission::forecast_csv(&rows, &[1.5, -2.25], Some(&[[1.0, 2.0, 0.5, 2.5], [-3.0, -1.5, -4.0, -0.5]]));
    assert_eq!(
        text,
        "Store,Dept,Date,IsHoliday,Forecast,Lower_80,Upper_80,Lower_95,Upper_95\n1,1,2012-11-02,FALSE,1.5,1,2,0.5,2.5\n45,98,2013-07-26,TRUE,-2.25,-3,-1.5,-4,-0.5\n"
    );
}

#[test]
fn a_direct_model_scores_every_row_with_features_no_newer_than_its_band() {
    use crate::stages::forecast::direct::band_features;
    // Bands of 13 weeks; each band's gap is its last week.
    assert_eq!((0..3).map(|b| band_features(b, 39).horizon).collect::<Vec<_>>(), vec![13, 26, 39]);
    assert_eq!((0..2).map(|b| band_features(b, 20).horizon).collect::<Vec<_>>(), vec![13, 20]);
    // Every row is scored, a new series' too: ridge on the series' own past.
    let frame = two_years(9);
    let origin = week(100);
    let mut rows = TargetRows::labelled(&frame, origin, 10).unwrap();
    rows.actual = None;
    rows.series.push(SeriesKey { store: 8, dept: 1 });
    rows.date.push(origin + 7);
    rows.holiday.push(false);
    let settings = ForecastSettings { method: ForecastMethod::parse("ridge", &[]).unwrap(), horizon: 10, origin: Some(origin), backtest_windows: 0, ..ForecastSettings::default() };
    let fc = forecast(&frame, "train.csv", Some(rows), &settings, origin, &Default::default(), None, &mut |_| {}).unwrap();
    assert_eq!(fc.predicted.len(), 6 * 10 + 1);
    assert!(fc.predicted.iter().all(|p| p.is_finite()), "every row, the new series' included, has a forecast");
    assert_eq!(fc.series_without_history, 1);
}
