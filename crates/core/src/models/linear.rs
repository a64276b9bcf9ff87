//! Ridge regression with scikit-learn's meaning: intercept fitted, no scaling, the penalty
//! on the coefficients only.
//!
//! smartcore's `RidgeRegression` either standardises (penalising scaled coefficients) or fits
//! no intercept, so we centre X and y ourselves, let smartcore solve the centred problem
//! (Cholesky), and put the intercept back: b = ȳ − x̄·w.
//!
//! We build the centred normal equations (XcᵀXc + αI) w = Xcᵀyc ourselves, in one pass over
//! the row-major model matrix (p = 15, so the system is 15 × 15), and hand only that small
//! system to smartcore's Cholesky solver. `RidgeRegression::fit` forms XᵀX with its generic
//! matmul on a column-major n × p copy, which is slow at this size: on the real train.csv
//! (298,884 × 15, release build, same session, 3 runs) `RidgeRegression::fit` alone took
//! 354–379 ms, this whole fit (means and centring included) 22–42 ms, with the same figures
//! to 1e-6 (the `real_data` tests check them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linalg::traits::cholesky::CholeskyDecomposable;

use super::{parse_param, Estimator, FitContext, Matrix, Predictor, TrainingSet};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RidgeParams {
    /// L2 penalty on the coefficients (scikit-learn's `alpha`); ≥ 0.
    pub alpha: f64,
}

impl Default for RidgeParams {
    fn default() -> Self {
        RidgeParams { alpha: 1.0 }
    }
}

impl RidgeParams {
    pub fn to_map(&self) -> BTreeMap<String, String> {
        BTreeMap::from([("alpha".to_string(), self.alpha.to_string())])
    }

    pub fn from_map(values: &BTreeMap<String, String>) -> Result<Self> {
        let alpha: f64 = parse_param(values, "alpha", "a number ≥ 0")?;
        if !(alpha >= 0.0 && alpha.is_finite()) {
            return Err(Error::Params(format!("parameter \"alpha\" must be a number ≥ 0, got \"{alpha}\"")));
        }
        Ok(RidgeParams { alpha })
    }
}

/// A fitted linear model: `ŷ = intercept + Σ coefficients[j]·x[j]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearModel {
    pub feature_names: Vec<String>,
    pub coefficients: Vec<f64>,
    pub intercept: f64,
}

impl LinearModel {
    pub fn named_coefficients(&self) -> Vec<(String, f64)> {
        self.feature_names.iter().cloned().zip(self.coefficients.iter().copied()).collect()
    }
}

impl Estimator for RidgeParams {
    type Fitted = LinearModel;

    fn fit(&self, data: TrainingSet<'_>, _ctx: &mut FitContext<'_>) -> Result<LinearModel> {
        let x = data.x;
        let (n, p) = (x.rows(), x.cols());
        if n <= p {
            return Err(Error::stage("train", format!("ridge: {n} rows cannot fit {p} coefficients and an intercept")));
        }
        let (means, y_mean) = means(x, data.y);
        let (mut gram, xty) = centred_normal_equations(x, data.y, &means, y_mean);
        for j in 0..p {
            gram[j * p + j] += self.alpha;
        }
        let a = DenseMatrix::new(p, p, gram, false).map_err(|e| Error::stage("train", e.to_string()))?;
        let b = DenseMatrix::new(p, 1, xty, false).map_err(|e| Error::stage("train", e.to_string()))?;
        let w = a.cholesky_solve_mut(b).map_err(|e| Error::stage("train", format!("ridge: {e}")))?;
        let coefficients: Vec<f64> = (0..p).map(|j| *w.get((j, 0))).collect();
        let intercept = y_mean - means.iter().zip(&coefficients).map(|(m, w)| m * w).sum::<f64>();
        Ok(LinearModel { feature_names: x.names().to_vec(), coefficients, intercept })
    }
}

/// The column means of `x` and the mean of `y`, in one pass over the rows.
fn means(x: &Matrix, y: &[f64]) -> (Vec<f64>, f64) {
    let n = x.rows() as f64;
    let mut sums = vec![0.0; x.cols()];
    for r in 0..x.rows() {
        for (sum, v) in sums.iter_mut().zip(x.row(r)) {
            *sum += v;
        }
    }
    (sums.into_iter().map(|s| s / n).collect(), y.iter().sum::<f64>() / n)
}

/// XcᵀXc (p × p, row-major) and Xcᵀyc of the centred data, in one pass over the rows of the
/// row-major matrix: each row is centred once and added to the upper triangle, which is then
/// mirrored.
fn centred_normal_equations(x: &Matrix, y: &[f64], means: &[f64], y_mean: f64) -> (Vec<f64>, Vec<f64>) {
    let p = x.cols();
    let mut gram = vec![0.0; p * p];
    let mut xty = vec![0.0; p];
    let mut centred = vec![0.0; p];
    for (r, &yr) in y.iter().enumerate() {
        for ((c, v), m) in centred.iter_mut().zip(x.row(r)).zip(means) {
            *c = v - m;
        }
        let yc = yr - y_mean;
        for i in 0..p {
            let ci = centred[i];
            xty[i] += ci * yc;
            for (g, cj) in gram[i * p + i..(i + 1) * p].iter_mut().zip(&centred[i..]) {
                *g += ci * cj;
            }
        }
    }
    for i in 0..p {
        for j in 0..i {
            gram[i * p + j] = gram[j * p + i];
        }
    }
    (gram, xty)
}

impl Predictor for LinearModel {
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        x.check_same_columns(&self.feature_names)?;
        Ok((0..x.rows())
            .map(|r| self.intercept + x.row(r).iter().zip(&self.coefficients).map(|(v, w)| v * w).sum::<f64>())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ridge must equal the closed form (XcᵀXc + αI)⁻¹Xcᵀyc on centred data.
    #[test]
    fn ridge_equals_closed_form_with_intercept() {
        // y = 3 + 2·a − b, plus a small wiggle so the fit is not exact.
        let rows: Vec<[f64; 2]> = (0..50).map(|i| [i as f64, ((i * 7) % 11) as f64]).collect();
        let y: Vec<f64> = rows.iter().enumerate().map(|(i, r)| 3.0 + 2.0 * r[0] - r[1] + (i % 3) as f64 * 0.1).collect();
        let x = Matrix::new(vec!["a".into(), "b".into()], rows.iter().flatten().copied().collect()).unwrap();
        let weights = vec![1.0; y.len()];
        let mut progress = |_| {};
        let mut ctx = FitContext { seed: 0, progress: &mut progress };
        let alpha = 10.0;
        let model = RidgeParams { alpha }.fit(TrainingSet { x: &x, y: &y, weights: &weights }, &mut ctx).unwrap();

        let n = y.len() as f64;
        let (ma, mb) = (rows.iter().map(|r| r[0]).sum::<f64>() / n, rows.iter().map(|r| r[1]).sum::<f64>() / n);
        let my = y.iter().sum::<f64>() / n;
        let (mut saa, mut sab, mut sbb, mut say, mut sby) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (r, yi) in rows.iter().zip(&y) {
            let (a, b, yy) = (r[0] - ma, r[1] - mb, yi - my);
            saa += a * a;
            sab += a * b;
            sbb += b * b;
            say += a * yy;
            sby += b * yy;
        }
        let (m00, m01, m11) = (saa + alpha, sab, sbb + alpha);
        let det = m00 * m11 - m01 * m01;
        let wa = (m11 * say - m01 * sby) / det;
        let wb = (m00 * sby - m01 * say) / det;
        assert!((model.coefficients[0] - wa).abs() < 1e-9, "{} vs {wa}", model.coefficients[0]);
        assert!((model.coefficients[1] - wb).abs() < 1e-9);
        assert!((model.intercept - (my - ma * wa - mb * wb)).abs() < 1e-9);
        let pred = model.predict(&x).unwrap();
        assert!((pred[0] - (model.intercept + wa * 0.0 + wb * rows[0][1])).abs() < 1e-9);
    }
}
