//! Ingest: the input files as typed tables, and the fingerprint of every file read.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::features::FeatureConfig;
use crate::frame::Frame;
use crate::ingest::{read_table, schema_for_file, ReadProgress, TableSchema, FEATURES, STORES, TEST, TRAIN};
use crate::synthetic;
use crate::tracking::DatasetFingerprint;

/// What an input file is to the pipeline. The shells say it — the CLI from where it found
/// the file, the page from the control the person used, a dropped file from its name through
/// [`InputRole::of_name`], the one place a role is read off a name — and the engine never
/// guesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputRole {
    /// The weekly sales: train.csv's columns.
    Sales,
    /// features.csv: store-week columns, for `join_features`.
    StoreWeeks,
    /// stores.csv: store type and size, for `join_stores`.
    Stores,
    /// test.csv: the weeks a forecast run forecasts (Store, Dept, Date, IsHoliday).
    FutureWeeks,
}

impl InputRole {
    /// The columns a file of this role has.
    pub fn schema(self) -> &'static TableSchema {
        match self {
            InputRole::Sales => &TRAIN,
            InputRole::StoreWeeks => &FEATURES,
            InputRole::Stores => &STORES,
            InputRole::FutureWeeks => &TEST,
        }
    }

    /// The role a file's name says: train.csv, features.csv or stores.csv (plain or `.gz`,
    /// in any folder, any case).
    pub fn of_name(name: &str) -> Option<Self> {
        let schema = schema_for_file(name)?;
        [InputRole::Sales, InputRole::StoreWeeks, InputRole::Stores, InputRole::FutureWeeks].into_iter().find(|role| role.schema() == schema)
    }

    /// Whether the feature joins use a file of this role.
    pub fn is_join(self) -> bool {
        matches!(self, InputRole::StoreWeeks | InputRole::Stores)
    }
}

/// An input file: its name (as errors and the fingerprint show it), its role and its bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub role: InputRole,
    pub bytes: Vec<u8>,
}

impl InputFile {
    /// A file whose role its name says; any other name is the sales file (a user's
    /// `sales_2012.csv`), named `sales_2012.csv (as train.csv)` so its errors say how it was
    /// read (as the CLI names a file given to `--data`).
    pub fn named(name: String, bytes: Vec<u8>) -> Self {
        match InputRole::of_name(&name) {
            Some(role) => InputFile { name, role, bytes },
            None => InputFile { name: format!("{name} (as train.csv)"), role: InputRole::Sales, bytes },
        }
    }

    /// The built-in synthetic sample (45 stores), as `train.csv`.
    pub fn sample() -> Self {
        Self::train_csv(synthetic::sample_train_csv(synthetic::DEFAULT_SEED))
    }

    /// Sales bytes named `train.csv`.
    pub fn train_csv(bytes: Vec<u8>) -> Self {
        InputFile { name: "train.csv".into(), role: InputRole::Sales, bytes }
    }
}

/// The ingested tables and the fingerprint of the files they came from.
#[derive(Debug)]
pub struct Ingested {
    pub sales: Frame,
    /// The sales file's name, as the inputs gave it.
    pub sales_name: String,
    /// features.csv, when `join_features` is on.
    pub store_weeks: Option<Frame>,
    /// stores.csv, when `join_stores` is on.
    pub stores: Option<Frame>,
    /// The future-weeks file (test.csv) and its name, when one is among the inputs.
    pub future: Option<(Frame, String)>,
    pub dataset: DatasetFingerprint,
}

/// The ingest stage: reads the sales file among `inputs` and the files the feature joins
/// of `features` use, and a future-weeks file when one is given, and fingerprints every file
/// read. `progress` follows the sales file.
/// Files are found by their role; the join files are read only when a switch uses them, and
/// a switch without its file is an error that names the file.
pub fn read(inputs: &[InputFile], features: &FeatureConfig, progress: &mut dyn FnMut(ReadProgress)) -> Result<Ingested> {
    let names = || inputs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
    let of_role = |role: InputRole| -> Result<Option<&InputFile>> {
        let mut found = inputs.iter().filter(|f| f.role == role);
        match (found.next(), found.next()) {
            (Some(first), Some(second)) => Err(Error::stage(
                Stage::Ingest,
                format!("two inputs are {} ({} and {}); keep one", role.schema().file_name, first.name, second.name),
            )),
            (first, _) => Ok(first),
        }
    };
    let train = of_role(InputRole::Sales)?
        .ok_or_else(|| Error::stage(Stage::Ingest, format!("no train.csv or train.csv.gz among the inputs ({})", names())))?;
    let wanted = |on: bool, role: InputRole, switch: &str| -> Result<Option<&InputFile>> {
        if !on {
            return Ok(None);
        }
        of_role(role)?.map(Some).ok_or_else(|| {
            let file = role.schema().file_name;
            Error::stage(Stage::Ingest, format!("{switch} is on but {file} (or {file}.gz) is not among the inputs ({})", names()))
        })
    };
    let store_weeks = wanted(features.join_features, InputRole::StoreWeeks, "join_features")?;
    let stores = wanted(features.join_stores, InputRole::Stores, "join_stores")?;
    let sales = read_table(&train.name, &train.bytes, &TRAIN, progress)?;
    let read_joined = |file: Option<&InputFile>| file.map(|f| read_table(&f.name, &f.bytes, f.role.schema(), &mut |_| {})).transpose();
    let (store_weeks, stores) = (read_joined(store_weeks)?, read_joined(stores)?);
    let future_file = of_role(InputRole::FutureWeeks)?;
    let future = read_joined(future_file)?;
    let files = [Some(&sales), store_weeks.as_ref(), stores.as_ref(), future.as_ref()].into_iter().flatten().map(|t| t.fingerprint.clone());
    let dataset = DatasetFingerprint::new(files.collect());
    Ok(Ingested {
        sales: sales.frame,
        sales_name: train.name.clone(),
        store_weeks: store_weeks.map(|t| t.frame),
        stores: stores.map(|t| t.frame),
        future: future.zip(future_file).map(|(t, f)| (t.frame, f.name.clone())),
        dataset,
    })
}

/// The stage's summary line: the sales file first, then the join files, each with its rows.
pub fn summary(ingested: &Ingested) -> String {
    let mut files: Vec<_> = ingested.dataset.files.iter().collect();
    // The fingerprint lists the files by name, without a `.gz`.
    let sales = ingested.sales_name.strip_suffix(".gz").unwrap_or(&ingested.sales_name);
    files.sort_by_key(|f| f.name != sales);
    let rows: Vec<String> = files.iter().map(|f| format!("{}: {} rows", f.name, f.rows)).collect();
    rows.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_read_off_a_name_only_for_the_walmart_files() {
        assert_eq!(InputRole::of_name("train.csv.gz"), Some(InputRole::Sales));
        assert_eq!(InputRole::of_name("data/FEATURES.CSV"), Some(InputRole::StoreWeeks));
        assert_eq!(InputRole::of_name("C:\\walmart\\stores.csv"), Some(InputRole::Stores));
        assert_eq!(InputRole::of_name("sales_2012.csv"), None);
        let other = InputFile::named("sales_2012.csv".into(), Vec::new());
        assert_eq!((other.role, other.name.as_str()), (InputRole::Sales, "sales_2012.csv (as train.csv)"), "any other name is the sales file");
    }

    #[test]
    fn two_sales_files_are_an_error_naming_both() {
        let csv = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,1.0,FALSE\n".to_vec();
        let inputs = [InputFile::named("a.csv".into(), csv.clone()), InputFile::named("train.csv".into(), csv)];
        let error = read(&inputs, &FeatureConfig::default(), &mut |_| {}).unwrap_err().to_string();
        assert_eq!(error, "ingest: two inputs are train.csv (a.csv (as train.csv) and train.csv); keep one");
    }
}
