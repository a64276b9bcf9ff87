//! The CLI's file IO: inputs found in a directory, suites, Arrow IPC tables, model files.
//! Errors name the file.

use std::path::Path;

use anyhow::{Context, Result};

use shelfcast_core::contracts::Suite;
use shelfcast_core::features::FeatureConfig;
use shelfcast_core::ingest::{read_inferred, sha256_hex, TRAIN};
use shelfcast_core::pipeline::{InputFile, InputRole, Stage};
use shelfcast_core::{Error, Frame};

pub fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        anyhow::Error::new(Error::input(
            shelfcast_core::Position { file: path.display().to_string(), line: None, column: None, value: None },
            format!("cannot read the file: {e}"),
        ))
    })
}

/// The sales file at `path` (see [`read_train_input`]) and, beside it, the files the
/// feature joins use (plain preferred over .gz). A join file that is not there is left
/// out: the pipeline's error then names it.
pub fn read_inputs(path: &Path, config: &FeatureConfig) -> Result<Vec<InputFile>> {
    let mut inputs = vec![read_train_input(path)?];
    let dir = if path.is_dir() { path } else { path.parent().unwrap_or(Path::new(".")) };
    for (on, role) in [(config.join_features, InputRole::StoreWeeks), (config.join_stores, InputRole::Stores)] {
        if !on {
            continue;
        }
        let name = role.schema().file_name;
        let found = [name.to_string(), format!("{name}.gz")].into_iter().map(|n| dir.join(n)).find(|p| p.is_file());
        if let Some(file) = found {
            inputs.push(InputFile { name: file.display().to_string(), role, bytes: read_bytes(&file)? });
        }
    }
    Ok(inputs)
}

/// train.csv from a directory (plain preferred over .gz) or a file path.
pub fn read_train_input(path: &Path) -> Result<InputFile> {
    let file = if path.is_dir() {
        ["train.csv", "train.csv.gz"]
            .iter()
            .map(|name| path.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| Error::stage(Stage::Ingest, format!("no train.csv or train.csv.gz in {}", path.display())))?
    } else {
        path.to_path_buf()
    };
    let bytes = read_bytes(&file)?;
    // Errors name the file as the user wrote it; the schema comes from the file name,
    // and a file passed directly is read as train.csv whatever its name.
    let name = file.display().to_string();
    let name = if shelfcast_core::ingest::schema_for_file(&name) == Some(&TRAIN) { name } else { format!("{name} (as train.csv)") };
    Ok(InputFile { name, role: InputRole::Sales, bytes })
}

pub fn read_suite(path: &Path) -> Result<Suite> {
    let bytes = read_bytes(path)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::Suite {
        file: path.display().to_string(),
        path: "$".into(),
        message: "the file is not UTF-8 text".into(),
    })?;
    Ok(Suite::from_json(&path.display().to_string(), &text)?)
}

/// A table to validate: Arrow IPC by its magic bytes, else CSV with inferred types.
pub fn read_any_table(path: &Path) -> Result<(Frame, String)> {
    let bytes = read_bytes(path)?;
    if bytes.starts_with(b"ARROW1") {
        return Ok((Frame::from_ipc(&bytes, &path.display().to_string())?, sha256_hex(&bytes)));
    }
    let table = read_inferred(&path.display().to_string(), &bytes, &mut |_| {})?;
    Ok((table.frame, table.fingerprint.sha256))
}

pub fn read_ipc(path: &Path) -> Result<Frame> {
    Ok(Frame::from_ipc(&read_bytes(path)?, &path.display().to_string())?)
}

pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
