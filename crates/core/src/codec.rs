//! Compact encodings for stored numbers and tables. A frozen forecast holds a value per series
//! and week (3,331 × 39 on the real data): as JSON numbers that is ~2.4 MB of text that must
//! be parsed digit by digit; as base64 of the IEEE-754 bytes it is 1.4 MB, exact to the bit,
//! and decodes in one pass. A table (a one-step model's tail of history) is stored as its
//! columns' bytes, deflated, in base64: exact, typed, and its repetitive key columns shrink.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serializer};

/// `#[serde(with = "crate::codec::f64_base64")]`: a `Vec<f64>` as base64 of its
/// little-endian bytes.
pub mod f64_base64 {
    use super::*;

    pub fn serialize<S: Serializer>(values: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)?;
        if bytes.len() % 8 != 0 {
            return Err(serde::de::Error::custom(format!("{} bytes are not a whole number of 8-byte floats", bytes.len())));
        }
        Ok(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
    }
}

/// `#[serde(with = "crate::codec::frame_packed")]`: a [`Frame`](crate::frame::Frame) as base64
/// of its deflated columns ([`pack_frame`]).
pub mod frame_packed {
    use super::*;
    use crate::frame::Frame;

    pub fn serialize<S: Serializer>(frame: &Frame, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(super::pack_frame(frame)))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Frame, D::Error> {
        let text = String::deserialize(deserializer)?;
        let packed = STANDARD.decode(text.as_bytes()).map_err(serde::de::Error::custom)?;
        super::unpack_frame(&packed).map_err(serde::de::Error::custom)
    }
}

/// A frame's columns as bytes, deflated: per column its type, name, a validity byte per row
/// and the values little-endian (strings length-prefixed). Not Arrow IPC: its reader and
/// writer would add a quarter of a megabyte to the worker's WebAssembly for one table.
pub fn pack_frame(frame: &crate::frame::Frame) -> Vec<u8> {
    use arrow_array::Array;
    use std::io::Write;

    use crate::frame::ColumnType;
    let rows = frame.num_rows();
    let mut out: Vec<u8> = Vec::new();
    out.extend((rows as u32).to_le_bytes());
    out.extend((frame.num_columns() as u32).to_le_bytes());
    for (name, array) in frame.column_names().iter().zip(frame.batch().columns()) {
        let kind = ColumnType::from_arrow(array.data_type()).expect("a frame holds only the engine's column types");
        out.push(kind as u8);
        out.extend((name.len() as u32).to_le_bytes());
        out.extend(name.as_bytes());
        out.extend((0..rows).map(|r| u8::from(array.is_valid(r))));
        let any = array.as_any();
        match kind {
            ColumnType::Int => out.extend(any.downcast_ref::<arrow_array::Int64Array>().expect("int").values().iter().flat_map(|v| v.to_le_bytes())),
            ColumnType::Float => out.extend(any.downcast_ref::<arrow_array::Float64Array>().expect("float").values().iter().flat_map(|v| v.to_le_bytes())),
            ColumnType::Date => out.extend(any.downcast_ref::<arrow_array::Date32Array>().expect("date").values().iter().flat_map(|v| v.to_le_bytes())),
            ColumnType::Bool => {
                let values = any.downcast_ref::<arrow_array::BooleanArray>().expect("bool");
                out.extend((0..rows).map(|r| u8::from(values.value(r))));
            }
            ColumnType::Str => {
                let values = any.downcast_ref::<arrow_array::StringArray>().expect("string");
                for r in 0..rows {
                    let text = if values.is_valid(r) { values.value(r) } else { "" };
                    out.extend((text.len() as u32).to_le_bytes());
                    out.extend(text.as_bytes());
                }
            }
        }
    }
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&out).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Reads what [`pack_frame`] wrote; damaged bytes are an error, never a panic.
pub fn unpack_frame(packed: &[u8]) -> crate::error::Result<crate::frame::Frame> {
    use std::io::Read;
    use std::sync::Arc;

    use arrow_array::ArrayRef;

    use crate::error::Error;
    use crate::frame::{ColumnType, Frame};
    let damaged = |why: &str| Error::artifact("a stored table", why.to_string());
    let mut bytes = Vec::new();
    flate2::read::DeflateDecoder::new(packed).read_to_end(&mut bytes).map_err(|e| damaged(&e.to_string()))?;
    let mut at = 0usize;
    let mut take = |n: usize| -> crate::error::Result<&[u8]> {
        let slice = bytes.get(at..at + n).ok_or_else(|| damaged("it ends early"))?;
        at += n;
        Ok(slice)
    };
    let word = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize;
    let rows = word(take(4)?);
    let count = word(take(4)?);
    let mut columns: Vec<(String, ArrayRef)> = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = match take(1)?[0] {
            k if k == ColumnType::Int as u8 => ColumnType::Int,
            k if k == ColumnType::Float as u8 => ColumnType::Float,
            k if k == ColumnType::Bool as u8 => ColumnType::Bool,
            k if k == ColumnType::Date as u8 => ColumnType::Date,
            k if k == ColumnType::Str as u8 => ColumnType::Str,
            _ => return Err(damaged("a column has an unknown type")),
        };
        let name_len = word(take(4)?);
        let name = String::from_utf8(take(name_len)?.to_vec()).map_err(|_| damaged("a column name is not UTF-8"))?;
        let valid: Vec<bool> = take(rows)?.iter().map(|&b| b == 1).collect();
        let array: ArrayRef = match kind {
            ColumnType::Int => {
                let values = take(8 * rows)?.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8")));
                Arc::new(values.zip(&valid).map(|(v, &ok)| ok.then_some(v)).collect::<arrow_array::Int64Array>())
            }
            ColumnType::Float => {
                let values = take(8 * rows)?.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8")));
                Arc::new(values.zip(&valid).map(|(v, &ok)| ok.then_some(v)).collect::<arrow_array::Float64Array>())
            }
            ColumnType::Date => {
                let values = take(4 * rows)?.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().expect("4")));
                Arc::new(values.zip(&valid).map(|(v, &ok)| ok.then_some(v)).collect::<arrow_array::Date32Array>())
            }
            ColumnType::Bool => Arc::new(take(rows)?.iter().zip(&valid).map(|(&v, &ok)| ok.then_some(v == 1)).collect::<arrow_array::BooleanArray>()),
            ColumnType::Str => {
                let mut values = Vec::with_capacity(rows);
                for &ok in &valid {
                    let len = word(take(4)?);
                    let text = String::from_utf8(take(len)?.to_vec()).map_err(|_| damaged("a text value is not UTF-8"))?;
                    values.push(ok.then_some(text));
                }
                Arc::new(arrow_array::StringArray::from(values))
            }
        };
        columns.push((name, array));
    }
    Frame::new(columns)
}

/// The same for an optional frame.
pub mod frame_packed_opt {
    use super::*;
    use crate::frame::Frame;

    pub fn serialize<S: Serializer>(frame: &Option<Frame>, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Packed<'a>(#[serde(with = "super::frame_packed")] &'a Frame);
        match frame {
            Some(frame) => serializer.serialize_some(&Packed(frame)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Frame>, D::Error> {
        #[derive(serde::Deserialize)]
        struct Packed(#[serde(with = "super::frame_packed")] Frame);
        Ok(Option::<Packed>::deserialize(deserializer)?.map(|p| p.0))
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Values(#[serde(with = "super::f64_base64")] Vec<f64>);

    #[test]
    fn floats_round_trip_to_the_bit_and_bad_text_is_an_error() {
        let values = Values(vec![0.0, -0.0, 1.0 / 3.0, f64::MAX, f64::MIN_POSITIVE, 1e-300, -12345.678]);
        let json = serde_json::to_string(&values).unwrap();
        let back: Values = serde_json::from_str(&json).unwrap();
        assert_eq!(back.0.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), values.0.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        assert!(serde_json::from_str::<Values>("\"AAAA\"").unwrap_err().to_string().contains("8-byte"));
        assert!(serde_json::from_str::<Values>("\"not base64!\"").is_err());
    }

    #[test]
    fn frames_round_trip_with_their_nulls_and_damage_is_an_error() {
        use std::sync::Arc;
        let frame = crate::frame::Frame::new(vec![
            ("i".into(), Arc::new(arrow_array::Int64Array::from(vec![Some(1), None, Some(-7)])) as arrow_array::ArrayRef),
            ("f".into(), Arc::new(arrow_array::Float64Array::from(vec![Some(0.1), Some(f64::MAX), None]))),
            ("d".into(), Arc::new(arrow_array::Date32Array::from(vec![None, Some(15_000), Some(-3)]))),
            ("b".into(), Arc::new(arrow_array::BooleanArray::from(vec![Some(true), None, Some(false)]))),
            ("s".into(), Arc::new(arrow_array::StringArray::from(vec![Some("é"), Some(""), None]))),
        ])
        .unwrap();
        let packed = super::pack_frame(&frame);
        assert_eq!(super::unpack_frame(&packed).unwrap(), frame);
        let mut cut = std::io::Read::bytes(flate2::read::DeflateDecoder::new(packed.as_slice())).map(|b| b.unwrap()).collect::<Vec<u8>>();
        cut.truncate(cut.len() - 3);
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, &cut).unwrap();
        assert!(super::unpack_frame(&encoder.finish().unwrap()).unwrap_err().to_string().contains("ends early"));
        assert!(super::unpack_frame(b"not deflate").is_err());
    }
}
