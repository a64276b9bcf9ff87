//! The malformed-input corpus in `tests/malformed/`, run through the real `shelfcast` binary.
//!
//! Every file there has exactly one row in [`CASES`], the one source of truth for what the
//! CLI must say about it: the exit code (2 for unreadable input, 1 for a failed contract),
//! no panic, and the exact error line — file, 1-based physical line, column by header name,
//! message and offending value (docs/definitions.md#errors). Adding a file without a row, or a
//! row without a file, fails [`every_file_has_exactly_one_expectation`].

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// How a corpus file is handed to the CLI. Commands run inside `tests/malformed/`, so every
/// path is relative and the file is named as listed.
#[derive(Clone, Copy, Debug)]
enum How {
    /// `shelfcast run --data FILE`: read as train.csv with its declared types.
    Run,
    /// `shelfcast validate --suite <shipped sales suite> --data FILE`: types inferred.
    Validate,
    /// `shelfcast validate --suite FILE --data <a well-typed file>`.
    Suite,
}

use How::{Run, Suite, Validate};

struct Case {
    file: &'static str,
    how: How,
    exit: i32,
    line: Option<u64>,
    /// The column's header name; for [`How::Suite`], the JSON path.
    column: Option<&'static str>,
    message: &'static str,
    value: Option<&'static str>,
}

const SHIPPED_SALES_SUITE: &str = "../../expectations/sales_expectation_suite.json";
/// Well-typed train.csv data, for the suite cases (which fail before reading it).
const WELL_TYPED: &str = "negative_sales_beyond_mostly.csv";
/// Files in the corpus directory that are not inputs.
const NOT_INPUTS: &[&str] = &["README.md"];

#[rustfmt::skip]
const CASES: &[Case] = &[
    // The file as a whole.
    Case { file: "empty.csv", how: Run, exit: 2, line: None, column: None, value: None,
           message: "the file is empty (expected a header line)" },
    Case { file: "header_only.csv", how: Run, exit: 2, line: Some(2), column: None, value: None,
           message: "no data rows after the header" },
    Case { file: "truncated.csv.gz", how: Run, exit: 2, line: None, column: None, value: None,
           message: "the gzip data is truncated (the download or copy is incomplete)" },
    Case { file: "corrupt.csv.gz", how: Run, exit: 2, line: None, column: None, value: None,
           message: "the gzip data is corrupt (corrupt deflate stream)" },
    Case { file: "png_image.csv", how: Run, exit: 2, line: Some(3), column: None, value: None,
           message: "binary data (a NUL byte), not a CSV text file" },
    Case { file: "html_page.csv", how: Run, exit: 2, line: Some(1), column: None, value: None,
           message: "this looks like an HTML or XML page saved as CSV, not CSV data" },
    // The header.
    Case { file: "missing_column.csv", how: Run, exit: 2, line: Some(1), column: Some("IsHoliday"), value: None,
           message: "missing column (expected Store,Dept,Date,Weekly_Sales,IsHoliday; found Store,Dept,Date,Weekly_Sales)" },
    Case { file: "extra_column.csv", how: Run, exit: 2, line: Some(1), column: Some("Temperature"), value: None,
           message: "unexpected column in train.csv (expected Store,Dept,Date,Weekly_Sales,IsHoliday)" },
    Case { file: "renamed_column_case.csv", how: Run, exit: 2, line: Some(1), column: Some("Weekly_Sales"), value: None,
           message: "missing column (expected Store,Dept,Date,Weekly_Sales,IsHoliday; found Store,Dept,Date,weekly_sales,IsHoliday); found \"weekly_sales\" (names are case-sensitive)" },
    Case { file: "duplicate_header.csv", how: Run, exit: 2, line: Some(1), column: Some("Store"), value: None,
           message: "duplicate column name in the header" },
    Case { file: "one_column_semicolons.csv", how: Run, exit: 2, line: Some(1), column: Some("Store"), value: None,
           message: "missing column (expected Store,Dept,Date,Weekly_Sales,IsHoliday; found Store;Dept;Date;Weekly_Sales;IsHoliday); the header is one field separated by semicolons, but the delimiter must be a comma" },
    // Values that do not parse in their typed column.
    Case { file: "date_us_format.csv", how: Run, exit: 2, line: Some(3), column: Some("Date"), value: Some("05/02/2010"),
           message: "not a date (expected YYYY-MM-DD)" },
    Case { file: "date_feb_29_2011.csv", how: Run, exit: 2, line: Some(4), column: Some("Date"), value: Some("2011-02-29"),
           message: "impossible date (no such day in the calendar)" },
    Case { file: "date_month_13.csv", how: Run, exit: 2, line: Some(2), column: Some("Date"), value: Some("2010-13-01"),
           message: "impossible date (no such day in the calendar)" },
    Case { file: "sales_lots.csv", how: Run, exit: 2, line: Some(5), column: Some("Weekly_Sales"), value: Some("lots"),
           message: "not a number" },
    Case { file: "sales_inf.csv", how: Run, exit: 2, line: Some(3), column: Some("Weekly_Sales"), value: Some("inf"),
           message: "not a finite number" },
    Case { file: "holiday_maybe.csv", how: Run, exit: 2, line: Some(3), column: Some("IsHoliday"), value: Some("MAYBE"),
           message: "not a boolean (expected TRUE or FALSE)" },
    Case { file: "store_decimal.csv", how: Run, exit: 2, line: Some(4), column: Some("Store"), value: Some("1.5"),
           message: "not an integer" },
    Case { file: "latin1_bytes.csv", how: Run, exit: 2, line: Some(3), column: Some("Weekly_Sales"), value: Some("46039\u{FFFD}"),
           message: "invalid UTF-8 bytes (the file must be UTF-8 text)" },
    // Record structure and quoting.
    Case { file: "ragged_too_few.csv", how: Run, exit: 2, line: Some(3), column: Some("IsHoliday"), value: None,
           message: "expected 5 fields as in the header, found 4" },
    Case { file: "ragged_too_many.csv", how: Run, exit: 2, line: Some(4), column: None, value: Some("extra"),
           message: "expected 5 fields as in the header, found 6" },
    Case { file: "quote_unterminated.csv", how: Run, exit: 2, line: Some(3), column: Some("Weekly_Sales"),
           value: Some("\\\"46039.49,TRUE\\n1,1,2010-02-19,41595.55,FALSE\\n1,1,2010-02-26,…"),
           message: "unterminated quoted field: a '\"' opened here is never closed" },
    Case { file: "quote_stray_after_close.csv", how: Run, exit: 2, line: Some(4), column: Some("Weekly_Sales"), value: Some("\\\"41595\\\"5"),
           message: "unexpected '5' after a closing quote (a quote inside a field must be doubled)" },
    // Line numbering: physical lines whatever the line ends, a BOM, or quoted line breaks.
    Case { file: "crlf_bom_bad_line4.csv", how: Run, exit: 2, line: Some(4), column: Some("Weekly_Sales"), value: Some("n/a"),
           message: "not a number" },
    Case { file: "bare_cr_bad_line3.csv", how: Run, exit: 2, line: Some(3), column: Some("IsHoliday"), value: Some("yes"),
           message: "not a boolean (expected TRUE or FALSE)" },
    Case { file: "quoted_multiline_sales.csv", how: Run, exit: 2, line: Some(3), column: Some("Weekly_Sales"), value: Some("46039.49\\n"),
           message: "not a number" },
    Case { file: "multiline_note_then_ragged.csv", how: Validate, exit: 2, line: Some(6), column: Some("Note"), value: None,
           message: "expected 6 fields as in the header, found 5" },
    // Well-typed but wrong: the contract's business (exit 1, the report on stdout).
    Case { file: "negative_sales_beyond_mostly.csv", how: Validate, exit: 1, line: None, column: None, value: None,
           message: "[FAIL] expect_column_values_to_be_between on Weekly_Sales (2 unexpected)" },
    // Malformed expectation suites: the error names the JSON path.
    Case { file: "suite_bad_kwargs.json", how: Suite, exit: 2, line: None, column: Some("$.expectations[1].kwargs.column"), value: None,
           message: "must be a string, got 7" },
    Case { file: "suite_truncated_json.json", how: Suite, exit: 2, line: None, column: Some("$"), value: None,
           message: "not valid JSON: EOF while parsing a value at line 5 column 0" },
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/malformed")
}

impl Case {
    fn args(&self) -> Vec<&'static str> {
        match self.how {
            Run => vec!["run", "--data", self.file],
            Validate => vec!["validate", "--suite", SHIPPED_SALES_SUITE, "--data", self.file],
            Suite => vec!["validate", "--suite", self.file, "--data", WELL_TYPED],
        }
    }

    /// The exact line the CLI must print: on stderr for an error (exit 2), on stdout for a
    /// contract report (exit 1).
    fn expected_line(&self) -> String {
        if self.exit == 1 {
            return self.message.to_string();
        }
        if let Suite = self.how {
            let path = self.column.expect("a suite case names its JSON path");
            return format!("error: expectation suite {}: at {path}: {}", self.file, self.message);
        }
        // A file passed to `run` is read as train.csv whatever its name, and says so.
        let mut line = format!("error: {}{}", self.file, if let Run = self.how { " (as train.csv)" } else { "" });
        if let Some(n) = self.line {
            line += &format!(", line {n}");
        }
        if let Some(column) = self.column {
            line += &format!(", column \"{column}\"");
        }
        line += &format!(": {}", self.message);
        if let Some(value) = self.value {
            line += &format!(" (value: \"{value}\")");
        }
        line
    }

    /// What is wrong with the CLI's handling of this case, if anything.
    fn check(&self, output: &Output) -> Option<String> {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = self.expected_line();
        let shown = if self.exit == 1 { &stdout } else { &stderr };
        let problem = if stderr.contains("panicked") {
            "panicked"
        } else if output.status.code() != Some(self.exit) {
            "wrong exit code"
        } else if !shown.lines().any(|l| l.trim() == expected) {
            "expected line missing"
        } else {
            return None;
        };
        Some(format!(
            "{} ({:?}): {problem}\n  exit {:?}, expected {}\n  expected line: {expected}\n  stderr: {stderr}\n  stdout: {stdout}",
            self.file,
            self.how,
            output.status.code(),
            self.exit
        ))
    }
}

fn shelfcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shelfcast"))
        .args(args)
        .current_dir(corpus_dir())
        .output()
        .expect("the shelfcast binary runs")
}

#[test]
fn every_file_has_exactly_one_expectation() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(corpus_dir())
        .expect("tests/malformed exists")
        .map(|entry| entry.expect("a readable directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !NOT_INPUTS.contains(&name.as_str()))
        .collect();
    let listed: Vec<&str> = CASES.iter().map(|c| c.file).collect();
    let unique: BTreeSet<String> = listed.iter().map(|f| f.to_string()).collect();
    assert_eq!(unique.len(), listed.len(), "a file is listed twice in CASES");
    let unlisted: Vec<_> = on_disk.difference(&unique).collect();
    let missing: Vec<_> = unique.difference(&on_disk).collect();
    assert!(unlisted.is_empty(), "files in tests/malformed without an expectation in CASES: {unlisted:?}");
    assert!(missing.is_empty(), "CASES lists files that are not in tests/malformed: {missing:?}");
    assert!(CASES.len() >= 24, "the corpus has shrunk to {} files", CASES.len());
}

#[test]
fn every_malformed_input_fails_with_its_exact_error() {
    let failures: Vec<String> = CASES.iter().filter_map(|case| case.check(&shelfcast(&case.args()))).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), CASES.len(), failures.join("\n\n"));
}

#[test]
fn a_well_typed_file_breaking_the_contract_fails_run_with_exit_1() {
    let output = shelfcast(&["run", "--data", WELL_TYPED]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("error: data contract \"sales_expectation_suite\" failed: 1 of "), "{stderr}");
}

#[test]
fn a_missing_file_is_exit_2_and_named() {
    let output = shelfcast(&["run", "--data", "no_such_file.csv"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: no_such_file.csv: cannot read the file: "), "{stderr}");
}
