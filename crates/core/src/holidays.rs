//! The four holidays of the Walmart data and the sales weeks that contain them.
//!
//! Sales weeks end on Friday (the `Date` column): the week dated Friday F covers Saturday
//! F−6 … F. The competition flags the weeks containing the Super Bowl (first Sunday of
//! February), Labor Day (first Monday of September), Thanksgiving (fourth Thursday of
//! November) and Christmas Day. The rules reproduce every flagged week of train.csv and
//! test.csv, so features and the synthetic sample need no hard-coded date list.
//!
//! For the optional holiday features, [`weeks_to`] and [`weeks_from`] count the weeks from a
//! sales week to the next and from the last holiday week. Because the holidays come from
//! rules, every week has both — there is no first or last holiday of a table to fall off.

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

    /// A short snake_case name for column names, e.g. `super_bowl`.
    pub fn key(self) -> &'static str {
        match self {
            Holiday::SuperBowl => "super_bowl",
            Holiday::LaborDay => "labor_day",
            Holiday::Thanksgiving => "thanksgiving",
            Holiday::Christmas => "christmas",
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

/// Weeks from the sales week dated `date` to the next week of `holiday` (0 in that week).
/// A date that is not a Friday counts as the Friday ending its week.
pub fn weeks_to(holiday: Holiday, date: i32) -> i32 {
    let week = week_ending_friday(date);
    let (year, _, _) = crate::calendar::civil_from_days(week);
    // The holiday's week in `year` or the next year is on or after `week`.
    let next = (year..=year + 1).map(|y| holiday.week_ending(y)).find(|&h| h >= week).unwrap_or(week);
    (next - week) / 7
}

/// Weeks from the last week of `holiday` to the sales week dated `date` (0 in that week).
pub fn weeks_from(holiday: Holiday, date: i32) -> i32 {
    let week = week_ending_friday(date);
    let (year, _, _) = crate::calendar::civil_from_days(week);
    let last = (year - 1..=year).rev().map(|y| holiday.week_ending(y)).find(|&h| h <= week).unwrap_or(week);
    (week - last) / 7
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

    fn day(text: &str) -> i32 {
        parse_iso_date(text.as_bytes()).unwrap()
    }

    #[test]
    fn weeks_to_and_from_each_holiday() {
        // Thanksgiving 2010 is in the week ending 2010-11-26.
        assert_eq!(weeks_to(Holiday::Thanksgiving, day("2010-11-26")), 0);
        assert_eq!(weeks_from(Holiday::Thanksgiving, day("2010-11-26")), 0);
        assert_eq!(weeks_to(Holiday::Thanksgiving, day("2010-11-19")), 1);
        assert_eq!(weeks_from(Holiday::Thanksgiving, day("2010-12-03")), 1);
        // After this year's holiday, the next is next year's: 2011-11-25.
        assert_eq!(weeks_to(Holiday::Thanksgiving, day("2010-12-03")), 51);
        // Christmas 2010 is flagged in the week ending 2010-12-31, which is in the next
        // calendar year's reach from early January.
        assert_eq!(weeks_from(Holiday::Christmas, day("2011-01-07")), 1);
        assert_eq!(weeks_to(Holiday::Christmas, day("2010-12-24")), 1);
        // Before the first holiday of the Walmart data (2010-02-12) and after the last
        // (2013-02-08): the rules go on.
        assert_eq!(weeks_to(Holiday::SuperBowl, day("2010-02-05")), 1);
        assert_eq!(weeks_from(Holiday::SuperBowl, day("2010-02-05")), 52, "2009-02-06");
        assert_eq!(weeks_from(Holiday::SuperBowl, day("2013-07-26")), 24);
        assert_eq!(weeks_to(Holiday::LaborDay, day("2013-07-26")), 6, "2013-09-06");
        // A non-Friday date counts as the Friday ending its week.
        assert_eq!(weeks_to(Holiday::Thanksgiving, day("2010-11-20")), 0);
        // Every week is at most a year and a bit from each holiday.
        for w in 0..400 {
            let d = day("2009-01-02") + 7 * w;
            for h in Holiday::ALL {
                assert!((0..=53).contains(&weeks_to(h, d)) && (0..=53).contains(&weeks_from(h, d)), "{}", format_date(d));
            }
        }
    }
}
