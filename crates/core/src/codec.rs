//! Compact encodings for stored numbers. A frozen forecast holds a value per series and week
//! (3,331 × 39 on the real data): as JSON numbers that is ~2.4 MB of text that must be
//! parsed digit by digit; as base64 of the IEEE-754 bytes it is 1.4 MB, exact to the bit, and
//! decodes in one pass.

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
}
