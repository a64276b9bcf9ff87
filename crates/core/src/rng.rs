//! A small seeded generator (SplitMix64). The core has no randomness of its own: every
//! random choice (the synthetic sample, bootstraps, subsampling) comes from a seed the caller
//! passes in, so runs are reproducible bit for bit, natively and in the browser. SplitMix64
//! is tiny and passes BigCrush; `fork` derives independent streams (one per tree) so results
//! do not depend on the order of work.

#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// An independent generator for sub-task `stream` (e.g. tree number `stream`).
    pub fn fork(&self, stream: u64) -> Self {
        let mut mixer = SplitMix64::new(self.state ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        SplitMix64::new(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..bound` (`bound > 0`), by Lemire's multiply-shift (bias < 2⁻³² here).
    pub fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }

    /// Chooses `k` distinct indices out of `0..n` (sorted), by a partial Fisher–Yates shuffle.
    pub fn sample_indices(&mut self, n: usize, k: usize, scratch: &mut Vec<u32>) -> Vec<u32> {
        scratch.clear();
        scratch.extend(0..n as u32);
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.below(n - i);
            scratch.swap(i, j);
        }
        let mut chosen = scratch[..k].to_vec();
        chosen.sort_unstable();
        chosen
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = self.next_f64().max(f64::MIN_POSITIVE);
        let v = self.next_f64();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_forks_differ() {
        let (mut a, mut b) = (SplitMix64::new(7), SplitMix64::new(7));
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let root = SplitMix64::new(7);
        assert_ne!(root.fork(0).next_u64(), root.fork(1).next_u64());
        let mut r = SplitMix64::new(1);
        assert!((0..1000).map(|_| r.below(3)).all(|v| v < 3));
        let chosen = r.sample_indices(10, 4, &mut Vec::new());
        assert_eq!(chosen.len(), 4);
        assert!(chosen.windows(2).all(|w| w[0] < w[1]));
    }
}
