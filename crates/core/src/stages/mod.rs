//! One function per pipeline stage, from typed inputs to a typed output, and each stage's
//! summary line. The pipeline's runner only sequences them, gates on contracts, emits events
//! and records; the CLI's per-stage commands (`features`, `split`, `train`, `evaluate`,
//! `validate`) and the browser's worker (through the runner) call the same functions, so a
//! new capability is written once, here.
//!
//! Data flows ingest → contract → features → contract → split → design → train → evaluate;
//! a stage module imports only the stages before it. A forecast run is ingest → contract →
//! backtest → forecast (`forecast`). (The pipeline records split and design
//! as its one `split` task: the rows, then their matrices.)

pub mod contract;
pub mod design;
pub mod evaluate;
pub mod features;
pub mod forecast;
pub mod ingest;
pub mod split;
pub mod train;
