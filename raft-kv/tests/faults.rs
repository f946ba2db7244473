//! The short fault run CI does (about 20 s of faults): real processes, the fault proxy,
//! concurrent clients, and the history judged by the linearizability checker.

use std::path::PathBuf;

use raft_kv::faults::{print_report, run, FaultOptions};

#[test]
fn short_fault_run_is_linearizable_and_applies_nothing_twice() {
    let opts = FaultOptions {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_raft-kv")),
        dir: std::env::temp_dir().join(format!("raft-kv-it-{}-faults", std::process::id())),
        nodes: 3,
        secs: 20,
        clients: 4,
        seed: 7,
    };
    let report = run(&opts).expect("the fault run ran");
    print_report(&opts, &report);
    assert!(
        report.faults.len() >= 5,
        "faults were injected: {:?}",
        report.faults
    );
    assert!(
        report.ok > 100,
        "the clients made progress: {} answered",
        report.ok
    );
    assert!(
        report.passed(),
        "verdict: {}; duplicates: {:?}",
        report.verdict,
        report.duplicates
    );
    let _ = std::fs::remove_dir_all(&opts.dir);
}
