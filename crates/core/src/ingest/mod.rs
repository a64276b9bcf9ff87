//! Ingest: CSV bytes (plain or gzip) → a typed [`Frame`], with errors that say where.
//!
//! Two modes. The pipeline reads the known Walmart files with their declared
//! [`TableSchema`]: a value that does not parse in a typed column (a bad date, `lots` as
//! sales, `MAYBE` as a boolean) is an ingest error naming file, line, column and value,
//! before any contract runs. `shelfcast validate` on an arbitrary CSV [infers](read_inferred)
//! types instead, so contracts can judge what is well-typed but wrong.
//!
//! Missing values: an empty field and the texts `NA`, `N/A`, `NaN`, `nan`, `NULL`, `null`
//! read as null in every column (pandas' common defaults).

mod csv;
mod schema;

use std::borrow::Cow;
use std::io::Read;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::ArrayRef;
use sha2::{Digest, Sha256};

pub use self::csv::{CsvReader, Record};
pub use schema::{schema_for_file, ColumnSpec, TableSchema, FEATURES, STORES, TEST, TRAIN};

use crate::calendar::parse_iso_date;
use crate::error::{Error, Position, Result};
use crate::frame::{ColumnType, Frame};

/// How far a read has got, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReadProgress {
    pub rows: usize,
    pub bytes_read: usize,
    pub bytes_total: usize,
}

/// What identifies an input file: its name and the sha256 of its decompressed bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileFingerprint {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
    pub rows: u64,
}

/// A table read from a file, with the file's fingerprint.
#[derive(Debug, Clone)]
pub struct Table {
    pub frame: Frame,
    pub fingerprint: FileFingerprint,
}

const PROGRESS_EVERY_ROWS: usize = 1 << 16;
const MAX_SHOWN_VALUE: usize = 60;

/// The largest input file, in bytes once decompressed: 256 MiB, twenty times the real
/// train.csv (12.8 MB). A larger one is refused before it is held in memory whole, so a small
/// gzip file that inflates to gigabytes (a "gzip bomb") costs at most this much memory.
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// The bytes as text: gzip data (by its magic number, whatever the name) is decompressed. A
/// file larger than [`MAX_FILE_BYTES`], before or after decompression, is an error that says so.
pub fn decompress<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, [u8]>> {
    decompress_at_most(file, bytes, MAX_FILE_BYTES)
}

fn decompress_at_most<'a>(file: &str, bytes: &'a [u8], limit: u64) -> Result<Cow<'a, [u8]>> {
    let too_large = |what: &str| {
        Error::input(
            whole_file(file),
            format!("the file is larger than {} MiB{what} (the limit; the Walmart train.csv is 13 MB); is it the right file?", limit >> 20),
        )
    };
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
            return Err(too_large(""));
        }
        return Ok(Cow::Borrowed(bytes));
    }
    let corrupt = |e: std::io::Error| {
        let why = if e.kind() == std::io::ErrorKind::UnexpectedEof {
            "the gzip data is truncated (the download or copy is incomplete)".to_string()
        } else {
            format!("the gzip data is corrupt ({e})")
        };
        Error::input(whole_file(file), why)
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut decoder = flate2::read::MultiGzDecoder::new(bytes);
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len().saturating_mul(5).min(limit));
    let mut piece = vec![0u8; 1 << 16];
    loop {
        let n = decoder.read(&mut piece).map_err(corrupt)?;
        if n == 0 {
            return Ok(Cow::Owned(out));
        }
        if out.len() + n > limit {
            return Err(too_large(" once decompressed"));
        }
        // Doubling, but never past the limit: memory stays within it whatever the file holds.
        if out.capacity() < out.len() + n {
            let wanted = (out.capacity() * 2).max(out.len() + n).min(limit);
            out.reserve_exact(wanted - out.len());
        }
        out.extend_from_slice(&piece[..n]);
    }
}

/// The sha256 of bytes, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    // In 64 KiB pieces: a WebAssembly engine starts with baseline code and swaps in optimised
    // code between calls, never during one, so a single call over 13 MB runs unoptimised
    // throughout. Measured in headless Chromium on train.csv: 1,117 ms in one call, 82 ms warm.
    let mut hasher = Sha256::new();
    for piece in bytes.chunks(1 << 16) {
        hasher.update(piece);
    }
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn whole_file(file: &str) -> Position {
    Position { file: file.to_string(), line: None, column: None, value: None }
}

fn at(file: &str, line: u64, column: Option<&str>, value: Option<&[u8]>) -> Position {
    Position {
        file: file.to_string(),
        line: Some(line),
        column: column.map(str::to_string),
        value: value.map(shown_value),
    }
}

/// The offending text for an error message: invalid UTF-8 as U+FFFD, quotes, backslashes
/// and control characters escaped as in a Rust string (so a value with a line break stays on
/// the message's line), shortened to [`MAX_SHOWN_VALUE`] characters.
pub(crate) fn shown_value(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown: String = text.chars().take(MAX_SHOWN_VALUE).flat_map(char::escape_debug).collect();
    if text.chars().nth(MAX_SHOWN_VALUE).is_some() {
        shown.push('…');
    }
    shown
}

fn is_null(field: &[u8]) -> bool {
    matches!(field, b"" | b"NA" | b"N/A" | b"NaN" | b"nan" | b"NULL" | b"null")
}

/// Rejects what is plainly not CSV text before reading it as such.
fn check_text(file: &str, data: &[u8]) -> Result<()> {
    if data.is_empty() || data == [0xEF, 0xBB, 0xBF] {
        return Err(Error::input(whole_file(file), "the file is empty (expected a header line)"));
    }
    let head = &data[..data.len().min(8192)];
    if let Some(nul) = head.iter().position(|&b| b == 0) {
        // Line breaks as the CSV reader counts them: LF, CRLF and a bare CR.
        let before = &head[..nul];
        let breaks = before.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')));
        let line = 1 + breaks.count() as u64;
        return Err(Error::input(
            at(file, line, None, None),
            "binary data (a NUL byte), not a CSV text file",
        ));
    }
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'<') {
        return Err(Error::input(
            at(file, 1, None, None),
            "this looks like an HTML or XML page saved as CSV, not CSV data",
        ));
    }
    Ok(())
}

fn header_names(file: &str, record: &Record<'_>) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(record.len());
    for (i, field) in record.fields().enumerate() {
        let name = std::str::from_utf8(field)
            .map_err(|_| Error::input(at(file, 1, None, Some(field)), format!("header field {} is not valid UTF-8", i + 1)))?;
        if names.iter().any(|n: &String| n == name) {
            return Err(Error::input(at(file, 1, Some(name), None), "duplicate column name in the header"));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// Checks the text, reads the header and returns the reader positioned on the first data
/// row, a record buffer and the column names.
fn open_csv<'a>(file: &'a str, data: &'a [u8]) -> Result<(CsvReader<'a>, Record<'a>, Vec<String>)> {
    check_text(file, data)?;
    let mut reader = CsvReader::new(file, data);
    let mut record = Record::default();
    if !reader.read(&mut record)? {
        return Err(Error::input(whole_file(file), "the file is empty (expected a header line)"));
    }
    let names = header_names(file, &record)?;
    reader.set_header(&names);
    Ok((reader, record, names))
}

/// Reads a known file with its declared schema. Columns may come in any order; each declared
/// column must be present and no other.
pub fn read_table(
    file: &str,
    bytes: &[u8],
    schema: &TableSchema,
    progress: &mut dyn FnMut(ReadProgress),
) -> Result<Table> {
    let data = decompress(file, bytes)?;
    let (mut reader, mut record, names) = open_csv(file, &data)?;
    let columns = schema.match_header(file, &names)?;
    let mut builders: Vec<TypedBuilder> =
        columns.iter().map(|spec| TypedBuilder::new(spec.column_type, data.len() / 40)).collect();
    let mut rows = 0usize;
    while reader.read(&mut record)? {
        if record.len() != columns.len() {
            return Err(ragged(file, &record, &names));
        }
        for ((builder, spec), field) in builders.iter_mut().zip(&columns).zip(record.fields()) {
            builder.push(field).map_err(|why| {
                Error::input(at(file, record.line, Some(spec.name), Some(field)), why.message(field))
            })?;
        }
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY_ROWS) {
            progress(ReadProgress { rows, bytes_read: reader.offset(), bytes_total: data.len() });
        }
    }
    if rows == 0 {
        return Err(Error::input(at(file, 2, None, None), "no data rows after the header"));
    }
    progress(ReadProgress { rows, bytes_read: data.len(), bytes_total: data.len() });
    let frame = Frame::new(names.into_iter().zip(builders.into_iter().map(TypedBuilder::finish)).collect())?;
    Ok(Table { frame, fingerprint: fingerprint(file, &data, rows) })
}

fn fingerprint(file: &str, data: &[u8], rows: usize) -> FileFingerprint {
    FileFingerprint {
        name: file.strip_suffix(".gz").unwrap_or(file).to_string(),
        sha256: sha256_hex(data),
        bytes: data.len() as u64,
        rows: rows as u64,
    }
}

fn ragged(file: &str, record: &Record<'_>, names: &[String]) -> Error {
    let found = record.len();
    let expected = names.len();
    // Too few: the first missing column; too many: the first field beyond the header.
    let column = (found < expected).then(|| names[found].as_str());
    let extra = (found > expected).then(|| record.field(expected));
    Error::input(
        at(file, record.line, column, extra),
        format!("expected {expected} fields as in the header, found {found}"),
    )
}

/// Why a field did not parse.
#[derive(Debug, Clone, Copy)]
enum FieldError {
    NotUtf8,
    Expected(ColumnType),
    ImpossibleDate,
    NotFinite,
}

impl FieldError {
    fn message(self, field: &[u8]) -> String {
        if std::str::from_utf8(field).is_err() {
            return "invalid UTF-8 bytes (the file must be UTF-8 text)".into();
        }
        match self {
            FieldError::NotUtf8 => "invalid UTF-8 bytes (the file must be UTF-8 text)".into(),
            FieldError::Expected(ColumnType::Int) => "not an integer".into(),
            FieldError::Expected(ColumnType::Float) => "not a number".into(),
            FieldError::Expected(ColumnType::Bool) => "not a boolean (expected TRUE or FALSE)".into(),
            FieldError::Expected(ColumnType::Date) => "not a date (expected YYYY-MM-DD)".into(),
            FieldError::Expected(ColumnType::Str) => "not text".into(),
            FieldError::ImpossibleDate => "impossible date (no such day in the calendar)".into(),
            FieldError::NotFinite => "not a finite number".into(),
        }
    }
}

enum TypedBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Date(Date32Builder),
    Str(StringBuilder),
}

impl TypedBuilder {
    fn new(column_type: ColumnType, capacity: usize) -> Self {
        match column_type {
            ColumnType::Int => TypedBuilder::Int(Int64Builder::with_capacity(capacity)),
            ColumnType::Float => TypedBuilder::Float(Float64Builder::with_capacity(capacity)),
            ColumnType::Bool => TypedBuilder::Bool(BooleanBuilder::with_capacity(capacity)),
            ColumnType::Date => TypedBuilder::Date(Date32Builder::with_capacity(capacity)),
            ColumnType::Str => TypedBuilder::Str(StringBuilder::with_capacity(capacity, capacity * 8)),
        }
    }

    fn push(&mut self, field: &[u8]) -> Result<(), FieldError> {
        if is_null(field) {
            match self {
                TypedBuilder::Int(b) => b.append_null(),
                TypedBuilder::Float(b) => b.append_null(),
                TypedBuilder::Bool(b) => b.append_null(),
                TypedBuilder::Date(b) => b.append_null(),
                TypedBuilder::Str(b) => b.append_null(),
            }
            return Ok(());
        }
        match self {
            TypedBuilder::Int(b) => b.append_value(parse_int(field).ok_or(FieldError::Expected(ColumnType::Int))?),
            TypedBuilder::Float(b) => b.append_value(parse_float(field)?),
            TypedBuilder::Bool(b) => b.append_value(parse_bool(field).ok_or(FieldError::Expected(ColumnType::Bool))?),
            TypedBuilder::Date(b) => b.append_value(parse_date(field)?),
            TypedBuilder::Str(b) => b.append_value(std::str::from_utf8(field).map_err(|_| FieldError::NotUtf8)?),
        }
        Ok(())
    }

    fn finish(self) -> ArrayRef {
        match self {
            TypedBuilder::Int(mut b) => Arc::new(b.finish()),
            TypedBuilder::Float(mut b) => Arc::new(b.finish()),
            TypedBuilder::Bool(mut b) => Arc::new(b.finish()),
            TypedBuilder::Date(mut b) => Arc::new(b.finish()),
            TypedBuilder::Str(mut b) => Arc::new(b.finish()),
        }
    }
}

/// A decimal integer with an optional sign; no spaces, no decimal point.
pub fn parse_int(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field.first()? {
        b'-' => (true, &field[1..]),
        b'+' => (false, &field[1..]),
        _ => (false, field),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    Some(if negative { -value } else { value })
}

fn parse_float(field: &[u8]) -> Result<f64, FieldError> {
    if let Some(value) = parse_plain_decimal(field) {
        return Ok(value);
    }
    let text = std::str::from_utf8(field).map_err(|_| FieldError::NotUtf8)?;
    // `f64::from_str` also takes "inf" and "infinity"; sales data never means those.
    let value: f64 = text.parse().map_err(|_| FieldError::Expected(ColumnType::Float))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(FieldError::NotFinite)
    }
}

/// The common case of [`parse_float`] without the general parser: `[-]digits[.digits]` with
/// at most 15 significant digits in all. The digits are then an integer m < 2⁵³ and the value
/// is m / 10ᵏ with k ≤ 15, both exact in binary, so one correctly rounded division gives the
/// correctly rounded value, bit for bit what `f64::from_str` returns (its own fast path).
/// `None` for anything else (exponents, a leading `+`, a bare `.`, long digit strings).
fn parse_plain_decimal(field: &[u8]) -> Option<f64> {
    const POWERS: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
    let (negative, text) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    let (whole, fraction) = match text.iter().position(|&b| b == b'.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, &[][..]),
    };
    let has_dot = whole.len() < text.len();
    if whole.is_empty() || (has_dot && fraction.is_empty()) || whole.len() + fraction.len() > 15 {
        return None;
    }
    let mut mantissa: u64 = 0;
    for &b in whole.iter().chain(fraction) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa * 10 + u64::from(b - b'0');
    }
    let value = mantissa as f64 / POWERS[fraction.len()];
    Some(if negative { -value } else { value })
}

pub fn parse_bool(field: &[u8]) -> Option<bool> {
    match field {
        b"TRUE" | b"True" | b"true" => Some(true),
        b"FALSE" | b"False" | b"false" => Some(false),
        _ => None,
    }
}

fn parse_date(field: &[u8]) -> Result<i32, FieldError> {
    parse_iso_date(field).ok_or_else(|| {
        let shaped = field.len() == 10
            && field.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
        if shaped { FieldError::ImpossibleDate } else { FieldError::Expected(ColumnType::Date) }
    })
}

/// Reads any CSV, inferring each column's type from its non-null values: integers, then
/// floats, then booleans (`TRUE`/`FALSE`, any case as written above), then ISO dates, else
/// strings. A column with no values at all is a float column, as pandas makes it.
pub fn read_inferred(file: &str, bytes: &[u8], progress: &mut dyn FnMut(ReadProgress)) -> Result<Table> {
    let data = decompress(file, bytes)?;
    let (mut reader, mut record, names) = open_csv(file, &data)?;
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    let mut rows = 0usize;
    while reader.read(&mut record)? {
        if record.len() != names.len() {
            return Err(ragged(file, &record, &names));
        }
        for ((column, name), field) in cells.iter_mut().zip(&names).zip(record.fields()) {
            if is_null(field) {
                column.push(None);
            } else {
                let text = std::str::from_utf8(field).map_err(|_| {
                    Error::input(at(file, record.line, Some(name), Some(field)), FieldError::NotUtf8.message(field))
                })?;
                column.push(Some(text.to_string()));
            }
        }
        rows += 1;
        if rows.is_multiple_of(PROGRESS_EVERY_ROWS) {
            progress(ReadProgress { rows, bytes_read: reader.offset(), bytes_total: data.len() });
        }
    }
    progress(ReadProgress { rows, bytes_read: data.len(), bytes_total: data.len() });
    let arrays = cells.iter().map(|column| infer_column(column)).collect::<Vec<_>>();
    let frame = Frame::new(names.into_iter().zip(arrays).collect())?;
    Ok(Table { frame, fingerprint: fingerprint(file, &data, rows) })
}

/// The type `read_inferred` gives a column of texts (`None` = null).
pub fn infer_type(column: &[Option<String>]) -> ColumnType {
    let mut values = column.iter().flatten().map(|s| s.as_bytes()).peekable();
    if values.peek().is_none() {
        return ColumnType::Float;
    }
    let all = |f: &dyn Fn(&[u8]) -> bool| column.iter().flatten().all(|s| f(s.as_bytes()));
    if all(&|v| parse_int(v).is_some()) {
        ColumnType::Int
    } else if all(&|v| parse_float(v).is_ok()) {
        ColumnType::Float
    } else if all(&|v| parse_bool(v).is_some()) {
        ColumnType::Bool
    } else if all(&|v| parse_iso_date(v).is_some()) {
        ColumnType::Date
    } else {
        ColumnType::Str
    }
}

fn infer_column(column: &[Option<String>]) -> ArrayRef {
    let column_type = infer_type(column);
    let mut builder = TypedBuilder::new(column_type, column.len());
    for cell in column {
        let pushed = builder.push(cell.as_deref().map(str::as_bytes).unwrap_or(b""));
        debug_assert!(pushed.is_ok(), "inferred type parses every value");
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_over_the_size_limit_is_refused_with_bounded_memory() {
        use std::io::Write;
        // 3 MiB of zeros gzip to a few KiB; with a 2 MiB limit the read stops at 2 MiB + 1.
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for _ in 0..3 {
            encoder.write_all(&vec![b'0'; 1 << 20]).unwrap();
        }
        let bomb = encoder.finish().unwrap();
        assert!(bomb.len() < 64 << 10);
        let error = super::decompress_at_most("train.csv.gz", &bomb, 2 << 20).unwrap_err().to_string();
        assert_eq!(error, "train.csv.gz: the file is larger than 2 MiB once decompressed (the limit; the Walmart train.csv is 13 MB); is it the right file?");
        let plain = vec![b'0'; (2 << 20) + 1];
        let error = super::decompress_at_most("train.csv", &plain, 2 << 20).unwrap_err().to_string();
        assert_eq!(error, "train.csv: the file is larger than 2 MiB (the limit; the Walmart train.csv is 13 MB); is it the right file?");
        assert_eq!(super::decompress_at_most("train.csv.gz", &bomb, 3 << 20).unwrap().len(), 3 << 20, "exactly the limit is allowed");
    }

    use super::*;

    #[test]
    fn plain_decimals_parse_bit_for_bit_as_the_general_parser() {
        let mut rng = crate::rng::SplitMix64::new(0x9E37_79B9_7F4A_7C15);
        let mut next = move || rng.next_u64();
        for _ in 0..200_000 {
            let digits = 1 + (next() % 15) as usize;
            let mut text: String = (0..digits).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
            let dot = (next() % digits as u64) as usize;
            if dot > 0 {
                text.insert(dot, '.');
            }
            if next() % 2 == 0 {
                text.insert(0, '-');
            }
            let fast = parse_plain_decimal(text.as_bytes()).unwrap_or_else(|| panic!("{text} is plain"));
            assert_eq!(fast.to_bits(), text.parse::<f64>().unwrap().to_bits(), "{text}");
        }
        for plain in ["0", "-0", "-0.0", "007.50", "24924.5", "-4988.94", "999999999999999", "0.00000000000001"] {
            assert_eq!(parse_plain_decimal(plain.as_bytes()).map(f64::to_bits), Some(plain.parse::<f64>().unwrap().to_bits()), "{plain}");
        }
        for other in ["", "-", ".", "5.", ".5", "+1", "1e5", "1.2.3", "1234567890123456", "1,5", " 1", "nan", "inf"] {
            assert_eq!(parse_plain_decimal(other.as_bytes()), None, "{other}");
        }
        // What the fast path leaves to the general parser still parses as before.
        assert_eq!(parse_float(b"5.").unwrap(), 5.0);
        assert_eq!(parse_float(b"1.5e3").unwrap(), 1500.0);
        assert_eq!(parse_float(b"12345678901234567").unwrap(), 12345678901234567.0);
    }

    fn train_error(bytes: &[u8]) -> String {
        read_table("train.csv", bytes, &TRAIN, &mut |_| {}).unwrap_err().to_string()
    }

    /// Regression: the line of a NUL byte counted only LF, so in a bare-CR file (like
    /// stores.csv) it disagreed with the reader's physical lines.
    #[test]
    fn nul_byte_line_counts_bare_cr_line_breaks() {
        let err = train_error(b"Store,Dept,Date,Weekly_Sales,IsHoliday\r1,1,2010-02-05,1,FALSE\r\0");
        assert_eq!(err, "train.csv, line 3: binary data (a NUL byte), not a CSV text file");
    }

    /// Regression: a value with a line break (from a quoted field) was printed raw, splitting
    /// the one-line error message.
    #[test]
    fn shown_value_with_line_break_stays_on_one_line() {
        let err = train_error(b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,\"12\r\n\",FALSE\n");
        assert_eq!(err, "train.csv, line 2, column \"Weekly_Sales\": not a number (value: \"12\\r\\n\")");
        assert_eq!(shown_value(&[b'x'; 61]), format!("{}…", "x".repeat(60)));
        assert_eq!(shown_value(b"caf\xe9"), "caf\u{FFFD}");
    }

    /// A file saved with another delimiter reads as one column; the message says why.
    #[test]
    fn semicolon_separated_header_gets_a_delimiter_hint() {
        let err = train_error(b"Store;Dept;Date;Weekly_Sales;IsHoliday\n1;1;2010-02-05;1;FALSE\n");
        assert!(err.ends_with("; the header is one field separated by semicolons, but the delimiter must be a comma"), "{err}");
    }

    #[test]
    fn too_many_fields_shows_the_first_extra_value() {
        let err = train_error(b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1,FALSE,x,y\n");
        assert_eq!(err, "train.csv, line 2: expected 5 fields as in the header, found 7 (value: \"x\")");
    }
}
