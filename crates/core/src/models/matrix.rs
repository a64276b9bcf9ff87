//! The model matrix: dense row-major `f64`, with column names.

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    names: Vec<String>,
    rows: usize,
    /// Row-major: row `r` is `data[r * cols .. (r + 1) * cols]`.
    data: Vec<f64>,
}

impl Matrix {
    pub fn new(names: Vec<String>, data: Vec<f64>) -> Result<Self> {
        let cols = names.len();
        if cols == 0 || !data.len().is_multiple_of(cols) {
            return Err(Error::part("matrix", format!("{} values do not fill rows of {cols} columns", data.len())));
        }
        Ok(Matrix { rows: data.len() / cols, names, data })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.names.len()
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn column_index(&self, name: &str) -> Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| Error::part("matrix", format!("no feature column \"{name}\"")))
    }

    pub fn row(&self, r: usize) -> &[f64] {
        let cols = self.cols();
        &self.data[r * cols..(r + 1) * cols]
    }

    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols() + c]
    }

    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// One column, copied out.
    pub fn column(&self, c: usize) -> Vec<f64> {
        (0..self.rows).map(|r| self.get(r, c)).collect()
    }

    /// Fails unless `other` has the same columns in the same order (a model fitted on one
    /// feature set must not silently score another).
    pub fn check_same_columns(&self, expected: &[String]) -> Result<()> {
        if self.names != expected {
            return Err(Error::part(
                "predict",
                format!("feature columns differ from the model's: got [{}], expected [{}]", self.names.join(", "), expected.join(", ")),
            ));
        }
        Ok(())
    }
}
