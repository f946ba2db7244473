//! Opening a multi-group run: from `?groups=N` (with `machines` and `seed`), from a
//! version-2 scenario file (docs/formats.md), from the multi-group lesson, and from a share
//! link `#groups=…`. Plain Rust, natively tested.
//!
//! The link carries the run as a version-2 scenario (the same file `raft-sim run` reads: the
//! definition, every action done so far with its time, the expectations) plus where to stand
//! and whether it plays, as base64url JSON: `{"v":1,"t":ms,"p":bool,"l":lesson?,"s":{…}}`.
//! Limits (refused with a sentence naming them): groups ≤ [`MAX_PAGE_GROUPS`], machines ≤
//! [`MAX_PAGE_MACHINES`], actions ≤ [`MAX_GROUP_ACTIONS`](super::run::MAX_GROUP_ACTIONS),
//! time ≤ [`MAX_OPEN_MS`].

use raft_sim::groups_scenario::{AnyScenario, GroupDef, GroupScenario};
use raft_sim::{ClientOptions, SimOptions};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::run::{check_page_limits, MAX_OPEN_MS, MAX_PAGE_GROUPS, MAX_PAGE_MACHINES};
use crate::share::{base64url_decode, base64url_encode};

/// Version of the `#groups=` payload.
pub const GROUPS_LINK_VERSION: u32 = 1;

/// Machines of a `?groups=N` run when the URL does not say.
pub const DEFAULT_MACHINES: u32 = 5;

/// What to open as a multi-group run.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupsStart {
    /// The definition, timeline and expectations.
    pub scenario: GroupScenario,
    /// Where to stand, ms.
    pub now: u64,
    /// Playing at first.
    pub playing: bool,
    /// The lesson it belongs to (its goals are met in order).
    pub lesson: Option<String>,
}

/// The `#groups=` payload.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkFile {
    v: u32,
    #[serde(default)]
    t: u64,
    #[serde(default = "yes")]
    p: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    l: Option<String>,
    s: Value,
}

fn yes() -> bool {
    true
}

/// A fresh run of `groups` groups (named g1, g2…) of 3 replicas each (fewer with fewer
/// machines) on `machines` machines, each group with one client writing steadily. Refuses
/// counts outside the page's limits with a sentence naming them.
pub fn fresh(groups: u32, machines: u32, seed: u64) -> Result<GroupScenario, String> {
    if !(1..=MAX_PAGE_GROUPS).contains(&groups) {
        return Err(format!(
            "groups must be 1 to {MAX_PAGE_GROUPS} in the playground (asked for {groups})"
        ));
    }
    if !(1..=MAX_PAGE_MACHINES).contains(&machines) {
        return Err(format!(
            "machines must be 1 to {MAX_PAGE_MACHINES} in the playground (asked for {machines})"
        ));
    }
    let s = GroupScenario {
        name: format!("{groups} groups on {machines} machines"),
        description: String::new(),
        options: SimOptions {
            seed,
            ..SimOptions::default()
        },
        machines,
        groups: (1..=groups)
            .map(|g| GroupDef {
                name: format!("g{g}"),
                replicas: machines.min(3),
                clients: ClientOptions {
                    enabled: true,
                    count: 1,
                    ..ClientOptions::default()
                },
            })
            .collect(),
        coalesce_ms: None,
        timeline: Vec::new(),
        expect: Vec::new(),
        until: None,
    };
    s.validate().map_err(|e| e.to_string())?;
    Ok(s)
}

/// Reads a scenario file's text as a multi-group run if it is version 2 (`Ok(None)`: a
/// version-1 file, for the single-group page).
pub fn scenario_text(text: &str) -> Result<Option<GroupScenario>, String> {
    let is_v2 = serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}'))
        .ok()
        .and_then(|v| v.get("version").and_then(Value::as_u64))
        == Some(2);
    if !is_v2 {
        return Ok(None);
    }
    match AnyScenario::from_json(text).map_err(|e| e.to_string())? {
        AnyScenario::Groups(s) => {
            check_page_limits(&s)?;
            Ok(Some(s))
        }
        AnyScenario::Single(_) => Ok(None),
    }
}

/// The groups page's readers of version-2 scenarios, reached only through
/// [`super::GroupsHost::PAGE`]: the playground's build, which has no host, links neither
/// (issue 14) and hands such scenarios to the groups page whole ([`super::forward`]).
#[derive(Debug, Clone, Copy)]
pub struct Readers {
    /// A file's text ([`scenario_text`]).
    pub text: fn(&str) -> Result<Option<GroupScenario>, String>,
    /// A `?scenario=` value or an embed's `load` payload ([`scenario_param`]).
    pub param: fn(&str) -> Result<Option<GroupScenario>, String>,
    /// Scenario and trace files ([`crate::files`]): the groups page, which links everything
    /// anyway, reads and writes them itself; the playground downloads a part for them
    /// ([`crate::parts`]).
    pub files: crate::files::Local,
}

impl Readers {
    /// The readers of this file, and the files part's functions.
    pub const ALL: Readers = Readers {
        text: scenario_text,
        param: scenario_param,
        files: crate::files::LOCAL,
    };
}

impl PartialEq for Readers {
    /// Set once at start-up and never changed (as [`super::GroupsHost`]).
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The built-in version-2 scenarios, by the name `?scenario=` and an embed's `load` use.
pub const GROUP_SCENARIOS: &[(&str, &str)] = &[(
    "groups-machine-crash",
    include_str!("../../../scenarios/groups/machine-crash.json"),
)];

/// A `?scenario=` value or an embed's `load` payload as a multi-group run: a built-in
/// version-2 scenario's name, a version-2 scenario's JSON, or its base64url. `Ok(None)`: not a
/// version-2 scenario (the single-group page reads it).
pub fn scenario_param(v: &str) -> Result<Option<GroupScenario>, String> {
    if let Some((_, text)) = GROUP_SCENARIOS.iter().find(|(n, _)| *n == v) {
        return scenario_text(text);
    }
    if v.trim_start().starts_with('{') {
        return scenario_text(v);
    }
    match base64url_decode(v.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    {
        Some(text) if text.trim_start().starts_with('{') => scenario_text(&text),
        _ => Ok(None),
    }
}

impl GroupsStart {
    /// `scenario` from its start, playing.
    pub fn of(scenario: GroupScenario) -> Self {
        GroupsStart {
            scenario,
            now: 0,
            playing: true,
            lesson: None,
        }
    }

    /// The `#groups=` payload of this run.
    pub fn encode(&self) -> String {
        let s: Value = serde_json::from_str(&self.scenario.to_json())
            .expect("a scenario's JSON reads back as JSON");
        let f = LinkFile {
            v: GROUPS_LINK_VERSION,
            t: self.now,
            p: self.playing,
            l: self.lesson.clone(),
            s,
        };
        base64url_encode(
            serde_json::to_string(&f)
                .expect("links always serialize")
                .as_bytes(),
        )
    }

    /// Decodes a `#groups=` payload, naming what is wrong (damaged link, bad scenario, a limit).
    pub fn decode(payload: &str) -> Result<GroupsStart, String> {
        let bytes = base64url_decode(payload.trim())
            .map_err(|e| format!("the link is damaged or cut short ({e})"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| "the link is damaged or cut short (not UTF-8 text)".to_string())?;
        let f: LinkFile = serde_json::from_str(&text)
            .map_err(|e| format!("the multi-group link is not valid: {e}"))?;
        if f.v != GROUPS_LINK_VERSION {
            return Err(format!(
                "multi-group link version {} is not supported (expected {GROUPS_LINK_VERSION})",
                f.v
            ));
        }
        if f.t > MAX_OPEN_MS {
            return Err(format!(
                "this link stands at {} ms; the playground opens runs of at most {MAX_OPEN_MS} ms",
                f.t
            ));
        }
        let scenario = scenario_text(&f.s.to_string())?
            .ok_or("the multi-group link does not hold a version-2 scenario")?;
        Ok(GroupsStart {
            scenario,
            now: f.t,
            playing: f.p,
            lesson: f.l,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::run::GroupsRun;
    use raft_sim::groups::{MachineAction, MultiAction};

    #[test]
    fn fresh_runs_respect_the_page_limits() {
        let s = fresh(3, 5, 7).unwrap();
        assert_eq!(s.groups.len(), 3);
        assert_eq!(s.machines, 5);
        assert!(fresh(9, 5, 7).unwrap_err().contains("1 to 8"));
        assert!(fresh(3, 10, 7).unwrap_err().contains("1 to 9"));
        assert!(fresh(0, 5, 7).is_err());
        assert_eq!(fresh(2, 2, 1).unwrap().groups[0].replicas, 2);
    }

    /// A version-2 scenario with more groups or machines than the page draws is refused with
    /// the limit named; a version-1 file is not ours.
    #[test]
    fn scenario_files_are_sorted_by_version_and_limited() {
        let v2 = include_str!("../../../scenarios/groups/machine-crash.json");
        assert!(scenario_text(v2).unwrap().is_some());
        let v1 = include_str!("../../../scenarios/leader-crash.json");
        assert!(scenario_text(v1).unwrap().is_none());
        let mut big: Value = serde_json::from_str(v2).unwrap();
        big["machines"] = 12.into();
        let e = scenario_text(&big.to_string()).unwrap_err();
        assert!(e.contains("at most 9"), "{e}");
        let mut many: Value = serde_json::from_str(v2).unwrap();
        many["groups"] = (1..=9)
            .map(|g| serde_json::json!({"name": format!("g{g}"), "replicas": 3}))
            .collect::<Vec<_>>()
            .into();
        many["timeline"] = Value::Array(vec![]);
        many["expect"] = Value::Array(vec![]);
        let e = scenario_text(&many.to_string()).unwrap_err();
        assert!(e.contains("at most 8"), "{e}");
        assert!(scenario_text(r#"{"version":2,"machines":"x"}"#).is_err());
    }

    /// A link to a multi-group run reopens the same run: the same world (every group's trace
    /// hash) at the same time, with the actions a person took.
    #[test]
    fn a_link_reopens_the_same_run() {
        let start = GroupsStart {
            scenario: fresh(3, 5, 11).unwrap(),
            now: 0,
            playing: true,
            lesson: None,
        };
        let mut run = GroupsRun::open(start.scenario.clone(), 0, false).unwrap();
        run.advance(1_500.0);
        for _ in 0..8 {
            run.advance(150.0);
        }
        run.act(MultiAction::Machine(MachineAction::CrashMachine {
            machine: 2,
        }))
        .unwrap();
        run.advance(190.0);
        run.advance(190.0);
        let link = GroupsStart {
            scenario: run.to_scenario(),
            now: run.now(),
            playing: false,
            lesson: None,
        };
        let back = GroupsStart::decode(&link.encode()).unwrap();
        assert_eq!(back.now, run.now());
        assert!(!back.playing);
        let reopened = GroupsRun::open(back.scenario, back.now, false).unwrap();
        let hashes = |r: &GroupsRun| {
            r.world()
                .groups()
                .iter()
                .map(|w| (w.now(), w.trace_hash(), w.leader()))
                .collect::<Vec<_>>()
        };
        assert_eq!(hashes(&reopened), hashes(&run));
        assert!(reopened.world().is_down(2));
    }

    #[test]
    fn damaged_links_say_what_is_wrong() {
        assert!(GroupsStart::decode("%%%").unwrap_err().contains("damaged"));
        let not_v2 = base64url_encode(br#"{"v":1,"s":{"version":1}}"#);
        assert!(GroupsStart::decode(&not_v2).is_err());
        let far = base64url_encode(br#"{"v":1,"t":99999999,"s":{}}"#);
        assert!(GroupsStart::decode(&far).unwrap_err().contains("at most"));
    }
}
