//! The one judgement of a finished run, shared by every tool: `raft-sim check`, `run`, `replay`
//! and `taskqueue`, the lessons and the page all call [`judge`] (or [`history_verdict`]), so a
//! stale read fails a scenario exactly as it fails a randomized check, and a history the
//! linearizability search could not decide is never reported as a pass.
//!
//! Exit codes of `raft-sim` follow [`Outcome::exit_code`]: 0 passed, 1 failed, 3 undecided (2 is
//! bad usage or a malformed file, decided before anything runs).

use crate::checker::Violation;
use crate::linearizability::Verdict;
use crate::world::World;

/// How a run ends, from best to worst: [`Outcome::and`] keeps the worse of two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Everything required held, and the client history is proven linearizable.
    Passed,
    /// Nothing failed, but the linearizability search ran out of budget on some key: neither a
    /// pass nor a proven failure.
    Undecided,
    /// A safety property, an expectation or linearizability failed.
    Failed,
}

impl Outcome {
    /// The worse of the two outcomes (failed before undecided before passed).
    pub fn and(self, other: Outcome) -> Outcome {
        self.max(other)
    }

    /// [`Outcome::Passed`] if `ok`, else [`Outcome::Failed`].
    pub fn from_ok(ok: bool) -> Outcome {
        if ok {
            Outcome::Passed
        } else {
            Outcome::Failed
        }
    }

    /// The outcome a linearizability verdict stands for.
    pub fn of_verdict(v: &Verdict) -> Outcome {
        match v {
            Verdict::Linearizable(_) => Outcome::Passed,
            Verdict::NotLinearizable(_) => Outcome::Failed,
            Verdict::Undecided(_) => Outcome::Undecided,
        }
    }

    /// The process exit code `raft-sim` reports it with: 0 passed, 1 failed, 3 undecided.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Undecided => 3,
        }
    }

    /// `passed`, `failed` or `undecided`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Undecided => "undecided",
        }
    }
}

/// The linearizability verdict of a world's client history, searching each key for at most
/// `max_steps` model steps ([`crate::linearizability::DEFAULT_MAX_STEPS`] in the page and the
/// library, [`crate::linearizability::CLI_MAX_STEPS`] on the command line).
pub fn history_verdict(w: &World, max_steps: u64) -> Verdict {
    w.history_verdict(max_steps)
}

/// A finished run, judged: its safety violation, its client history's verdict, and the outcome
/// they make together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The violation that stopped the run or, with a break-it switch on, the first one the
    /// monitor flagged while the run went on; none if nothing broke.
    pub violation: Option<Violation>,
    /// The client history's linearizability verdict.
    pub linearizability: Verdict,
    /// Failed if a violation was caught that was not expected, or the history is not
    /// linearizable; undecided if the history's verdict is undecided; passed otherwise. When a
    /// violation is expected (a break-it lesson), the run is meant to go wrong: the history's
    /// verdict is reported but does not count.
    pub outcome: Outcome,
}

/// Judges a finished run: the one function every tool calls. `violation_expected` is true for
/// a scenario that expects the safety monitor to catch something.
pub fn judge(w: &World, violation_expected: bool, max_steps: u64) -> Judgement {
    let violation = w.violation().or_else(|| w.violations().first()).cloned();
    let linearizability = history_verdict(w, max_steps);
    let outcome = if violation_expected {
        Outcome::Passed
    } else {
        Outcome::from_ok(violation.is_none()).and(Outcome::of_verdict(&linearizability))
    };
    Judgement {
        violation,
        linearizability,
        outcome,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_beats_undecided_beats_passed() {
        use Outcome::*;
        for (a, b, both) in [
            (Passed, Passed, Passed),
            (Passed, Undecided, Undecided),
            (Undecided, Passed, Undecided),
            (Undecided, Failed, Failed),
            (Failed, Passed, Failed),
        ] {
            assert_eq!(a.and(b), both, "{a:?} and {b:?}");
        }
        assert_eq!(
            [Passed, Failed, Undecided].map(Outcome::exit_code),
            [0, 1, 3]
        );
    }

    #[test]
    fn a_quiet_run_is_proven_and_passes() {
        let mut w = World::new(crate::SimOptions::default()).unwrap();
        w.advance_to(1_000);
        let j = judge(&w, false, crate::linearizability::DEFAULT_MAX_STEPS);
        assert!(j.linearizability.is_linearizable());
        assert_eq!(j.outcome, Outcome::Passed);
    }
}
