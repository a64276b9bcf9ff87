//! The core's stores on files: a store directory holds each run's record as `RUN_ID.json`
//! (the layout `--runs-dir` always had, so an older directory is a store as it is), each
//! run's model as `models/RUN_ID.json`, each run's detail (what its pages showed) as
//! `details/RUN_ID.json`, each experiment as `experiments/ID.json` and each registered model
//! as `registry/NAME.json` (the name percent-encoded).
//!
//! Every write is atomic: the bytes go to a hidden temporary file beside the target, are
//! flushed to disk, and the temporary file is renamed over the target, so a crash mid-write
//! leaves the previous file whole (and at worst a stray temporary file, which no reader
//! looks at). `SHELFCAST_FAULT_ABORT_WRITE_AFTER=N` aborts the process after writing N bytes
//! of the next file: the fault the crash-safety test injects.

use std::io::Write;
use std::path::{Path, PathBuf};

use shelfcast_core::pipeline::{RunDetail, RunDetailStore};
use shelfcast_core::registry::{ModelStore, RegisteredModel, Registry, StoredModel};
use shelfcast_core::tracking::{read_stored_run, Experiment, RunListing, RunRecord, RunStore};
/// File IO never waits, so the store's futures are driven at once.
pub use shelfcast_core::tracking::ready as block_on;
use shelfcast_core::{Error, Result};

/// The fault-injection variable (see the module docs).
pub const FAULT_ABORT_WRITE_AFTER: &str = "SHELFCAST_FAULT_ABORT_WRITE_AFTER";

/// A store in a directory.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

fn io_error(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::artifact(path.display().to_string(), format!("cannot {what}: {e}"))
}

/// A registered model's name as a file name: letters, digits, `.`, `_` and `-` as they are,
/// every other byte as `%XX`.
fn file_name_of(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' => out.push(b as char),
            b'.' if !out.is_empty() => out.push('.'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Writes `bytes` to `path` atomically (see the module docs).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "create the directory", e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let partial = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let mut file = std::fs::File::create(&partial).map_err(|e| io_error(&partial, "create", e))?;
    let abort_after = std::env::var(FAULT_ABORT_WRITE_AFTER).ok().and_then(|v| v.parse::<usize>().ok());
    match abort_after {
        Some(n) if n < bytes.len() => {
            file.write_all(&bytes[..n]).and_then(|_| file.sync_all()).map_err(|e| io_error(&partial, "write", e))?;
            eprintln!("{FAULT_ABORT_WRITE_AFTER}: aborting after {n} of {} bytes of {}", bytes.len(), path.display());
            std::process::abort();
        }
        _ => file.write_all(bytes).and_then(|_| file.sync_all()).map_err(|e| io_error(&partial, "write", e))?,
    }
    drop(file);
    std::fs::rename(&partial, path).map_err(|e| io_error(path, "replace", e))?;
    // The rename itself is durable once the directory is flushed (not possible everywhere).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The `*.json` files of `dir` (none when it does not exist), by file stem.
fn json_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir, "read the directory", e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_error(dir, "read the directory", e))?.path();
        if path.is_file() && path.extension().and_then(|e| e.to_str()) == Some("json") {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            if !stem.starts_with('.') {
                files.push((stem, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

fn read_text(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, "read", e)),
    }
}

impl FileStore {
    /// The store in `dir` (created on the first write).
    pub fn new(dir: &Path) -> Self {
        FileStore { dir: dir.to_path_buf() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn run_path(&self, run_id: &str) -> PathBuf {
        self.dir.join(format!("{run_id}.json"))
    }

    fn model_path(&self, run_id: &str) -> PathBuf {
        self.dir.join("models").join(format!("{run_id}.json"))
    }

    fn detail_path(&self, run_id: &str) -> PathBuf {
        self.dir.join("details").join(format!("{run_id}.json"))
    }

    fn experiment_path(&self, experiment_id: &str) -> PathBuf {
        self.dir.join("experiments").join(format!("{}.json", file_name_of(experiment_id)))
    }

    fn registered_path(&self, name: &str) -> PathBuf {
        self.dir.join("registry").join(format!("{}.json", file_name_of(name)))
    }
}

impl RunStore for FileStore {
    async fn put_run(&mut self, run: &RunRecord) -> Result<()> {
        write_atomic(&self.run_path(&run.run_id), run.to_json().as_bytes())
    }

    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>> {
        let path = self.run_path(run_id);
        let Some(text) = read_text(&path)? else { return Ok(None) };
        read_stored_run(run_id, &text).map(Some).map_err(|problem| Error::artifact(path.display().to_string(), problem.to_string()))
    }

    async fn list_runs(&self) -> Result<RunListing> {
        if !self.dir.is_dir() {
            return Err(io_error(&self.dir, "read the store", "no such directory"));
        }
        let mut listing = RunListing::default();
        for (key, path) in json_files(&self.dir)? {
            listing.add(key, read_text(&path)?.unwrap_or_default());
        }
        Ok(listing.sorted())
    }

    async fn delete_run(&mut self, key: &str) -> Result<bool> {
        remove_file(&self.detail_path(key))?;
        remove_file(&self.run_path(key))
    }

    async fn list_experiments(&self) -> Result<Vec<Experiment>> {
        let mut experiments = Vec::new();
        for (_, path) in json_files(&self.dir.join("experiments"))? {
            let text = read_text(&path)?.unwrap_or_default();
            experiments.push(Experiment::from_json(&text, &path.display().to_string())?);
        }
        Ok(experiments)
    }

    async fn put_experiment(&mut self, experiment: &Experiment) -> Result<()> {
        write_atomic(&self.experiment_path(&experiment.experiment_id), experiment.to_json().as_bytes())
    }
}

/// Removes `path`; says whether it was there.
fn remove_file(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error(path, "delete", e)),
    }
}

impl RunDetailStore for FileStore {
    async fn put_detail(&mut self, detail: &RunDetail) -> Result<()> {
        write_atomic(&self.detail_path(&detail.run_id), detail.to_json().as_bytes())
    }

    async fn get_detail(&self, run_id: &str) -> Result<Option<RunDetail>> {
        let path = self.detail_path(run_id);
        read_text(&path)?.map(|text| RunDetail::from_json(&text, run_id)).transpose()
    }
}

impl ModelStore for FileStore {
    async fn put_model(&mut self, model: &StoredModel) -> Result<()> {
        write_atomic(&self.model_path(&model.run_id), model.to_json().as_bytes())
    }

    async fn get_model(&self, run_id: &str) -> Result<Option<StoredModel>> {
        let path = self.model_path(run_id);
        read_text(&path)?.map(|text| StoredModel::from_json(&text, &path.display().to_string())).transpose()
    }

    async fn registry(&self) -> Result<Registry> {
        let mut models = Vec::new();
        for (_, path) in json_files(&self.dir.join("registry"))? {
            let text = read_text(&path)?.unwrap_or_default();
            models.push(RegisteredModel::from_json(&text, &path.display().to_string())?);
        }
        Ok(Registry::from_models(models))
    }

    async fn put_registered(&mut self, model: &RegisteredModel) -> Result<()> {
        write_atomic(&self.registered_path(&model.name), model.to_json().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelfcast_core::pipeline::{self, Clock, ForecastSettings, InputFile, PipelineConfig, Suites};
    use shelfcast_core::registry::update;

    struct Fixed;

    impl Clock for Fixed {
        fn now_ms(&self) -> f64 {
            5_000.0
        }
    }

    /// The registry's operations through files: a second store on the same directory (a
    /// later process) sees every change; a refused change writes nothing.
    #[test]
    fn the_registry_and_models_persist_in_files() {
        let dir = std::env::temp_dir().join(format!("shelfcast-file-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let config = PipelineConfig { forecast: Some(ForecastSettings { horizon: 13, backtest_windows: 1, ..ForecastSettings::default() }), ..PipelineConfig::default() };
        let outcome = pipeline::run(&[InputFile::sample()], &config, &Suites::shipped(), &Fixed, &mut |_| {});
        let model = StoredModel::of_outcome(&outcome).unwrap();
        let mut store = FileStore::new(&dir);
        block_on(store.put_run(&outcome.record)).unwrap();
        block_on(store.put_model(&model)).unwrap();
        let head = model.head();
        for expected in [1, 2] {
            let v = block_on(update(&mut store, "weekly sales", |r| r.register("weekly sales", &outcome.record, Some(&head), 1))).unwrap();
            assert_eq!(v, expected);
        }
        block_on(update(&mut store, "weekly sales", |r| r.set_alias("weekly sales", "champion", 1, 2))).unwrap();
        block_on(update(&mut store, "weekly sales", |r| r.set_alias("weekly sales", "champion", 2, 3))).unwrap();
        block_on(update(&mut store, "weekly sales", |r| r.delete_version("weekly sales", 1, 4))).unwrap();
        assert!(block_on(update(&mut store, "weekly sales", |r| r.set_alias("weekly sales", "x", 1, 5))).is_err());

        let later = FileStore::new(&dir);
        let registry = block_on(later.registry()).unwrap();
        let kept = registry.get("weekly sales").unwrap();
        assert_eq!((kept.last_version, kept.versions.len(), kept.aliases["champion"]), (2, 1, 2));
        assert!(!kept.aliases.contains_key("x"));
        assert!(dir.join("registry/weekly%20sales.json").is_file());
        assert_eq!(block_on(later.get_model(&outcome.record.run_id)).unwrap(), Some(model));
        assert_eq!(block_on(later.get_run(&outcome.record.run_id)).unwrap(), Some(outcome.record.clone()));
        let listing = block_on(later.list_runs()).unwrap();
        assert_eq!((listing.runs.len(), listing.damaged.len()), (1, 0), "the models/ and registry/ folders are not runs");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_become_safe_file_names() {
        assert_eq!(file_name_of("walmart-weekly_v2.1"), "walmart-weekly_v2.1");
        assert_eq!(file_name_of("..x y"), "%2E.x%20y");
        assert_eq!(file_name_of("ventes é"), "ventes%20%C3%A9");
    }
}
