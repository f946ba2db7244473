//! Each simulated machine's clock: real (virtual) milliseconds turned into the node's ticks at
//! a rate that may be off by a bounded drift.
//!
//! Lease reads are safe only if no clock runs faster or slower than real time by more than the
//! bound the core is configured with ([`raft_core::Config::max_clock_drift_ppm`]). The simulator
//! gives every node a rate within `±SimOptions::clock_drift_ppm`, drawn once per machine from a
//! generator of its own (so a run without drift draws exactly what it drew before drift
//! existed), and checks the reads against it.

use crate::rng::SimRng;

/// One million: rates are in millionths of a tick per millisecond.
const NOMINAL: u64 = 1_000_000;

/// A machine's clock rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Ticks per million milliseconds (1,000,000 = exact).
    rate_ppm: u64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock { rate_ppm: NOMINAL }
    }
}

impl Clock {
    /// A clock off by a uniformly drawn amount within `±drift_ppm` (exact when 0, no draw).
    pub fn drawn(rng: &mut SimRng, drift_ppm: u32) -> Self {
        if drift_ppm == 0 {
            return Clock::default();
        }
        let d = u64::from(drift_ppm);
        Clock {
            rate_ppm: NOMINAL - d + rng.range(0, 2 * d),
        }
    }

    /// Ticks per million milliseconds.
    pub fn rate_ppm(&self) -> u64 {
        self.rate_ppm
    }

    /// The node's tick count at real time `t` ms (floor).
    pub fn ticks_at(&self, t: u64) -> u64 {
        // The same value in 64 bits when the product fits (always, for times up to about 500
        // years): 128-bit division is a library call, and this runs twice per delivery.
        if self.rate_ppm == NOMINAL {
            return t;
        }
        if let Some(p) = t.checked_mul(self.rate_ppm) {
            return p / NOMINAL;
        }
        let ticks = u128::from(t) * u128::from(self.rate_ppm) / u128::from(NOMINAL);
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }

    /// The first real time, not before `now`, at which `ticks` more ticks have passed on this
    /// clock than at `now` (saturating at `u64::MAX`).
    pub fn when(&self, now: u64, ticks: u64) -> u64 {
        if self.rate_ppm == NOMINAL {
            return now.saturating_add(ticks);
        }
        let target = u128::from(self.ticks_at(now)) + u128::from(ticks);
        if let Some(scaled) = u64::try_from(target)
            .ok()
            .and_then(|t| t.checked_mul(NOMINAL))
        {
            return scaled.div_ceil(self.rate_ppm).max(now);
        }
        let rate = u128::from(self.rate_ppm);
        let t = (target * u128::from(NOMINAL)).div_ceil(rate);
        u64::try_from(t).unwrap_or(u64::MAX).max(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_clock_counts_milliseconds() {
        let c = Clock::default();
        assert_eq!(c.ticks_at(1234), 1234);
        assert_eq!(c.when(10, 5), 15);
        assert_eq!(c.when(u64::MAX - 1, 5), u64::MAX);
    }

    #[test]
    fn drifted_clock_fires_when_its_ticks_are_due() {
        for rate_ppm in [900_000, 950_000, 1_049_999, 1_100_000] {
            let c = Clock { rate_ppm };
            for now in [0, 1, 999, 123_457] {
                for k in [1, 50, 150] {
                    let t = c.when(now, k);
                    assert!(c.ticks_at(t) >= c.ticks_at(now) + k, "{rate_ppm} {now} {k}");
                    assert!(t == now || c.ticks_at(t - 1) < c.ticks_at(now) + k);
                }
            }
        }
    }

    /// The 64-bit shortcuts give what the 128-bit arithmetic gives, at and around the point
    /// where the product stops fitting in 64 bits.
    #[test]
    fn the_64_bit_shortcuts_agree_with_128_bit_arithmetic() {
        let wide_ticks = |c: &Clock, t: u64| {
            u64::try_from(u128::from(t) * u128::from(c.rate_ppm) / u128::from(NOMINAL))
                .unwrap_or(u64::MAX)
        };
        let wide_when = |c: &Clock, now: u64, k: u64| {
            let target = u128::from(wide_ticks(c, now)) + u128::from(k);
            let t = (target * u128::from(NOMINAL)).div_ceil(u128::from(c.rate_ppm));
            u64::try_from(t).unwrap_or(u64::MAX).max(now)
        };
        for rate_ppm in [900_000, 999_999, NOMINAL, 1_000_001, 1_100_000] {
            let c = Clock { rate_ppm };
            let edge = u64::MAX / rate_ppm;
            for t in [
                0,
                1,
                999,
                123_457,
                edge - 1,
                edge,
                edge + 1,
                u64::MAX / NOMINAL + 1,
                u64::MAX,
            ] {
                assert_eq!(c.ticks_at(t), wide_ticks(&c, t), "{rate_ppm} {t}");
                for k in [0, 1, 150, u64::MAX / NOMINAL] {
                    if rate_ppm != NOMINAL {
                        assert_eq!(c.when(t, k), wide_when(&c, t, k), "{rate_ppm} {t} {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn drawn_rates_stay_within_the_bound() {
        let mut rng = SimRng::new(7);
        for _ in 0..1000 {
            let r = Clock::drawn(&mut rng, 10_000).rate_ppm();
            assert!((990_000..=1_010_000).contains(&r));
        }
        assert_eq!(Clock::drawn(&mut rng, 0), Clock::default());
    }
}
