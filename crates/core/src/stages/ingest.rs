//! Ingest: the input files as typed tables, and the fingerprint of every file read.

use crate::error::{Error, Result};
use crate::features::FeatureConfig;
use crate::frame::Frame;
use crate::ingest::{is_join_file, read_table, schema_for_file, ReadProgress, TableSchema, FEATURES, STORES, TRAIN};
use crate::tracking::DatasetFingerprint;

/// An input file, by name: `train.csv` or `train.csv.gz`, and `features.csv[.gz]` and
/// `stores.csv[.gz]` when the feature joins use them (found by name; a lone input is the
/// sales file whatever its name).
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The ingested tables and the fingerprint of the files they came from.
#[derive(Debug)]
pub struct Ingested {
    pub sales: Frame,
    /// features.csv, when `join_features` is on.
    pub store_weeks: Option<Frame>,
    /// stores.csv, when `join_stores` is on.
    pub stores: Option<Frame>,
    pub dataset: DatasetFingerprint,
}

/// The ingest stage: reads the sales file among `inputs` and the files the feature joins
/// of `features` use, and fingerprints every file read. `progress` follows the sales file.
///
/// A single input is the sales file whatever its name (a user's `sales_2012.csv`, the CLI's
/// `--data file`); among several, train.csv is found by name, else it is the one input that
/// is neither features.csv nor stores.csv. The join files are read only when a switch uses
/// them; a switch without its file is an error that names the file.
pub fn read(inputs: &[InputFile], features: &FeatureConfig, progress: &mut dyn FnMut(ReadProgress)) -> Result<Ingested> {
    let by_name = |schema: &TableSchema| inputs.iter().find(|f| schema_for_file(&f.name) == Some(schema));
    let names = || inputs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
    let unnamed = || {
        let mut others = inputs.iter().filter(|f| !is_join_file(&f.name));
        others.next().filter(|_| others.next().is_none())
    };
    let train = match inputs {
        [only] => Some(only),
        _ => by_name(&TRAIN).or_else(unnamed),
    };
    let train = train.ok_or_else(|| Error::stage("ingest", format!("no train.csv or train.csv.gz among the inputs ({})", names())))?;
    let wanted = |on: bool, schema: &TableSchema, switch: &str| -> Result<Option<&InputFile>> {
        if !on {
            return Ok(None);
        }
        by_name(schema).map(Some).ok_or_else(|| {
            let file = schema.file_name;
            Error::stage("ingest", format!("{switch} is on but {file} (or {file}.gz) is not among the inputs ({})", names()))
        })
    };
    let store_weeks = wanted(features.join_features, &FEATURES, "join_features")?;
    let stores = wanted(features.join_stores, &STORES, "join_stores")?;
    let sales = read_table(&train.name, &train.bytes, &TRAIN, progress)?;
    let read_joined = |file: Option<&InputFile>, schema: &TableSchema| {
        file.map(|f| read_table(&f.name, &f.bytes, schema, &mut |_| {})).transpose()
    };
    let (store_weeks, stores) = (read_joined(store_weeks, &FEATURES)?, read_joined(stores, &STORES)?);
    let files = [Some(&sales), store_weeks.as_ref(), stores.as_ref()].into_iter().flatten().map(|t| t.fingerprint.clone());
    let dataset = DatasetFingerprint::new(files.collect());
    Ok(Ingested { sales: sales.frame, store_weeks: store_weeks.map(|t| t.frame), stores: stores.map(|t| t.frame), dataset })
}

/// The stage's summary line: the sales file first, then the join files, each with its rows.
pub fn summary(ingested: &Ingested) -> String {
    let mut files: Vec<_> = ingested.dataset.files.iter().collect();
    files.sort_by_key(|f| is_join_file(&f.name));
    let rows: Vec<String> = files.iter().map(|f| format!("{}: {} rows", f.name, f.rows)).collect();
    rows.join("; ")
}
