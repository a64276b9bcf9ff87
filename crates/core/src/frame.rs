//! A small columnar frame over Apache Arrow arrays ("polars-lite").
//!
//! The engine moves tables between stages as Arrow record batches, so they can be written as
//! Arrow IPC by the CLI and handed across the worker boundary without re-parsing. `Frame` adds
//! the few things the stages need on top: typed column lookup by name with errors that name
//! the column, a dynamic [`Value`] view for the contract engine, row selection, and IPC bytes.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch,
    RecordBatchOptions, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::calendar::format_date;
use crate::error::{Error, Result};

/// The logical column types the engine uses. Integers are `Int64`, reals `Float64`,
/// dates `Date32` (days since the epoch), booleans and UTF-8 strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Int,
    Float,
    Bool,
    Date,
    Str,
}

impl ColumnType {
    pub fn arrow_type(self) -> DataType {
        match self {
            ColumnType::Int => DataType::Int64,
            ColumnType::Float => DataType::Float64,
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Date => DataType::Date32,
            ColumnType::Str => DataType::Utf8,
        }
    }

    pub fn from_arrow(data_type: &DataType) -> Option<Self> {
        Some(match data_type {
            DataType::Int64 => ColumnType::Int,
            DataType::Float64 => ColumnType::Float,
            DataType::Boolean => ColumnType::Bool,
            DataType::Date32 => ColumnType::Date,
            DataType::Utf8 => ColumnType::Str,
            _ => return None,
        })
    }

    /// The name pandas would give this column's dtype after `read_csv` (used by the
    /// contracts' `be_of_type`).
    pub fn pandas_name(self) -> &'static str {
        match self {
            ColumnType::Int => "int64",
            ColumnType::Float => "float64",
            ColumnType::Bool => "bool",
            ColumnType::Date => "datetime64[ns]",
            ColumnType::Str => "object",
        }
    }
}

/// One cell, borrowed from a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i32),
    Str(&'a str),
}

impl Value<'_> {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The numeric value of ints, floats, booleans (0/1) and dates (days); `None` otherwise.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(v) => Some(v as f64),
            Value::Float(v) => Some(v),
            Value::Bool(v) => Some(f64::from(u8::from(v))),
            Value::Date(v) => Some(f64::from(v)),
            Value::Null | Value::Str(_) => None,
        }
    }

    /// The value as JSON, the way Great Expectations reports it (dates as ISO strings).
    pub fn to_json(&self) -> serde_json::Value {
        match *self {
            Value::Null => serde_json::Value::Null,
            Value::Int(v) => v.into(),
            Value::Float(v) => serde_json::Number::from_f64(v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Bool(v) => v.into(),
            Value::Date(v) => format_date(v).into(),
            Value::Str(v) => v.into(),
        }
    }
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Date(v) => f.write_str(&format_date(*v)),
            Value::Str(v) => f.write_str(v),
        }
    }
}

/// A typed, borrowed view of one column.
#[derive(Debug, Clone, Copy)]
pub enum Column<'a> {
    Int(&'a Int64Array),
    Float(&'a Float64Array),
    Bool(&'a BooleanArray),
    Date(&'a Date32Array),
    Str(&'a StringArray),
}

impl<'a> Column<'a> {
    pub fn len(&self) -> usize {
        self.array().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn null_count(&self) -> usize {
        self.array().null_count()
    }

    pub fn column_type(&self) -> ColumnType {
        match self {
            Column::Int(_) => ColumnType::Int,
            Column::Float(_) => ColumnType::Float,
            Column::Bool(_) => ColumnType::Bool,
            Column::Date(_) => ColumnType::Date,
            Column::Str(_) => ColumnType::Str,
        }
    }

    fn array(&self) -> &'a dyn Array {
        match *self {
            Column::Int(a) => a,
            Column::Float(a) => a,
            Column::Bool(a) => a,
            Column::Date(a) => a,
            Column::Str(a) => a,
        }
    }

    pub fn is_null(&self, row: usize) -> bool {
        self.array().is_null(row)
    }

    /// The cell at `row`; a NaN float counts as null, as pandas treats it.
    pub fn get(&self, row: usize) -> Value<'a> {
        if self.array().is_null(row) {
            return Value::Null;
        }
        match *self {
            Column::Int(a) => Value::Int(a.value(row)),
            Column::Float(a) => {
                let v = a.value(row);
                if v.is_nan() {
                    Value::Null
                } else {
                    Value::Float(v)
                }
            }
            Column::Bool(a) => Value::Bool(a.value(row)),
            Column::Date(a) => Value::Date(a.value(row)),
            Column::Str(a) => Value::Str(a.value(row)),
        }
    }

    /// Every cell in order.
    pub fn values(&self) -> impl Iterator<Item = Value<'a>> + 'a {
        let column = *self;
        (0..column.len()).map(move |row| column.get(row))
    }
}

/// An immutable table: named, typed Arrow columns of equal length.
#[derive(Debug, Clone)]
pub struct Frame {
    batch: RecordBatch,
}

/// Equal when schema (metadata included) and every value are.
impl PartialEq for Frame {
    fn eq(&self, other: &Self) -> bool {
        self.batch == other.batch
    }
}

impl Frame {
    /// Builds a frame from named columns; every column must have the same length and one of
    /// the [`ColumnType`]s.
    pub fn new(columns: Vec<(String, ArrayRef)>) -> Result<Self> {
        let rows = columns.first().map_or(0, |(_, a)| a.len());
        let mut fields = Vec::with_capacity(columns.len());
        let mut arrays = Vec::with_capacity(columns.len());
        for (name, array) in columns {
            if ColumnType::from_arrow(array.data_type()).is_none() {
                return Err(Error::artifact("frame", format!("column {name}: unsupported type {}", array.data_type())));
            }
            fields.push(Field::new(name, array.data_type().clone(), true));
            arrays.push(array);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        let batch = RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), arrays, &options)
            .map_err(|e| Error::artifact("frame", e))?;
        Ok(Frame { batch })
    }

    pub fn from_batch(batch: RecordBatch) -> Result<Self> {
        for field in batch.schema().fields() {
            if ColumnType::from_arrow(field.data_type()).is_none() {
                return Err(Error::artifact(
                    "frame",
                    format!("column {}: unsupported type {}", field.name(), field.data_type()),
                ));
            }
        }
        Ok(Frame { batch })
    }

    pub fn batch(&self) -> &RecordBatch {
        &self.batch
    }

    pub fn schema(&self) -> SchemaRef {
        self.batch.schema()
    }

    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    pub fn num_columns(&self) -> usize {
        self.batch.num_columns()
    }

    pub fn column_names(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.batch.schema().index_of(name).is_ok()
    }

    pub fn array(&self, name: &str) -> Result<&ArrayRef> {
        let index = self.batch.schema().index_of(name).map_err(|_| {
            Error::part("frame", format!("no column \"{name}\" (columns: {})", self.column_names().join(", ")))
        })?;
        Ok(self.batch.column(index))
    }

    /// The typed view of a column by name.
    pub fn column(&self, name: &str) -> Result<Column<'_>> {
        let array = self.array(name)?;
        Ok(column_view(array))
    }

    /// The typed view of the column at `index`.
    pub fn column_at(&self, index: usize) -> Column<'_> {
        column_view(self.batch.column(index))
    }

    fn typed<T: 'static>(&self, name: &str, expected: ColumnType) -> Result<&T> {
        let array = self.array(name)?;
        array.as_any().downcast_ref::<T>().ok_or_else(|| {
            Error::part(
                "frame",
                format!("column \"{name}\" is {}, expected {:?}", array.data_type(), expected),
            )
        })
    }

    pub fn ints(&self, name: &str) -> Result<&Int64Array> {
        self.typed(name, ColumnType::Int)
    }

    pub fn floats(&self, name: &str) -> Result<&Float64Array> {
        self.typed(name, ColumnType::Float)
    }

    pub fn bools(&self, name: &str) -> Result<&BooleanArray> {
        self.typed(name, ColumnType::Bool)
    }

    pub fn dates(&self, name: &str) -> Result<&Date32Array> {
        self.typed(name, ColumnType::Date)
    }

    pub fn strings(&self, name: &str) -> Result<&StringArray> {
        self.typed(name, ColumnType::Str)
    }

    /// The frame with `key = value` among its metadata: facts about the table as a whole
    /// (Arrow schema metadata), kept through [`Frame::take`] and in Arrow IPC files.
    pub fn with_metadata(self, key: &str, value: String) -> Result<Frame> {
        let schema = self.batch.schema();
        let mut metadata = schema.metadata().clone();
        metadata.insert(key.to_string(), value);
        let schema = Arc::new(Schema::new_with_metadata(schema.fields().clone(), metadata));
        let batch = self.batch.with_schema(schema).map_err(|e| Error::artifact("frame", e))?;
        Ok(Frame { batch })
    }

    /// A value of the frame's metadata (see [`Frame::with_metadata`]).
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.batch.schema_ref().metadata().get(key).map(String::as_str)
    }

    /// The rows at `indices`, in that order.
    pub fn take(&self, indices: &[u32]) -> Result<Frame> {
        let columns = self.batch.columns().iter().map(|array| take_rows(array, indices)).collect::<Result<Vec<_>>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(indices.len()));
        let batch = RecordBatch::try_new_with_options(self.batch.schema(), columns, &options).map_err(|e| Error::artifact("frame", e))?;
        Ok(Frame { batch })
    }

    /// Serializes the frame as an Arrow IPC file.
    pub fn to_ipc(&self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut writer = arrow_ipc::writer::FileWriter::try_new(&mut out, &self.batch.schema())
            .map_err(|e| Error::artifact("Arrow IPC", e))?;
        writer.write(&self.batch).map_err(|e| Error::artifact("Arrow IPC", e))?;
        writer.finish().map_err(|e| Error::artifact("Arrow IPC", e))?;
        drop(writer);
        Ok(out)
    }

    /// Reads a frame written by [`Frame::to_ipc`]; `what` names the file in errors.
    pub fn from_ipc(bytes: &[u8], what: &str) -> Result<Frame> {
        let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None)
            .map_err(|e| Error::artifact(what, format!("not an Arrow IPC file ({e})")))?;
        let schema = reader.schema();
        let batches = reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::artifact(what, e))?;
        let batch = match batches.len() {
            0 => RecordBatch::new_empty(schema),
            1 => batches.into_iter().next().expect("one batch"),
            _ => arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| Error::artifact(what, e))?,
        };
        Frame::from_batch(batch)
    }
}

/// A row to take: a `u32` always names one; an `Option<u32>` is a null where `None` (a join's
/// row with no match).
pub trait RowIndex: Copy {
    fn row(self) -> Option<usize>;
}

impl RowIndex for u32 {
    fn row(self) -> Option<usize> {
        Some(self as usize)
    }
}

impl RowIndex for Option<u32> {
    fn row(self) -> Option<usize> {
        self.map(|i| i as usize)
    }
}

/// The values of `array` (one of a frame's columns) at `rows`, in that order.
///
/// Arrow's own `take` serves every Arrow type; its code for all of them (run-end and
/// dictionary arrays, unions, and the comparators they need) was a quarter of the engine's
/// WebAssembly, for the five types a frame holds.
pub fn take_rows<I: RowIndex>(array: &ArrayRef, rows: &[I]) -> Result<ArrayRef> {
    if let Some(row) = rows.iter().filter_map(|r| r.row()).find(|&r| r >= array.len()) {
        return Err(Error::artifact("frame", format!("row {row} is past the end of a column of {} rows", array.len())));
    }
    fn primitive<T: arrow_array::ArrowPrimitiveType, I: RowIndex>(a: &arrow_array::PrimitiveArray<T>, rows: &[I]) -> arrow_array::PrimitiveArray<T> {
        let values = a.values();
        if a.null_count() == 0 && rows.iter().all(|r| r.row().is_some()) {
            return arrow_array::PrimitiveArray::from_iter_values(rows.iter().filter_map(|r| r.row()).map(|r| values[r]));
        }
        rows.iter().map(|r| r.row().filter(|&r| a.is_valid(r)).map(|r| values[r])).collect()
    }
    let valid = |a: &dyn Array, r: I| r.row().filter(|&r| a.is_valid(r));
    Ok(match column_view(array) {
        Column::Int(a) => Arc::new(primitive(a, rows)),
        Column::Float(a) => Arc::new(primitive(a, rows)),
        Column::Date(a) => Arc::new(primitive(a, rows)),
        Column::Bool(a) => Arc::new(rows.iter().map(|&r| valid(a, r).map(|r| a.value(r))).collect::<BooleanArray>()),
        Column::Str(a) => Arc::new(rows.iter().map(|&r| valid(a, r).map(|r| a.value(r))).collect::<StringArray>()),
    })
}

fn column_view(array: &ArrayRef) -> Column<'_> {
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        Column::Int(a)
    } else if let Some(a) = any.downcast_ref::<Float64Array>() {
        Column::Float(a)
    } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
        Column::Bool(a)
    } else if let Some(a) = any.downcast_ref::<Date32Array>() {
        Column::Date(a)
    } else if let Some(a) = any.downcast_ref::<StringArray>() {
        Column::Str(a)
    } else {
        unreachable!("Frame only holds the types of ColumnType")
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<ArrayRef> {
        vec![
            Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(Float64Array::from(vec![0.5, 1.5, 2.5])),
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
            Arc::new(Date32Array::from(vec![10, 11, 12])),
            Arc::new(StringArray::from(vec![Some("a"), None, Some("c")])),
        ]
    }

    #[test]
    fn taken_rows_keep_their_values_and_nulls_in_the_order_asked() {
        let rows = [2u32, 0, 1, 2];
        for column in columns() {
            let taken = take_rows(&column, &rows).unwrap();
            assert_eq!(taken.len(), rows.len());
            for (at, &row) in rows.iter().enumerate() {
                assert_eq!(taken.is_null(at), column.is_null(row as usize), "{:?} row {row}", column.data_type());
                assert_eq!(column_view(&taken).get(at), column_view(&column).get(row as usize));
            }
        }
    }

    #[test]
    fn a_missing_row_is_a_null_and_a_row_past_the_end_is_an_error() {
        for column in columns() {
            let taken = take_rows(&column, &[None, Some(1u32)]).unwrap();
            assert!(taken.is_null(0));
            assert_eq!(column_view(&taken).get(1), column_view(&column).get(1));
            let error = take_rows(&column, &[0u32, 3]).unwrap_err().to_string();
            assert!(error.contains("row 3 is past the end of a column of 3 rows"), "{error}");
        }
    }
}
