//! The built-in sample: a deterministic synthetic data set with the real files' schema and
//! shape (45 stores, ~80 departments, 143 weekly Fridays from 2010-02-05, yearly seasonality,
//! holiday peaks, a few negative values and missing weeks).
//!
//! The real Kaggle files cannot be redistributed, so the app and the CLI ship this instead.
//! It is generated as CSV text and read through the same ingest as an upload, so the sample
//! exercises exactly the path real data takes.

use std::fmt::Write;

use crate::calendar::{civil_from_days, format_date, parse_iso_date};
use crate::holidays::{holiday_week, Holiday};
use crate::rng::SplitMix64;

pub const STORES: u32 = 45;
pub const WEEKS: i32 = 143;
pub const FIRST_DATE: &str = "2010-02-05";
/// The seed of the sample the app and the CLI use.
pub const DEFAULT_SEED: u64 = 2014;

/// `train.csv` of the synthetic sample, as CSV bytes.
pub fn sample_train_csv(seed: u64) -> Vec<u8> {
    sample_train_csv_for_stores(seed, STORES)
}

/// The same generator for the first `stores` stores only (a small sample, e.g. to warm up
/// the engine's code in a browser before the real data arrives).
pub fn sample_train_csv_for_stores(seed: u64, stores: u32) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let first = parse_iso_date(FIRST_DATE.as_bytes()).expect("valid constant");
    let dates: Vec<(i32, String, bool, Option<Holiday>)> = (0..WEEKS)
        .map(|w| {
            let d = first + 7 * w;
            (d, format_date(d), holiday_week(d).is_some(), holiday_week(d))
        })
        .collect();
    // Department catalogue: 81 of 1..=99, each with its own scale and seasonality.
    let mut depts: Vec<(u32, f64, f64, f64)> = Vec::new();
    for dept in 1..=99u32 {
        if rng.next_f64() < 0.82 {
            let scale = (rng.normal() * 1.1 + 8.6).exp();
            let amplitude = 0.05 + 0.3 * rng.next_f64();
            let phase = rng.next_f64() * std::f64::consts::TAU;
            depts.push((dept, scale, amplitude, phase));
        }
    }
    let mut out = String::with_capacity(14 << 20);
    out.push_str("Store,Dept,Date,Weekly_Sales,IsHoliday\n");
    for store in 1..=stores {
        let size = 0.4 + 1.6 * rng.next_f64();
        let trend = (rng.next_f64() - 0.4) * 0.002;
        for &(dept, scale, amplitude, phase) in &depts {
            if rng.next_f64() < 0.12 {
                continue; // not every store has every department
            }
            let level = scale * size * (0.7 + 0.6 * rng.next_f64());
            // Some series open late, a few have scattered missing weeks, small ones go negative.
            let opens = if rng.next_f64() < 0.06 { rng.below(100) as i32 } else { 0 };
            let gappy = rng.next_f64() < 0.08;
            let returns = level < 400.0;
            for (w, (day, date, is_holiday, holiday)) in dates.iter().enumerate() {
                let w = w as i32;
                if w < opens || (gappy && rng.next_f64() < 0.1) {
                    continue;
                }
                let (_, month, _) = civil_from_days(*day);
                let season = 1.0 + amplitude * ((f64::from(w) / 52.18) * std::f64::consts::TAU + phase).sin();
                let peak = match holiday {
                    Some(Holiday::Thanksgiving) => 1.6,
                    Some(Holiday::Christmas) => 0.85,
                    Some(_) => 1.08,
                    None if month == 12 => 1.35,
                    None => 1.0,
                };
                let noise = 1.0 + 0.08 * rng.normal();
                let mut sales = level * season * peak * noise * (1.0 + trend * f64::from(w));
                if returns && rng.next_f64() < 0.02 {
                    sales = -sales * 0.2 * rng.next_f64();
                }
                let holiday_text = if *is_holiday { "TRUE" } else { "FALSE" };
                let _ = writeln!(out, "{store},{dept},{date},{sales:.2},{holiday_text}");
            }
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_table, TRAIN};

    #[test]
    fn is_deterministic_and_shaped_like_the_real_data() {
        let a = sample_train_csv(DEFAULT_SEED);
        assert_eq!(a, sample_train_csv(DEFAULT_SEED));
        assert_ne!(a, sample_train_csv(DEFAULT_SEED + 1));
        let table = read_table("train.csv", &a, &TRAIN, &mut |_| {}).unwrap();
        let frame = &table.frame;
        assert!((300_000..500_000).contains(&frame.num_rows()), "{} rows", frame.num_rows());
        let stores = frame.ints("Store").unwrap();
        assert_eq!(stores.values().iter().max(), Some(&45));
        let sales = frame.floats("Weekly_Sales").unwrap();
        assert!(sales.values().iter().any(|v| *v < 0.0), "a few negative values");
        let dates = frame.dates("Date").unwrap();
        let weeks = dates.values().iter().collect::<std::collections::BTreeSet<_>>().len();
        assert_eq!(weeks, WEEKS as usize);
    }
}
