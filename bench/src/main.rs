//! `raft-bench`: measures everything `./x bench` reports and prints it as one table.
//!
//! ```text
//! raft-bench [--runs N] [--entries N] [--raft-sim PATH] [--dist DIR] [--wasm-json FILE]
//!            [--browser-json FILE] [--out FILE] [--no-profile] [--core-only]
//!            [--speed-only [--bench-before PATH] [--raft-sim-before PATH]]
//! raft-bench throughput --impl raft-core|raft-rs [--entry-bytes N] [--entries N] [--batch N]
//! ```
//!
//! The first form runs every measurement and prints the table (aligned plain text on stdout,
//! Markdown to `--out`). Each throughput run is a child process (the second form), so that its
//! peak resident memory is its own and one run's heap never slows the next.

// Everything is native: the wasm32 build of this package only runs the simulation-speed test.
#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    cli::main();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
