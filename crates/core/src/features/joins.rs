//! The optional joins: features.csv's store-week columns on (Store, Date) and stores.csv's
//! type and size on Store. A key missing from the joined file gives nulls; two rows for one
//! key are an error naming the file.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array};

use crate::calendar::format_date;
use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::frame::{take_rows, Frame};

use super::STORE_WEEK_COLUMNS;

/// Row of each key in a table's key columns; two rows with one key are an error.
fn key_rows<K: std::hash::Hash + Eq + Copy>(
    file: &str,
    keys: impl Iterator<Item = Option<K>>,
    describe: impl Fn(K) -> String,
) -> Result<HashMap<K, u32>> {
    let mut rows = HashMap::new();
    for (row, key) in keys.enumerate() {
        let Some(key) = key else { continue };
        if rows.insert(key, row as u32).is_some() {
            return Err(Error::stage(Stage::Features, format!("{file} has more than one row for {}; the join needs one", describe(key))));
        }
    }
    Ok(rows)
}

/// The columns of `table` at the rows `rows` (null where `None`).
fn take_columns(table: &Frame, names: &[&str], rows: Vec<Option<u32>>) -> Result<Vec<(String, ArrayRef)>> {
    names.iter().map(|&name| Ok((name.to_string(), take_rows(table.array(name)?, &rows)?))).collect()
}

/// features.csv's [`STORE_WEEK_COLUMNS`] for each (Store, Date) of `keys`.
pub(super) fn store_weeks(table: &Frame, keys: impl Iterator<Item = (i64, i32)>) -> Result<Vec<(String, ArrayRef)>> {
    let (store, date) = (table.ints("Store")?, table.dates("Date")?);
    let valid = |r: usize| store.is_valid(r) && date.is_valid(r);
    let rows = key_rows(
        "features.csv",
        (0..table.num_rows()).map(|r| valid(r).then(|| (store.value(r), date.value(r)))),
        |(s, d)| format!("Store {s}, Date {}", format_date(d)),
    )?;
    take_columns(table, &STORE_WEEK_COLUMNS, keys.map(|key| rows.get(&key).copied()).collect())
}

/// stores.csv's type (as `Type_B`, `Type_C` indicators) and `Size` for each Store of `keys`.
pub(super) fn stores(table: &Frame, keys: impl Iterator<Item = i64>) -> Result<Vec<(String, ArrayRef)>> {
    let (store, kind) = (table.ints("Store")?, table.strings("Type")?);
    let rows = key_rows("stores.csv", (0..table.num_rows()).map(|r| store.is_valid(r).then(|| store.value(r))), |s| {
        format!("Store {s}")
    })?;
    // Type as 0 (A), 1 (B), 2 (C); anything else is an error (the first in file order), a
    // missing type stays null.
    let mut codes: HashMap<i64, Option<i64>> = HashMap::new();
    for row in (0..table.num_rows()).filter(|&r| store.is_valid(r)) {
        let code = if kind.is_null(row) {
            None
        } else {
            match kind.value(row).trim() {
                "A" => Some(0),
                "B" => Some(1),
                "C" => Some(2),
                other => {
                    return Err(Error::stage(
                        Stage::Features,
                        format!("stores.csv: Store {} has Type \"{other}\"; the store types are A, B and C", store.value(row)),
                    ))
                }
            }
        };
        codes.insert(store.value(row), code);
    }
    let keys: Vec<i64> = keys.collect();
    let indicator = |of: i64| -> ArrayRef {
        Arc::new(keys.iter().map(|k| codes.get(k).copied().flatten().map(|c| i64::from(c == of))).collect::<Int64Array>())
    };
    let mut columns = vec![("Type_B".to_string(), indicator(1)), ("Type_C".to_string(), indicator(2))];
    columns.extend(take_columns(table, &["Size"], keys.iter().map(|k| rows.get(k).copied()).collect())?);
    Ok(columns)
}

