//! Multi-group scenario files (scenario format version 2, `docs/formats.md`): machines, several
//! Raft groups placed on them ([`crate::groups`]), a timeline of machine faults and of actions
//! in single groups, and expectations on single groups or on every group. Version-1 files (one
//! group) are read and written exactly as before by [`crate::scenario::Scenario`];
//! [`AnyScenario::from_json`] reads either.
//!
//! Timeline entries and expectations are parsed by hand from JSON values rather than by a
//! derived enum: each entry is either a machine action or a version-1 action with a `group`
//! beside it, and serde's untagged enums would answer a typo with "did not match any variant"
//! instead of naming the field.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::groups::{GroupSpec, MachineId, MultiOptions, MultiWorld, MAX_GROUPS, MAX_MACHINES};
pub use crate::groups::{MachineAction, MultiAction};
use crate::judge::{judge, Judgement, Outcome};
use crate::limits::{at_most, MAX_TIME_MS};
use crate::scenario::{Expect, ExpectResult, Scenario, Timed};
use crate::world::{ClientOptions, SimOptions};
use crate::SimError;
use serde_json::{Map, Value};

/// The scenario format version that carries groups.
pub const GROUP_SCENARIO_VERSION: u32 = 2;

/// One group of a version-2 scenario.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupDef {
    /// Its name, unique in the file (timeline entries and expectations name it).
    pub name: String,
    /// Replicas (voters), one per machine: replica `r` of group `g` (from 0) on machine
    /// `(g + r) mod machines + 1`.
    pub replicas: u32,
    /// Its clients (none by default).
    #[serde(default)]
    pub clients: ClientOptions,
}

/// A timeline entry: a machine action, or an action in one group.
pub type GroupStep = MultiAction;

/// An expectation on one group (`Some(index)`) or on every group (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupExpect {
    /// The group, or every group.
    pub group: Option<usize>,
    /// A version-1 expectation.
    pub expect: Expect,
}

/// A version-2 scenario: machines, groups, a timeline, expectations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupScenario {
    /// Short name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Options shared by every group (its `nodes` and `clients` are replaced by each group's).
    pub options: SimOptions,
    /// Machines, 1 to [`MAX_MACHINES`].
    pub machines: u32,
    /// The groups, 1 to [`MAX_GROUPS`].
    pub groups: Vec<GroupDef>,
    /// Coalesced heartbeats every this many ms ([`MultiOptions::coalesce_ms`]).
    pub coalesce_ms: Option<u64>,
    /// Actions at times, in time order.
    pub timeline: Vec<(u64, GroupStep)>,
    /// What must happen.
    pub expect: Vec<GroupExpect>,
    /// How long to run, ms (defaults to the last time mentioned plus one second).
    pub until: Option<u64>,
}

/// A scenario file of either version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // one per file read; boxing buys nothing here
pub enum AnyScenario {
    /// Version 1: one group.
    Single(Scenario),
    /// Version 2: groups on machines.
    Groups(GroupScenario),
}

impl AnyScenario {
    /// Parses and validates a scenario file of version 1 or 2 (a UTF-8 byte-order mark before
    /// it is ignored).
    pub fn from_json(text: &str) -> Result<AnyScenario, SimError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: Value = serde_json::from_str(text)
            .map_err(|e| SimError::Invalid(format!("scenario is not valid: {e}")))?;
        match raw.get("version").and_then(Value::as_u64) {
            Some(2) => GroupScenario::from_value(raw).map(AnyScenario::Groups),
            _ => Scenario::from_json(text).map(AnyScenario::Single),
        }
    }
}

fn invalid(what: String) -> SimError {
    SimError::Invalid(format!("scenario is not valid: {what}"))
}

fn field<T: serde::de::DeserializeOwned>(v: Value, what: &str) -> Result<T, SimError> {
    crate::json::from_value(&v).map_err(|e| invalid(format!("{what}: {e}")))
}

/// The top-level fields of a version-2 file.
const TOP_FIELDS: [&str; 10] = [
    "version",
    "name",
    "description",
    "options",
    "machines",
    "groups",
    "coalesce_ms",
    "timeline",
    "expect",
    "until",
];

impl GroupScenario {
    fn from_value(raw: Value) -> Result<GroupScenario, SimError> {
        let Value::Object(mut top) = raw else {
            return Err(invalid("a scenario is a JSON object".into()));
        };
        if let Some(k) = top.keys().find(|k| !TOP_FIELDS.contains(&k.as_str())) {
            return Err(invalid(format!("unknown field `{k}`")));
        }
        let mut take = |k: &str| top.remove(k).unwrap_or(Value::Null);
        let text = |v: Value, what: &str| -> Result<String, SimError> {
            match v {
                Value::Null => Ok(String::new()),
                v => field(v, what),
            }
        };
        let name = text(take("name"), "name")?;
        let description = text(take("description"), "description")?;
        let options: SimOptions = match take("options") {
            Value::Null => SimOptions::default(),
            v => field(v, "options")?,
        };
        let machines: u32 = field(take("machines"), "machines")?;
        let groups: Vec<GroupDef> = field(take("groups"), "groups")?;
        let mut names = BTreeSet::new();
        if let Some(g) = groups.iter().find(|g| !names.insert(g.name.as_str())) {
            return Err(invalid(format!("two groups are named {:?}", g.name)));
        }
        let coalesce_ms: Option<u64> = field(take("coalesce_ms"), "coalesce_ms")?;
        let until: Option<u64> = field(take("until"), "until")?;
        let index = |name: &str, what: &str| -> Result<usize, SimError> {
            groups.iter().position(|g| g.name == name).ok_or_else(|| {
                invalid(format!(
                    "{what} names the group {name:?}, which the file does not define"
                ))
            })
        };
        let list = |v: Value, what: &str| -> Result<Vec<Map<String, Value>>, SimError> {
            match v {
                Value::Null => Ok(Vec::new()),
                v => field(v, what),
            }
        };
        let mut timeline = Vec::new();
        for (k, mut entry) in list(take("timeline"), "timeline")?.into_iter().enumerate() {
            let what = format!("timeline entry {k}");
            let at: u64 = field(
                entry.remove("at").unwrap_or(Value::Null),
                &format!("{what}: at"),
            )?;
            let step = match entry.remove("group") {
                Some(g) => {
                    let g: String = field(g, &format!("{what}: group"))?;
                    let action = Timed {
                        at,
                        action: field(Value::Object(entry.clone()), &what)?,
                    };
                    // A flattened action would drop a misspelt field: compare keys.
                    let back = crate::json::to_value(&action).unwrap_or(Value::Null);
                    if let Some(f) = entry.keys().find(|f| back.get(f.as_str()).is_none()) {
                        return Err(invalid(format!("{what}: unknown field `{f}`")));
                    }
                    GroupStep::Group(index(&g, &what)?, action.action)
                }
                None => GroupStep::Machine(field(Value::Object(entry), &format!(
                    "{what} (an action in one group needs its `group`; machine actions are crash_machine, restart_machine, partition_machines, heal_machines, network)"
                ))?),
            };
            timeline.push((at, step));
        }
        let mut expect = Vec::new();
        for (k, mut entry) in list(take("expect"), "expect")?.into_iter().enumerate() {
            let what = format!("expectation {k}");
            let group = match entry.remove("group") {
                Some(g) => Some(index(
                    &field::<String>(g, &format!("{what}: group"))?,
                    &what,
                )?),
                None => None,
            };
            expect.push(GroupExpect {
                group,
                expect: field(Value::Object(entry), &what)?,
            });
        }
        let version: u64 = field(take("version"), "version")?;
        let s = GroupScenario {
            name,
            description,
            options,
            machines,
            groups,
            coalesce_ms,
            timeline,
            expect,
            until,
        };
        debug_assert_eq!(version, u64::from(GROUP_SCENARIO_VERSION));
        s.validate()?;
        Ok(s)
    }

    /// Checks the scenario, naming the first problem: the groups as [`MultiWorld::new`] checks
    /// them, unique group names, times in order and within bounds, machines that exist, and
    /// each group's actions and expectations as a version-1 file of that group would be checked.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.machines == 0 || self.machines > MAX_MACHINES {
            return Err(invalid(format!(
                "machines must be between 1 and {MAX_MACHINES}"
            )));
        }
        if self.groups.is_empty() || self.groups.len() > MAX_GROUPS as usize {
            return Err(invalid(format!("groups: between 1 and {MAX_GROUPS}")));
        }
        let mut names = BTreeSet::new();
        for g in &self.groups {
            if !names.insert(g.name.as_str()) {
                return Err(invalid(format!("two groups are named {:?}", g.name)));
            }
        }
        if let Some(until) = self.until {
            at_most("until", until, MAX_TIME_MS)?;
        }
        // Each group's part, checked as a version-1 scenario of that group.
        for (g, def) in self.groups.iter().enumerate() {
            self.single(g)
                .validate()
                .map_err(|e| invalid(format!("group {:?}: {e}", def.name)))?;
        }
        let mut last = 0;
        for (k, (at, step)) in self.timeline.iter().enumerate() {
            if *at < last {
                return Err(invalid(format!(
                    "timeline entry {k} at {at} ms comes before the previous one at {last} ms"
                )));
            }
            last = *at;
            at_most(&format!("timeline entry {k}: at"), *at, MAX_TIME_MS)?;
            let machines: Vec<MachineId> = match step {
                GroupStep::Machine(MachineAction::CrashMachine { machine })
                | GroupStep::Machine(MachineAction::RestartMachine { machine })
                | GroupStep::Machine(MachineAction::PauseMachine { machine })
                | GroupStep::Machine(MachineAction::ResumeMachine { machine }) => {
                    alloc::vec![*machine]
                }
                GroupStep::Machine(MachineAction::PartitionMachines { sides }) => {
                    sides.iter().flatten().copied().collect()
                }
                _ => Vec::new(),
            };
            if let Some(bad) = machines.iter().find(|&&m| m == 0 || m > self.machines) {
                return Err(invalid(format!(
                    "timeline entry {k} names machine M{bad}, but there are machines M1 to M{}",
                    self.machines
                )));
            }
            if let GroupStep::Machine(MachineAction::Network { config }) = step {
                let mut o = self.options.clone();
                o.net = config.clone();
                o.validate()
                    .map_err(|e| invalid(format!("timeline entry {k} (network): {e}")))?;
            }
            if let GroupStep::Group(_, Action::AddNode) = step {
                return Err(invalid(format!(
                    "timeline entry {k}: add_node has no machine to go to (a group's replicas are placed once)"
                )));
            }
        }
        self.multi_options().validate()
    }

    /// Group `g`'s part as a version-1 scenario: its options, its actions, its expectations
    /// (and those on every group). Machine actions are not in it.
    pub fn single(&self, g: usize) -> Scenario {
        let def = &self.groups[g];
        Scenario {
            version: crate::scenario::SCENARIO_VERSION,
            name: def.name.clone(),
            description: String::new(),
            options: SimOptions {
                nodes: def.replicas,
                clients: def.clients,
                ..self.options.clone()
            },
            timeline: self
                .timeline
                .iter()
                .filter_map(|(at, s)| match s {
                    GroupStep::Group(h, a) if *h == g => Some(Timed {
                        at: *at,
                        action: a.clone(),
                    }),
                    _ => None,
                })
                .collect(),
            expect: self
                .expect
                .iter()
                .filter(|e| e.group.is_none_or(|h| h == g))
                .map(|e| e.expect.clone())
                .collect(),
            until: Some(self.end()),
        }
    }

    /// The multi-group world's definition.
    pub fn multi_options(&self) -> MultiOptions {
        MultiOptions {
            machines: self.machines,
            groups: self
                .groups
                .iter()
                .map(|d| GroupSpec {
                    name: d.name.clone(),
                    replicas: d.replicas,
                    clients: d.clients,
                })
                .collect(),
            base: self.options.clone(),
            coalesce_ms: self.coalesce_ms,
        }
    }

    /// The end time of the run (at most [`MAX_TIME_MS`]).
    pub fn end(&self) -> u64 {
        self.until
            .unwrap_or_else(|| {
                let t = self.timeline.iter().map(|t| t.0).max().unwrap_or(0);
                let e = self
                    .expect
                    .iter()
                    .map(|e| e.expect.deadline())
                    .max()
                    .unwrap_or(0);
                t.max(e).saturating_add(1_000)
            })
            .min(MAX_TIME_MS)
    }

    /// The scenario as pretty JSON, in the form [`AnyScenario::from_json`] reads.
    pub fn to_json(&self) -> String {
        let mut top = Map::new();
        top.insert("version".into(), GROUP_SCENARIO_VERSION.into());
        top.insert("name".into(), self.name.clone().into());
        top.insert("description".into(), self.description.clone().into());
        top.insert("options".into(), to_value(&self.options));
        top.insert("machines".into(), self.machines.into());
        top.insert("groups".into(), to_value(&self.groups));
        if let Some(ms) = self.coalesce_ms {
            top.insert("coalesce_ms".into(), ms.into());
        }
        let timeline: Vec<Value> = self
            .timeline
            .iter()
            .map(|(at, step)| {
                let mut v = match step {
                    GroupStep::Machine(a) => to_value(a),
                    GroupStep::Group(g, a) => {
                        let mut v = to_value(a);
                        if let Value::Object(m) = &mut v {
                            m.insert("group".into(), self.groups[*g].name.clone().into());
                        }
                        v
                    }
                };
                if let Value::Object(m) = &mut v {
                    m.insert("at".into(), (*at).into());
                }
                v
            })
            .collect();
        top.insert("timeline".into(), timeline.into());
        let expect: Vec<Value> = self
            .expect
            .iter()
            .map(|e| {
                let mut v = to_value(&e.expect);
                if let (Value::Object(m), Some(g)) = (&mut v, e.group) {
                    m.insert("group".into(), self.groups[g].name.clone().into());
                }
                v
            })
            .collect();
        top.insert("expect".into(), expect.into());
        if let Some(u) = self.until {
            top.insert("until".into(), u.into());
        }
        serde_json::to_string_pretty(&Value::Object(top)).expect("scenarios always serialize")
    }

    /// True if an expectation asks the safety monitor to catch a violation.
    pub fn expects_violation(&self) -> bool {
        self.expect
            .iter()
            .any(|e| matches!(e.expect, Expect::Violation { .. }))
    }

    /// Runs the scenario a millisecond at a time: at each millisecond every group advances to
    /// it, `at` expectations due then are checked, `by` ones not yet met are checked, then that
    /// millisecond's timeline entries act. (A version-1 run checks `by` expectations after every
    /// event; here a condition that holds only within one millisecond can be missed.) Then
    /// every group is judged ([`judge`]).
    pub fn run(&self, max_steps: u64) -> Result<GroupScenarioRun, SimError> {
        self.validate()?;
        let mut mw = MultiWorld::new(self.multi_options())?;
        let end = self.end();
        let mut met: Vec<Option<u64>> = alloc::vec![None; self.expect.len()];
        let mut refused = Vec::new();
        let mut next = 0;
        let mut t = 0;
        loop {
            mw.advance_to(t);
            for (k, e) in self.expect.iter().enumerate() {
                let due = if e.expect.is_instant() {
                    e.expect.deadline() == t
                } else {
                    e.expect.deadline() >= t
                };
                if met[k].is_none() && due && self.holds(&mw, e) {
                    met[k] = Some(t);
                }
            }
            while next < self.timeline.len() && self.timeline[next].0 <= t {
                let (at, step) = &self.timeline[next];
                let r = mw.act(step.clone());
                if let Err(e) = r {
                    refused.push((*at, format!("{e}")));
                }
                next += 1;
            }
            if t >= end {
                break;
            }
            t += 1;
        }
        let results = self
            .expect
            .iter()
            .zip(met)
            .map(|(e, at)| ExpectResult {
                what: match e.group {
                    Some(g) => format!("{}: {}", self.groups[g].name, e.expect.describe()),
                    None => format!("every group: {}", e.expect.describe()),
                },
                ok: at.is_some(),
                at,
            })
            .collect();
        let judgements = mw
            .groups()
            .iter()
            .enumerate()
            .map(|(g, w)| {
                let expected = self.expect.iter().any(|e| {
                    e.group.is_none_or(|h| h == g) && matches!(e.expect, Expect::Violation { .. })
                });
                judge(w, expected, max_steps)
            })
            .collect();
        Ok(GroupScenarioRun {
            world: mw,
            results,
            refused,
            judgements,
        })
    }

    fn holds(&self, mw: &MultiWorld, e: &GroupExpect) -> bool {
        match e.group {
            Some(g) => e.expect.holds(mw.group(g)),
            None => mw.groups().iter().all(|w| e.expect.holds(w)),
        }
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    crate::json::to_value(v).expect("scenario parts always serialize")
}

/// The outcome of a version-2 scenario run.
#[derive(Debug, Clone)]
pub struct GroupScenarioRun {
    /// The world at the end.
    pub world: MultiWorld,
    /// One verdict per expectation, in file order.
    pub results: Vec<ExpectResult>,
    /// Entries refused while running, with the reason.
    pub refused: Vec<(u64, String)>,
    /// Each group judged as a one-group run is.
    pub judgements: Vec<Judgement>,
}

impl GroupScenarioRun {
    /// Failed if an expectation was missed or any group failed its judgement; undecided if a
    /// group's history could not be decided; passed otherwise.
    pub fn outcome(&self) -> Outcome {
        self.judgements.iter().fold(
            Outcome::from_ok(self.results.iter().all(|r| r.ok)),
            |o, j| o.and(j.outcome),
        )
    }
}
