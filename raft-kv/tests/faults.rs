//! The short fault run CI does (about 15 s of faults): real processes, the fault proxy,
//! concurrent clients, and the history judged by the linearizability checker; the run is
//! recorded, and its trace must read back and pass the record-level safety checks.

use std::path::PathBuf;

use raft_kv::faults::{print_report, run, FaultOptions};

#[test]
fn short_fault_run_is_linearizable_and_applies_nothing_twice() {
    let opts = FaultOptions {
        exe: PathBuf::from(env!("CARGO_BIN_EXE_raft-kv")),
        dir: std::env::temp_dir().join(format!("raft-kv-it-{}-faults", std::process::id())),
        nodes: 3,
        secs: 15,
        clients: 4,
        seed: 7,
        trace: Some(
            std::env::temp_dir().join(format!("raft-kv-it-{}-faults.jsonl", std::process::id())),
        ),
    };
    let report = run(&opts).expect("the fault run ran");
    print_report(&opts, &report);
    assert!(
        report.faults.iter().any(|f| f.contains("fsync")),
        "a skewed clock and a slow disk were among them: {:?}",
        report.faults
    );
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
    // The run's trace reads back with raft-sim's reader, and its records are safe.
    let path = opts.trace.as_ref().unwrap();
    let text = std::fs::read_to_string(path).expect("the trace was written");
    raft_sim::trace::parse_jsonl(&text).expect("raft-sim reads the fault run's trace");
    let recs = raft_kv::trace::records(&text).expect("the records");
    raft_kv::trace::check_safety(&recs).expect("the fault run's records are safe");
    let v = raft_sim::linearizability::verdict(&raft_kv::trace::history(&recs));
    assert!(v.is_linearizable(), "the trace's own history: {v}");
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_dir_all(&opts.dir);
}
