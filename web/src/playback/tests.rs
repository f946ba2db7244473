//! Tests of [`super`]: recorded traces read, shown and refused.

use super::*;

/// `raft-sim grade --node "python3 classroom/python/buggy.py double-vote" --test
/// unreliable-agree --seed 1 --once --trace …`: the node's double vote, recorded.
const DOUBLE_VOTE: &str =
    include_str!("../../../e2e/tests/fixtures/byo-double-vote-unreliable-agree.jsonl");

fn recording() -> Recording {
    parse(DOUBLE_VOTE)
        .unwrap()
        .expect("a byo trace is recorded")
}

#[test]
fn a_grade_trace_is_read_as_recorded() {
    let r = recording();
    assert_eq!(r.meta.source, "byo");
    assert_eq!(r.meta.test.as_deref(), Some("unreliable-agree"));
    assert_eq!(r.nodes, vec![1, 2, 3, 4, 5]);
    assert_eq!(r.end, 190);
    // A trace raft-sim can replay is not a recording.
    let plain = raft_sim::trace::write_jsonl(
        &raft_sim::World::new(raft_sim::SimOptions::default()).unwrap(),
    );
    assert_eq!(parse(&plain).unwrap(), None);
}

/// The views come from the records: at the end, the double vote (Raft §5.2: at most one
/// vote per term) is the violation shown, the voter's two votes are in the event log, and
/// the nodes' terms are the recorded ones.
#[test]
fn the_end_shows_the_violation_and_the_votes() {
    let mut p = Playback::new(recording());
    assert!(p.view(true).safety.violation.is_none());
    p.seek(u64::MAX);
    assert!(p.at_end());
    let v = p.view(true);
    let violation = v.safety.violation.expect("the violation is shown");
    assert_eq!(violation.property, "One Vote Per Term");
    assert_eq!(violation.time, 190);
    assert!(v.nodes.iter().any(|n| n.term == 1));
    let texts: Vec<&str> = p.events().iter().map(|l| l.text.as_str()).collect();
    assert!(
        texts.iter().any(|t| t.contains("S2 voted for")),
        "{texts:?}"
    );
    assert_eq!(p.events()[0].kind, EventKind::Violation, "{texts:?}");
}

/// A real cluster's run, exported by raft-kv (issue #16: "the trace of a real run … opened in
/// the page"): `raft-kv cluster --nodes 3 --record`, a PUT, a CAS and a read on the leader,
/// leadership transferred to S3, a PUT on S3, then `raft-kv trace`. Its records, with
/// wall-clock times, draw the same views: S3 leads at the end in a later term, and every
/// node committed and applied the same entries.
#[test]
fn a_real_raft_kv_run_opens_as_recorded() {
    const KV: &str = include_str!("../../../e2e/tests/fixtures/raft-kv-transfer.jsonl");
    let r = parse(KV).unwrap().expect("a raft-kv export is recorded");
    assert_eq!(r.meta.source, "raft-kv");
    assert_eq!(r.nodes, vec![1, 2, 3]);
    let mut p = Playback::new(r);
    p.seek(u64::MAX);
    let v = p.view(true);
    assert!(v.safety.violation.is_none());
    let leaders: Vec<_> = v
        .nodes
        .iter()
        .filter(|n| n.role == crate::view_model::RoleView::Leader)
        .map(|n| (n.id, n.term))
        .collect();
    assert_eq!(leaders.len(), 1, "{leaders:?}");
    assert_eq!(leaders[0].0, 3, "the transfer's target leads: {leaders:?}");
    assert!(leaders[0].1 >= 2, "in a later term: {leaders:?}");
    let committed: Vec<_> = v.nodes.iter().map(|n| (n.committed, n.applied)).collect();
    assert!(
        committed.iter().all(|&c| c == committed[0] && c.0 >= 5),
        "noop, PUT, CAS, S3's noop and PUT committed and applied everywhere: {committed:?}"
    );
    assert!(!p.events().is_empty());
}

/// Raft §7: a follower that installs the leader's snapshot, or restarts from its own, has
/// its state machine at the snapshot's index, and the page shows it there at once.
#[test]
fn a_snapshot_moves_the_state_machine_to_its_index() {
    let mut f = Folded::new(&[1, 2]);
    let rec = |event| TraceRecord { t: 5, event };
    f.apply(&rec(TraceEvent::Snapshot {
        node: 2,
        index: 40,
        term: 3,
        source: SnapshotSource::Leader,
    }));
    let s2 = &f.nodes[&2];
    assert_eq!((s2.snapshot_index, s2.committed, s2.applied), (40, 40, 40));
    // A compaction does not move the state machine (it was there already).
    f.apply(&rec(TraceEvent::Snapshot {
        node: 1,
        index: 30,
        term: 3,
        source: SnapshotSource::Compaction,
    }));
    assert_eq!(f.nodes[&1].applied, 0);
    f.apply(&rec(TraceEvent::Crash { node: 2 }));
    f.apply(&rec(TraceEvent::Restart {
        node: 2,
        term: 3,
        vote: None,
        last_index: 44,
        snapshot_index: 40,
    }));
    assert_eq!((f.nodes[&2].committed, f.nodes[&2].applied), (40, 40));
}

/// Time travel: seeking back and forth gives the same state as playing straight there.
#[test]
fn seeking_back_is_the_same_as_playing_forward() {
    let mut played = Playback::new(recording());
    played.advance(150.0);
    let mut jumped = Playback::new(recording());
    jumped.seek(190);
    jumped.seek(150);
    assert_eq!(played.view(true), jumped.view(true));
    assert_eq!(played.events(), jumped.events());
    assert!(jumped.view(true).safety.violation.is_none(), "not yet");
    // Stepping shows one recorded step at a time.
    let mut stepped = Playback::new(recording());
    stepped.step();
    assert_eq!(stepped.state.steps, 1);
    while !stepped.at_end() {
        stepped.step();
    }
    assert_eq!(stepped.view(true), jumped.tap_end().view(true));
}

impl Playback {
    fn tap_end(&mut self) -> &Self {
        self.seek(u64::MAX);
        self
    }
}

/// Bad input gives a clear error naming the line, never a panic.
#[test]
fn malformed_recordings_are_refused_with_a_reason() {
    let lines: Vec<&str> = DOUBLE_VOTE.lines().collect();
    let (header, body, footer) = (lines[0], &lines[1..lines.len() - 1], lines[lines.len() - 1]);
    let with = |recs: &[&str], footer: &str| {
        let mut t = format!("{header}\n");
        for r in recs {
            t += r;
            t.push('\n');
        }
        t + footer
    };
    let err = |t: String| parse(&t).unwrap_err();
    assert!(err(with(body, "")).contains("no footer"));
    let mut shuffled = body.to_vec();
    shuffled.swap(0, body.len() - 1);
    assert!(err(with(&shuffled, footer)).contains("goes back"));
    assert!(err(with(&body[1..], footer)).contains("step 2 follows step 0"));
    assert!(err(with(&[r#"{"t":0,"kind":"teleport"}"#], footer)).contains("line 2: bad record"));
    let many: Vec<String> = (6..=10)
        .map(|id| format!(r#"{{"t":0,"kind":"commit","node":{id},"index":1}}"#))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(err(with(&many, footer)).contains("node 10 is one node more than the 9"));
    assert!(err(with(&[r#"{"t":-1,"kind":"step","n":1}"#], footer)).contains("line 2"));
    assert!(err(with(
        &[r#"{"t":90071992547409930,"kind":"step","n":1}"#],
        footer
    ))
    .contains("2^53"));
    assert!(err(with(
        body,
        r#"{"kind":"footer","end":190,"records":3,"hash":"0"}"#
    ))
    .contains("announces 3 records"));
    // A record changed after the file was written no longer gives the footer's hash.
    let k = body.iter().position(|r| r.contains(r#""term":1"#)).unwrap();
    let mut edited: Vec<String> = body.iter().map(|r| r.to_string()).collect();
    edited[k] = edited[k].replacen(r#""term":1"#, r#""term":7"#, 1);
    let edited: Vec<&str> = edited.iter().map(String::as_str).collect();
    assert!(err(with(&edited, footer)).contains("changed or damaged"));
    assert!(
        parse(&with(body, footer)).is_ok(),
        "the file as written reads"
    );
    let raft_kv = r#"{"kind":"header","format":"raft-trace","version":3,"recorded":{"source":"raft-kv","note":"wall clock"}}"#;
    let r = parse(&format!(
        "{raft_kv}\n{{\"t\":5,\"kind\":\"role\",\"node\":2,\"role\":\"leader\",\"term\":3}}\n{{\"kind\":\"footer\",\"end\":9,\"records\":1}}\n"
    ))
    .unwrap()
    .unwrap();
    assert_eq!(
        (r.meta.source.as_str(), r.nodes.clone()),
        ("raft-kv", vec![2])
    );
    let mut p = Playback::new(r);
    p.seek(9);
    assert_eq!(p.view(false).metrics.leader, Some(2));
    assert!(err(format!(
        "{raft_kv}\n{{\"kind\":\"footer\",\"end\":0,\"records\":0}}"
    ))
    .contains("names no node"));
    let v4 = header.replace("\"version\":3", "\"version\":4");
    assert!(err(with(body, footer).replacen(header, &v4, 1)).contains("version 4"));
}
