//! The mutation score: how many seeds of `raft-sim check`'s schedules catch each bug planted in
//! the nodes on purpose (raft-core's [`PlantedBug`]s, and the break-it switches that are bugs
//! too: forgetting the vote on restart, serving reads without confirming leadership). Built only
//! with the test-only `planted-bugs` feature (`./x mutants`, `raft-sim mutants`).
//!
//! A seed catches a bug when the run with the bug planted breaks a safety property (any of the
//! checkers, after any event) or its client history is not linearizable; the same seed without
//! the bug must do neither (the baseline), so what is caught is the bug and not the schedule.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::judge::judge;
use crate::linearizability::Verdict;
use crate::schedule::CheckRun;
use crate::world::SimOptions;
use raft_core::config::PlantedBug;

/// A bug to plant in every node of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mutant {
    /// One of raft-core's planted bugs.
    Planted(PlantedBug),
    /// The break-it switch `forget_vote_on_restart` (Figure 2: the vote is durable).
    ForgetVoteOnRestart,
    /// The break-it switch `stale_reads` (dissertation §6.4: confirm leadership first).
    StaleReads,
    /// The break-it switch `lose_unsynced_writes` (the Ready contract: persist before sending).
    LoseUnsyncedWrites,
}

impl Mutant {
    /// Every mutant, in the order the table prints them.
    pub fn all() -> Vec<Mutant> {
        let mut all: Vec<Mutant> = PlantedBug::ALL.into_iter().map(Mutant::Planted).collect();
        all.push(Mutant::ForgetVoteOnRestart);
        all.push(Mutant::StaleReads);
        all.push(Mutant::LoseUnsyncedWrites);
        all
    }

    /// The name the command line and the table use.
    pub fn name(self) -> &'static str {
        match self {
            Mutant::Planted(b) => b.name(),
            Mutant::ForgetVoteOnRestart => "forget_vote_on_restart",
            Mutant::StaleReads => "stale_reads",
            Mutant::LoseUnsyncedWrites => "lose_unsynced_writes",
        }
    }

    /// The section of the paper or dissertation whose rule it breaks.
    pub fn section(self) -> &'static str {
        match self {
            Mutant::Planted(b) => b.section(),
            Mutant::ForgetVoteOnRestart => "paper Figure 2",
            Mutant::StaleReads => "dissertation §6.4",
            Mutant::LoseUnsyncedWrites => "paper Figure 2",
        }
    }

    /// The mutant named `name`, if any.
    pub fn from_name(name: &str) -> Option<Mutant> {
        Self::all().into_iter().find(|m| m.name() == name)
    }

    /// Plants the bug in the options (it draws nothing, so the schedule stays the same).
    pub fn plant(self, opts: &mut SimOptions) {
        match self {
            Mutant::Planted(b) => opts.planted = Some(b),
            Mutant::ForgetVoteOnRestart => opts.break_it.forget_vote_on_restart = true,
            Mutant::StaleReads => opts.break_it.stale_reads = true,
            Mutant::LoseUnsyncedWrites => opts.break_it.lose_unsynced_writes = true,
        }
    }
}

/// What caught a bug in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catch {
    /// The property broken: a checker's ([`crate::checker::PROPERTIES`]) or `Linearizability`.
    pub property: String,
    /// When and what, in words.
    pub detail: String,
}

/// Runs `run` with `mutant` planted (none: the baseline) and says what caught it, if anything.
/// `max_steps` bounds the linearizability search per key; an undecided history catches
/// nothing.
pub fn caught(mutant: Option<Mutant>, run: &CheckRun, max_steps: u64) -> Option<Catch> {
    let out = run.run(&|opts: &mut SimOptions| {
        if let Some(m) = mutant {
            m.plant(opts)
        }
    });
    let j = judge(&out.world, false, max_steps);
    if let Some(v) = j.violation {
        return Some(Catch {
            property: v.property.to_string(),
            detail: alloc::format!("at {} ms: {}", v.time, v.detail),
        });
    }
    match j.linearizability {
        Verdict::NotLinearizable(e) => Some(Catch {
            property: "Linearizability".into(),
            detail: e.to_string(),
        }),
        _ => None,
    }
}
