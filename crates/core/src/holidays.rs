//! The four holidays of the Walmart data and the sales weeks that contain them.
//!
//! Sales weeks end on Friday (the `Date` column): the week dated Friday F covers Saturday
//! F−6 … F. The competition flags the weeks containing the Super Bowl (first Sunday of
//! February), Labor Day (first Monday of September), Thanksgiving (fourth Thursday of
//! November) and Christmas Day. The rules reproduce every flagged week of train.csv and
//! test.csv, so features and the synthetic sample need no hard-coded date list.

use crate::calendar::{days_from_civil, iso_weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Holiday {
    SuperBowl,
    LaborDay,
    Thanksgiving,
    Christmas,
}

impl Holiday {
    pub const ALL: [Holiday; 4] = [Holiday::SuperBowl, Holiday::LaborDay, Holiday::Thanksgiving, Holiday::Christmas];

    /// The holiday's day in `year` (days since the epoch).
    pub fn day(self, year: i32) -> i32 {
        // The n-th given weekday (ISO, Monday = 1) of a month.
        let nth = |month: u32, weekday: u32, n: i32| {
            let first = days_from_civil(year, month, 1);
            first + (weekday as i32 - iso_weekday(first) as i32).rem_euclid(7) + 7 * (n - 1)
        };
        match self {
            Holiday::SuperBowl => nth(2, 7, 1),
            Holiday::LaborDay => nth(9, 1, 1),
            Holiday::Thanksgiving => nth(11, 4, 4),
            Holiday::Christmas => days_from_civil(year, 12, 25),
        }
    }

    /// The Friday that ends the sales week containing the holiday in `year`.
    pub fn week_ending(self, year: i32) -> i32 {
        week_ending_friday(self.day(year))
    }
}

/// The Friday on or after `day`: the `Date` of the sales week containing `day`.
pub fn week_ending_friday(day: i32) -> i32 {
    day + (5 - iso_weekday(day) as i32).rem_euclid(7)
}

/// Which holiday's week the week ending on Friday `date` is, if any.
pub fn holiday_week(date: i32) -> Option<Holiday> {
    let (year, _, _) = crate::calendar::civil_from_days(date);
    Holiday::ALL
        .into_iter()
        .find(|h| (year - 1..=year + 1).any(|y| h.week_ending(y) == date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{format_date, parse_iso_date};

    #[test]
    fn reproduces_the_flagged_weeks_of_the_competition() {
        let flagged = [
            "2010-02-12", "2010-09-10", "2010-11-26", "2010-12-31", "2011-02-11", "2011-09-09", "2011-11-25",
            "2011-12-30", "2012-02-10", "2012-09-07", "2012-11-23", "2012-12-28", "2013-02-08",
        ];
        let first = parse_iso_date(b"2010-02-05").unwrap();
        let found: Vec<String> =
            (0..182).map(|w| first + 7 * w).filter(|&d| holiday_week(d).is_some()).map(format_date).collect();
        assert_eq!(found, flagged);
    }
}
