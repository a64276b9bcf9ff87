//! The model registry, as MLflow's users know it: registered models by name, versions 1, 2,
//! … each linked to the run whose model it is, aliases (`champion`, `challenger`, any name)
//! that move between versions, tags and descriptions, and deleting a version. Version
//! numbers are never reused (MLflow's rule): a deleted version's number stays taken.
//!
//! Everything here is a pure operation on values; the stores ([`ModelStore`]: memory here,
//! IndexedDB in the app, files in the CLI) keep one [`RegisteredModel`] per name and each
//! run's [`StoredModel`]. Scoring a file with a version is [`score`]. Monitoring: each scoring
//! of labelled data is recorded on its version ([`Scoring`]), and a version whose scored
//! WMAE has grown past its model's alert ratio times its training-time WMAE is flagged.

pub mod model;
pub mod score;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::tracking::{RunKind, RunRecord, RunStatus};

pub use model::{Frozen, ModelHead, Signature, StoredModel};
pub use score::{score, ScoreInput, Scored, ScoredKind};

/// The version of [`RegisteredModel`]'s JSON this build writes.
pub const REGISTRY_VERSION: u32 = 1;

/// The default alert ratio: a scored WMAE 25 % over the training-time WMAE is flagged.
pub const DEFAULT_ALERT_RATIO: f64 = 1.25;

/// The longest model name, alias or tag key (MLflow's limit for names).
pub const MAX_NAME: usize = 256;

/// A name in the registry, with its versions and aliases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredModel {
    pub registry_version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// The highest version number ever given (deleted versions included).
    pub last_version: u32,
    pub versions: Vec<ModelVersion>,
    /// Alias → version.
    #[serde(default)]
    pub aliases: BTreeMap<String, u32>,
    /// A version is flagged when its latest scored WMAE exceeds its training-time WMAE times
    /// this.
    #[serde(default = "default_alert_ratio")]
    pub alert_ratio: f64,
}

fn default_alert_ratio() -> f64 {
    DEFAULT_ALERT_RATIO
}

/// One version: a run's model under a name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelVersion {
    pub version: u32,
    pub run_id: String,
    pub created_ms: i64,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub kind: RunKind,
    /// The model's or the forecast method's name.
    pub family: String,
    /// The run's headline WMAE when it was registered, and what it measures.
    pub training_wmae: Option<f64>,
    pub training_basis: String,
    /// Weeks ahead the model forecasts.
    pub horizon: usize,
    /// The first week after the model's data.
    pub data_end: String,
    /// Each scoring of a labelled file, oldest first.
    #[serde(default)]
    pub scorings: Vec<Scoring>,
}

/// One scoring of a labelled file by a version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scoring {
    pub time_ms: i64,
    pub file: String,
    /// sha256 of the file's bytes.
    pub sha256: String,
    pub rows: usize,
    pub first_week: String,
    pub last_week: String,
    pub wmae: f64,
    pub mae: f64,
}

/// A version's monitoring verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub scored_wmae: f64,
    pub training_wmae: f64,
    pub ratio: f64,
}

impl ModelVersion {
    /// `Some` when the latest scoring's WMAE exceeds `ratio` × the training-time WMAE.
    pub fn alert(&self, ratio: f64) -> Option<Alert> {
        let (latest, training) = (self.scorings.last()?, self.training_wmae?);
        (latest.wmae > ratio * training).then(|| Alert { scored_wmae: latest.wmae, training_wmae: training, ratio: latest.wmae / training })
    }
}

impl RegisteredModel {
    pub fn version(&self, version: u32) -> Option<&ModelVersion> {
        self.versions.iter().find(|v| v.version == version)
    }

    fn version_mut(&mut self, version: u32) -> Result<&mut ModelVersion> {
        let name = self.name.clone();
        self.versions.iter_mut().find(|v| v.version == version).ok_or_else(|| Error::Registry(format!("model {name:?} has no version {version}")))
    }

    /// The aliases that point at `version`.
    pub fn aliases_of(&self, version: u32) -> Vec<&str> {
        self.aliases.iter().filter(|(_, &v)| v == version).map(|(a, _)| a.as_str()).collect()
    }

    pub fn latest(&self) -> Option<&ModelVersion> {
        self.versions.iter().max_by_key(|v| v.version)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("registered models serialize")
    }

    /// Reads a stored registered model; `what` names where it was stored.
    pub fn from_json(text: &str, what: &str) -> Result<RegisteredModel> {
        let model: RegisteredModel = serde_json::from_str(text).map_err(|e| Error::artifact(what, format!("not a registered model: {e}")))?;
        if model.registry_version > REGISTRY_VERSION {
            return Err(Error::artifact(
                what,
                format!("registry version {} was written by a newer build (this one reads up to {REGISTRY_VERSION})", model.registry_version),
            ));
        }
        Ok(model)
    }
}

/// Which version a model URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    Number(u32),
    Alias(String),
    Latest,
}

/// A parsed model URI: `models:/NAME@ALIAS`, `models:/NAME/VERSION` or
/// `models:/NAME/latest` (MLflow's forms); a bare `NAME@ALIAS` or `NAME/VERSION` too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelUri {
    pub name: String,
    pub version: VersionRef,
}

impl ModelUri {
    pub fn parse(text: &str) -> Result<ModelUri> {
        let bad = |why: &str| Error::Registry(format!("model URI {text:?}: {why}; write models:/NAME@ALIAS or models:/NAME/VERSION"));
        let rest = text.strip_prefix("models:/").unwrap_or(text);
        let (name, version) = if let Some((name, alias)) = rest.rsplit_once('@') {
            if alias.is_empty() {
                return Err(bad("the alias is empty"));
            }
            (name, VersionRef::Alias(alias.to_string()))
        } else if let Some((name, version)) = rest.rsplit_once('/') {
            let version = match version {
                "latest" => VersionRef::Latest,
                v => VersionRef::Number(v.parse().ok().filter(|&n| n > 0).ok_or_else(|| bad(&format!("{v:?} is not a version number")))?),
            };
            (name, version)
        } else {
            return Err(bad("it names no version or alias"));
        };
        if name.is_empty() {
            return Err(bad("the name is empty"));
        }
        Ok(ModelUri { name: name.to_string(), version })
    }
}

impl std::fmt::Display for ModelUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.version {
            VersionRef::Number(n) => write!(f, "models:/{}/{n}", self.name),
            VersionRef::Alias(a) => write!(f, "models:/{}@{a}", self.name),
            VersionRef::Latest => write!(f, "models:/{}/latest", self.name),
        }
    }
}

/// Every registered model, by name: what the operations work on. A store loads it, an
/// operation changes one model, and the store writes that model back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    pub models: BTreeMap<String, RegisteredModel>,
}

/// A name or alias a person types: non-empty, at most [`MAX_NAME`] characters, without `/`,
/// `@` or control characters (they would break a model URI or a file name).
fn check_name(what: &str, name: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::Registry(format!("{what} {name:?} {why}")));
    if name.trim().is_empty() {
        return bad("is empty");
    }
    if name.chars().count() > MAX_NAME {
        return bad(&format!("is longer than {MAX_NAME} characters"));
    }
    if let Some(c) = name.chars().find(|c| matches!(c, '/' | '@' | '\\') || c.is_control()) {
        return bad(&format!("contains {c:?}, which a model URI cannot hold"));
    }
    Ok(())
}

impl Registry {
    pub fn from_models(models: impl IntoIterator<Item = RegisteredModel>) -> Registry {
        Registry { models: models.into_iter().map(|m| (m.name.clone(), m)).collect() }
    }

    pub fn get(&self, name: &str) -> Result<&RegisteredModel> {
        self.models.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.models.keys().map(String::as_str).collect();
            Error::Registry(match known.is_empty() {
                true => format!("no registered model {name:?} (the registry is empty)"),
                false => format!("no registered model {name:?} (registered: {})", known.join(", ")),
            })
        })
    }

    fn get_mut(&mut self, name: &str) -> Result<&mut RegisteredModel> {
        self.get(name)?;
        Ok(self.models.get_mut(name).expect("checked"))
    }

    /// Registers `run`'s model under `name` (created if new) as its next version and returns
    /// the version's number. Refused, with the reason, for a run that did not finish, whose
    /// feature contract failed, or whose model is not stored.
    pub fn register(&mut self, name: &str, run: &RunRecord, model: Option<&ModelHead>, now_ms: i64) -> Result<u32> {
        check_name("the model name", name)?;
        let refuse = |why: String| Err(Error::Registry(format!("run {} cannot be registered: {why}", run.run_id)));
        if run.status != RunStatus::Finished {
            return refuse(format!("it did not finish ({})", run.error.as_deref().unwrap_or("status not FINISHED")));
        }
        if !run.registrable {
            let failed: Vec<String> =
                run.contracts.iter().filter(|c| !c.success).map(|c| format!("{} ({} of {} expectations failed)", c.suite, c.unsuccessful, c.evaluated)).collect();
            return refuse(match failed.is_empty() {
                true => "it is marked not registrable".into(),
                false => format!("a data contract failed on it: {}", failed.join(", ")),
            });
        }
        let Some(model) = model.filter(|m| m.run_id == run.run_id) else {
            return refuse("its model is not stored (a run recorded before models were kept, or without a store)".into());
        };
        let headline = run.headline();
        let entry = self.models.entry(name.to_string()).or_insert_with(|| RegisteredModel {
            registry_version: REGISTRY_VERSION,
            name: name.to_string(),
            description: String::new(),
            tags: BTreeMap::new(),
            created_ms: now_ms,
            updated_ms: now_ms,
            last_version: 0,
            versions: Vec::new(),
            aliases: BTreeMap::new(),
            alert_ratio: DEFAULT_ALERT_RATIO,
        });
        entry.last_version += 1;
        entry.updated_ms = now_ms;
        let version = entry.last_version;
        entry.versions.push(ModelVersion {
            version,
            run_id: run.run_id.clone(),
            created_ms: now_ms,
            description: String::new(),
            tags: BTreeMap::new(),
            kind: model.signature.kind,
            family: model.signature.family.clone(),
            training_wmae: headline.as_ref().map(|h| h.value),
            training_basis: headline.map(|h| h.basis).unwrap_or_default(),
            horizon: model.signature.horizon,
            data_end: model.signature.data_end.clone(),
            scorings: Vec::new(),
        });
        Ok(version)
    }

    /// Points `alias` of `name` at `version` (moving it if it pointed elsewhere).
    pub fn set_alias(&mut self, name: &str, alias: &str, version: u32, now_ms: i64) -> Result<()> {
        check_name("the alias", alias)?;
        if alias == "latest" || (alias.len() > 1 && alias.starts_with(['v', 'V']) && alias[1..].bytes().all(|b| b.is_ascii_digit())) {
            return Err(Error::Registry(format!("the alias {alias:?} is reserved (it would read as a version); choose another")));
        }
        let model = self.get_mut(name)?;
        model.version_mut(version)?;
        model.aliases.insert(alias.to_string(), version);
        model.updated_ms = now_ms;
        Ok(())
    }

    pub fn delete_alias(&mut self, name: &str, alias: &str, now_ms: i64) -> Result<()> {
        let model = self.get_mut(name)?;
        if model.aliases.remove(alias).is_none() {
            return Err(Error::Registry(format!("model {name:?} has no alias {alias:?}")));
        }
        model.updated_ms = now_ms;
        Ok(())
    }

    /// Deletes a version and the aliases that pointed at it; its number is not reused.
    pub fn delete_version(&mut self, name: &str, version: u32, now_ms: i64) -> Result<()> {
        let model = self.get_mut(name)?;
        model.version_mut(version)?;
        model.versions.retain(|v| v.version != version);
        model.aliases.retain(|_, v| *v != version);
        model.updated_ms = now_ms;
        Ok(())
    }

    /// Sets the description of a model (`version` `None`) or of one of its versions.
    pub fn set_description(&mut self, name: &str, version: Option<u32>, text: &str, now_ms: i64) -> Result<()> {
        let model = self.get_mut(name)?;
        match version {
            Some(v) => model.version_mut(v)?.description = text.to_string(),
            None => model.description = text.to_string(),
        }
        model.updated_ms = now_ms;
        Ok(())
    }

    /// Sets tag `key` of a model or a version; an empty value removes it.
    pub fn set_tag(&mut self, name: &str, version: Option<u32>, key: &str, value: &str, now_ms: i64) -> Result<()> {
        check_name("the tag key", key)?;
        let model = self.get_mut(name)?;
        let tags = match version {
            Some(v) => &mut model.version_mut(v)?.tags,
            None => &mut model.tags,
        };
        match value {
            "" => tags.remove(key),
            _ => tags.insert(key.to_string(), value.to_string()),
        };
        model.updated_ms = now_ms;
        Ok(())
    }

    pub fn set_alert_ratio(&mut self, name: &str, ratio: f64, now_ms: i64) -> Result<()> {
        if !(ratio.is_finite() && ratio > 0.0) {
            return Err(Error::Registry(format!("the alert ratio must be a positive number, got {ratio}")));
        }
        let model = self.get_mut(name)?;
        model.alert_ratio = ratio;
        model.updated_ms = now_ms;
        Ok(())
    }

    /// The version a URI names.
    pub fn resolve(&self, uri: &ModelUri) -> Result<&ModelVersion> {
        let model = self.get(&uri.name)?;
        let number = match &uri.version {
            VersionRef::Number(n) => *n,
            VersionRef::Latest => model.latest().map(|v| v.version).ok_or_else(|| Error::Registry(format!("model {:?} has no versions", uri.name)))?,
            VersionRef::Alias(alias) => *model.aliases.get(alias).ok_or_else(|| {
                let known: Vec<&str> = model.aliases.keys().map(String::as_str).collect();
                Error::Registry(format!(
                    "model {:?} has no alias {alias:?} ({})",
                    uri.name,
                    if known.is_empty() { "it has no aliases".to_string() } else { format!("its aliases: {}", known.join(", ")) }
                ))
            })?,
        };
        model.version(number).ok_or_else(|| Error::Registry(format!("model {:?} has no version {number}", uri.name)))
    }

    /// Records a scoring of labelled data on a version.
    pub fn record_scoring(&mut self, name: &str, version: u32, scoring: Scoring) -> Result<()> {
        let model = self.get_mut(name)?;
        model.updated_ms = model.updated_ms.max(scoring.time_ms);
        model.version_mut(version)?.scorings.push(scoring);
        Ok(())
    }
}

/// Where models and the registry are kept: memory for tests, IndexedDB in the app, files in
/// the CLI. Async because browser storage is.
#[allow(async_fn_in_trait)] // implementations live in single-threaded contexts (wasm, tests)
pub trait ModelStore {
    async fn put_model(&mut self, model: &StoredModel) -> Result<()>;
    async fn get_model(&self, run_id: &str) -> Result<Option<StoredModel>>;
    /// Every registered model (a stored one that cannot be read is an error naming it: the
    /// registry is small and a person must see it whole).
    async fn registry(&self) -> Result<Registry>;
    /// Writes one registered model (all of it, in one write).
    async fn put_registered(&mut self, model: &RegisteredModel) -> Result<()>;
}

/// Loads the registry, applies `change` to it and writes back the one model it names.
pub async fn update<S: ModelStore, T>(store: &mut S, name: &str, change: impl FnOnce(&mut Registry) -> Result<T>) -> Result<T> {
    let mut registry = store.registry().await?;
    let out = change(&mut registry)?;
    let model = registry.get(name)?.clone();
    store.put_registered(&model).await?;
    Ok(out)
}

/// A [`ModelStore`] in memory, holding JSON so the encodings are exercised too.
#[derive(Debug, Default, Clone)]
pub struct MemoryModelStore {
    models: BTreeMap<String, String>,
    registered: BTreeMap<String, String>,
}

impl ModelStore for MemoryModelStore {
    async fn put_model(&mut self, model: &StoredModel) -> Result<()> {
        self.models.insert(model.run_id.clone(), model.to_json());
        Ok(())
    }

    async fn get_model(&self, run_id: &str) -> Result<Option<StoredModel>> {
        self.models.get(run_id).map(|json| StoredModel::from_json(json, &format!("the model of run {run_id}"))).transpose()
    }

    async fn registry(&self) -> Result<Registry> {
        let models = self.registered.iter().map(|(name, json)| RegisteredModel::from_json(json, &format!("registered model {name:?}")));
        Ok(Registry::from_models(models.collect::<Result<Vec<_>>>()?))
    }

    async fn put_registered(&mut self, model: &RegisteredModel) -> Result<()> {
        self.registered.insert(model.name.clone(), model.to_json());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
