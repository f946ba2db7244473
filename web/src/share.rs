//! Sharing and reproducing runs: the `#run=` link, scenario files and JSONL traces, in plain
//! Rust (no browser APIs), so every format is tested natively.
//!
//! A run is its options, its recorded actions with their virtual times and the time it was
//! at: `World::replay` rebuilds it exactly. The link carries it as base64url of a compact JSON
//! object ([`RunFile`]); options equal to the defaults are left out. Scenario files and traces
//! are the formats of `docs/formats.md`, byte-compatible with `raft-sim`.

use raft_sim::scenario::{Expect, Scenario, Timed, SCENARIO_VERSION};
use raft_sim::{Action, SimOptions, World};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Version of the [`RunFile`] format. Version 1 links were made before nodes could draw
/// election timeouts by another policy than the paper's uniform one: read without
/// `election_policy`, they replay with `uniform`, as recorded. From version 2 an absent field
/// means today's default (it is left out like every other default).
pub const RUN_VERSION: u32 = 2;

/// Longest input any importer accepts (a pasted file or a link), in bytes.
pub const MAX_INPUT: usize = 8 * 1024 * 1024;

/// Most nodes the playground draws: the cluster a run starts with plus every `add_node` on its
/// timeline. More would overlap in the cluster view.
pub const MAX_NODES: u32 = 9;

/// Latest virtual time (ms) a link or a scenario may ask the page to replay to: 10 virtual
/// minutes, replayed in well under a second. A link reaching further (a hand-edited `t` of
/// 3e7 took the tab away for 20 s) is refused with a notice. Runs the page itself stored are
/// not held to it: playing that long is the person's own doing, and resuming it is expected.
pub const MAX_LINK_TIME_MS: u64 = 600_000;

/// Most recorded actions a link, a scenario, a trace or an embedding page may hand the page:
/// each is replayed on every seek, and 10,000 person-made actions is far more than a person
/// makes by hand. The page's own runs meet it the same way (a refused action says so).
pub const MAX_ACTIONS: usize = 10_000;

/// Refuses more than [`MAX_ACTIONS`] actions.
pub fn check_action_limit(count: usize, what: &str) -> Result<(), String> {
    if count <= MAX_ACTIONS {
        Ok(())
    } else {
        Err(format!(
            "{what} has {count} actions; the playground replays at most {MAX_ACTIONS}"
        ))
    }
}

/// Refuses a cluster that would grow past [`MAX_NODES`]: `nodes` to start with, plus one per
/// `add_node` among `actions`.
pub fn check_node_limit<'a>(
    nodes: u32,
    actions: impl IntoIterator<Item = &'a Action>,
    what: &str,
) -> Result<(), String> {
    let added = actions
        .into_iter()
        .filter(|a| matches!(a, Action::AddNode))
        .count() as u64;
    let total = u64::from(nodes) + added;
    if total <= u64::from(MAX_NODES) {
        return Ok(());
    }
    Err(if added == 0 {
        format!("the playground draws at most {MAX_NODES} nodes, {what} has {nodes}")
    } else {
        format!(
            "the playground draws at most {MAX_NODES} nodes, {what} starts with {nodes} and adds {added} more with add_node ({total} in all)"
        )
    })
}

/// Refuses times past [`MAX_LINK_TIME_MS`] (the replay would hold the page up).
pub fn check_time_limit(times: impl IntoIterator<Item = u64>, what: &str) -> Result<(), String> {
    match times.into_iter().max() {
        Some(t) if t > MAX_LINK_TIME_MS => Err(format!(
            "{what} reaches {:.0} s of virtual time; the playground replays links and scenarios up to {} s",
            t as f64 / 1000.0,
            MAX_LINK_TIME_MS / 1000
        )),
        _ => Ok(()),
    }
}

/// A whole run, as the share link and the browser's storage carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunFile {
    /// Format version ([`RUN_VERSION`]).
    pub v: u32,
    /// Options that differ from [`SimOptions::default`] (the rest are defaults).
    #[serde(default)]
    pub o: Value,
    /// Recorded actions, in time order (the scenario timeline format).
    #[serde(default)]
    pub a: Vec<Timed>,
    /// The virtual time the run was at.
    #[serde(default)]
    pub t: u64,
    /// The lesson the run belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l: Option<String>,
    /// Lesson goals or scenario expectations: when each was seen met (ms), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub m: Vec<Option<u64>>,
    /// The scenario the run came from: name and expectations (not for lessons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<ScenarioMeta>,
    /// Playing (true) or paused.
    #[serde(default = "yes")]
    pub p: bool,
}

fn yes() -> bool {
    true
}

/// What a run keeps of the scenario it was opened from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioMeta {
    /// Short name.
    #[serde(default)]
    pub name: String,
    /// What it shows.
    #[serde(default)]
    pub description: String,
    /// What must happen.
    #[serde(default)]
    pub expect: Vec<Expect>,
}

/// A run, decoded and checked: ready to hand to the simulation driver.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Cluster options (`keep_trace` is the browser's business).
    pub options: SimOptions,
    /// Actions with their times, in time order.
    pub actions: Vec<(u64, Action)>,
    /// Where to stand on the timeline.
    pub now: u64,
    /// Lesson name.
    pub lesson: Option<String>,
    /// Goal progress (see [`RunFile::m`]).
    pub met: Vec<Option<u64>>,
    /// Scenario name and expectations.
    pub scenario: Option<ScenarioMeta>,
    /// Playing.
    pub playing: bool,
}

impl Run {
    /// A run of `options` with no actions yet.
    pub fn fresh(options: SimOptions) -> Self {
        Run {
            options,
            actions: Vec::new(),
            now: 0,
            lesson: None,
            met: Vec::new(),
            scenario: None,
            playing: true,
        }
    }

    /// The compact file form.
    pub fn to_file(&self) -> RunFile {
        RunFile {
            v: RUN_VERSION,
            o: options_diff(&self.options),
            a: self
                .actions
                .iter()
                .map(|(at, action)| Timed {
                    at: *at,
                    action: action.clone(),
                })
                .collect(),
            t: self.now,
            l: self.lesson.clone(),
            m: self.met.clone(),
            s: self.scenario.clone(),
            p: self.playing,
        }
    }

    /// Compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_file()).expect("runs always serialize")
    }

    /// The `#run=` payload: base64url (no padding) of [`Run::to_json`].
    pub fn encode(&self) -> String {
        base64url_encode(self.to_json().as_bytes())
    }

    /// Parses [`Run::to_json`] output, naming what is wrong.
    pub fn from_json(text: &str) -> Result<Run, String> {
        let f: RunFile =
            serde_json::from_str(text).map_err(|e| format!("the run is not valid: {e}"))?;
        Run::from_file(f)
    }

    /// Decodes a `#run=` payload, naming what is wrong (bad base64, bad JSON, bad options...).
    pub fn decode(payload: &str) -> Result<Run, String> {
        let bytes = base64url_decode(payload.trim())
            .map_err(|e| format!("the link is damaged or cut short ({e})"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| "the link is damaged or cut short (not UTF-8 text)".to_string())?;
        // Only a text that ends too early suggests a link cut short; other errors say what they are.
        let run = Run::from_json(&text).map_err(|e| {
            if e.contains("EOF") {
                format!("{e} (was the link cut short?)")
            } else {
                e
            }
        })?;
        check_time_limit(
            std::iter::once(run.now).chain(run.actions.iter().map(|(at, _)| *at)),
            "this link",
        )?;
        Ok(run)
    }

    fn from_file(f: RunFile) -> Result<Run, String> {
        if !(1..=RUN_VERSION).contains(&f.v) {
            return Err(format!(
                "run version {} is not supported (expected 1 to {RUN_VERSION})",
                f.v
            ));
        }
        let mut o = if f.o.is_null() { json!({}) } else { f.o };
        if f.v >= 2 {
            if let Value::Object(m) = &mut o {
                m.entry("election_policy").or_insert_with(|| {
                    raft_sim::json::to_value(&SimOptions::default().election_policy)
                        .expect("options always serialize")
                });
            }
        }
        let options: SimOptions = raft_sim::json::from_value(&o)
            .map_err(|e| format!("the run's options are not valid: {e}"))?;
        let run = Run {
            options,
            actions: f.a.into_iter().map(|t| (t.at, t.action)).collect(),
            now: f.t,
            lesson: f.l,
            met: f.m,
            scenario: f.s,
            playing: f.p,
        };
        run.check()?;
        Ok(run)
    }

    /// Checks options and actions the way a scenario file is checked (time order, node ids).
    pub fn check(&self) -> Result<(), String> {
        check_action_limit(self.actions.len(), "this run")?;
        let s = Scenario {
            version: SCENARIO_VERSION,
            name: String::new(),
            description: String::new(),
            options: self.options.clone(),
            timeline: self
                .actions
                .iter()
                .map(|(at, a)| Timed {
                    at: *at,
                    action: a.clone(),
                })
                .collect(),
            expect: Vec::new(),
            until: None,
        };
        s.validate().map_err(|e| e.to_string())?;
        check_node_limit(
            self.options.nodes,
            self.actions.iter().map(|(_, a)| a),
            "this run",
        )
    }

    /// The run as a scenario file: its options, its actions up to `now` as the timeline,
    /// `until` = `now`, and `expect` the given expectations. A lesson's goals come with their
    /// deadlines moved to the moment the browser saw them met, so `raft-sim run` grades the
    /// run the way the page did.
    pub fn to_scenario(&self, name: &str, description: &str, expect: &[Expect]) -> Scenario {
        let expect = expect
            .iter()
            .enumerate()
            .map(|(k, e)| match self.met.get(k).copied().flatten() {
                Some(t) => with_deadline(e, t),
                None => e.clone(),
            })
            .collect();
        Scenario {
            version: SCENARIO_VERSION,
            name: name.to_string(),
            description: description.to_string(),
            options: SimOptions {
                keep_trace: true,
                ..self.options.clone()
            },
            timeline: self
                .actions
                .iter()
                .filter(|(at, _)| *at <= self.now)
                .map(|(at, a)| Timed {
                    at: *at,
                    action: a.clone(),
                })
                .collect(),
            expect,
            until: Some(self.now),
        }
    }

    /// The run's trace in the JSON Lines format `raft-sim` writes (header, records, footer with
    /// the hash): the run is replayed with the trace kept.
    pub fn trace_jsonl(&self) -> Result<String, String> {
        let opts = SimOptions {
            keep_trace: true,
            ..self.options.clone()
        };
        let actions: Vec<(u64, Action)> = self
            .actions
            .iter()
            .filter(|(t, _)| *t <= self.now)
            .cloned()
            .collect();
        let w = World::replay(opts, &actions, self.now).map_err(|e| e.to_string())?;
        Ok(trace_jsonl(&w))
    }
}

/// A world's trace as JSON Lines: the one writer, shared with `raft-sim`.
pub fn trace_jsonl(w: &World) -> String {
    raft_sim::trace::write_jsonl(w)
}

/// The same expectation with its deadline (`by` or `at`) set to `t`.
pub fn with_deadline(e: &Expect, t: u64) -> Expect {
    let mut e = e.clone();
    *e.deadline_mut() = t;
    e
}

/// The options as JSON, keeping only what differs from the defaults (recursively), and never
/// `keep_trace` (the browser decides that).
pub fn options_diff(o: &SimOptions) -> Value {
    let mut v = raft_sim::json::to_value(o).expect("options always serialize");
    let d = raft_sim::json::to_value(&SimOptions::default()).expect("options always serialize");
    prune(&mut v, &d);
    if let Value::Object(m) = &mut v {
        m.remove("keep_trace");
    }
    v
}

fn prune(v: &mut Value, d: &Value) {
    if let (Value::Object(m), Value::Object(dm)) = (v, d) {
        m.retain(|k, x| dm.get(k) != Some(x));
        for (k, x) in m.iter_mut() {
            // Tagged enums (the workload) must stay whole.
            if x.get("kind").is_none() {
                if let Some(dx) = dm.get(k) {
                    prune(x, dx);
                }
            }
        }
    }
}

/// What a pasted or dropped text turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Imported {
    /// A scenario file (`docs/formats.md`).
    Scenario(Box<Scenario>),
    /// A run: a share link, or the run JSON.
    Run(Box<Run>),
}

/// A text handed to the page, within its size limit, without a byte order mark or the blanks
/// around it; the error says why not.
pub fn checked(text: &str) -> Result<&str, String> {
    if text.len() > MAX_INPUT {
        return Err(format!(
            "that is {} bytes; the playground opens files up to {MAX_INPUT} bytes",
            text.len()
        ));
    }
    let t = text.trim_start_matches('\u{feff}').trim();
    if t.is_empty() {
        return Err("nothing to open: the file or text is empty".into());
    }
    Ok(t)
}

/// True when `text` is a JSON Lines trace to [`import`]: no share link, and a first line that
/// names the `raft-trace` format. [`import`] refuses it: the trace reader reads it
/// (`crate::files`, a part of its own, issue 14: [`parse_trace`]).
pub fn is_trace(text: &str) -> bool {
    let t = text.trim_start_matches('\u{feff}').trim();
    !t.contains("#run=") && t.lines().next().unwrap_or("").contains("\"raft-trace\"")
}

/// Recognises a scenario file, a share link or a run, and parses it; the error says what was
/// expected and what is wrong. A trace ([`is_trace`]) is refused here: the trace reader
/// opens it.
pub fn import(text: &str) -> Result<Imported, String> {
    let t = checked(text)?;
    if let Some(payload) = t.split_once("#run=").map(|(_, p)| p) {
        return Run::decode(payload).map(|r| Imported::Run(Box::new(r)));
    }
    if is_trace(t) {
        return Err("that is a trace (JSON Lines), not a scenario or a run".into());
    }
    if !t.starts_with('{') {
        return Err(
            "this is not a scenario (JSON), a trace (JSON Lines) or a share link".to_string(),
        );
    }
    let v: Value = serde_json::from_str(t).map_err(|e| format!("not valid JSON: {e}"))?;
    if v.get("v").is_some() && v.get("version").is_none() {
        return Run::from_json(t).map(|r| Imported::Run(Box::new(r)));
    }
    if v.get("steps").is_some() || v.get("solution").is_some() {
        return Err("this is a lesson's steps file: open the lesson from the Lessons menu, or its scenario file (lessons/NAME.json)".into());
    }
    let s = Scenario::from_json(t).map_err(|e| e.to_string())?;
    check_action_limit(s.timeline.len(), "this scenario")?;
    check_node_limit(
        s.options.nodes,
        s.timeline.iter().map(|t| &t.action),
        "this scenario",
    )?;
    check_time_limit(
        s.timeline.iter().map(|t| t.at).chain(s.until),
        "this scenario",
    )?;
    Ok(Imported::Scenario(Box::new(s)))
}

/// A scenario as a run standing at time 0, with its timeline still ahead.
pub fn scenario_run(s: &Scenario) -> Run {
    Run {
        options: s.options.clone(),
        actions: s
            .timeline
            .iter()
            .map(|t| (t.at, t.action.clone()))
            .collect(),
        now: 0,
        lesson: None,
        met: Vec::new(),
        scenario: Some(ScenarioMeta {
            name: s.name.clone(),
            description: s.description.clone(),
            expect: s.expect.clone(),
        }),
        playing: true,
    }
}

/// Parses a JSONL trace with the reader `raft-sim replay` uses, naming the first malformed line.
pub fn parse_trace(text: &str) -> Result<(Run, String), String> {
    let t = raft_sim::trace::parse_jsonl(text).map_err(|e| format!("trace {e}"))?;
    let mut run = Run::fresh(t.options);
    run.actions = t.actions;
    run.now = t.end;
    run.check()?;
    // Opening a trace replays it to its end: the same bound as links and scenarios.
    check_time_limit(
        std::iter::once(run.now).chain(run.actions.iter().map(|(at, _)| *at)),
        "this trace",
    )?;
    Ok((run, t.hash))
}

// ----- base64url (RFC 4648 §5, no padding) ----------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url (padding and the `+/` alphabet tolerated, whitespace ignored).
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, String> {
    let mut vals = Vec::with_capacity(text.len());
    for (i, c) in text.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => {
                return Err(format!(
                    "character {:?} at position {i} is not base64url",
                    c as char
                ))
            }
        };
        vals.push(v);
    }
    if vals.len() % 4 == 1 {
        return Err("its length is not possible for base64url".into());
    }
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for chunk in vals.chunks(4) {
        let mut n = 0u32;
        for (k, v) in chunk.iter().enumerate() {
            n |= u32::from(*v) << (18 - 6 * k);
        }
        for k in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * k)) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_sim::{NetConfig, Workload};

    fn sample() -> Run {
        let mut o = SimOptions {
            nodes: 3,
            seed: 77,
            pre_vote: false,
            keep_trace: false,
            ..SimOptions::default()
        };
        o.net.drop_ppm = 10_000;
        o.clients.workload = Workload::Tasks { total: 50 };
        Run {
            options: o,
            actions: vec![
                (400, Action::Crash { node: 2 }),
                (
                    900,
                    Action::Network {
                        config: NetConfig::default(),
                    },
                ),
                (1200, Action::Restart { node: 2 }),
                (
                    1300,
                    Action::Request {
                        key: "x1".into(),
                        value: "1".into(),
                    },
                ),
            ],
            now: 2500,
            lesson: None,
            met: vec![],
            scenario: None,
            playing: false,
        }
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|k| k.wrapping_mul(37).wrapping_add(n)).collect();
            let e = base64url_encode(&bytes);
            assert!(!e.contains('=') && !e.contains('+') && !e.contains('/'));
            assert_eq!(base64url_decode(&e).unwrap(), bytes);
        }
        assert_eq!(base64url_encode(b"Man"), "TWFu");
        assert_eq!(base64url_decode("TWE=").unwrap(), b"Ma");
        assert!(base64url_decode("TWF*")
            .unwrap_err()
            .contains("not base64url"));
    }

    #[test]
    fn a_run_survives_the_link_and_replays_to_the_same_world() {
        let run = sample();
        let link = run.encode();
        let back = Run::decode(&link).unwrap();
        assert_eq!(back.options.seed, 77);
        assert!(!back.options.pre_vote);
        assert_eq!(back.options.net.drop_ppm, 10_000);
        assert_eq!(back.actions, run.actions);
        assert_eq!(back.now, 2500);
        assert!(!back.playing);
        let a = World::replay(run.options.clone(), &run.actions, run.now).unwrap();
        let b = World::replay(back.options.clone(), &back.actions, back.now).unwrap();
        assert_eq!(a.trace_hash(), b.trace_hash());
    }

    #[test]
    fn defaults_stay_out_of_the_link() {
        let o = options_diff(&SimOptions {
            seed: 5,
            ..SimOptions::default()
        });
        assert_eq!(o, json!({"seed": 5}));
        let mut s = SimOptions::default();
        s.break_it.commit_old_terms = true;
        assert_eq!(
            options_diff(&s),
            json!({"break_it": {"commit_old_terms": true}})
        );
    }

    #[test]
    fn damaged_links_say_what_is_wrong() {
        let link = sample().encode();
        let cut = &link[..link.len() / 2];
        let e = Run::decode(cut).unwrap_err();
        assert!(e.contains("cut short") || e.contains("not valid"), "{e}");
        assert!(Run::decode("%%%").unwrap_err().contains("not base64url"));
        let e = Run::from_json(r#"{"v":1,"o":{"nodes":0}}"#).unwrap_err();
        assert!(e.contains("nodes must be between 1 and 64"), "{e}");
        let e = Run::from_json(r#"{"v":3}"#).unwrap_err();
        assert!(e.contains("version 3"), "{e}");
        // A version-1 link ran with the uniform policy; a version-2 link without the field,
        // with today's default.
        let v1 = Run::from_json(r#"{"v":1}"#).unwrap();
        assert_eq!(
            v1.options.election_policy,
            raft_core::ElectionPolicy::Uniform
        );
        let v2 = Run::from_json(r#"{"v":2}"#).unwrap();
        assert_eq!(
            v2.options.election_policy,
            SimOptions::default().election_policy
        );
        let e =
            Run::from_json(r#"{"v":1,"o":{"nodes":3},"a":[{"at":5,"action":"crash","node":4}]}"#)
                .unwrap_err();
        assert!(e.contains("names S4"), "{e}");
        let e = Run::from_json(r#"{"v":1,"o":{"nodes":12}}"#).unwrap_err();
        assert!(e.contains("at most 9"), "{e}");
    }

    #[test]
    fn links_and_scenarios_that_add_past_nine_nodes_are_refused() {
        let adds = |n: usize| {
            (0..n)
                .map(|k| format!(r#"{{"at":{},"action":"add_node"}}"#, 100 + k))
                .collect::<Vec<_>>()
                .join(",")
        };
        let run = |nodes: u32, n: usize| {
            format!(r#"{{"v":1,"o":{{"nodes":{nodes}}},"a":[{}]}}"#, adds(n))
        };
        assert!(Run::from_json(&run(5, 4)).is_ok(), "5 + 4 = 9 is allowed");
        let e = Run::from_json(&run(5, 24)).unwrap_err();
        assert!(
            e.contains("at most 9") && e.contains("adds 24 more with add_node"),
            "{e}"
        );
        let scenario = |n: usize| {
            format!(
                r#"{{"version":1,"options":{{"nodes":5}},"timeline":[{}]}}"#,
                adds(n)
            )
        };
        assert!(import(&scenario(4)).is_ok());
        let e = import(&scenario(34)).unwrap_err();
        assert!(
            e.contains("this scenario starts with 5 and adds 34 more"),
            "{e}"
        );
    }

    #[test]
    fn links_reaching_too_far_in_time_are_refused_but_stored_runs_are_not() {
        let far = r#"{"v":1,"o":{"nodes":3},"t":30000000}"#;
        let link = base64url_encode(far.as_bytes());
        let e = Run::decode(&link).unwrap_err();
        assert!(
            e.contains("30000 s of virtual time") && e.contains("up to 600 s"),
            "{e}"
        );
        // A run the page stored itself resumes however long it played.
        assert!(Run::from_json(far).is_ok());
        let near = r#"{"v":1,"o":{"nodes":3},"t":600000}"#;
        assert!(Run::decode(&base64url_encode(near.as_bytes())).is_ok());
        let e = import(r#"{"version":1,"options":{"nodes":3},"timeline":[],"until":700000}"#)
            .unwrap_err();
        assert!(e.contains("700 s"), "{e}");
    }

    #[test]
    fn exported_scenarios_parse_and_run_like_the_browser_run() {
        let run = sample();
        let goal = Expect::Leader {
            by: 60_000,
            node: None,
            min_term: None,
        };
        let mut r = run.clone();
        r.met = vec![Some(700)];
        let s = r.to_scenario("mine", "a test", &[goal]);
        let back = Scenario::from_json(&s.to_json()).unwrap();
        assert_eq!(back.until, Some(2500));
        assert_eq!(back.timeline.len(), 4);
        assert_eq!(back.expect[0].deadline(), 700);
        let out = back.run().unwrap();
        let browser = World::replay(run.options.clone(), &run.actions, run.now).unwrap();
        assert_eq!(out.world.trace_hash(), browser.trace_hash());
    }

    #[test]
    fn traces_round_trip_through_the_importer() {
        let run = sample();
        let text = run.trace_jsonl().unwrap();
        assert!(text.starts_with(r#"{"format":"raft-trace""#) || text.contains("\"header\""));
        // The importer leaves a trace to the trace reader, which reads it with parse_trace.
        assert!(is_trace(&text) && is_trace(&format!("\u{feff}\n{text}")));
        assert!(import(&text).unwrap_err().contains("is a trace"));
        let (back, hash) = parse_trace(&text).unwrap();
        assert_eq!(back.actions, run.actions);
        assert_eq!(back.now, run.now);
        let w = World::replay(back.options.clone(), &back.actions, back.now).unwrap();
        assert_eq!(format!("{:016x}", w.trace_hash()), hash);
        // Truncated: the last line (footer) is gone.
        let cut: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
        assert!(parse_trace(&cut).unwrap_err().contains("no footer"));
        // A share link is a link, whatever follows it.
        assert!(!is_trace(&format!("{text}\nhttp://x/#run=abc")));
    }

    #[test]
    fn the_importer_recognises_each_kind_and_explains_failures() {
        let s = include_str!("../../scenarios/partition-minority.json");
        assert!(matches!(import(s).unwrap(), Imported::Scenario(_)));
        let link = format!("http://x/#run={}", sample().encode());
        assert!(matches!(import(&link).unwrap(), Imported::Run(_)));
        assert!(matches!(
            import(&sample().to_json()).unwrap(),
            Imported::Run(_)
        ));
        assert!(import("").unwrap_err().contains("empty"));
        assert!(import("hello").unwrap_err().contains("not a scenario"));
        assert!(import("{\"version\":1,")
            .unwrap_err()
            .contains("not valid JSON"));
        let e = import(r#"{"version":1,"nodes":3}"#).unwrap_err();
        assert!(e.contains("unknown field `nodes`"), "{e}");
    }

    #[test]
    fn every_way_in_meets_the_action_and_time_limits() {
        // A scenario with one action too many.
        let timeline: Vec<Value> = (0..=MAX_ACTIONS)
            .map(|k| json!({"at": k, "action": "heal"}))
            .collect();
        let text = json!({"version": 1, "options": {"nodes": 3}, "timeline": timeline}).to_string();
        let e = import(&text).unwrap_err();
        assert!(
            e.contains("10001 actions") && e.contains("at most 10000"),
            "{e}"
        );
        // The same in a link.
        let mut run = sample();
        run.actions = (0..=MAX_ACTIONS as u64)
            .map(|k| (k, Action::Heal))
            .collect();
        run.now = MAX_ACTIONS as u64 + 1;
        let e = Run::decode(&run.encode()).unwrap_err();
        assert!(e.contains("at most 10000"), "{e}");
        // A link's stray "(was the link cut short?)" only where the text ends early.
        let wrong = base64url_encode(br#"{"v":1,"o":{"nodes":"five"}}"#);
        assert!(!Run::decode(&wrong).unwrap_err().contains("cut short"));
        let short = base64url_encode(br#"{"v":1,"o":{"nodes":3"#);
        assert!(Run::decode(&short).unwrap_err().contains("cut short"));
    }
}
