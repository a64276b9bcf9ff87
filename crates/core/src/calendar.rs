//! Dates as days since 1970-01-01 (Arrow's `Date32`), without a date-time library.
//!
//! The engine only needs civil dates: parse and print ISO `YYYY-MM-DD`, step by weeks,
//! and derive year, month and ISO week for features. Keeping this to a few exact integer
//! functions (Howard Hinnant's civil-date algorithms) makes the hot paths branch-light
//! and leaves no room for time zones to creep in.

/// Days since 1970-01-01 of a proleptic Gregorian date. `month` is 1..=12, `day` 1..=31.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32; // [0, 399]
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe as i32 - 719_468
}

/// The civil date `(year, month, day)` of a day number.
pub fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses exactly `YYYY-MM-DD` and rejects impossible dates such as 2011-02-29.
pub fn parse_iso_date(text: &[u8]) -> Option<i32> {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        text[range].iter().try_fold(0u32, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    };
    let year = digits(0..4)? as i32;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `YYYY-MM-DD` of a day number.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// ISO weekday, Monday = 1 … Sunday = 7.
pub fn iso_weekday(days: i32) -> u32 {
    // 1970-01-01 was a Thursday (4).
    ((days.rem_euclid(7) + 3) % 7 + 1) as u32
}

/// ISO 8601 `(week-based year, week number)`: the week with the year's first Thursday is week 1.
pub fn iso_week(days: i32) -> (i32, u32) {
    let thursday = days - iso_weekday(days) as i32 + 4;
    let (year, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
    (year, week as u32)
}

/// ISO 8601 UTC text of a Unix timestamp in milliseconds, e.g. `2012-02-03T10:20:30.004Z`.
pub fn format_timestamp_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    // Years 0 to 9999; a stored time outside them (any number can be stored) is shown as it is.
    if !(-719_528..=2_932_896).contains(&days) {
        return format!("{ms} ms after 1970-01-01");
    }
    let in_day = ms.rem_euclid(86_400_000);
    let (h, m, s, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    format!("{}T{h:02}:{m:02}:{s:02}.{milli:03}Z", format_date(days as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        for days in -200_000..200_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!(parse_iso_date(b"1970-01-01"), Some(0));
        assert_eq!(format_date(parse_iso_date(b"2010-02-05").unwrap()), "2010-02-05");
        assert_eq!(parse_iso_date(b"2012-02-29").map(format_date).as_deref(), Some("2012-02-29"));
        for bad in ["2011-02-29", "2012-13-01", "2012-00-10", "2012-04-31", "12-04-2012", "2012/04/01", "2012-4-1", ""] {
            assert_eq!(parse_iso_date(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(format_timestamp_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_timestamp_ms(1_328_264_430_004), "2012-02-03T10:20:30.004Z");
        // Any stored number is shown without a panic; years past 9999 as the number itself.
        assert_eq!(format_timestamp_ms(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_timestamp_ms(-62_167_219_200_000), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_timestamp_ms(i64::MAX), "9223372036854775807 ms after 1970-01-01");
        assert_eq!(format_timestamp_ms(i64::MIN), "-9223372036854775808 ms after 1970-01-01");
    }

    #[test]
    fn iso_weeks_match_known_dates() {
        let w = |s: &str| iso_week(parse_iso_date(s.as_bytes()).unwrap());
        assert_eq!(w("2010-02-05"), (2010, 5));
        assert_eq!(w("2010-12-31"), (2010, 52));
        assert_eq!(w("2011-01-07"), (2011, 1));
        assert_eq!(w("2012-12-31"), (2013, 1));
        assert_eq!(w("2015-12-31"), (2015, 53));
        assert_eq!(iso_weekday(parse_iso_date(b"2010-02-05").unwrap()), 5);
    }
}
