//! Calendar fields: Year, Month, ISO Week, DayOfYear, and the weeks to and from each holiday
//! (capped at [`HOLIDAY_DISTANCE_CAP`]). They depend only on the week, so they are computed
//! once per week of the data (143 on train.csv), not once per row.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array};

use crate::calendar::{civil_from_days, days_from_civil, iso_week};
use crate::holidays::{weeks_from, weeks_to, Holiday};

use super::{FeatureConfig, HOLIDAY_DISTANCE_CAP};

/// A calendar field of a week.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    Year,
    Month,
    Week,
    DayOfYear,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Year => "Year",
            Field::Month => "Month",
            Field::Week => "Week",
            Field::DayOfYear => "DayOfYear",
        }
    }
}

/// Every field of every week of the data, and the week of each row.
pub(super) struct WeekFields<'a> {
    /// Per field, per week: the four [`Field`]s, then weeks to and from each holiday.
    by_week: Vec<Vec<i64>>,
    row_weeks: &'a [u32],
}

impl<'a> WeekFields<'a> {
    /// The fields of the weeks from `first_date` on that `row_weeks` (each row's week, counted
    /// from `first_date`) reach.
    pub fn new(first_date: i32, row_weeks: &'a [u32]) -> Self {
        let data_weeks = row_weeks.iter().max().map_or(0, |&w| w as usize + 1);
        let mut by_week: Vec<Vec<i64>> = vec![Vec::with_capacity(data_weeks); 4 + 2 * Holiday::ALL.len()];
        for w in 0..data_weeks {
            let day = first_date + 7 * w as i32;
            let (year, month, _) = civil_from_days(day);
            let capped = |weeks: i32| i64::from(weeks.min(HOLIDAY_DISTANCE_CAP));
            let fields = [i64::from(year), i64::from(month), i64::from(iso_week(day).1), i64::from(day - days_from_civil(year, 1, 1) + 1)]
                .into_iter()
                .chain(Holiday::ALL.iter().flat_map(|&h| [capped(weeks_to(h, day)), capped(weeks_from(h, day))]));
            for (field, value) in by_week.iter_mut().zip(fields) {
                field.push(value);
            }
        }
        WeekFields { by_week, row_weeks }
    }

    fn column_at(&self, index: usize) -> ArrayRef {
        let by_week = &self.by_week[index];
        Arc::new(Int64Array::from(self.row_weeks.iter().map(|&w| by_week[w as usize]).collect::<Vec<i64>>()))
    }

    /// `field` of every row.
    pub fn column(&self, field: Field) -> ArrayRef {
        self.column_at(field as usize)
    }

    /// The holiday distances of every row, named as [`FeatureConfig::holiday_columns`].
    pub fn holiday_columns(&self) -> Vec<(String, ArrayRef)> {
        FeatureConfig::holiday_columns().into_iter().enumerate().map(|(i, name)| (name, self.column_at(4 + i))).collect()
    }
}
