//! What the page opens: from the URL at start-up, the browser's storage, a lesson, or a file
//! the person hands it. Plain Rust: every path, and every way it can fail, is tested natively.
//!
//! Precedence at start-up: a `#run=` link, then `scenario=`, then `lesson=`, then (when the
//! URL names no run) the run stored by the last visit, then a fresh run from `nodes`/`seed`.
//! Whatever cannot be opened is explained in a notice, and the next candidate is tried, so a
//! broken link never costs the person their stored run.

use std::rc::Rc;

use raft_sim::scenario::Scenario;
use raft_sim::SimOptions;

use crate::lessons::{self, Lesson};
use crate::playback;
use crate::share::{self, Imported, Run};
use crate::sim_driver::{LoadRequest, ResetSettings};
use crate::url_params::PageParams;

/// What the page starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct Startup {
    /// Settings of the fresh run underneath (and of the New run form).
    pub settings: ResetSettings,
    /// A run to open over it, if any.
    pub load: Option<LoadRequest>,
    /// Messages for the person (bad parameters, a damaged link...).
    pub notices: Vec<String>,
    /// The URL's run was opened (so the page can drop `#run=` from the address: a reload then
    /// resumes the stored, continued run instead of the original link).
    pub from_link: bool,
}

/// Decides what to open. `stored` is the run the browser kept (`None` in embeds).
pub fn startup(p: &PageParams, stored: Option<&str>, fresh_seed: u64) -> Startup {
    let fresh = ResetSettings::fresh(p.seed.unwrap_or(fresh_seed));
    let settings = ResetSettings {
        nodes: p.nodes.unwrap_or(fresh.nodes),
        ..fresh
    };
    let mut notices = p.problems.clone();
    let out = |load: Option<LoadRequest>, notices: Vec<String>, from_link: bool| Startup {
        settings: settings.clone(),
        load,
        notices,
        from_link,
    };
    if let Some(payload) = &p.run {
        match Run::decode(payload).and_then(|r| request_for_run(r, None)) {
            Ok(req) => return out(Some(req), notices, true),
            Err(e) => notices.push(format!("This link's run could not be opened: {e}.")),
        }
    }
    if let Some(name) = &p.scenario {
        match scenario_param(name) {
            Ok(s) => {
                return out(
                    Some(LoadRequest {
                        run: share::scenario_run(&s),
                        lesson: None,
                        notice: None,
                        recorded: None,
                    }),
                    notices,
                    false,
                )
            }
            Err(e) => notices.push(format!("The scenario could not be opened: {e}.")),
        }
    }
    if let Some(name) = &p.lesson {
        match lessons::built_in(name) {
            Ok(lesson) => {
                if p.seed.is_some() || p.nodes.is_some() {
                    notices.push(
                        "A lesson sets its own cluster and seed: the link's seed and nodes are not used."
                            .to_string(),
                    );
                }
                // Coming back to the same lesson resumes it.
                let resumed = stored
                    .and_then(|s| Run::from_json(s).ok())
                    .filter(|r| r.lesson.as_deref() == Some(name.as_str()))
                    .and_then(|r| request_for_run(r, None).ok());
                let req = resumed.unwrap_or_else(|| lesson_request(lesson));
                return out(Some(req), notices, false);
            }
            Err(e) => notices.push(format!("The lesson could not be opened: {e}.")),
        }
    }
    // A parameter link (`?seed=42`) reloaded after the person changed its run resumes that
    // run: a teacher's link must not cost every student their work on a reload. The notice
    // offers to start the link's run afresh.
    if p.nodes.is_some() || p.seed.is_some() {
        let same = stored.and_then(|s| Run::from_json(s).ok()).filter(|r| {
            r.lesson.is_none()
                && r.scenario.is_none()
                && p.seed.is_none_or(|seed| r.options.seed == seed)
                && p.nodes.is_none_or(|n| r.options.nodes == n)
                // A run nobody acted on is the link's own run: opening the link reproduces it.
                && !r.actions.is_empty()
        });
        if let Some(run) = same {
            let notice = resumed_notice(&run);
            if let Ok(req) = request_for_run(run, Some(notice)) {
                return out(Some(req), notices, false);
            }
        }
    }
    // A fresh run was asked for by nodes/seed; anything else falls back to the stored run (a
    // damaged link or an unknown lesson must not cost the person what they had).
    if p.nodes.is_none() && p.seed.is_none() {
        if let Some(text) = stored {
            match Run::from_json(text).and_then(|r| request_for_run(r, None)) {
                Ok(req) => return out(Some(req), notices, false),
                Err(e) => notices.push(format!(
                    "Your saved run could not be read ({e}); it is kept under raft-playground.run.broken and a fresh run started."
                )),
            }
        }
    }
    out(None, notices, false)
}

/// How the notice of a resumed parameter link begins (the notice then offers "Start fresh").
pub const RESUMED_PREFIX: &str = "Resumed your run of this link";

/// The notice shown when a parameter link resumes the stored run.
pub fn resumed_notice(run: &Run) -> String {
    format!(
        "{RESUMED_PREFIX} (seed {}, {} nodes) where you left it: {} of your actions, t = {} ms.",
        run.options.seed,
        run.options.nodes,
        run.actions.len(),
        run.now
    )
}

/// A run as a load request, attaching its lesson if it names one.
pub fn request_for_run(run: Run, notice: Option<String>) -> Result<LoadRequest, String> {
    let lesson = match &run.lesson {
        Some(name) => Some(lessons::built_in(name)?),
        None => None,
    };
    Ok(LoadRequest {
        run,
        lesson,
        notice,
        recorded: None,
    })
}

/// A lesson from its start: the setup has run, paused, no goal met.
pub fn lesson_request(lesson: Lesson) -> LoadRequest {
    let run = Run {
        now: lesson.file.start,
        lesson: Some(lesson.name.clone()),
        scenario: None,
        playing: false,
        ..share::scenario_run(&lesson.scenario)
    };
    LoadRequest {
        run,
        lesson: Some(lesson),
        notice: None,
        recorded: None,
    }
}

/// The `scenario=` parameter: a built-in name, base64url of a scenario file, or the JSON itself.
pub fn scenario_param(v: &str) -> Result<Scenario, String> {
    if let Some((_, text)) = lessons::SCENARIOS.iter().find(|(n, _)| *n == v) {
        return Scenario::from_json(text).map_err(|e| e.to_string());
    }
    let decoded = share::base64url_decode(v)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|t| t.trim_start().starts_with('{'));
    let text = if v.trim_start().starts_with('{') {
        v.to_string()
    } else if let Some(t) = decoded {
        t
    } else {
        return Err(format!(
            "{v:?} is neither an encoded scenario nor a built-in one ({})",
            lessons::SCENARIOS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    match share::import(&text)? {
        Imported::Scenario(s) => Ok(*s),
        _ => Err("that is not a scenario file".into()),
    }
}

/// True when opening `text` takes the trace reader (`crate::files`, a part of its own
/// that the page downloads when it is first needed, issue 14): a recorded trace (a `byo` or
/// `recorded` header field: [`crate::playback`]) or a trace to replay ([`share::is_trace`]).
/// Its answer is opened with [`trace_request`]; any other text with [`import_request`].
pub fn needs_trace_reader(text: &str) -> bool {
    playback::is_recorded(text) || share::is_trace(text)
}

/// A scenario file, a share link or a run's JSON, pasted or from a file, ready to open. A
/// trace ([`needs_trace_reader`]) is refused here.
pub fn import_request(text: &str) -> Result<LoadRequest, String> {
    match share::import(text)? {
        Imported::Scenario(s) => {
            let name = if s.name.is_empty() {
                "the scenario".to_string()
            } else {
                format!("scenario “{}”", s.name)
            };
            Ok(LoadRequest {
                run: share::scenario_run(&s),
                lesson: None,
                notice: Some(format!(
                    "Opened {name}: {} actions on its timeline, {} expectations.",
                    s.timeline.len(),
                    s.expect.len()
                )),
                recorded: None,
            })
        }
        Imported::Run(run) => request_for_run(*run, Some("Opened the shared run.".into())),
    }
}

/// The trace reader's answer (`crate::files::read`) as a load request: the run a trace
/// replays, or a recording to show as recorded, each with the notice the reader wrote.
pub fn trace_request(answer: &str) -> Result<LoadRequest, String> {
    let damaged = "the trace reader's answer is damaged";
    let v: serde_json::Value = serde_json::from_str(answer).map_err(|_| damaged)?;
    let notice = v["notice"].as_str().map(str::to_string);
    if let Some(rec) = v.get("recorded") {
        return Ok(recorded_request(playback::compact::decode(rec)?, notice));
    }
    let run = Run::from_json(v["run"].as_str().ok_or(damaged)?)?;
    request_for_run(run, notice)
}

/// A recording to show as recorded, over a fresh run.
pub fn recorded_request(rec: playback::Recording, notice: Option<String>) -> LoadRequest {
    LoadRequest {
        run: Run::fresh(SimOptions::default()),
        lesson: None,
        notice,
        recorded: Some(Rc::new(rec)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::open_any;
    use crate::url_params::parse;

    #[test]
    fn a_plain_visit_resumes_the_stored_run() {
        let mut r = Run::fresh(SimOptions {
            seed: 9,
            ..SimOptions::default()
        });
        r.now = 1234;
        let s = startup(&parse("", ""), Some(&r.to_json()), 5);
        let load = s.load.unwrap();
        assert_eq!(load.run.now, 1234);
        assert_eq!(load.run.options.seed, 9);
        assert!(s.notices.is_empty());
    }

    /// Found by a newcomer: these notices said what the page did not do.
    #[test]
    fn notices_say_what_was_not_used() {
        // A bad seed over a saved run: the saved run resumes, and the notice says only that
        // the seed was ignored (it said "using a random seed").
        let mut r = Run::fresh(SimOptions {
            seed: 9,
            ..SimOptions::default()
        });
        r.now = 1234;
        let s = startup(&parse("?seed=abc", ""), Some(&r.to_json()), 5);
        assert_eq!(s.load.unwrap().run.options.seed, 9);
        assert_eq!(s.notices.len(), 1);
        assert!(
            s.notices[0].ends_with("; it is ignored."),
            "{:?}",
            s.notices
        );
        // A lesson with a seed: the lesson's run opens, and the notice says the seed was not used.
        let s = startup(&parse("?lesson=split-vote&seed=5&nodes=3", ""), None, 5);
        assert_eq!(s.load.unwrap().run.options.seed, 3, "the lesson's own seed");
        assert_eq!(s.notices.len(), 1, "{:?}", s.notices);
        assert!(s.notices[0].contains("not used"), "{:?}", s.notices);
    }

    #[test]
    fn a_damaged_link_explains_and_falls_back_to_the_stored_run() {
        let mut r = Run::fresh(SimOptions::default());
        r.now = 777;
        let s = startup(&parse("", "#run=eyJ2IjoxLCJv"), Some(&r.to_json()), 5);
        assert_eq!(s.load.unwrap().run.now, 777, "the stored run is kept");
        assert_eq!(s.notices.len(), 1);
        assert!(
            s.notices[0].contains("could not be opened"),
            "{:?}",
            s.notices
        );
        assert!(!s.from_link);
    }

    #[test]
    fn a_reloaded_parameter_link_resumes_its_own_run_only() {
        let mut r = Run::fresh(SimOptions {
            seed: 42,
            nodes: 5,
            ..SimOptions::default()
        });
        r.actions.push((900, raft_sim::Action::Crash { node: 1 }));
        r.now = 2500;
        let stored = r.to_json();
        let s = startup(&parse("?seed=42", ""), Some(&stored), 5);
        let load = s.load.expect("the stored run of seed 42 resumes");
        assert_eq!((load.run.now, load.run.actions.len()), (2500, 1));
        assert!(load.notice.unwrap().starts_with(RESUMED_PREFIX));
        let s = startup(&parse("?seed=42&nodes=5", ""), Some(&stored), 5);
        assert!(s.load.is_some(), "same seed and size");
        // Another seed or size asks for another run: a fresh one.
        assert!(startup(&parse("?seed=7", ""), Some(&stored), 5)
            .load
            .is_none());
        assert!(startup(&parse("?seed=42&nodes=3", ""), Some(&stored), 5)
            .load
            .is_none());
        // A stored run the person only watched is the link's own run: it starts afresh.
        let mut untouched = Run::fresh(SimOptions {
            seed: 42,
            ..SimOptions::default()
        });
        untouched.now = 9000;
        assert!(
            startup(&parse("?seed=42", ""), Some(&untouched.to_json()), 5)
                .load
                .is_none()
        );
    }

    #[test]
    fn url_parameters_choose_what_opens() {
        let s = startup(&parse("?nodes=3&seed=8", ""), Some("{garbage"), 5);
        assert!(s.load.is_none(), "nodes/seed ask for a fresh run");
        assert_eq!((s.settings.nodes, s.settings.seed), (3, 8));
        let s = startup(&parse("?scenario=split-vote", ""), None, 5);
        assert_eq!(s.load.unwrap().run.options.seed, 3);
        let s = startup(&parse("?lesson=figure-8", ""), None, 5);
        let load = s.load.unwrap();
        assert!(load.lesson.is_some());
        assert!(!load.run.playing, "lessons start paused");
        assert!(load.run.options.break_it.commit_old_terms);
        let s = startup(&parse("?lesson=nope&scenario=nope", ""), None, 5);
        assert!(s.load.is_none());
        assert_eq!(s.notices.len(), 2, "{:?}", s.notices);
        let s = startup(&parse("", ""), Some("{garbage"), 5);
        assert!(s.load.is_none());
        assert!(s.notices[0].contains("saved run could not be read"));
    }

    #[test]
    fn encoded_and_inline_scenarios_open() {
        let text = include_str!("../../scenarios/leader-crash.json");
        let enc = share::base64url_encode(text.as_bytes());
        assert_eq!(scenario_param(&enc).unwrap().name, "leader-crash");
        assert_eq!(scenario_param(text).unwrap().name, "leader-crash");
        assert!(scenario_param("nope")
            .unwrap_err()
            .contains("leader-election"));
        let bad = share::base64url_encode(br#"{"nodes": 3, "options": {}}"#);
        let e = scenario_param(&bad).unwrap_err();
        assert!(e.contains("unknown field `nodes`"), "{e}");
    }

    #[test]
    fn imports_of_each_kind_become_load_requests() {
        let text = include_str!("../../scenarios/membership-change.json");
        let req = import_request(text).unwrap();
        assert_eq!(req.run.scenario.as_ref().unwrap().expect.len(), 4);
        let run = req.run.clone();
        let mut r = run.clone();
        r.now = 1500;
        let trace = r.trace_jsonl().unwrap();
        let req = open_any(&trace).unwrap();
        assert!(req.notice.unwrap().contains("reproduced"));
        let at = trace.rfind("\"hash\":\"").unwrap() + 8;
        let tampered = format!("{}0000000000000000{}", &trace[..at], &trace[at + 16..]);
        let req = open_any(&tampered).unwrap();
        let notice = req.notice.unwrap();
        assert!(notice.contains("different simulator version"), "{notice}");
        assert!(
            !notice.contains("first record"),
            "every record matches: {notice}"
        );
        // A record the replay does not make, as from a simulator that behaves differently:
        // the notice names its line.
        let line = tampered
            .lines()
            .position(|l| l.contains(r#""kind":"commit""#))
            .unwrap();
        let other: String = tampered
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let l = if i == line {
                    l.replacen(
                        r#""kind":"commit","node":"#,
                        r#""kind":"commit","node":1"#,
                        1,
                    )
                } else {
                    l.to_string()
                };
                l + "\n"
            })
            .collect();
        let notice = open_any(&other).unwrap().notice.unwrap();
        assert!(
            notice.contains(&format!(
                "the first record that differs is line {}, a commit record",
                line + 1
            )),
            "{notice}"
        );
        assert!(
            import_request("{\"version\": 1, \"options\": {\"nodes\": 0}}")
                .unwrap_err()
                .contains("nodes must be between 1 and 64")
        );
    }

    #[test]
    fn a_trace_that_stopped_mid_millisecond_reproduces_its_hash() {
        // `raft-sim check` seed 1 stops while events are still due in its last millisecond
        // (#21 item 5): replaying every event due by the end time gives another hash.
        let w =
            raft_sim::schedule::run_check(1, 5, 3_000, raft_sim::schedule::Faults::ALL, true).world;
        let text = raft_sim::trace::write_jsonl(&w);
        let load = open_any(&text).unwrap();
        let notice = load.notice.unwrap();
        assert!(notice.contains("reproduced"), "{notice}");
    }
}
