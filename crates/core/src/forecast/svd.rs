//! Low-rank smoothing of a weeks × stores matrix, as the competition's winner smoothed each
//! department: the rank-`r` truncated SVD reconstruction `X·Vᵣ·Vᵣᵀ`, with `Vᵣ` the leading
//! eigenvectors of the Gram matrix `XᵀX` (its eigenvalues are the squared singular values).
//! The Gram matrix is at most stores × stores (45 × 45 on the Walmart data), so a cyclic
//! Jacobi eigensolver is exact to rounding and quick, and needs no linear-algebra crate.

/// Eigenvalues and eigenvectors (columns of the returned row-major `n × n` matrix) of the
/// symmetric `n × n` matrix `a` (row-major), by cyclic Jacobi rotations.
pub fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    for _sweep in 0..100 {
        let off: f64 = (0..n).flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j))).map(|(i, j)| a[i * n + j].powi(2)).sum();
        if off.sqrt() <= 1e-15 * scale || scale == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

/// The rank-`rank` reconstruction of the `rows × cols` row-major matrix `x`. With
/// `rank ≥ min(rows, cols)` it is `x` itself.
pub fn low_rank(x: &[f64], rows: usize, cols: usize, rank: usize) -> Vec<f64> {
    if rank >= rows.min(cols) {
        return x.to_vec();
    }
    let mut gram = vec![0.0; cols * cols];
    for r in 0..rows {
        let row = &x[r * cols..(r + 1) * cols];
        for i in 0..cols {
            for j in i..cols {
                gram[i * cols + j] += row[i] * row[j];
            }
        }
    }
    for i in 0..cols {
        for j in 0..i {
            gram[i * cols + j] = gram[j * cols + i];
        }
    }
    let (values, vectors) = symmetric_eigen(gram, cols);
    let mut order: Vec<usize> = (0..cols).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let kept = &order[..rank];
    // Projector P = Vᵣ·Vᵣᵀ (cols × cols), then X·P.
    let mut projector = vec![0.0; cols * cols];
    for &k in kept {
        for i in 0..cols {
            let vi = vectors[i * cols + k];
            for j in 0..cols {
                projector[i * cols + j] += vi * vectors[j * cols + k];
            }
        }
    }
    let mut out = vec![0.0; rows * cols];
    for r in 0..rows {
        let row = &x[r * cols..(r + 1) * cols];
        let target = &mut out[r * cols..(r + 1) * cols];
        for (i, &xi) in row.iter().enumerate() {
            if xi != 0.0 {
                let p = &projector[i * cols..(i + 1) * cols];
                for (t, &pij) in target.iter_mut().zip(p) {
                    *t += xi * pij;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigen_pairs_of_a_hand_checked_matrix() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, −1)/√2.
        let (values, vectors) = symmetric_eigen(vec![2.0, 1.0, 1.0, 2.0], 2);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        assert!((sorted[0] - 1.0).abs() < 1e-12 && (sorted[1] - 3.0).abs() < 1e-12, "{values:?}");
        let big = if values[0] > values[1] { 0 } else { 1 };
        assert!((vectors[big].abs() - 0.5f64.sqrt()).abs() < 1e-12);
        assert!((vectors[2 + big].abs() - 0.5f64.sqrt()).abs() < 1e-12);
        assert!(vectors[big] * vectors[2 + big] > 0.0, "same signs for (1, 1)");
    }

    #[test]
    fn rank_one_of_an_outer_product_plus_noise() {
        // x = u·vᵀ is rank one: its rank-1 reconstruction is itself.
        let u = [1.0, 2.0, 3.0, 4.0];
        let v = [2.0, -1.0, 0.5];
        let x: Vec<f64> = u.iter().flat_map(|a| v.iter().map(move |b| a * b)).collect();
        let r1 = low_rank(&x, 4, 3, 1);
        for (a, b) in x.iter().zip(&r1) {
            assert!((a - b).abs() < 1e-10, "{a} vs {b}");
        }
        // [[1, 0], [0, 2]] (distinct singular values 2 and 1): rank 1 keeps the 2 only.
        assert_eq!(low_rank(&[1.0, 0.0, 0.0, 2.0], 2, 2, 1).iter().map(|v| (v * 1e9).round() / 1e9).collect::<Vec<_>>(), vec![0.0, 0.0, 0.0, 2.0]);
        // Full rank is the matrix itself.
        assert_eq!(low_rank(&[1.0, 5.0, 3.0, 2.0], 2, 2, 2), vec![1.0, 5.0, 3.0, 2.0]);
    }
}
