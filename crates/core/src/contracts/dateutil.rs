//! A documented subset of `dateutil.parser.parse` for
//! `expect_column_values_to_be_dateutil_parseable`.
//!
//! dateutil's parser is a heuristic that accepts almost anything with a date in it. We
//! accept the common, unambiguous forms below and report anything else as unexpected (so
//! we may call a string unparseable that dateutil would accept, never the reverse for
//! these forms). Matching is case-insensitive; leading and trailing whitespace is ignored;
//! an optional weekday name (`Mon`, `Monday`, with an optional comma) may come first.
//!
//! Dates (`Mon` = an English month name, full or abbreviated, `Sept` too, optional `.`):
//! - `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` (one- or two-digit month and day)
//! - `YYYYMMDD`
//! - `MM/DD/YYYY`, `MM-DD-YYYY`, `MM.DD.YYYY` and two-digit years: month first, as
//!   dateutil's default; day first when the first number is over 12 and the second is not
//! - `DD Mon YYYY`, `DD-Mon-YYYY` (also two-digit years), `Mon DD YYYY`, `Mon DD, YYYY`
//!   (`5th` and the like allowed), `YYYY-Mon-DD`, `YYYY Mon DD`
//! - `YYYY`, `YYYY-MM`, `YYYY/MM`, `Mon YYYY`
//!
//! Times, after the date with a space or `T`, or on their own: `H:MM`, `H:MM:SS`,
//! `H:MM:SS.ffffff`, optionally `AM`/`PM` (then hours 1–12), optionally a zone `Z`, `UTC`,
//! `GMT`, `±HH`, `±HHMM` or `±HH:MM`.
//!
//! Every date must exist (`2011-02-29` fails; two-digit years are taken in 2000–2099 for
//! the leap-year check), hours are 0–23, minutes and seconds 0–59.

use std::sync::OnceLock;

use regex_lite::{Captures, Regex};

use crate::calendar::days_in_month;

const WEEKDAY: &str = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)";
const MONTH: &str = r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\.?";
const TIME: &str = r"(?P<H>\d{1,2}):(?P<Mi>\d{2})(?::(?P<S>\d{2})(?:[.,]\d{1,6})?)?(?:\s*(?P<p>am|pm))?(?:\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?))?";

/// The date forms, each with named groups `y`, `m`, `d`, `mon`, `a`/`b` (ambiguous
/// month/day).
fn date_forms() -> Vec<String> {
    vec![
        r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})".into(),
        r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})".into(),
        r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})".into(),
        format!(r"(?P<d>\d{{1,2}})[\s/-]*{MONTH}[\s,/-]*(?P<y>\d{{4}}|\d{{2}})"),
        format!(r"{MONTH}[\s/-]*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?[\s/-]*(?P<y>\d{{4}})"),
        format!(r"(?P<y>\d{{4}})[\s/-]*{MONTH}[\s/-]*(?P<d>\d{{1,2}})"),
        r"(?P<y>\d{4})".into(),
        r"(?P<y>\d{4})[-/](?P<m>\d{1,2})".into(),
        format!(r"{MONTH}[\s,/-]*(?P<y>\d{{4}})"),
    ]
}

fn patterns() -> &'static [Regex] {
    static PATTERNS: OnceLock<Vec<Regex>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let mut patterns: Vec<Regex> = date_forms()
            .iter()
            .map(|date| {
                let text = format!(r"(?i)^\s*(?:{WEEKDAY},?\s+)?{date}(?:(?:\s+|T){TIME})?\s*$");
                Regex::new(&text).expect("date patterns are valid")
            })
            .collect();
        patterns.push(Regex::new(&format!(r"(?i)^\s*{TIME}\s*$")).expect("time pattern is valid"));
        patterns
    })
}

/// Whether dateutil would parse `text`, within the forms documented above.
pub(crate) fn is_parseable(text: &str) -> bool {
    patterns().iter().any(|p| p.captures(text).is_some_and(|c| valid(&c)))
}

fn number(captures: &Captures<'_>, group: &str) -> Option<u32> {
    captures.name(group).and_then(|m| m.as_str().parse().ok())
}

fn month_from_name(captures: &Captures<'_>) -> Option<u32> {
    let name = captures.name("mon")?.as_str().to_ascii_lowercase();
    let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    months.iter().position(|m| name.starts_with(m)).map(|i| i as u32 + 1)
}

fn valid(captures: &Captures<'_>) -> bool {
    if let Some(hour) = number(captures, "H") {
        let max_hour = if captures.name("p").is_some() { 12 } else { 23 };
        if hour > max_hour || number(captures, "Mi").unwrap_or(0) > 59 || number(captures, "S").unwrap_or(0) > 59 {
            return false;
        }
    }
    let Some(year_text) = captures.name("y").map(|m| m.as_str()) else {
        return true; // a time on its own
    };
    let mut year: i32 = year_text.parse().unwrap_or(0);
    if year_text.len() == 2 {
        year += 2000;
    }
    let (month, day) = match (number(captures, "a"), number(captures, "b")) {
        (Some(a), Some(b)) if a > 12 && b <= 12 => (b, a),
        (Some(a), Some(b)) => (a, b),
        _ => (number(captures, "m").or_else(|| month_from_name(captures)).unwrap_or(1), number(captures, "d").unwrap_or(1)),
    };
    year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        for text in [
            "2010-02-05",
            "2010/2/5",
            "20100205",
            "02/05/2010",
            "13/02/2010",
            "2/5/10",
            "5 Feb 2010",
            "05-Feb-2010",
            "February 5, 2010",
            "Feb 5th 2010",
            "Friday, February 5, 2010",
            "2010-Feb-05",
            "2010",
            "2010-02",
            "Feb 2010",
            "2010-02-05T10:30:00Z",
            "2010-02-05 10:30:00.123+01:00",
            "2010-02-05 10:30 PM",
            "10:30",
            "  2010-02-05  ",
        ] {
            assert!(is_parseable(text), "{text} should parse");
        }
    }

    #[test]
    fn rejected_strings() {
        for text in ["", "not a date", "2011-02-29", "2010-13-01", "13/13/2010", "2010-02-05 25:00", "10:30 PM 13", "2010-02-05 13:00 PM"] {
            assert!(!is_parseable(text), "{text} should not parse");
        }
        assert!(is_parseable("2012-02-29"));
    }
}
