//! Simulation speed in wasm32: the same steady-load runs as the native figure (5 nodes, the
//! playground's client load, 60 s of virtual time each), timed with the host's clock under Node
//! by wasm-bindgen-test-runner. Prints one line `RAFT_BENCH_WASM {json}` for `./x bench`:
//!
//! ```sh
//! cargo test -p raft-bench --profile wasm-release --target wasm32-unknown-unknown \
//!     --test wasm_sim_speed -- --nocapture
//! ```
//!
//! Natively this file compiles to nothing (the native figure comes from the `raft-bench` binary).
#![cfg(target_arch = "wasm32")]

use raft_bench::stats::median;
use raft_bench::steady::{self, PLAYGROUND};
use wasm_bindgen_test::wasm_bindgen_test;

const RUNS: u64 = 5;
const VIRTUAL_MS: u64 = 60_000;

#[wasm_bindgen_test]
fn simulation_speed_in_wasm32() {
    let mut speeds = Vec::new();
    let mut events = 0;
    for seed in 1..=RUNS {
        let t0 = js_sys::Date::now();
        let r = steady::run(seed, PLAYGROUND, 1_000, VIRTUAL_MS - 1_000);
        let wall_ms = (js_sys::Date::now() - t0).max(1.0);
        assert_eq!(r.violation, None);
        events += r.events;
        speeds.push(r.virtual_ms as f64 / wall_ms);
    }
    let line = format!(
        "RAFT_BENCH_WASM {{\"runs\":{RUNS},\"virtual_ms\":{VIRTUAL_MS},\"events\":{events},\"median_speed\":{:.1},\"speeds\":[{}]}}",
        median(&speeds),
        speeds
            .iter()
            .map(|s| format!("{s:.1}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    wasm_bindgen_test::console_log!("{line}");
}
