//! The engine's one error type.
//!
//! Every error that comes from the user's input says where: the file, the 1-based physical
//! line (the header is line 1), the column by its header name and the offending value, so a
//! person can open the file and fix it. Programming errors are not represented here; they are
//! bugs.

use std::fmt;

use crate::stage::Stage;

/// Where in an input file something went wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub file: String,
    /// 1-based physical line; `None` when the problem is the file as a whole.
    pub line: Option<u64>,
    /// The column's header name, when one column is at fault.
    pub column: Option<String>,
    /// The offending text, shortened for display.
    pub value: Option<String>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file could not be read as the table it should be.
    #[error("{at}: {message}{}", value_suffix(.at.value.as_deref()))]
    Input { at: Box<Position>, message: String },

    /// An expectation suite file is not valid JSON or not a suite; `path` is a JSON path.
    #[error("expectation suite {file}: at {path}: {message}")]
    Suite { file: String, path: String, message: String },

    /// The data has the right shape but cannot be used for a stage of the pipeline.
    #[error("{stage}: {message}")]
    Stage { stage: Stage, message: String },

    /// A part of the engine (a frame, a model matrix, a prediction) refused what it was given.
    #[error("{part}: {message}")]
    Part { part: &'static str, message: String },

    /// A model name, hyperparameter name or value is not valid.
    #[error("{0}")]
    Params(String),

    /// A serialized artefact (Arrow IPC table, model JSON, run record) could not be read.
    #[error("{what}: {message}")]
    Artifact { what: String, message: String },

    /// The model registry refused an operation: an unknown model, version or alias, a run
    /// that cannot be registered, a file a model cannot score.
    #[error("{0}")]
    Registry(String),

    /// The raw data contract failed and the caller asked to stop on it.
    #[error("data contract \"{suite}\" failed: {failed} of {evaluated} expectations unsuccessful")]
    ContractFailed { suite: String, failed: usize, evaluated: usize },
}

fn value_suffix(value: Option<&str>) -> String {
    value.map(|v| format!(" (value: \"{v}\")")).unwrap_or_default()
}

impl Error {
    pub fn input(at: Position, message: impl Into<String>) -> Self {
        Error::Input { at: Box::new(at), message: message.into() }
    }

    pub fn stage(stage: Stage, message: impl Into<String>) -> Self {
        Error::Stage { stage, message: message.into() }
    }

    pub fn part(part: &'static str, message: impl Into<String>) -> Self {
        Error::Part { part, message: message.into() }
    }

    pub fn artifact(what: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Artifact { what: what.into(), message: message.to_string() }
    }

    /// The position in an input file, for errors that have one.
    pub fn position(&self) -> Option<&Position> {
        match self {
            Error::Input { at, .. } => Some(at),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
