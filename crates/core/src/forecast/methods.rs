//! How a forecast run forecasts ([`ForecastMethod`]): a method of the history panel
//! ([`PanelMethod`]), which turns a [`History`] into a forecast of every week from the origin
//! to origin + horizon − 1 for every series the history has, reading nothing else; or a
//! one-step model fitted per horizon band (run by `stages::forecast::direct`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::{civil_from_days, days_from_civil, iso_week};
use crate::error::{Error, Result};
use crate::holidays::Holiday;

use crate::models::{overlay_params, param_bool, param_in, ModelKind, ModelSpec};

use super::history::{History, SeriesKey, TargetRows};
use super::svd::low_rank;

/// 364 days: the same sales week one year earlier.
pub const YEAR_WEEKS: usize = 52;

/// How a forecast run forecasts: a method of the history panel, or a one-step model fitted
/// directly for each band of the horizon (`stages::forecast::direct`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "strategy", rename_all = "kebab-case")]
pub enum ForecastMethod {
    Panel(PanelMethod),
    /// The model refitted per horizon band on features at least as old as the band's last
    /// week; every row is scored by the model (the design matrix's scored-row rule).
    Direct(ModelSpec),
}

impl ForecastMethod {
    /// The default: the best method on the validation origins (see the module docs of
    /// [`crate::forecast`]).
    pub const DEFAULT: ForecastMethod = ForecastMethod::Panel(PanelMethod::DEFAULT);

    /// A panel method (`METHOD_NAMES`) or a one-step model (`ModelKind`'s names) by name,
    /// with `key=value` settings over its defaults; a bad name, key or value is an error
    /// listing the valid ones.
    pub fn parse(name: &str, params: &[(String, String)]) -> Result<ForecastMethod> {
        if METHOD_NAMES.contains(&name) {
            return PanelMethod::parse(name, params).map(ForecastMethod::Panel);
        }
        match ModelKind::parse(name) {
            Ok(kind) => {
                // Boosting from last year's value (LightGBM's init score) is the gbdt's best
                // setting for forecasts: validation WMAE 2116.8 against 2742.8 from lag_h, the
                // one-step default, and 2719.0 from nothing (docs/definitions.md#true-forecasts).
                let mut params = params.to_vec();
                if kind == ModelKind::Gbdt && !params.iter().any(|(k, _)| k == "offset") {
                    params.push(("offset".into(), DIRECT_GBDT_OFFSET.into()));
                }
                ModelSpec::new(kind, &params).map(ForecastMethod::Direct)
            }
            Err(_) => {
                let models: Vec<&str> = ModelKind::ALL.iter().map(|k| k.name()).collect();
                Err(Error::Params(format!(
                    "unknown forecast method \"{name}\"; valid methods: {}; or a model fitted per horizon band: {}",
                    METHOD_NAMES.join(", "),
                    models.join(", ")
                )))
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ForecastMethod::Panel(p) => p.name(),
            ForecastMethod::Direct(spec) => spec.kind().name(),
        }
    }

    /// The settings as text, for the run record.
    pub fn params(&self) -> BTreeMap<String, String> {
        match self {
            ForecastMethod::Panel(p) => p.params(),
            ForecastMethod::Direct(spec) => spec.params(),
        }
    }

    /// How a series without history before the origin is forecast, in words.
    pub fn new_series_rule(&self) -> &'static str {
        match self.new_series() {
            Some(NewSeries::Zero) => "forecast as 0",
            Some(NewSeries::DepartmentLowest) => "forecast as their department's lowest store",
            None => "scored by the model from their features",
        }
    }

    /// What a series without history before the origin is forecast as: a panel method's
    /// rule, `None` for a model (which scores every row from its features).
    pub fn new_series(&self) -> Option<NewSeries> {
        match self {
            ForecastMethod::Panel(p) => Some(p.new_series()),
            ForecastMethod::Direct(_) => None,
        }
    }
}

/// A method of the history panel and its settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum PanelMethod {
    /// DESIGN's seasonal naive: the value 364 days earlier; missing or 0 → the series' last
    /// value before the origin; no history → 0.
    YearlyNaive,
    /// The mean of the series' last 52 weeks before the origin (the weeks it has).
    YearlyMean,
    /// The winner's method: per department, the weeks × stores matrix (missing → 0) smoothed
    /// to rank `rank`, then the smoothed value 364 days earlier, optionally with the Christmas
    /// shift and a damped trend: `trend` × (the mean of the series' last `trend_weeks`
    /// smoothed weeks − the mean of the same weeks a year before; fewer weeks when the
    /// history is shorter than a year and `trend_weeks`).
    SvdYearly(SvdParams),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SvdParams {
    pub rank: usize,
    pub christmas_shift: bool,
    pub trend: f64,
    pub trend_weeks: usize,
    pub new_series: NewSeries,
}

impl SvdParams {
    /// The winner's smoothing alone (DESIGN's "SVD rank 12 + seasonal naive").
    pub const PLAIN: SvdParams = SvdParams { rank: 12, christmas_shift: false, trend: 0.0, trend_weeks: 13, new_series: NewSeries::Zero };
}

/// The column a direct gbdt boosts from unless told otherwise: the value a year earlier.
pub const DIRECT_GBDT_OFFSET: &str = "lag_52";

/// The panel methods' names, for the CLI and the app.
pub const METHOD_NAMES: [&str; 4] = ["yearly-naive", "yearly-mean", "svd-yearly-naive", "svd-trend"];

impl PanelMethod {
    /// The default method (see [`ForecastMethod::DEFAULT`]).
    pub const DEFAULT: PanelMethod =
        PanelMethod::SvdYearly(SvdParams {
            rank: 8,
            christmas_shift: true,
            trend: 0.45,
            trend_weeks: 13,
            new_series: NewSeries::DepartmentLowest,
        });

    pub fn name(&self) -> &'static str {
        match self {
            PanelMethod::YearlyNaive => "yearly-naive",
            PanelMethod::YearlyMean => "yearly-mean",
            PanelMethod::SvdYearly(p) if p.trend == 0.0 => "svd-yearly-naive",
            PanelMethod::SvdYearly(_) => "svd-trend",
        }
    }

    /// A method by name with `key=value` settings over its defaults; a bad name, key or
    /// value is an error listing the valid ones.
    pub fn parse(name: &str, params: &[(String, String)]) -> Result<PanelMethod> {
        let base = match name {
            "yearly-naive" => PanelMethod::YearlyNaive,
            "yearly-mean" => PanelMethod::YearlyMean,
            "svd-yearly-naive" => PanelMethod::SvdYearly(SvdParams::PLAIN),
            "svd-trend" => PanelMethod::DEFAULT,
            _ => {
                return Err(Error::Params(format!("unknown panel method \"{name}\"; valid: {}", METHOD_NAMES.join(", "))))
            }
        };
        let values = overlay_params(&format!("forecast method \"{name}\""), base.params(), params)?;
        let PanelMethod::SvdYearly(_) = base else { return Ok(base) };
        let rank = param_in(&values, "rank", "an integer ≥ 1", |r: usize| r >= 1)?;
        let christmas_shift = param_bool(&values, "christmas_shift")?;
        let trend = param_in(&values, "trend", "a number in [0, 1]", |t: f64| (0.0..=1.0).contains(&t))?;
        let trend_weeks = param_in(&values, "trend_weeks", "an integer in 1..=52", |w: usize| (1..=52).contains(&w))?;
        let new_series = NewSeries::parse(&values["new_series"])
            .ok_or_else(|| Error::Params(format!("parameter \"new_series\" must be zero or department-lowest, got \"{}\"", values["new_series"])))?;
        if name == "svd-yearly-naive" && trend != 0.0 {
            return Err(Error::Params("svd-yearly-naive has no trend; use svd-trend".into()));
        }
        if name == "svd-trend" && trend == 0.0 {
            return Err(Error::Params("svd-trend needs trend > 0; with no trend it is svd-yearly-naive".into()));
        }
        Ok(PanelMethod::SvdYearly(SvdParams { rank, christmas_shift, trend, trend_weeks, new_series }))
    }

    /// The settings as text, for the run record.
    pub fn params(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        if let PanelMethod::SvdYearly(p) = self {
            map.insert("rank".into(), p.rank.to_string());
            map.insert("christmas_shift".into(), p.christmas_shift.to_string());
            map.insert("trend".into(), p.trend.to_string());
            map.insert("trend_weeks".into(), p.trend_weeks.to_string());
            map.insert("new_series".into(), p.new_series.name().to_string());
        }
        map
    }

    /// Forecasts every series of `history` for the `horizon` weeks from its origin.
    pub fn forecast(&self, history: &History, horizon: usize) -> SeriesForecasts {
        let values = match self {
            PanelMethod::YearlyNaive => yearly_naive(history, history, horizon),
            PanelMethod::YearlyMean => yearly_mean(history, horizon),
            PanelMethod::SvdYearly(p) => {
                let smoothed = smooth_departments(history, p.rank);
                let mut values = yearly_naive(&smoothed, history, horizon);
                if p.trend > 0.0 {
                    add_trend(&smoothed, horizon, p.trend, p.trend_weeks, &mut values);
                }
                if p.christmas_shift {
                    christmas_shift(history, horizon, &mut values);
                }
                values
            }
        };
        SeriesForecasts { origin: history.origin, horizon, series: history.series.clone(), values, new_series: self.new_series() }
    }

    /// What a series without history before the origin is forecast as.
    pub fn new_series(&self) -> NewSeries {
        match self {
            PanelMethod::YearlyNaive | PanelMethod::YearlyMean => NewSeries::Zero,
            PanelMethod::SvdYearly(p) => p.new_series,
        }
    }
}

/// The forecast of a series with no history before the origin (a store's new department).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NewSeries {
    /// 0, as DESIGN's seasonal naive defines it.
    Zero,
    /// The lowest forecast among the department's stores that week (0 when the department
    /// has no history either): a new department starts at its department's low end.
    DepartmentLowest,
}

impl NewSeries {
    pub fn name(self) -> &'static str {
        match self {
            NewSeries::Zero => "zero",
            NewSeries::DepartmentLowest => "department-lowest",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [NewSeries::Zero, NewSeries::DepartmentLowest].into_iter().find(|n| n.name() == text)
    }
}

/// A forecast of `horizon` weeks for each series of a history (series-major): what a
/// forecast run's model is, frozen (the registry stores it and scores files with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesForecasts {
    pub origin: i32,
    pub horizon: usize,
    pub series: Vec<SeriesKey>,
    #[serde(with = "crate::codec::f64_base64")]
    pub values: Vec<f64>,
    pub new_series: NewSeries,
}

impl SeriesForecasts {
    /// The forecast of each of `rows` (dated in the horizon); a series without history gets
    /// the method's [`NewSeries`] forecast.
    pub fn predict(&self, rows: &TargetRows) -> Vec<f64> {
        let index: std::collections::HashMap<SeriesKey, usize> = self.series.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let mut by_dept: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, key) in self.series.iter().enumerate() {
            by_dept.entry(key.dept).or_default().push(i);
        }
        let mut fallback: BTreeMap<(i64, usize), f64> = BTreeMap::new();
        (0..rows.len())
            .map(|r| {
                let k = self.step(rows.date[r]);
                match index.get(&rows.series[r]) {
                    Some(&s) => self.values[s * self.horizon + k],
                    None if self.new_series == NewSeries::Zero => 0.0,
                    None => *fallback.entry((rows.series[r].dept, k)).or_insert_with(|| {
                        let members = by_dept.get(&rows.series[r].dept).into_iter().flatten();
                        members.map(|&s| self.values[s * self.horizon + k]).reduce(f64::min).unwrap_or(0.0)
                    }),
                }
            })
            .collect()
    }

    /// The horizon step (0-based) of a date in the horizon.
    pub fn step(&self, date: i32) -> usize {
        debug_assert!(date >= self.origin && (date - self.origin) % 7 == 0);
        ((date - self.origin) / 7) as usize
    }
}

/// DESIGN's seasonal naive read from `source`: the value 52 weeks before each target week.
/// On the history itself (`source` is `raw`), a week with no row or a 0 there gives the
/// series' last value instead; on its smoothing every week has a value (the winner's rule,
/// and the one DESIGN's SVD figures use). Before the history's first week: the last value.
fn yearly_naive(source: &History, raw: &History, horizon: usize) -> Vec<f64> {
    let smoothed = !std::ptr::eq(source, raw);
    let weeks = source.weeks;
    let mut out = Vec::with_capacity(source.series.len() * horizon);
    for s in 0..source.series.len() {
        let (values, raw_values) = (source.values(s), raw.values(s));
        let last = raw_values.iter().rposition(|v| !v.is_nan()).map_or(0.0, |w| values[w]);
        for k in 0..horizon {
            let target = weeks + k;
            let year_before = target.checked_sub(YEAR_WEEKS).filter(|&w| w < weeks);
            out.push(match year_before {
                Some(w) if smoothed || (!raw_values[w].is_nan() && raw_values[w] != 0.0) => values[w],
                _ => last,
            });
        }
    }
    out
}

/// The mean of each series' values in its last 52 weeks (its last value if it has none there).
fn yearly_mean(history: &History, horizon: usize) -> Vec<f64> {
    let from = history.weeks.saturating_sub(YEAR_WEEKS);
    let mut out = Vec::with_capacity(history.series.len() * horizon);
    for s in 0..history.series.len() {
        let present: Vec<f64> = history.values(s)[from..].iter().copied().filter(|v| !v.is_nan()).collect();
        let level =
            if present.is_empty() { history.last_value(s).unwrap_or(0.0) } else { present.iter().sum::<f64>() / present.len() as f64 };
        out.extend(std::iter::repeat_n(level, horizon));
    }
    out
}

/// The history with each department's weeks × stores matrix (missing → 0) replaced by its
/// rank-`rank` reconstruction.
fn smooth_departments(history: &History, rank: usize) -> History {
    let mut smoothed = history.clone();
    let weeks = history.weeks;
    let mut by_dept: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, key) in history.series.iter().enumerate() {
        by_dept.entry(key.dept).or_default().push(i);
    }
    for members in by_dept.values() {
        let cols = members.len();
        let mut x = vec![0.0; weeks * cols];
        for (c, &s) in members.iter().enumerate() {
            for (w, &v) in history.values(s).iter().enumerate() {
                x[w * cols + c] = if v.is_nan() { 0.0 } else { v };
            }
        }
        let low = low_rank(&x, weeks, cols, rank);
        for (c, &s) in members.iter().enumerate() {
            for (w, cell) in smoothed.values_mut(s).iter_mut().enumerate() {
                *cell = low[w * cols + c];
            }
        }
    }
    smoothed
}

/// Adds `damping` × (mean of the last `span` weeks − mean of the same weeks one year before)
/// to each series' forecast; with less than a year and `span` weeks of history, over the
/// weeks it has.
fn add_trend(smoothed: &History, horizon: usize, damping: f64, span: usize, values: &mut [f64]) {
    let weeks = smoothed.weeks;
    let span = span.min(weeks.saturating_sub(YEAR_WEEKS));
    if span == 0 {
        return;
    }
    for s in 0..smoothed.series.len() {
        let v = smoothed.values(s);
        let recent = v[weeks - span..].iter().sum::<f64>() / span as f64;
        let before = v[weeks - span - YEAR_WEEKS..weeks - YEAR_WEEKS].iter().sum::<f64>() / span as f64;
        let shift = damping * (recent - before);
        for f in &mut values[s * horizon..(s + 1) * horizon] {
            *f += shift;
        }
    }
}

/// Days of Dec 18–24 inside the year's Christmas sales week (the week flagged IsHoliday).
pub fn pre_christmas_days(year: i32) -> i32 {
    let end = Holiday::Christmas.week_ending(year);
    let start = end - 6;
    let (from, to) = (days_from_civil(year, 12, 18), days_from_civil(year, 12, 24));
    (to.min(end) - from.max(start) + 1).max(0)
}

/// The winner's Christmas shift: where the horizon holds ISO weeks 48–52 of a year, each
/// department whose mean forecast over weeks 49–51 exceeds 1.1 × the mean of weeks 48 and 52
/// has weeks 49–52 replaced by (7 − k)/7 · f(week) + k/7 · f(week before), with k the
/// target year's pre-Christmas days in its Christmas week minus the source year's (the year
/// the seasonal value comes from).
pub fn christmas_shift(history: &History, horizon: usize, values: &mut [f64]) {
    let dates: Vec<i32> = (0..horizon).map(|k| history.origin + 7 * k as i32).collect();
    let weeks_of = |year: i32, week: u32| dates.iter().position(|&d| iso_week(d) == (year, week));
    let years: std::collections::BTreeSet<i32> = dates.iter().map(|&d| civil_from_days(d).0).collect();
    let mut by_dept: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, key) in history.series.iter().enumerate() {
        by_dept.entry(key.dept).or_default().push(i);
    }
    for year in years {
        let steps: Option<Vec<usize>> = (48..=52).map(|w| weeks_of(year, w)).collect();
        let Some(steps) = steps else { continue };
        let k = pre_christmas_days(year) - pre_christmas_days(year - 1);
        if k <= 0 {
            continue;
        }
        let k = f64::from(k);
        for members in by_dept.values() {
            let mean_at = |step: usize| members.iter().map(|&s| values[s * horizon + step]).sum::<f64>() / members.len() as f64;
            let peak = (mean_at(steps[1]) + mean_at(steps[2]) + mean_at(steps[3])) / 3.0;
            let shoulders = (mean_at(steps[0]) + mean_at(steps[4])) / 2.0;
            if peak <= 1.1 * shoulders {
                continue;
            }
            for &s in members {
                let row = &mut values[s * horizon..(s + 1) * horizon];
                let original: Vec<f64> = steps.iter().map(|&step| row[step]).collect();
                for i in 1..5 {
                    row[steps[i]] = (7.0 - k) / 7.0 * original[i] + k / 7.0 * original[i - 1];
                }
            }
        }
    }
}
