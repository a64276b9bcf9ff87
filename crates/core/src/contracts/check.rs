//! What an expectation is once parsed: a [`Check`], evaluated on a frame.
//!
//! Each expectation is parsed from its kwargs into a [`Check`] first, then evaluated on a
//! frame. Parsing is pure and frame-free so that the suite loader can run it to reject bad
//! kwargs early; evaluation returns either map findings (shaped by the shared map
//! machinery) or an observed value. Anything that cannot be evaluated is an `Err` message
//! that becomes `exception_info`, never a panic and never a pass.

use serde_json::Value as Json;

use super::kwargs::{KwargResult, Kwargs};
use super::result::MapFindings;
use super::series::SeriesCache;
pub(crate) use super::values::column;
use crate::frame::Frame;

/// What evaluating a check produced.
pub(crate) enum Outcome<'f> {
    /// A map expectation: success and counts come from the shared machinery.
    Map(MapFindings<'f>),
    /// A table or aggregate expectation: `{"observed_value": …, "details": …}`.
    Observed { success: bool, observed: Json, details: Option<Json> },
}

/// A parsed expectation, ready to run on any frame.
pub(crate) trait Check {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String>;

    /// [`evaluate`](Check::evaluate) within a validation run whose checks share `shared`.
    /// Checks that can reuse work another check of the run has done (the leakage checks'
    /// series layouts) override it; the result must be the same as `evaluate`'s.
    fn evaluate_shared<'f>(&self, frame: &'f Frame, shared: &Shared<'f>) -> Result<Outcome<'f>, String> {
        let _ = shared;
        self.evaluate(frame)
    }
}

/// What the checks of one validation run (one frame) share, built on first use and
/// dropped with the run. Several expectations often need the same costly intermediate
/// result: the shipped feature suite has seven leakage checks on one series layout.
#[derive(Default)]
pub(crate) struct Shared<'f> {
    pub series: SeriesCache<'f>,
}

pub(crate) type Parser = fn(&Kwargs<'_>) -> KwargResult<Box<dyn Check>>;
