//! Final-agreement times of the Figure-8-unreliable schedule ([`raft_sim::labs`]) over many
//! seeds, for each election policy.
//!
//! `cargo run --release -p raft-sim --example figure8_unreliable -- [SEEDS] [ITERATIONS] [POLICY|all]`

use raft_core::ElectionPolicy;
use raft_sim::labs::{figure8_unreliable, LAB_AGREEMENT_BOUND_MS};
use raft_sim::SimOptions;

fn main() {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let iterations: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let policies = match args.next().as_deref() {
        None => vec![ElectionPolicy::default()],
        Some("all") => ElectionPolicy::ALL.to_vec(),
        Some(name) => match ElectionPolicy::from_name(name) {
            Some(p) => vec![p],
            None => {
                eprintln!("unknown policy {name}");
                std::process::exit(2);
            }
        },
    };
    for policy in policies {
        run(seeds, iterations, policy);
    }
}

fn run(seeds: u64, iterations: u32, policy: ElectionPolicy) {
    let base = SimOptions {
        election_policy: policy,
        ..SimOptions::default()
    };
    let mut times = Vec::new();
    let mut stuck = Vec::new();
    let mut over = Vec::new();
    let mut elections = 0;
    for seed in 1..=seeds {
        let o = figure8_unreliable(seed, iterations, &base);
        if let Some(v) = &o.violation {
            println!("seed {seed}: VIOLATION {v}");
        }
        elections += o.elections_at_end;
        match o.final_agreement_ms {
            Some(ms) => {
                if ms > LAB_AGREEMENT_BOUND_MS {
                    over.push((seed, ms));
                }
                times.push(ms)
            }
            None => stuck.push(seed),
        }
    }
    times.sort_unstable();
    let q = |p: usize| times.get((times.len() * p / 100).min(times.len().saturating_sub(1)));
    println!(
        "{:<16} figure-8 unreliable, {seeds} seeds x {iterations} iterations: final agreement p50/p90/p99/max {:?}/{:?}/{:?}/{:?} ms; over {LAB_AGREEMENT_BOUND_MS} ms: {} {:?}; none within the limit: {:?}; elections during the final agreement {:.1} per seed",
        policy.name(),
        q(50), q(90), q(99), times.last(), over.len(), over, stuck, elections as f64 / seeds as f64
    );
}
