//! A CSV record reader that knows where it is.
//!
//! Written for the engine rather than taken from a crate because every error must name the
//! physical line (LF, CRLF and bare CR all end a line; a quoted field may span lines), and an
//! unterminated quote must be an error at the line where it opened rather than a silently
//! swallowed rest of file. It is a single pass over the bytes that copies nothing but quoted
//! fields: an unquoted field is a slice of the input (the Walmart files quote nothing, so
//! reading them allocates nothing per field).

use std::ops::Range;

use crate::error::{Error, Position, Result};

/// One record: where each field's text is, valid until the next read into it.
#[derive(Debug, Default)]
pub struct Record<'a> {
    /// 1-based physical line on which the record starts.
    pub line: u64,
    /// The reader's data, which unquoted fields are slices of.
    data: &'a [u8],
    /// The text of the quoted fields, unescaped (`""` → `"`), back to back.
    unquoted: Vec<u8>,
    fields: Vec<Field>,
}

/// Where a field's text is.
#[derive(Debug, Clone)]
enum Field {
    Data(Range<usize>),
    Unquoted(Range<usize>),
}

impl Record<'_> {
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn field(&self, i: usize) -> &[u8] {
        match &self.fields[i] {
            Field::Data(range) => &self.data[range.clone()],
            Field::Unquoted(range) => &self.unquoted[range.clone()],
        }
    }

    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.field(i))
    }

    fn clear(&mut self) {
        self.unquoted.clear();
        self.fields.clear();
    }

    /// A blank line reads as one empty field; such records are skipped.
    fn is_blank(&self) -> bool {
        self.fields.len() == 1 && self.field(0).is_empty()
    }
}

/// The longest record read (quoted line breaks included): 1 MiB, thousands of times a Walmart
/// line.
pub const MAX_LINE_BYTES: usize = 1 << 20;

pub struct CsvReader<'a> {
    file: &'a str,
    data: &'a [u8],
    pos: usize,
    line: u64,
    /// Column names for errors, once the header has been read.
    header: Vec<String>,
}

impl<'a> CsvReader<'a> {
    /// A reader over decompressed bytes; a UTF-8 byte-order mark is skipped.
    pub fn new(file: &'a str, data: &'a [u8]) -> Self {
        let pos = if data.starts_with(&[0xEF, 0xBB, 0xBF]) { 3 } else { 0 };
        CsvReader { file, data, pos, line: 1, header: Vec::new() }
    }

    /// Names the columns, so that a quoting error in a data row names its column.
    pub fn set_header(&mut self, names: &[String]) {
        self.header = names.to_vec();
    }

    /// Byte offset reached, for progress.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Reads the next non-blank record into `record`; `false` at the end of the data.
    pub fn read(&mut self, record: &mut Record<'a>) -> Result<bool> {
        loop {
            if self.pos >= self.data.len() {
                return Ok(false);
            }
            self.read_one(record)?;
            if !record.is_blank() {
                return Ok(true);
            }
        }
    }

    fn read_one(&mut self, record: &mut Record<'a>) -> Result<()> {
        record.clear();
        record.line = self.line;
        record.data = self.data;
        let data = self.data;
        let start_of_record = self.pos;
        loop {
            // Checked as the fields are read: a huge line of commas would otherwise hold a
            // field entry per comma before its end is reached.
            if self.pos - start_of_record > MAX_LINE_BYTES {
                return Err(Error::input(
                    Position { file: self.file.to_string(), line: Some(record.line), column: None, value: None },
                    format!("the line is longer than {} KiB: this is not a table of weekly rows (the longest line of the Walmart files is under 200 bytes)", MAX_LINE_BYTES >> 10),
                ));
            }
            if data.get(self.pos) == Some(&b'"') {
                let start = record.unquoted.len();
                self.read_quoted(record)?;
                record.fields.push(Field::Unquoted(start..record.unquoted.len()));
            } else {
                let start = self.pos;
                let length = data[start..].iter().position(|&b| matches!(b, b',' | b'\n' | b'\r')).unwrap_or(data.len() - start);
                self.pos = start + length;
                record.fields.push(Field::Data(start..self.pos));
            }
            match data.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\r') => {
                    self.pos += 1;
                    if data.get(self.pos) == Some(&b'\n') {
                        self.pos += 1;
                    }
                    self.line += 1;
                    return Ok(());
                }
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(());
                }
                None => return Ok(()),
                Some(_) => unreachable!("fields stop at a delimiter or line end"),
            }
        }
    }

    /// Where a quoting error is: the line, the column of the field being read, and its
    /// raw text from the opening quote to `end`.
    fn quote_error(&self, record: &Record<'_>, line: u64, opened: usize, end: usize, message: String) -> Error {
        Error::input(
            Position {
                file: self.file.to_string(),
                line: Some(line),
                column: self.header.get(record.fields.len()).cloned(),
                value: Some(super::shown_value(&self.data[opened..end])),
            },
            message,
        )
    }

    /// A quoted field: `""` is a literal quote; line breaks inside count as lines.
    fn read_quoted(&mut self, record: &mut Record<'_>) -> Result<()> {
        let data = self.data;
        let opened_at = self.line;
        let opened = self.pos;
        self.pos += 1;
        loop {
            let Some(&byte) = data.get(self.pos) else {
                let message = "unterminated quoted field: a '\"' opened here is never closed".to_string();
                return Err(self.quote_error(record, opened_at, opened, data.len(), message));
            };
            self.pos += 1;
            match byte {
                b'"' if data.get(self.pos) == Some(&b'"') => {
                    record.unquoted.push(b'"');
                    self.pos += 1;
                }
                b'"' => break,
                b'\n' => {
                    self.line += 1;
                    record.unquoted.push(byte);
                }
                b'\r' => {
                    if data.get(self.pos) != Some(&b'\n') {
                        self.line += 1;
                    }
                    record.unquoted.push(byte);
                }
                _ => record.unquoted.push(byte),
            }
        }
        if let Some(&next) = data.get(self.pos) {
            if !matches!(next, b',' | b'\n' | b'\r') {
                let message = format!(
                    "unexpected '{}' after a closing quote (a quote inside a field must be doubled)",
                    String::from_utf8_lossy(&data[self.pos..self.pos + 1])
                );
                return Err(self.quote_error(record, self.line, opened, self.pos + 1, message));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8]) -> Result<Vec<(u64, Vec<String>)>> {
        let mut reader = CsvReader::new("t.csv", text);
        let mut record = Record::default();
        let mut out = Vec::new();
        while reader.read(&mut record)? {
            out.push((record.line, record.fields().map(|f| String::from_utf8_lossy(f).into_owned()).collect()));
        }
        Ok(out)
    }

    #[test]
    fn line_endings_quotes_and_blank_lines() {
        let got = records(b"\xEF\xBB\xBFa,b\r\n1,\"x,\"\"y\"\"\"\r2,\"multi\nline\"\n\n3,z").unwrap();
        assert_eq!(got[0], (1, vec!["a".into(), "b".into()]));
        assert_eq!(got[1], (2, vec!["1".into(), "x,\"y\"".into()]));
        assert_eq!(got[2], (3, vec!["2".into(), "multi\nline".into()]));
        assert_eq!(got[3], (6, vec!["3".into(), "z".into()]));
    }

    /// A line of commas longer than the limit is refused when the limit is reached (not after
    /// a field entry per comma of the whole line), naming its line; a line at the limit reads.
    #[test]
    fn an_absurdly_long_line_is_refused_early_with_its_line() {
        let mut text = b"a,b\n1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b',', 64 * MAX_LINE_BYTES));
        let err = records(&text).unwrap_err();
        assert_eq!(err.position().unwrap().line, Some(3));
        assert!(err.to_string().starts_with("t.csv, line 3: the line is longer than 1024 KiB"), "{err}");
        let mut fits = b"a\n".to_vec();
        fits.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES));
        assert_eq!(records(&fits).unwrap()[1].1[0].len(), MAX_LINE_BYTES);
    }

    #[test]
    fn unterminated_quote_names_the_opening_line() {
        let err = records(b"a,b\n1,2\n3,\"oops\n4,5\n").unwrap_err();
        assert_eq!(err.position().unwrap().line, Some(3));
        assert!(err.to_string().contains("unterminated"), "{err}");
    }

    #[test]
    fn trailing_text_after_quote_is_an_error() {
        let err = records(b"a\n\"x\"y\n").unwrap_err();
        assert_eq!(err.position().unwrap().line, Some(2));
    }

    /// Regression: quoting errors named neither the column nor the text, unlike every other
    /// ingest error.
    #[test]
    fn quote_errors_name_the_column_and_value() {
        let read = |text: &'static [u8]| {
            let mut reader = CsvReader::new("t.csv", text);
            let mut record = Record::default();
            reader.read(&mut record).unwrap();
            reader.set_header(&["a".to_string(), "b".to_string()]);
            while reader.read(&mut record)? {}
            Ok::<_, Error>(())
        };
        let stray = read(b"a,b\n1,\"2\"3\n").unwrap_err();
        assert_eq!(stray.to_string(), "t.csv, line 2, column \"b\": unexpected '3' after a closing quote (a quote inside a field must be doubled) (value: \"\\\"2\\\"3\")");
        let open = read(b"a,b\n\"1,2\n3,4\n").unwrap_err();
        assert_eq!(open.to_string(), "t.csv, line 2, column \"a\": unterminated quoted field: a '\"' opened here is never closed (value: \"\\\"1,2\\n3,4\\n\")");
    }
}
