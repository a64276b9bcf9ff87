//! Comparing runs side by side: what the compare view and the Runs page's extra columns show.
//!
//! The view draws; what differs, and where each run sits on an axis of a parallel-coordinates
//! plot or a scatter, is decided here, once, so the app and any report agree. A param that is
//! a number in every run that has it is a numeric axis, scaled from its least to its greatest
//! value; otherwise its distinct values are spaced evenly in sorted order.

use std::collections::BTreeSet;

use super::RunRecord;
use crate::error::{Error, Result};

/// How many runs one comparison takes.
pub const COMPARE_RUNS: std::ops::RangeInclusive<usize> = 2..=20;

/// A param or a metric of a run, named as the search names it (`params.alpha`,
/// `metrics.test_wmae`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Param(String),
    Metric(String),
}

impl Field {
    /// Reads `params.NAME` or `metrics.NAME`.
    pub fn parse(text: &str) -> Option<Field> {
        let (entity, name) = text.split_once('.')?;
        match entity {
            "params" if !name.is_empty() => Some(Field::Param(name.to_string())),
            "metrics" if !name.is_empty() => Some(Field::Metric(name.to_string())),
            _ => None,
        }
    }

    pub fn name(&self) -> String {
        match self {
            Field::Param(name) => format!("params.{name}"),
            Field::Metric(name) => format!("metrics.{name}"),
        }
    }

    /// The run's value as text (a metric to four decimals), if it has one.
    pub fn text(&self, run: &RunRecord) -> Option<String> {
        match self {
            Field::Param(name) => run.params.get(name).cloned(),
            Field::Metric(name) => run.metrics.get(name).map(|v| format!("{v:.4}")),
        }
    }

    /// The run's value as a number, if it is one.
    fn number(&self, run: &RunRecord) -> Option<f64> {
        match self {
            Field::Param(name) => run.params.get(name).and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.is_finite()),
            Field::Metric(name) => run.metrics.get(name).copied().filter(|v| v.is_finite()),
        }
    }

    /// Every param and metric that any of `runs` has, params first, each by name.
    pub fn all<'a>(runs: impl IntoIterator<Item = &'a RunRecord> + Clone) -> Vec<Field> {
        let params: BTreeSet<&String> = runs.clone().into_iter().flat_map(|r| r.params.keys()).collect();
        let metrics: BTreeSet<&String> = runs.into_iter().flat_map(|r| r.metrics.keys()).collect();
        params.into_iter().map(|k| Field::Param(k.clone())).chain(metrics.into_iter().map(|k| Field::Metric(k.clone()))).collect()
    }
}

/// One row of the side-by-side tables: a field's value in each run.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub field: Field,
    /// In the comparison's run order; `None` where a run lacks it.
    pub values: Vec<Option<String>>,
    /// Not the same in every run (a run without it differs from one with it).
    pub differs: bool,
}

/// 2–20 runs side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub run_ids: Vec<String>,
    pub params: Vec<Row>,
    pub metrics: Vec<Row>,
}

impl Comparison {
    pub fn of(runs: &[&RunRecord]) -> Result<Comparison> {
        if !COMPARE_RUNS.contains(&runs.len()) {
            return Err(Error::Params(format!(
                "a comparison takes {} to {} runs, got {}",
                COMPARE_RUNS.start(),
                COMPARE_RUNS.end(),
                runs.len()
            )));
        }
        let row = |field: Field| {
            let values: Vec<Option<String>> = runs.iter().map(|r| field.text(r)).collect();
            let differs = values.iter().any(|v| v != &values[0]);
            Row { field, values, differs }
        };
        let (params, metrics): (Vec<Row>, Vec<Row>) =
            Field::all(runs.iter().copied()).into_iter().map(row).partition(|r| matches!(r.field, Field::Param(_)));
        Ok(Comparison { run_ids: runs.iter().map(|r| r.run_id.clone()).collect(), params, metrics })
    }

    /// The params whose values differ, by name: the default axes of the plots.
    pub fn differing_params(&self) -> Vec<Field> {
        self.params.iter().filter(|r| r.differs).map(|r| r.field.clone()).collect()
    }
}

/// How an axis reads its values.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// From `min` (the bottom) to `max` (the top).
    Numeric { min: f64, max: f64 },
    /// The distinct values, bottom to top.
    Categorical { values: Vec<String> },
}

/// One axis of a parallel-coordinates plot or a scatter: each run's place on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub field: Field,
    pub scale: Scale,
    /// Per run, in the runs' order: 0 at the bottom, 1 at the top; `None` where the run has
    /// no value.
    pub positions: Vec<Option<f64>>,
}

impl Axis {
    pub fn of(field: Field, runs: &[&RunRecord]) -> Axis {
        let present: Vec<&RunRecord> = runs.iter().copied().filter(|r| field.text(r).is_some()).collect();
        let numeric = !present.is_empty() && present.iter().all(|r| field.number(r).is_some());
        if numeric {
            let values: Vec<Option<f64>> = runs.iter().map(|r| field.number(r)).collect();
            let (min, max) = values.iter().flatten().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            let positions = values.iter().map(|v| v.map(|v| if max > min { (v - min) / (max - min) } else { 0.5 })).collect();
            return Axis { field, scale: Scale::Numeric { min, max }, positions };
        }
        let values: Vec<String> = present.iter().filter_map(|r| field.text(r)).collect::<BTreeSet<_>>().into_iter().collect();
        let place = |text: &str| {
            let index = values.iter().position(|v| v == text).unwrap_or(0);
            if values.len() > 1 { index as f64 / (values.len() - 1) as f64 } else { 0.5 }
        };
        let positions = runs.iter().map(|r| field.text(r).map(|t| place(&t))).collect();
        Axis { field, scale: Scale::Categorical { values }, positions }
    }

    /// The labels at the bottom and the top of the axis.
    pub fn ends(&self) -> (String, String) {
        match &self.scale {
            Scale::Numeric { min, max } => (format_number(*min), format_number(*max)),
            Scale::Categorical { values } => (values.first().cloned().unwrap_or_default(), values.last().cloned().unwrap_or_default()),
        }
    }
}

/// A number for an axis label: whole numbers as such, others to four significant digits.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        let digits = (3 - value.abs().log10().floor() as i32).clamp(0, 12) as usize;
        format!("{value:.digits$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, params: &[(&str, &str)], metrics: &[(&str, f64)]) -> RunRecord {
        let mut run = crate::tracking::test_record(id, 0);
        run.params = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        run.metrics = metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        run
    }

    #[test]
    fn differences_and_missing_values() {
        let a = run("a", &[("model", "ridge"), ("alpha", "1.0"), ("seed", "42")], &[("test_wmae", 1500.0)]);
        let b = run("b", &[("model", "ridge"), ("alpha", "10"), ("seed", "42"), ("rank", "8")], &[("test_wmae", 1450.0)]);
        let comparison = Comparison::of(&[&a, &b]).unwrap();
        let differing: Vec<String> = comparison.differing_params().iter().map(Field::name).collect();
        assert_eq!(differing, ["params.alpha", "params.rank"], "a param only one run has differs");
        let rank = comparison.params.iter().find(|r| r.field == Field::Param("rank".into())).unwrap();
        assert_eq!(rank.values, [None, Some("8".to_string())]);
        assert_eq!(comparison.metrics[0].values, [Some("1500.0000".to_string()), Some("1450.0000".to_string())]);
        assert!(Comparison::of(&[&a]).unwrap_err().to_string().contains("2 to 20 runs, got 1"));
        let many: Vec<&RunRecord> = std::iter::repeat_n(&a, 21).collect();
        assert!(Comparison::of(&many).is_err());
    }

    #[test]
    fn numeric_and_categorical_axes() {
        let runs = [
            run("a", &[("alpha", "1"), ("model", "ridge")], &[("test_wmae", 1500.0)]),
            run("b", &[("alpha", "10"), ("model", "gbdt")], &[("test_wmae", 1400.0)]),
            run("c", &[("alpha", "5.5"), ("model", "lasso")], &[]),
        ];
        let refs: Vec<&RunRecord> = runs.iter().collect();
        let alpha = Axis::of(Field::Param("alpha".into()), &refs);
        assert_eq!(alpha.scale, Scale::Numeric { min: 1.0, max: 10.0 });
        assert_eq!(alpha.positions, [Some(0.0), Some(1.0), Some(0.5)]);
        assert_eq!(alpha.ends(), ("1".to_string(), "10".to_string()));
        let model = Axis::of(Field::parse("params.model").unwrap(), &refs);
        assert_eq!(model.scale, Scale::Categorical { values: vec!["gbdt".into(), "lasso".into(), "ridge".into()] });
        assert_eq!(model.positions, [Some(1.0), Some(0.0), Some(0.5)]);
        let wmae = Axis::of(Field::Metric("test_wmae".into()), &refs);
        assert_eq!(wmae.positions, [Some(1.0), Some(0.0), None], "a run without the metric has no place");
        assert_eq!(Field::parse("tags.x"), None);
    }
}
