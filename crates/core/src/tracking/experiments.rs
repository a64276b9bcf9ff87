//! Experiments, as MLflow has them: an id that never changes, and a name that can.
//!
//! Runs point at their experiment by id (`RunRecord::experiment_id`), so renaming an
//! experiment moves no run. Records written before experiments had ids carry only a name; the
//! record migration gives each name an id derived from it ([`id_for_name`]), the same in every
//! store, so the CLI's directory and the browser's database agree without a shared table, and
//! [`Experiments::of`] gives each such id an entity the first time the runs are listed.
//! The seed's experiment, [`DEFAULT_EXPERIMENT`], is MLflow's experiment `"0"`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{RunRecord, DEFAULT_EXPERIMENT};
use crate::error::{Error, Result};

/// The default experiment's id (MLflow's default experiment is `"0"` too).
pub const DEFAULT_EXPERIMENT_ID: &str = "0";

/// The longest experiment name accepted, in characters (MLflow's limit on names is 500; ours
/// matches its tag keys, which experiment names are shown beside).
pub const MAX_NAME_CHARS: usize = 250;

/// One experiment: the runs made to answer one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Experiment {
    /// Decimal digits, as MLflow's file store writes them; never changes.
    pub experiment_id: String,
    pub name: String,
    /// Milliseconds since the Unix epoch.
    pub creation_time_ms: i64,
    pub last_update_time_ms: i64,
}

impl Experiment {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("experiments serialize")
    }

    /// Reads a stored experiment; `what` names it in the error.
    pub fn from_json(json: &str, what: &str) -> Result<Experiment> {
        serde_json::from_str(json).map_err(|e| Error::artifact(what, e))
    }
}

/// The id a record that knew only its experiment's name gets: `"0"` for the default, else
/// the decimal of the first six bytes of the name's sha256 (never `"0"`, and the same in every
/// store).
pub fn id_for_name(name: &str) -> String {
    if name == DEFAULT_EXPERIMENT {
        return DEFAULT_EXPERIMENT_ID.to_string();
    }
    derived_id(name.as_bytes())
}

fn derived_id(seed: &[u8]) -> String {
    let digest = Sha256::digest(seed);
    let number = digest[..6].iter().fold(0u64, |n, &b| (n << 8) | u64::from(b));
    // Skip 0, the default's id.
    (number.max(1)).to_string()
}

/// A name as it will be kept: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(Error::Params(format!("an experiment's name must be 1–{MAX_NAME_CHARS} characters, got {chars}")));
    }
    Ok(name.to_string())
}

/// Every experiment a store knows, oldest first (the default always among them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Experiments {
    list: Vec<Experiment>,
}

impl Experiments {
    /// The stored experiments, with an entity for every experiment a run names that has none
    /// (runs recorded before experiments were stored) and the default: the second value lists
    /// the ones added here, for the caller to store.
    pub fn of(stored: Vec<Experiment>, runs: &[RunRecord]) -> (Experiments, Vec<Experiment>) {
        let mut experiments = Experiments { list: stored };
        let mut added = Vec::new();
        let default = (DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT, i64::MIN);
        let named = runs.iter().map(|r| (r.experiment_id.as_str(), r.experiment.as_str(), r.start_time_ms));
        for (id, name, time) in std::iter::once(default).chain(named) {
            if experiments.get(id).is_some() {
                continue;
            }
            // The earliest run in it dates it (the default, unless a run does, at 0).
            let created = runs.iter().filter(|r| r.experiment_id == id).map(|r| r.start_time_ms).min().unwrap_or(time.max(0));
            // A name another experiment already has gets the id appended, so names stay unique.
            let name = if experiments.by_name(name).is_some() { format!("{name} ({id})") } else { name.to_string() };
            let experiment = Experiment { experiment_id: id.to_string(), name, creation_time_ms: created, last_update_time_ms: created };
            experiments.list.push(experiment.clone());
            added.push(experiment);
        }
        experiments.list.sort_by(|a, b| a.creation_time_ms.cmp(&b.creation_time_ms).then_with(|| a.experiment_id.cmp(&b.experiment_id)));
        (experiments, added)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Experiment> {
        self.list.iter()
    }

    pub fn get(&self, experiment_id: &str) -> Option<&Experiment> {
        self.list.iter().find(|e| e.experiment_id == experiment_id)
    }

    pub fn by_name(&self, name: &str) -> Option<&Experiment> {
        self.list.iter().find(|e| e.name == name)
    }

    /// The name to show for a run's experiment: its current name, or the one the run recorded
    /// when the store has no such experiment.
    pub fn name_of<'a>(&'a self, run: &'a RunRecord) -> &'a str {
        self.get(&run.experiment_id).map_or(run.experiment.as_str(), |e| e.name.as_str())
    }

    /// Creates an experiment named `name` at `now_ms`; names are unique.
    pub fn create(&mut self, name: &str, now_ms: i64) -> Result<Experiment> {
        let name = checked_name(name)?;
        if let Some(existing) = self.by_name(&name) {
            return Err(Error::Params(format!("an experiment named {name:?} exists already (id {})", existing.experiment_id)));
        }
        // From the name and the time, so a name used again after a rename gets a new id.
        let mut seed = format!("{name}\u{0}{now_ms}");
        let mut id = derived_id(seed.as_bytes());
        while self.get(&id).is_some() {
            seed.push('\u{0}');
            id = derived_id(seed.as_bytes());
        }
        let experiment = Experiment { experiment_id: id, name, creation_time_ms: now_ms, last_update_time_ms: now_ms };
        self.list.push(experiment.clone());
        Ok(experiment)
    }

    /// Renames experiment `experiment_id` to `name`; its runs stay in it.
    pub fn rename(&mut self, experiment_id: &str, name: &str, now_ms: i64) -> Result<Experiment> {
        let name = checked_name(name)?;
        if let Some(other) = self.by_name(&name).filter(|e| e.experiment_id != experiment_id) {
            return Err(Error::Params(format!("an experiment named {name:?} exists already (id {})", other.experiment_id)));
        }
        let experiment = self
            .list
            .iter_mut()
            .find(|e| e.experiment_id == experiment_id)
            .ok_or_else(|| Error::Params(format!("no experiment with id {experiment_id}")))?;
        experiment.name = name;
        experiment.last_update_time_ms = now_ms;
        Ok(experiment.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_for_names_are_stable_and_the_default_is_zero() {
        assert_eq!(id_for_name(DEFAULT_EXPERIMENT), "0");
        assert_eq!(id_for_name("holidays"), id_for_name("holidays"));
        assert_ne!(id_for_name("holidays"), id_for_name("holiday"));
        assert!(id_for_name("holidays").bytes().all(|b| b.is_ascii_digit()));
    }

    #[test]
    fn create_rename_and_their_errors() {
        let (mut experiments, added) = Experiments::of(Vec::new(), &[]);
        assert_eq!(added.len(), 1, "the default is added");
        assert_eq!(experiments.get("0").unwrap().name, DEFAULT_EXPERIMENT);
        let tuned = experiments.create(" tuned gbdt ", 10).unwrap();
        assert_eq!(tuned.name, "tuned gbdt");
        assert!(experiments.create("tuned gbdt", 11).unwrap_err().to_string().contains("exists already"));
        assert!(experiments.create("  ", 11).unwrap_err().to_string().contains("1–250 characters, got 0"));
        let renamed = experiments.rename(&tuned.experiment_id, "gbdt", 12).unwrap();
        assert_eq!((renamed.experiment_id.as_str(), renamed.name.as_str(), renamed.last_update_time_ms), (tuned.experiment_id.as_str(), "gbdt", 12));
        assert!(experiments.rename(&tuned.experiment_id, DEFAULT_EXPERIMENT, 13).unwrap_err().to_string().contains("exists already (id 0)"));
        assert_eq!(experiments.rename("404", "x", 13).unwrap_err().to_string(), "no experiment with id 404");
        // The old name is free again, and a new experiment with it is another experiment.
        let again = experiments.create("tuned gbdt", 14).unwrap();
        assert_ne!(again.experiment_id, tuned.experiment_id);
        assert_eq!(experiments.iter().count(), 3);
    }
}
