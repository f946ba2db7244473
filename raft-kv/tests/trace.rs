//! A real run exported as a playground trace: a 3-node cluster of real processes records its
//! events, its leader is killed with SIGKILL and restarted, and `raft_kv::trace::merge` writes
//! one version-3 trace. The file must read back with raft-sim's own reader, its footer hash
//! must be raft-sim's hash of its records, its records must satisfy the safety properties an
//! independent tool can check from records alone (Raft §5.2 Election Safety, §5.3 Log
//! Matching, §5.4.3 State Machine Safety, applied contiguous), and its client history must be
//! linearizable. The checks are shown able to fail on planted violations.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use raft_core::Role;
use raft_kv::client::{KvClient, Outcome};
use raft_kv::harness::LocalCluster;
use raft_kv::trace::{check_safety, history, merge, records, ClientLog};
use raft_sim::linearizability::verdict;
use raft_sim::trace::{parse_jsonl, HashScheme, TraceHash};
use raft_sim::{Op, TraceEvent, TraceRecord};

const START_BOUND: Duration = Duration::from_secs(10);
const FAILOVER_BOUND: Duration = Duration::from_secs(5);

#[test]
fn a_real_run_exports_as_a_trace_that_reads_back_and_checks_clean() {
    let dir = std::env::temp_dir().join(format!("raft-kv-it-{}-trace", std::process::id()));
    let mut c = LocalCluster::new(&PathBuf::from(env!("CARGO_BIN_EXE_raft-kv")), &dir, 3, 0);
    c.record = true;
    c.start_all();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let log = ClientLog::open(&dir).expect("the clients' event file");
    rt.block_on(async {
        let (leader, _) = c.wait_leader(None, START_BOUND).await.expect("a leader");
        let mut a = KvClient::new(c.http_all(), 41);
        let mut b = KvClient::new(c.http_all(), 42);
        for i in 0..10 {
            let op = Op::Append {
                key: "x".into(),
                value: format!("[a{i}]"),
            };
            assert!(matches!(log.run(&mut a, op).await, Outcome::Ok(_)));
            let op = Op::Put {
                key: format!("k{}", i % 3),
                value: format!("b{i}"),
            };
            assert!(matches!(log.run(&mut b, op).await, Outcome::Ok(_)));
            log.run(&mut a, Op::Get { key: "x".into() }).await;
        }
        c.kill(leader);
        c.wait_leader(Some(leader), FAILOVER_BOUND)
            .await
            .expect("a new leader");
        for i in 10..20 {
            let op = Op::Append {
                key: "x".into(),
                value: format!("[a{i}]"),
            };
            log.run(&mut a, op).await;
            let op = Op::Cas {
                key: "k0".into(),
                expect: None,
                new: format!("c{i}"),
            };
            log.run(&mut b, op).await;
        }
        c.start(leader);
        // The restarted node catches up; the reads then see every append.
        tokio::time::sleep(Duration::from_millis(500)).await;
        log.run(&mut b, Op::Get { key: "x".into() }).await;
        log.run(&mut a, Op::Get { key: "k0".into() }).await;
    });
    for id in c.ids() {
        c.kill(id);
    }
    let merged = merge(&dir, 3, raft_kv::node::DEFAULT_SNAPSHOT_BYTES).expect("the merge");
    println!(
        "merged {} records, {} steps, {} ms; notes {:?}",
        merged.records, merged.steps, merged.end, merged.notes
    );
    std::fs::write(dir.join("run.jsonl"), &merged.text).unwrap();

    // raft-sim's reader takes it (header options valid, times in order, steps 1, 2, 3…, counts).
    let file = parse_jsonl(&merged.text).expect("raft-sim reads the recorded trace");
    assert_eq!(file.version, 3);
    assert_eq!(file.options.nodes, 3);
    assert_eq!(file.steps, Some(merged.steps));
    let header: serde_json::Value =
        serde_json::from_str(merged.text.lines().next().unwrap()).unwrap();
    assert_eq!(header["recorded"]["source"], "raft-kv");
    let recs = records(&merged.text).expect("the records");
    // The footer's hash is raft-sim's hash of the records (docs/formats.md "Hash").
    let mut h = TraceHash::new(HashScheme::Fields);
    recs.iter().for_each(|r| h.add(r));
    assert_eq!(file.hash, format!("{:016x}", h.value()));

    // What the run must show: several nodes, a leader, the kill seen at the restart, sends
    // matched to deliveries across processes.
    let count = |f: &dyn Fn(&TraceEvent) -> bool| recs.iter().filter(|r| f(&r.event)).count();
    assert!(count(&|e| matches!(e, TraceEvent::Restart { .. })) >= 1);
    assert!(
        count(&|e| matches!(
            e,
            TraceEvent::Role {
                role: Role::Leader,
                ..
            }
        )) >= 2
    );
    let sends: BTreeSet<u64> = recs
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Send { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let delivered = recs
        .iter()
        .filter(|r| matches!(&r.event, TraceEvent::Deliver { id, .. } if sends.contains(id)))
        .count();
    assert!(
        delivered > 20,
        "deliveries matched to their sends: {delivered}"
    );
    // Each matched delivery comes after its send in the file.
    let mut seen = BTreeSet::new();
    for r in &recs {
        match &r.event {
            TraceEvent::Send { id, .. } => {
                seen.insert(*id);
            }
            TraceEvent::Deliver { id, .. } if sends.contains(id) => {
                assert!(seen.contains(id), "delivery of {id} before its send");
            }
            _ => {}
        }
    }

    check_safety(&recs).expect("the records are safe");
    let hist = history(&recs);
    assert!(hist.len() >= 40, "the clients' operations: {}", hist.len());
    let v = verdict(&hist);
    assert!(v.is_linearizable(), "{v}");

    // The checks can fail: planted violations are caught.
    let mut two_leaders = recs.clone();
    let (t, term) = recs
        .iter()
        .find_map(|r| match r.event {
            TraceEvent::Role {
                role: Role::Leader,
                term,
                node,
            } => Some((r.t, (term, node))),
            _ => None,
        })
        .unwrap();
    two_leaders.push(TraceRecord {
        t,
        event: TraceEvent::Role {
            node: term.1 % 3 + 1,
            role: Role::Leader,
            term: term.0,
        },
    });
    assert!(check_safety(&two_leaders)
        .unwrap_err()
        .contains("Election Safety"));
    let mut skipped = recs.clone();
    let at = skipped
        .iter()
        .position(|r| matches!(r.event, TraceEvent::Apply { index: 3, .. }))
        .unwrap();
    skipped.remove(at);
    assert!(check_safety(&skipped)
        .unwrap_err()
        .contains("Applied Contiguous"));
    let mut lost = hist.clone();
    let last_read = lost
        .iter()
        .rposition(|h| matches!(h.op, Op::Get { .. }) && h.reply.is_some())
        .unwrap();
    lost[last_read].reply = Some(raft_sim::Reply {
        ok: true,
        value: Some("[a0]".into()),
    });
    assert!(!verdict(&lost).is_linearizable());
    let _ = std::fs::remove_dir_all(&dir);
}
