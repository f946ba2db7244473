//! The simulator's one random source: PCG-32 (`rand_pcg::Pcg32`), a named algorithm with the same
//! output on every platform. Only `u32`/`u64` are drawn, never `usize`, so wasm32 and native agree.

use rand_core::{RngCore, SeedableRng};
use rand_pcg::Pcg32;

/// Seeded, portable PRNG from which every random decision of a simulation is drawn, in a fixed
/// order.
#[derive(Debug, Clone)]
pub struct SimRng(Pcg32);

/// One million: probabilities are integers in parts per million, so no float rounding can make
/// two platforms disagree.
pub const PPM: u32 = 1_000_000;

impl SimRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SimRng(Pcg32::seed_from_u64(seed))
    }

    /// A uniformly distributed `u64` in `lo..=hi` (returns `lo` when `hi <= lo`).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo + 1;
        lo + self.0.next_u64() % span
    }

    /// True with probability `ppm` parts per million. Draws nothing when `ppm` is 0.
    pub fn chance(&mut self, ppm: u32) -> bool {
        ppm > 0 && self.0.next_u32() % PPM < ppm
    }

    /// A raw `u64`, e.g. to seed a node.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}
