//! Scenario and trace files (issue 14: the page's size): reading a trace the page is handed,
//! writing a run's trace or scenario file. Done in a part of its own (`bin/files.rs`, built as
//! `files.js` and `files_bg.wasm`) that the playground downloads the first time someone opens
//! a trace or downloads a file ([`crate::parts`]), so a first visit does not download
//! raft-sim's serde readers of trace records (the largest of the page's functions), nor the
//! writers of trace records and scenarios. The groups page, a build of its own that links
//! everything anyway, calls these functions directly ([`LOCAL`]).
//!
//! The trace reader, [`read`], does what opening a trace did in the page before: a recorded
//! trace is read and checked ([`playback::parse`]); a trace to replay is read with the reader
//! `raft-sim replay` uses and replayed here to check its hash. The answer is one JSON object:
//! the notice to show, and either `run` (the trace's run in the share format,
//! [`crate::share::Run::to_json`]) or `recorded` (the recording, [`playback::compact`]). The
//! page opens it with [`crate::open::trace_request`], reading only types it reads anyway.
//!
//! The writers, [`trace_file`] and [`scenario_file`], take the run in the share format too
//! (which the page writes anyway for links and storage) and give the file's text.
//!
//! Plain Rust: natively tested ([`open_any`] opens any text as the page does).

use raft_sim::scenario::Expect;
use raft_sim::{SimOptions, World};
use serde_json::json;

use crate::open;
use crate::playback::{self, Recording};
use crate::share::{self, Run};
use crate::sim_driver::LoadRequest;

/// The part's functions, for a build that links them instead of downloading the part.
#[derive(Debug, Clone, Copy)]
pub struct Local {
    /// [`open_trace`].
    pub open: fn(&str) -> Result<LoadRequest, String>,
    /// [`trace_file`].
    pub trace: fn(&str) -> Result<String, String>,
    /// [`scenario_file`].
    pub scenario: fn(&str, &str, &str, &str) -> Result<String, String>,
}

/// This file's functions (the groups page's build links them).
pub const LOCAL: Local = Local {
    open: open_trace,
    trace: trace_file,
    scenario: scenario_file,
};

/// A run's trace file (JSON Lines, as `raft-sim` writes it: [`Run::trace_jsonl`]), from the
/// run's JSON ([`Run::to_json`]).
pub fn trace_file(run: &str) -> Result<String, String> {
    Run::from_json(run)?.trace_jsonl()
}

/// A run's scenario file ([`Run::to_scenario`]), from the run's JSON ([`Run::to_json`]), the
/// scenario's name and description, and its expectations as a JSON array.
pub fn scenario_file(
    run: &str,
    name: &str,
    description: &str,
    expect: &str,
) -> Result<String, String> {
    let expect: Vec<Expect> =
        serde_json::from_str(expect).map_err(|e| format!("the expectations are not valid: {e}"))?;
    Ok(Run::from_json(run)?
        .to_scenario(name, description, &expect)
        .to_json())
}

/// A trace, read: what the page opens, and the notice that says so.
enum Read {
    /// A recording, shown as recorded.
    Recorded(String, Recording),
    /// The run a trace replays.
    Run(String, Run),
}

/// Reads a trace the page was handed (a file, pasted text, a run from "Your Raft…"): the
/// answer described in the module doc, or why it cannot be opened.
pub fn read(text: &str) -> Result<String, String> {
    Ok(match read_trace(text)? {
        Read::Recorded(notice, rec) => {
            json!({"notice": notice, "recorded": playback::compact::encode(&rec)})
        }
        Read::Run(notice, run) => json!({"notice": notice, "run": run.to_json()}),
    }
    .to_string())
}

/// What [`read`]'s answer opens ([`open::trace_request`]), without the answer: for a build
/// that links the reader (the groups page's).
pub fn open_trace(text: &str) -> Result<LoadRequest, String> {
    match read_trace(text)? {
        Read::Recorded(notice, rec) => Ok(open::recorded_request(rec, Some(notice))),
        Read::Run(notice, run) => open::request_for_run(run, Some(notice)),
    }
}

fn read_trace(text: &str) -> Result<Read, String> {
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
        return Ok(Read::Recorded(notice, rec));
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
        format!(
            "Opened the trace, but replaying it gives hash {ours}, not {hash}{}: it was recorded by a different simulator version, or edited.",
            first_difference(text)
        )
    };
    run.playing = false;
    Ok(Read::Run(notice, run))
}

/// Where the replay of a trace whose hash it did not reproduce first parts from the file
/// ([`raft_sim::trace::first_divergence`]), as the end of a sentence: replayed once more with
/// its records kept (only then: the page's replay keeps none). Empty when it cannot say.
fn first_difference(text: &str) -> String {
    let Some(d) = raft_sim::trace::parse_jsonl(text)
        .ok()
        .filter(|t| t.steps.is_some())
        .and_then(|t| t.replay().ok())
        .and_then(|w| raft_sim::trace::first_divergence(text, &w))
    else {
        return String::new();
    };
    let kind = |l: &Option<String>| {
        l.as_deref()
            .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .and_then(|v| v["kind"].as_str().map(str::to_string))
    };
    match (kind(&d.recorded), kind(&d.replayed)) {
        (Some(a), Some(b)) if a == b => format!(
            " (the first record that differs is line {}, a {a} record at {} ms)",
            d.line, d.t
        ),
        (Some(a), Some(b)) => format!(
            " (the first record that differs is line {}, at {} ms: the file has a {a} record where the replay makes a {b} record)",
            d.line, d.t
        ),
        (Some(a), None) => format!(
            " (the replay ends before line {}, a {a} record at {} ms)",
            d.line, d.t
        ),
        (None, _) => format!(
            " (the replay goes on past the file's last record, line {})",
            d.line.saturating_sub(1)
        ),
    }
}

/// Opens any text as the page does: through the trace reader when it needs it, else directly.
#[cfg(test)]
pub fn open_any(text: &str) -> Result<LoadRequest, String> {
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
            assert_eq!(
                open_trace(text).unwrap(),
                got,
                "the groups page's way, the same"
            );
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
        assert_eq!(
            open_trace(&text).unwrap(),
            got,
            "the groups page's way, the same"
        );
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

    /// The files written from a run's JSON are those written from the run itself: a run with
    /// actions, a lesson's run with goals met (their deadlines move to when they were met), a
    /// scenario's run.
    #[test]
    fn files_written_from_the_runs_json_are_the_runs_own() {
        let lesson = crate::lessons::built_in("crash-the-leader").unwrap();
        let mut lesson_run = open::lesson_request(lesson.clone()).run;
        lesson_run.now += 1500;
        lesson_run.met = vec![Some(lesson_run.now - 200)];
        let mut plain = Run::fresh(SimOptions {
            seed: 4,
            nodes: 3,
            ..SimOptions::default()
        });
        plain.actions = vec![
            (300, raft_sim::Action::Crash { node: 1 }),
            (900, raft_sim::Action::Restart { node: 1 }),
        ];
        plain.now = 1400;
        let scenario = share::scenario_run(
            &raft_sim::scenario::Scenario::from_json(include_str!(
                "../../scenarios/leader-crash.json"
            ))
            .unwrap(),
        );
        for (run, expect) in [
            (&plain, Vec::new()),
            (&lesson_run, lesson.goals().to_vec()),
            (
                &scenario,
                scenario.scenario.as_ref().unwrap().expect.clone(),
            ),
        ] {
            let json = run.to_json();
            assert_eq!(trace_file(&json).unwrap(), run.trace_jsonl().unwrap());
            let expect_json = serde_json::to_string(&expect).unwrap();
            assert_eq!(
                scenario_file(&json, "n", "d", &expect_json).unwrap(),
                run.to_scenario("n", "d", &expect).to_json()
            );
        }
        assert!(scenario_file(&plain.to_json(), "n", "d", "{")
            .unwrap_err()
            .contains("expectations are not valid"));
        assert!(trace_file("{").unwrap_err().contains("not valid"));
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
