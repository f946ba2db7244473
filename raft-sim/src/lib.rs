//! # raft-sim
//!
//! A deterministic simulator for [`raft_core`] clusters, kept apart from the protocol crate as
//! etcd's `rafttest`, turmoil, madsim and stateright are: a virtual clock, a virtual network with
//! latency, loss, duplication, reordering, partitions and held links, crash/restart with durable
//! and volatile state, clients with sessions, and safety checkers run after every event; plus
//! scenarios, traces, randomized fault schedules, and a linearizability checker usable on any
//! history ([`linearizability`]). The `raft-sim` command-line tool is this crate's binary.
//!
//! `byo` and `grade` (native, with the `std` and `serde` features) run a Raft node written by
//! someone else, in any language, through the same network, checkers and traces: the classroom
//! protocol and its grader (`docs/classroom.md`).
//!
//! Everything random derives from the one seed, through seeded PCG-32 streams ([`rng::SimRng`]:
//! the world's, one for the machines' clock rates, and each node's own), drawn in a fixed order, and
//! every collection is ordered, so the same options and actions give the same trace on every
//! platform (native and wasm32 alike).
//!
//! ```
//! use raft_sim::{SimOptions, World};
//!
//! let mut world = World::new(SimOptions { seed: 7, ..Default::default() }).unwrap();
//! world.advance_to(2_000);
//! assert!(world.leader().is_some());
//! assert!(world.violation().is_none());
//! ```

#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::string::String;

pub mod actions;
pub mod app;
#[cfg(all(feature = "std", feature = "serde"))]
pub mod byo;
mod calendar;
mod entry_cache;
mod hash_index;
mod node_map;
mod wake;
// Child processes: native only.
#[cfg(all(feature = "std", feature = "serde", not(target_arch = "wasm32")))]
pub mod byo_process;
pub mod checker;
pub mod clock;
pub mod disk;
pub mod failover_model;
// The grader takes its wall clock from the caller, so it also runs in a browser worker (with
// nodes written in JavaScript); only the child-process adapter above is native only.
#[cfg(all(feature = "std", feature = "serde"))]
pub mod grade;
#[cfg(all(feature = "std", feature = "serde"))]
pub mod grade_suite;
pub mod groups;
pub mod groups_check;
#[cfg(feature = "serde")]
pub mod groups_scenario;
#[cfg(feature = "serde")]
pub mod groups_trace;
#[cfg(feature = "serde")]
pub mod json;
pub mod judge;
pub mod labs;
pub mod limits;
pub mod linearizability;
pub mod machine_net;
#[cfg(feature = "planted-bugs")]
pub mod mutants;
pub mod network;
pub mod node_table;
pub mod rng;
pub mod scenario;
pub mod schedule;
pub mod swarm;
pub mod targeted;
pub mod trace;
pub mod world;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_checker;
#[cfg(test)]
mod tests_membership;

pub use actions::Action;
pub use app::{Command, KvStore, Op, Reply};
pub use checker::{property_rule, Checker, Violation, PROPERTIES};
pub use judge::{judge, Judgement, Outcome};
pub use network::{LinkState, NetConfig, Network};
pub use rng::SimRng;
pub use trace::{TraceEvent, TraceRecord};
pub use world::{
    ClientOptions, HistoryOp, MemoryBounds, SimNode, SimOptions, Stats, Workload, World,
};

/// Why the simulator refused an action or a configuration. Nothing changes when it does, except
/// for [`SimError::Raft`]: the node was stepped (its clock brought up to now) before it refused,
/// and [`World::act`] records the attempt so that a replay makes it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// Options or an action's arguments are invalid; the string names the problem.
    Invalid(String),
    /// No node with this id.
    UnknownNode(raft_core::types::NodeId),
    /// No message with this id is in flight.
    UnknownMessage(u64),
    /// The node refused the request.
    Raft(raft_core::error::Error),
}

impl core::fmt::Display for SimError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SimError::Invalid(s) => f.write_str(s),
            SimError::UnknownNode(id) => write!(f, "no node S{id} in this cluster"),
            SimError::UnknownMessage(id) => write!(f, "message #{id} is not in flight"),
            SimError::Raft(e) => write!(f, "{e}"),
        }
    }
}

#[cfg(feature = "std")]
extern crate std;
#[cfg(feature = "std")]
impl std::error::Error for SimError {}
