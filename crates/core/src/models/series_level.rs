//! Series baselines: each (Store, Dept) series is predicted by the mean or the median of its
//! training targets; a series never seen in training gets the statistic of all rows.
//!
//! They ignore every feature but the series key, which is what makes them useful: any model
//! worth keeping must beat them. `weighted` counts holiday weeks 5 times, as WMAE does.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::stats::{weighted_mean, weighted_median};
use super::{param_bool, Estimator, FitContext, Matrix, Predictor, TrainingSet};
use crate::error::Result;

/// Which statistic of a series' targets is its prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesStatistic {
    Mean,
    Median,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesLevelParams {
    pub statistic: SeriesStatistic,
    pub weighted: bool,
}

impl SeriesLevelParams {
    pub fn new(statistic: SeriesStatistic) -> Self {
        SeriesLevelParams { statistic, weighted: false }
    }

    pub fn to_map(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("weighted".to_string(), self.weighted.to_string())])
    }

    pub fn from_map(statistic: SeriesStatistic, values: &BTreeMap<String, String>) -> Result<Self> {
        Ok(SeriesLevelParams { statistic, weighted: param_bool(values, "weighted")? })
    }
}

/// One series' level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesValue {
    pub store: f64,
    pub dept: f64,
    pub value: f64,
}

/// A fitted series baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesLevelModel {
    pub statistic: SeriesStatistic,
    pub series: Vec<SeriesValue>,
    /// The statistic over all training rows, for unseen series.
    pub fallback: f64,
}

const KEY_COLUMNS: [&str; 2] = ["Store", "Dept"];

fn key_columns(x: &Matrix) -> Result<(usize, usize)> {
    Ok((x.column_index(KEY_COLUMNS[0])?, x.column_index(KEY_COLUMNS[1])?))
}

impl Estimator for SeriesLevelParams {
    type Fitted = SeriesLevelModel;

    fn fit(&self, data: TrainingSet<'_>, _ctx: &mut FitContext<'_>) -> Result<SeriesLevelModel> {
        let (store, dept) = key_columns(data.x)?;
        let weight = |r: usize| data.weight(r, self.weighted);
        let mut groups: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
        for (r, &y) in data.y.iter().enumerate() {
            let key = (data.x.get(r, store).to_bits(), data.x.get(r, dept).to_bits());
            groups.entry(key).or_default().push((y, weight(r)));
        }
        let statistic = |values: &mut Vec<(f64, f64)>| match self.statistic {
            SeriesStatistic::Mean => weighted_mean(values.iter().copied()),
            SeriesStatistic::Median => weighted_median(values),
        };
        let mut all: Vec<(f64, f64)> = data.y.iter().enumerate().map(|(r, &y)| (y, weight(r))).collect();
        let fallback = statistic(&mut all);
        let series = groups
            .into_iter()
            .map(|((s, d), mut values)| SeriesValue {
                store: f64::from_bits(s),
                dept: f64::from_bits(d),
                value: statistic(&mut values),
            })
            .collect();
        Ok(SeriesLevelModel { statistic: self.statistic, series, fallback })
    }
}

impl Predictor for SeriesLevelModel {
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        let (store, dept) = key_columns(x)?;
        let lookup: HashMap<(u64, u64), f64> =
            self.series.iter().map(|s| ((s.store.to_bits(), s.dept.to_bits()), s.value)).collect();
        Ok((0..x.rows())
            .map(|r| {
                let key = (x.get(r, store).to_bits(), x.get(r, dept).to_bits());
                lookup.get(&key).copied().unwrap_or(self.fallback)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_series_gets_its_own_statistic_and_unseen_ones_the_global() {
        let rows = [(1.0, 1.0, 10.0, 1.0), (1.0, 1.0, 20.0, 1.0), (1.0, 1.0, 60.0, 5.0), (2.0, 1.0, 4.0, 1.0)];
        let x = Matrix::new(vec!["Store".into(), "Dept".into()], rows.iter().flat_map(|r| [r.0, r.1]).collect()).unwrap();
        let y: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let w: Vec<f64> = rows.iter().map(|r| r.3).collect();
        let mut progress = |_| {};
        let mut ctx = FitContext { seed: 0, progress: &mut progress };
        let data = TrainingSet { x: &x, y: &y, weights: &w, time: None };
        let test = Matrix::new(vec!["Store".into(), "Dept".into()], vec![1.0, 1.0, 2.0, 1.0, 3.0, 1.0]).unwrap();

        let mean = SeriesLevelParams::new(SeriesStatistic::Mean).fit(data, &mut ctx).unwrap();
        assert_eq!(mean.predict(&test).unwrap(), vec![30.0, 4.0, 23.5]);
        let median = SeriesLevelParams::new(SeriesStatistic::Median).fit(data, &mut ctx).unwrap();
        assert_eq!(median.predict(&test).unwrap(), vec![20.0, 4.0, 15.0]);
        let weighted = SeriesLevelParams { statistic: SeriesStatistic::Mean, weighted: true }.fit(data, &mut ctx).unwrap();
        assert_eq!(weighted.predict(&test).unwrap()[0], (10.0 + 20.0 + 300.0) / 7.0);
        let weighted_median =
            SeriesLevelParams { statistic: SeriesStatistic::Median, weighted: true }.fit(data, &mut ctx).unwrap();
        assert_eq!(weighted_median.predict(&test).unwrap()[0], 60.0);
    }
}
