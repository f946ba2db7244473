//! The trace reader (issue 14: the page's size): reads a trace file for the page, in a part of
//! its own (`bin/trace_reader.rs`, built as `trace_reader.js` and `trace_reader_bg.wasm`) that
//! the playground downloads the first time someone opens a trace ([`crate::parts`]), so a first
//! visit does not download raft-sim's serde readers of trace records, the largest of the page's
//! functions. The groups page, a build of its own that links everything anyway, calls [`read`]
//! directly.
//!
//! [`read`] does what opening a trace did in the page before: a recorded trace is read and
//! checked ([`playback::parse`]); a trace to replay is read with the reader `raft-sim replay`
//! uses and replayed here to check its hash. The answer is one JSON object: the notice to show,
//! and either `run` (the trace's run in the share format, [`crate::share::Run::to_json`]) or
//! `recorded` (the recording, [`playback::compact`]). The page opens it with
//! [`crate::open::trace_request`], reading only types it reads anyway.
//!
//! Plain Rust: natively tested ([`open_any`] opens any text as the page does).

use raft_sim::{SimOptions, World};
use serde_json::json;

use crate::playback;
use crate::share;

/// A trace reader: [`read`], where a build links it.
pub type ReadTrace = fn(&str) -> Result<String, String>;

/// Reads a trace the page was handed (a file, pasted text, a run from "Your Raft…"): the
/// answer described in the module doc, or why it cannot be opened.
pub fn read(text: &str) -> Result<String, String> {
    if let Some(rec) =
        playback::parse(text).map_err(|e| format!("this recorded trace cannot be shown: {e}"))?
    {
        let what = match &rec.meta.test {
            Some(test) => format!("test {test} of a classroom node ({})", rec.meta.grader),
            None => format!("a run of {}", rec.meta.source),
        };
        let notice = format!(
            "Opened a recorded trace: {what}, {} records, {} ms, shown at its end.",
            rec.records.len(),
            rec.end
        );
        return Ok(
            json!({"notice": notice, "recorded": playback::compact::encode(&rec)}).to_string(),
        );
    }
    let (mut run, hash) = share::parse_trace(share::checked(text)?)?;
    // A version-2 trace says how many steps its run took before each action and in all, and a
    // run may stop in the middle of a millisecond: replaying exactly that reproduces its hash.
    // A version-1 trace does not say; it is replayed up to its end.
    let exact = raft_sim::trace::parse_jsonl(text)
        .ok()
        .filter(|t| t.steps.is_some())
        .map(|mut t| {
            t.options.keep_trace = false;
            t.replay()
        });
    let w = match exact {
        Some(w) => w,
        None => World::replay(
            SimOptions {
                keep_trace: false,
                ..run.options.clone()
            },
            &run.actions,
            run.now,
        ),
    }
    .map_err(|e| format!("the trace's actions cannot be replayed: {e}"))?;
    let ours = format!("{:016x}", w.trace_hash());
    let notice = if ours == hash {
        format!(
            "Opened the trace: {} actions, {} ms, hash {hash} reproduced.",
            run.actions.len(),
            run.now
        )
    } else {
        format!("Opened the trace, but replaying it gives hash {ours}, not {hash}: it was recorded by a different simulator version.")
    };
    run.playing = false;
    Ok(json!({"notice": notice, "run": run.to_json()}).to_string())
}

/// Opens any text as the page does: through the trace reader when it needs it, else directly.
#[cfg(test)]
pub fn open_any(text: &str) -> Result<crate::sim_driver::LoadRequest, String> {
    use crate::open;
    if open::needs_trace_reader(text) {
        open::trace_request(&read(text)?)
    } else {
        open::import_request(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::open;
    use crate::share::Run;
    use raft_core::Role;
    use raft_sim::trace::{SessionOutcome, SnapshotSource, TraceEvent};

    const DOUBLE_VOTE: &str =
        include_str!("../../e2e/tests/fixtures/byo-double-vote-unreliable-agree.jsonl");
    const KV: &str = include_str!("../../e2e/tests/fixtures/raft-kv-transfer.jsonl");

    /// What the page opened before the reader was a part: a recorded trace straight from
    /// [`playback::parse`], a trace's run straight from [`share::parse_trace`].
    #[test]
    fn the_page_opens_what_the_reader_read() {
        for text in [DOUBLE_VOTE, KV] {
            assert!(open::needs_trace_reader(text));
            let rec = playback::parse(text).unwrap().unwrap();
            let got = open_any(text).unwrap();
            assert_eq!(got.recorded.as_deref(), Some(&rec), "every record, exactly");
            assert!(got.notice.unwrap().starts_with("Opened a recorded trace"));
        }
        let mut run = Run::fresh(SimOptions {
            seed: 11,
            ..SimOptions::default()
        });
        run.actions.push((700, raft_sim::Action::Crash { node: 2 }));
        run.now = 2000;
        let text = run.trace_jsonl().unwrap();
        let (mut want, _) = share::parse_trace(&text).unwrap();
        want.playing = false;
        let got = open_any(&text).unwrap();
        assert!(got.recorded.is_none());
        assert_eq!(got.run, want, "the trace's run, exactly");
        assert!(got.notice.unwrap().contains("reproduced"));
    }

    /// Every kind of record survives the way to the page, in a run with all of them: clients
    /// (invoke, complete, apply with a command, a reply and a session), snapshots, crashes and
    /// restarts, dropped and duplicated messages, a violation.
    #[test]
    fn every_kind_of_record_survives_the_compact_form() {
        let w =
            raft_sim::schedule::run_check(1, 5, 3_000, raft_sim::schedule::Faults::ALL, true).world;
        let mut records: Vec<_> = w.trace().to_vec();
        // What a run of the simulator does not hold by itself: a violation, every role,
        // snapshot source and session outcome.
        let at = |event| raft_sim::trace::TraceRecord { t: w.now(), event };
        records.push(at(TraceEvent::Violation {
            violation: raft_sim::Violation {
                property: "One Vote Per Term".into(),
                time: w.now(),
                event: 9,
                nodes: vec![2, 3],
                detail: "S2 voted twice".into(),
            },
        }));
        for role in [
            Role::Follower,
            Role::PreCandidate,
            Role::Candidate,
            Role::Leader,
            Role::Learner,
        ] {
            records.push(at(TraceEvent::Role {
                node: 1,
                role,
                term: 4,
            }));
        }
        for source in [SnapshotSource::Compaction, SnapshotSource::Leader] {
            records.push(at(TraceEvent::Snapshot {
                node: 1,
                index: 3,
                term: 2,
                source,
            }));
        }
        for session in [
            SessionOutcome::Executed,
            SessionOutcome::Duplicate,
            SessionOutcome::Stale,
        ] {
            records.push(at(TraceEvent::Apply {
                node: 1,
                index: 3,
                term: 2,
                command: None,
                result: Some(raft_sim::Reply {
                    ok: false,
                    value: None,
                }),
                session: Some(session),
            }));
        }
        let rec = playback::Recording {
            meta: playback::Meta {
                source: "test".into(),
                note: String::new(),
                test: Some("x".into()),
                grader: "g".into(),
            },
            seed: Some(1),
            nodes: vec![1, 2, 3, 4, 5],
            records,
            end: w.now(),
        };
        let form = playback::compact::encode(&rec);
        let kinds: std::collections::BTreeSet<&str> = form["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[1].as_str().unwrap())
            .collect();
        assert_eq!(kinds.len(), 18, "every kind of record: {kinds:?}");
        let back = playback::compact::decode(&form).unwrap();
        assert_eq!(back, rec);
    }

    /// The page refuses an answer it cannot read, without a panic.
    #[test]
    fn a_damaged_answer_is_refused() {
        let good = read(DOUBLE_VOTE).unwrap();
        for bad in [
            String::new(),
            "{}".to_string(),
            good.replace("\"send\"", "\"sent\""),
            good.replace("[0,\"step\",1]", "[0,\"step\"]"),
            good.replacen("\"nodes\":[", "\"nodes\":[-1,", 1),
        ] {
            let e = open::trace_request(&bad).unwrap_err();
            assert!(e.contains("damaged") || e.contains("not valid"), "{e}");
        }
    }
}
