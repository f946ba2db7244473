//! Simulation speed, as `./x bench` measures it (section 4): virtual seconds per wall second for
//! five nodes under the playground's load (4 clients, 20 ms think time; 60 s per seed) and under
//! heavy load (50 clients, no think time; 10 s per seed), median over seeds. Also prints each
//! run's trace hash, so two builds can be compared for identical behaviour.
//!
//! `cargo run --release -p raft-sim --example simspeed [SEEDS]`

use std::time::Instant;

use raft_sim::{ClientOptions, SimOptions, Workload, World};

fn options(seed: u64, clients: u32, think_ms: u64) -> SimOptions {
    SimOptions {
        seed,
        keep_trace: false,
        clients: ClientOptions {
            enabled: true,
            count: clients,
            think_ms,
            workload: Workload::Kv { keys: 3 },
            ..ClientOptions::default()
        },
        ..SimOptions::default()
    }
}

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    for (name, clients, think, secs, n) in [
        ("playground", 4, 20, 60u64, seeds),
        ("heavy", 50, 0, 10, seeds.min(3)),
    ] {
        let mut speeds = Vec::new();
        for seed in 1..=n {
            let start = Instant::now();
            let mut w = World::new(options(seed, clients, think)).expect("valid options");
            w.advance_to(secs * 1000);
            let wall = start.elapsed().as_secs_f64();
            let speed = w.now() as f64 / 1000.0 / wall;
            println!(
                "{name} seed {seed}: {} events, {:.3} s wall, {speed:.0}x real time, hash {:016x}",
                w.stats().events,
                wall,
                w.trace_hash()
            );
            speeds.push(speed);
        }
        speeds.sort_by(f64::total_cmp);
        println!("{name}: median {:.0}x real time", speeds[speeds.len() / 2]);
    }
}
