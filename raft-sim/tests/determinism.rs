//! The same seed and actions give the same trace on every platform. The test computes the
//! trace hash of fixed runs and compares it with a constant. The same file is compiled natively
//! (`cargo test`) and for wasm32 (`cargo test --target wasm32-unknown-unknown`, run under Node
//! by wasm-bindgen-test-runner). If either platform drifts, one of the two runs fails. The constant
//! changes only when the simulator's behaviour changes on purpose: update it then, on both
//! platforms at once.

use raft_sim::schedule::{run_check, Faults};

/// (seed, trace hash) of a 5-node, 3-second run with every fault kind and client load.
const GOLDEN: &[(u64, u64)] = &[(42, GOLDEN_42), (7, GOLDEN_7)];
const GOLDEN_42: u64 = 0xaa0331bb3079cfc5;
const GOLDEN_7: u64 = 0x3b0fc7b02e0e6b8b;

fn hashes() -> Vec<(u64, u64)> {
    GOLDEN
        .iter()
        .map(|&(seed, _)| {
            (
                seed,
                run_check(seed, 5, 3_000, Faults::ALL, false)
                    .world
                    .trace_hash(),
            )
        })
        .collect()
}

fn check() {
    let got = hashes();
    for (&(seed, want), (_, got)) in GOLDEN.iter().zip(&got) {
        assert_eq!(
            *got, want,
            "seed {seed}: trace hash {got:#018x} differs from the golden {want:#018x}"
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn trace_hash_matches_golden_natively() {
    check();
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn trace_hash_matches_golden_in_wasm() {
    check();
}
