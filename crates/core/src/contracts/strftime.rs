//! `datetime.strptime` for `expect_column_values_to_match_strftime_format`.
//!
//! GE (pandas) calls Python's `datetime.strptime(value, format)` on each string and counts a
//! `ValueError` as unexpected. Python turns the format into one regular expression (case-
//! insensitive, anchored at the start, and the whole string must be consumed), then builds a
//! `datetime`, which rejects impossible dates. This module does the same with the directives
//! below, using Python's own patterns for each:
//!
//! | directive | accepts |
//! | --- | --- |
//! | `%Y` | exactly 4 digits (year 0000 is then rejected) |
//! | `%y` | 2 digits; 69–99 → 19xx, 00–68 → 20xx |
//! | `%m` | 1–12, one or two digits (`1`, `01`) |
//! | `%d` | 1–31, one or two digits, or a space and a digit |
//! | `%H` / `%I` | 0–23 / 1–12, one or two digits; `%p` AM/PM applies to `%I` |
//! | `%M` | 0–59; `%S` 0–61 by pattern, but 60 and 61 are then rejected by `datetime` |
//! | `%f` | 1–6 digits |
//! | `%j` | day of year 1–366 (1–3 digits) |
//! | `%b` `%B` `%a` `%A` | English month and weekday names, abbreviated / full (C locale) |
//! | `%w` `%u` `%U` `%W` | weekday 0–6 / 1–7, week of year 0–53 |
//! | `%z` | `±HHMM`, `±HH:MM`, optional seconds and fraction, or `Z`; hours must be < 24 |
//! | `%Z` | `UTC` or `GMT` |
//! | `%%` | a literal `%` |
//!
//! Whitespace in the format matches one or more whitespace characters; other characters
//! match themselves (case-insensitively). The date is then checked as Python does:
//! day within its month (`%m-%d` on `02-29` fails, as the default year is 1900), year ≥ 1,
//! seconds ≤ 59. Locale-dependent directives (`%c`, `%x`, `%X`) and ISO-week directives
//! (`%G`, `%V`) are not supported and make the kwarg invalid, as does an unknown directive
//! (where Python would fail every value, we report the format itself).

use regex_lite::{Captures, Regex};

use crate::calendar::days_in_month;

const MONTHS: [&str; 12] =
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const DAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// A compiled strftime format.
#[derive(Debug, Clone)]
pub(crate) struct StrftimeFormat {
    regex: Regex,
}

/// Python's alternation of names: longest first, so that a prefix never wins.
fn names_pattern(group: char, names: impl Iterator<Item = String>) -> String {
    let mut names: Vec<String> = names.collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    format!("(?P<{group}>{})", names.join("|"))
}

fn directive_pattern(directive: char) -> Option<String> {
    let pattern = match directive {
        'd' => r"(?P<d>3[01]|[12]\d|0[1-9]|[1-9]| [1-9])".into(),
        'f' => r"(?P<f>[0-9]{1,6})".into(),
        'H' => r"(?P<H>2[0-3]|[0-1]\d|\d)".into(),
        'I' => r"(?P<I>1[0-2]|0[1-9]|[1-9])".into(),
        'j' => r"(?P<j>36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])".into(),
        'm' => r"(?P<m>1[0-2]|0[1-9]|[1-9])".into(),
        'M' => r"(?P<M>[0-5]\d|\d)".into(),
        'S' => r"(?P<S>6[01]|[0-5]\d|\d)".into(),
        'U' => r"(?P<U>5[0-3]|[0-4]\d|\d)".into(),
        'W' => r"(?P<W>5[0-3]|[0-4]\d|\d)".into(),
        'w' => r"(?P<w>[0-6])".into(),
        'u' => r"(?P<u>[1-7])".into(),
        'y' => r"(?P<y>\d\d)".into(),
        'Y' => r"(?P<Y>\d\d\d\d)".into(),
        'z' => r"(?P<z>[+-]\d\d:?[0-5]\d(:?[0-5]\d(\.\d{1,6})?)?|(?-i:Z))".into(),
        'Z' => r"(?P<Z>utc|gmt)".into(),
        'p' => r"(?P<p>am|pm)".into(),
        'B' => names_pattern('B', MONTHS.iter().map(|m| m.to_string())),
        'b' => names_pattern('b', MONTHS.iter().map(|m| m[..3].to_string())),
        'A' => names_pattern('A', DAYS.iter().map(|d| d.to_string())),
        'a' => names_pattern('a', DAYS.iter().map(|d| d[..3].to_string())),
        '%' => "%".into(),
        _ => return None,
    };
    Some(pattern)
}

impl StrftimeFormat {
    pub fn parse(format: &str) -> Result<Self, String> {
        let mut pattern = String::from("(?i)^");
        let mut chars = format.chars().peekable();
        let mut seen = Vec::new();
        while let Some(c) = chars.next() {
            if c == '%' {
                let directive = chars.next().ok_or_else(|| format!("stray % at the end of format \"{format}\""))?;
                if directive.is_alphabetic() {
                    if seen.contains(&directive) {
                        return Err(format!("directive %{directive} appears twice in \"{format}\" (Python's strptime refuses that too)"));
                    }
                    seen.push(directive);
                }
                let piece = directive_pattern(directive)
                    .ok_or_else(|| format!("directive %{directive} in \"{format}\" is not supported"))?;
                pattern.push_str(&piece);
            } else if c.is_whitespace() {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                pattern.push_str(r"\s+");
            } else {
                pattern.push_str(&regex_lite::escape(&c.to_string()));
            }
        }
        let regex = Regex::new(&pattern).map_err(|e| format!("format \"{format}\" cannot be used: {e}"))?;
        Ok(StrftimeFormat { regex })
    }

    /// Whether `datetime.strptime(text, format)` would succeed.
    pub fn matches(&self, text: &str) -> bool {
        match self.regex.captures(text) {
            Some(captures) if captures.get(0).is_some_and(|m| m.end() == text.len()) => valid_datetime(&captures),
            _ => false,
        }
    }
}

fn number(captures: &Captures<'_>, group: &str) -> Option<i64> {
    captures.name(group).and_then(|m| m.as_str().trim().parse().ok())
}

fn name_index(captures: &Captures<'_>, group: &str, names: &[&str]) -> Option<usize> {
    let found = captures.name(group)?.as_str().to_ascii_lowercase();
    names.iter().position(|n| n.starts_with(&found) && (found.len() == 3 || found == *n))
}

/// The checks Python's `_strptime` and `datetime(...)` make after the pattern matched.
fn valid_datetime(captures: &Captures<'_>) -> bool {
    let year = match (number(captures, "Y"), number(captures, "y")) {
        (Some(y), _) => y,
        (None, Some(y)) => {
            if y >= 69 {
                1900 + y
            } else {
                2000 + y
            }
        }
        (None, None) => 1900,
    };
    if year < 1 {
        return false;
    }
    if number(captures, "S").is_some_and(|s| s > 59) {
        return false;
    }
    if let Some(offset) = captures.name("z") {
        let text = offset.as_str();
        if text != "Z" && text != "z" && text[1..3].parse::<u32>().map_or(true, |h| h >= 24) {
            return false;
        }
    }
    let weekday_given = ["a", "A", "w", "u"].iter().any(|g| captures.name(g).is_some());
    let week_given = captures.name("U").is_some() || captures.name("W").is_some();
    if captures.name("j").is_some() || (weekday_given && week_given) {
        // The date comes from the day of year (or week and weekday); Python then derives
        // month and day itself, so an explicit %d is not checked.
        return true;
    }
    let month = number(captures, "m")
        .or_else(|| name_index(captures, "B", &MONTHS).or_else(|| name_index(captures, "b", &MONTHS)).map(|i| i as i64 + 1))
        .unwrap_or(1);
    let day = number(captures, "d").unwrap_or(1);
    (1..=12).contains(&month) && day >= 1 && day <= i64::from(days_in_month(year as i32, month as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(format: &str, text: &str) -> bool {
        StrftimeFormat::parse(format).unwrap().matches(text)
    }

    #[test]
    fn iso_dates() {
        assert!(ok("%Y-%m-%d", "2010-02-05"));
        assert!(ok("%Y-%m-%d", "2010-2-5"), "Python accepts one-digit months and days");
        assert!(!ok("%Y-%m-%d", "2010-02-30"), "impossible day");
        assert!(!ok("%Y-%m-%d", "2010-02-05 00:00"), "unconverted data remains");
        assert!(!ok("%Y-%m-%d", "10-02-05"));
        assert!(!ok("%Y-%m-%d", " 2010-02-05"));
        assert!(ok("%Y-%m-%d", "2012-02-29"));
        assert!(!ok("%Y-%m-%d", "2011-02-29"));
        assert!(!ok("%Y-%m-%d", "0000-01-01"));
    }

    #[test]
    fn times_names_and_literals() {
        assert!(ok("%d/%m/%y %H:%M:%S", "05/02/10 23:59:59"));
        assert!(!ok("%H:%M:%S", "23:59:60"), "datetime rejects leap seconds");
        assert!(!ok("%H:%M", "24:00"));
        assert!(ok("%I:%M %p", "11:30 pm"));
        assert!(ok("%b %d %Y", "FEB 5 2010"), "names are case-insensitive");
        assert!(ok("%B %d, %Y", "February 05, 2010"));
        assert!(!ok("%b %d %Y", "Fbr 5 2010"));
        assert!(ok("%Y  %m", "2010 \t 02"), "whitespace matches any run of whitespace");
        assert!(ok("%j/%Y", "366/2012"));
        assert!(ok("100%% %Y", "100% 2010"));
        assert!(ok("%Y-%m-%dT%H:%M:%S%z", "2010-02-05T10:00:00+01:00"));
        assert!(ok("%Y-%m-%dT%H:%M:%S%z", "2010-02-05T10:00:00Z"));
        assert!(!ok("%Y-%m-%dT%H:%M:%S%z", "2010-02-05T10:00:00+25:00"));
        assert!(!ok("%m-%d", "02-29"), "the default year 1900 is not a leap year");
        assert!(ok("%Y.%m.%d", "2010.02.05"));
        assert!(!ok("%Y.%m.%d", "2010x02x05"), "literal dots are escaped");
    }

    #[test]
    fn unsupported_directives_are_errors() {
        assert_eq!(StrftimeFormat::parse("%c").unwrap_err().to_string(), "directive %c in \"%c\" is not supported");
        assert_eq!(StrftimeFormat::parse("%Q").unwrap_err().to_string(), "directive %Q in \"%Q\" is not supported");
        assert_eq!(StrftimeFormat::parse("%Y-%").unwrap_err().to_string(), "stray % at the end of format \"%Y-%\"");
        assert_eq!(StrftimeFormat::parse("%Y %Y").unwrap_err().to_string(), "directive %Y appears twice in \"%Y %Y\" (Python's strptime refuses that too)", "a directive may appear once, as in Python");
    }
}
