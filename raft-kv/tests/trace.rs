//! A real run exported as a playground trace: a 3-node cluster of real processes records its
//! events, its leader is killed with SIGKILL and restarted, and `raft_kv::trace::merge` writes
//! one version-3 trace. The file must read back with raft-sim's own reader, its footer hash
//! must be raft-sim's hash of its records, its records must satisfy the safety properties an
//! independent tool can check from records alone (Raft §5.2 Election Safety, §5.3 Log
//! Matching, §5.4.3 State Machine Safety, applied contiguous), and its client history must be
//! linearizable. The checks are shown able to fail on planted violations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use raft_core::{Entry, Role};
use raft_kv::client::{KvClient, Outcome};
use raft_kv::harness::LocalCluster;
use raft_kv::trace::{merge, ClientLog};
use raft_sim::linearizability::verdict;
use raft_sim::trace::{parse_jsonl, HashScheme, SnapshotSource, TraceHash};
use raft_sim::{HistoryOp, Op, TraceEvent, TraceRecord};

const START_BOUND: Duration = Duration::from_secs(10);
const FAILOVER_BOUND: Duration = Duration::from_secs(5);

/// The records of a trace file (header and footer left out).
fn records(text: &str) -> Vec<TraceRecord> {
    text.lines()
        .skip(1)
        .filter(|l| !l.contains("\"kind\":\"footer\""))
        .map(|l| serde_json::from_str(l).expect("a record"))
        .collect()
}

/// The safety properties, from records alone; the first broken one, named.
fn check_safety(recs: &[TraceRecord]) -> Result<(), String> {
    // Raft §5.2 Election Safety: at most one leader per term.
    let mut leaders: BTreeMap<u64, u64> = BTreeMap::new();
    // Each node's log as its `append` records built it (§5.3: an append replaces the log from
    // its first entry on); an installed snapshot forgets what it covers.
    let mut logs: BTreeMap<u64, BTreeMap<u64, Entry>> = BTreeMap::new();
    // §5.4.3 State Machine Safety: one entry per index across every node's applies.
    let mut applied_at: BTreeMap<u64, (u64, Option<raft_sim::Command>)> = BTreeMap::new();
    // Applied contiguous: each node applies index after index, from its snapshot on restart.
    let mut last_applied: BTreeMap<u64, u64> = BTreeMap::new();
    for r in recs {
        match &r.event {
            TraceEvent::Role {
                node,
                role: Role::Leader,
                term,
            } => {
                if let Some(other) = leaders.insert(*term, *node) {
                    if other != *node {
                        return Err(format!(
                            "Election Safety: S{other} and S{node} both led term {term}"
                        ));
                    }
                }
            }
            TraceEvent::Append { node, entries } => {
                let log = logs.entry(*node).or_default();
                if let Some(first) = entries.first() {
                    log.split_off(&first.index);
                }
                for e in entries {
                    log.insert(e.index, e.clone());
                }
            }
            TraceEvent::Snapshot {
                node,
                index,
                source: SnapshotSource::Leader,
                ..
            } => {
                let log = logs.entry(*node).or_default();
                *log = log.split_off(&(index + 1));
                last_applied.insert(*node, *index);
            }
            TraceEvent::Restart {
                node,
                snapshot_index,
                ..
            } => {
                last_applied.insert(*node, *snapshot_index);
            }
            TraceEvent::Apply {
                node,
                index,
                term,
                command,
                ..
            } => {
                let last = last_applied.entry(*node).or_insert(0);
                if *index != *last + 1 {
                    return Err(format!(
                        "Applied Contiguous: S{node} applied {index} after {last}"
                    ));
                }
                *last = *index;
                let here = (*term, command.clone());
                if let Some(was) = applied_at.get(index) {
                    if *was != here {
                        return Err(format!(
                            "State Machine Safety: index {index} applied as {was:?} and as {here:?} (S{node})"
                        ));
                    }
                }
                applied_at.insert(*index, here);
            }
            _ => {}
        }
    }
    // §5.3 Log Matching: two logs with an entry of the same index and term hold the same
    // entries up to it (checked on the logs the run ended with).
    let nodes: Vec<u64> = logs.keys().copied().collect();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            let (la, lb) = (&logs[a], &logs[b]);
            let last_match = la
                .iter()
                .filter(|(idx, e)| lb.get(idx).is_some_and(|f| f.term == e.term))
                .map(|(idx, _)| *idx)
                .max();
            let Some(upto) = last_match else { continue };
            for (idx, e) in la.range(..=upto) {
                if let Some(f) = lb.get(idx) {
                    if f != e {
                        return Err(format!(
                            "Log Matching: S{a} and S{b} agree at {upto} but differ at {idx}"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The client history in file order (the order is the real order of the events).
fn history(recs: &[TraceRecord]) -> Vec<HistoryOp> {
    let mut ops: BTreeMap<u64, HistoryOp> = BTreeMap::new();
    for (pos, r) in recs.iter().enumerate() {
        let pos = pos as u64 + 1;
        match &r.event {
            TraceEvent::Invoke {
                client, op_id, op, ..
            } => {
                ops.insert(
                    *op_id,
                    HistoryOp::new(*client, op.clone(), r.t).sequenced(pos, 0),
                );
            }
            TraceEvent::Complete { op_id, reply, .. } => {
                let h = ops
                    .remove(op_id)
                    .expect("a completion follows its invocation");
                let inv = h.invoke_seq;
                ops.insert(*op_id, h.completed(r.t, reply.clone()).sequenced(inv, pos));
            }
            _ => {}
        }
    }
    ops.into_values().collect()
}

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
    let recs = records(&merged.text);
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
