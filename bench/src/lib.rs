//! # raft-bench
//!
//! The measurements behind `./x bench`, as a library so that the same code runs natively (the
//! `raft-bench` binary, which prints the table) and in wasm32 under Node (the simulation-speed
//! test in `tests/wasm_sim_speed.rs`).
//!
//! - [`throughput`]: the same client workload through `raft-core` and through tikv's `raft`
//!   crate (native only), five in-memory nodes in one process, messages delivered by the harness.
//! - [`steady`]: the deterministic simulator under steady client load (commit latency in virtual
//!   time, and how much virtual time a wall second simulates).
//! - [`failover`]: where the failover tail comes from (recoveries that needed more than one term).
//! - [`floor`]: what the network and the timers allow at best (order statistics of the latency
//!   and timeout distributions), to compare the measured figures with.
//! - [`stats`]: medians and percentiles.
#![deny(missing_docs)]

pub mod failover;
pub mod floor;
pub mod stats;
pub mod steady;
pub mod throughput;

#[cfg(not(target_arch = "wasm32"))]
pub mod raftrs;
