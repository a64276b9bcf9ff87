//! True forecasts: every week from an origin over a horizon, from data dated before the
//! origin only (docs/definitions.md#true-forecasts).
//!
//! - [`history`]: the sales before an origin as a series × weeks panel, and the rows to forecast;
//! - [`methods`]: the forecast methods (seasonal naive, the last year's mean, the competition
//!   winner's SVD smoothing with his Christmas shift, and that with a damped trend);
//! - [`svd`]: the low-rank smoothing;
//! - [`evaluation`]: scores by horizon week and band, conformal intervals;
//! - [`submission`]: Kaggle's submission file and the forecast file.
//!
//! ## Why these methods, and how the default was chosen
//!
//! A forecast 39 weeks ahead cannot use last week's sales, so the one-step models' strongest
//! features (lag 1, the recent rolling windows) are gone. What is left is the calendar and
//! the series' own past year, and the competition showed that the past year, denoised across
//! a department's stores, is hard to beat: the winner's SVD smoothing of each department's
//! weeks × stores matrix. A tree model on features at least 39 weeks old scores 1769.78 on the
//! reference window against 1734.06 for the smoothing alone (DESIGN's scikit-learn figures),
//! and takes 16–32 s; the smoothing takes milliseconds. Every panel method reads the history
//! panel only, which holds nothing dated on or after the origin, and a direct model reads the
//! rows before the origin plus the forecast rows' keys, dates and holiday flags: that is the
//! no-leakage rule by construction, and a test plants absurd values on and after the origin
//! to hold it for every method.
//!
//! The default, `svd-trend`, smooths to rank 8 and adds a damped trend — 0.45 × the change
//! between the last 13 smoothed weeks and the same weeks a year before — and the Christmas
//! shift. Chosen on the validation origins 2011-05-06, 2011-04-08 and 2011-03-11 (the 39-week
//! windows of the reference origin's backtest, all inside the training part), never on the
//! reference window: validation WMAE 1729.8 against 1929.7 for the winner's rank-12 smoothing
//! alone; on the reference window 1595.7 (target ≤ 1700). `cargo xtask bench-forecast`
//! prints both for every method; docs/definitions.md#true-forecasts has the whole table.
//!
//! A one-step model can forecast too, refitted per 13-week band of the horizon on features
//! as old as the band's last week (`stages::forecast::direct`): the gbdt so scores 1691.9 on
//! the reference window, 2116.8 on validation, in ~20 s — the smoothing stays the default.

pub mod evaluation;
pub mod history;
pub mod methods;
pub mod submission;
pub mod svd;
#[cfg(test)]
mod tests;

pub use evaluation::{Calibration, Scores};
pub use history::{History, SeriesKey, TargetRows};
pub use methods::{ForecastMethod, PanelMethod, SeriesForecasts, SvdParams, METHOD_NAMES};
