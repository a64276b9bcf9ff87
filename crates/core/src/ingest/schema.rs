//! The declared schemas of the Walmart competition files.

use crate::error::{Error, Position, Result};
use crate::frame::ColumnType;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub column_type: ColumnType,
}

/// A known input file: its canonical name and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSchema {
    pub file_name: &'static str,
    pub columns: &'static [ColumnSpec],
}

const fn col(name: &'static str, column_type: ColumnType) -> ColumnSpec {
    ColumnSpec { name, column_type }
}

use ColumnType::{Bool, Date, Float, Int, Str};

pub const TRAIN: TableSchema = TableSchema {
    file_name: "train.csv",
    columns: &[col("Store", Int), col("Dept", Int), col("Date", Date), col("Weekly_Sales", Float), col("IsHoliday", Bool)],
};

pub const TEST: TableSchema = TableSchema {
    file_name: "test.csv",
    columns: &[col("Store", Int), col("Dept", Int), col("Date", Date), col("IsHoliday", Bool)],
};

pub const FEATURES: TableSchema = TableSchema {
    file_name: "features.csv",
    columns: &[
        col("Store", Int),
        col("Date", Date),
        col("Temperature", Float),
        col("Fuel_Price", Float),
        col("MarkDown1", Float),
        col("MarkDown2", Float),
        col("MarkDown3", Float),
        col("MarkDown4", Float),
        col("MarkDown5", Float),
        col("CPI", Float),
        col("Unemployment", Float),
        col("IsHoliday", Bool),
    ],
};

pub const STORES: TableSchema = TableSchema {
    file_name: "stores.csv",
    columns: &[col("Store", Int), col("Type", Str), col("Size", Int)],
};

/// The schema of a known file name (`train.csv`, `train.csv.gz`, any case), if any.
pub fn schema_for_file(name: &str) -> Option<&'static TableSchema> {
    let lower = name.to_ascii_lowercase();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    let base = base.strip_suffix(".gz").unwrap_or(base);
    [&TRAIN, &TEST, &FEATURES, &STORES].into_iter().find(|s| s.file_name == base)
}

/// When the whole header is one field holding another common delimiter, says so.
fn delimiter_hint(names: &[String]) -> Option<String> {
    let [only] = names else { return None };
    [(';', "semicolons"), ('\t', "tabs"), ('|', "pipes")]
        .into_iter()
        .find(|(d, _)| only.contains(*d))
        .map(|(_, what)| format!("; the header is one field separated by {what}, but the delimiter must be a comma"))
}

impl TableSchema {
    /// Matches a header against the declared columns and returns the spec of each header
    /// column in file order. Missing and unexpected columns are errors on line 1.
    pub fn match_header(&self, file: &str, names: &[String]) -> Result<Vec<ColumnSpec>> {
        let expected: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        let header_error = |column: &str, message: String| {
            Error::input(
                Position { file: file.to_string(), line: Some(1), column: Some(column.to_string()), value: None },
                message,
            )
        };
        if let Some(missing) = expected.iter().find(|e| !names.iter().any(|n| n == *e)) {
            let hint = names
                .iter()
                .find(|n| !expected.contains(&n.as_str()) && n.eq_ignore_ascii_case(missing))
                .map(|n| format!("; found \"{n}\" (names are case-sensitive)"))
                .or_else(|| delimiter_hint(names))
                .unwrap_or_default();
            return Err(header_error(
                missing,
                format!("missing column (expected {}; found {}){hint}", expected.join(","), names.join(",")),
            ));
        }
        if let Some(extra) = names.iter().find(|n| !expected.contains(&n.as_str())) {
            return Err(header_error(
                extra,
                format!("unexpected column in {} (expected {})", self.file_name, expected.join(",")),
            ));
        }
        Ok(names
            .iter()
            .map(|n| *self.columns.iter().find(|c| c.name == n).expect("checked above"))
            .collect())
    }
}
