//! Scenario files: cluster options, a timeline of actions at virtual times, and expectations the
//! run must meet. The format (JSON, versioned) is documented in `docs/formats.md`; the
//! playground imports and exports the same files, and `raft-sim run` checks them headlessly.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::checker::PROPERTIES;
use crate::judge::{judge, Judgement, Outcome};
use crate::limits::{at_most, MAX_COUNT, MAX_TIME_MS};
use crate::linearizability::DEFAULT_MAX_STEPS;
use crate::world::{SimOptions, World};
use crate::SimError;
use raft_core::types::{Index, NodeId, Role, Term};

#[cfg(feature = "serde")]
mod expect_json;

fn sorted(nodes: &[NodeId]) -> Vec<NodeId> {
    let mut v = nodes.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// The highest node id a cluster can have (the world creates at most 64 nodes).
const MAX_NODE_ID: NodeId = 64;

/// Scenario format version understood by this crate.
pub const SCENARIO_VERSION: u32 = 1;

/// An action at a virtual time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Timed {
    /// Virtual time in ms.
    pub at: u64,
    /// What to do.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub action: Action,
}

/// Something the run must show. `by`: at some moment up to that time; `at`: at exactly that
/// time.
// Read by hand (`expect_json.rs`, issue 14: the derived reader was the page's largest but one);
// the attributes below still shape the writer, and the reader follows them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Expect {
    /// A leader exists (optionally a given node) by a time.
    Leader {
        /// Deadline.
        by: u64,
        /// The node that must lead, if any node will not do.
        #[cfg_attr(feature = "serde", serde(default))]
        node: Option<NodeId>,
        /// Minimum term of that leadership.
        #[cfg_attr(feature = "serde", serde(default))]
        min_term: Option<Term>,
    },
    /// None of `nodes` is leader at a time.
    NoLeaderAmong {
        /// When.
        at: u64,
        /// Nodes.
        nodes: Vec<NodeId>,
    },
    /// Every listed node (all live nodes when empty) has committed at least `index` by a time.
    Committed {
        /// Deadline.
        by: u64,
        /// Minimum commit index.
        index: Index,
        /// Nodes (empty: every live node).
        #[cfg_attr(feature = "serde", serde(default))]
        nodes: Vec<NodeId>,
    },
    /// None of `nodes` has a commit index above `index` at a time (e.g. a minority leader).
    CommitAtMost {
        /// When.
        at: u64,
        /// Maximum commit index.
        index: Index,
        /// Nodes.
        nodes: Vec<NodeId>,
    },
    /// A node's term is at most `term` at a time (PreVote keeps isolated nodes' terms down).
    TermAtMost {
        /// When.
        at: u64,
        /// Node.
        node: NodeId,
        /// Maximum term.
        term: Term,
    },
    /// At least `count` client operations completed by a time.
    Completed {
        /// Deadline.
        by: u64,
        /// Minimum number.
        count: u64,
    },
    /// The leader's configuration has exactly these voters (and is not joint) by a time.
    Voters {
        /// Deadline.
        by: u64,
        /// The voters.
        nodes: Vec<NodeId>,
    },
    /// A node has a learner role in the leader's configuration by a time.
    Learner {
        /// Deadline.
        by: u64,
        /// The node.
        node: NodeId,
    },
    /// A node's log starts after a snapshot covering at least `index` by a time.
    Snapshot {
        /// Deadline.
        by: u64,
        /// The node.
        node: NodeId,
        /// Minimum snapshot index.
        #[cfg_attr(feature = "serde", serde(default))]
        index: Index,
    },
    /// At least one split vote (a term with two or more candidates and no winner) by a time.
    SplitVote {
        /// Deadline.
        by: u64,
    },
    /// A safety property is violated by a time (for break-it lessons). With no property named,
    /// any violation will do.
    Violation {
        /// Deadline.
        by: u64,
        /// Property name as in [`crate::PROPERTIES`].
        #[cfg_attr(feature = "serde", serde(default))]
        property: Option<String>,
    },
}

/// Node ids as people write them: "S1", "S1 and S2", "S1, S2 and S3" ("no node" when empty).
fn names(nodes: &[NodeId]) -> String {
    let names: Vec<String> = nodes.iter().map(|n| format!("S{n}")).collect();
    match names.split_last() {
        None => "no node".into(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} and {last}", init.join(", ")),
    }
}

impl Expect {
    /// The time by (or at) which it is decided.
    pub fn deadline(&self) -> u64 {
        match self {
            Expect::Leader { by, .. }
            | Expect::Committed { by, .. }
            | Expect::Completed { by, .. }
            | Expect::Voters { by, .. }
            | Expect::Learner { by, .. }
            | Expect::Snapshot { by, .. }
            | Expect::SplitVote { by }
            | Expect::Violation { by, .. } => *by,
            Expect::NoLeaderAmong { at, .. }
            | Expect::CommitAtMost { at, .. }
            | Expect::TermAtMost { at, .. } => *at,
        }
    }

    /// The name of its kind, as in the file's `check` field.
    pub fn name(&self) -> &'static str {
        match self {
            Expect::Leader { .. } => "leader",
            Expect::NoLeaderAmong { .. } => "no_leader_among",
            Expect::Committed { .. } => "committed",
            Expect::CommitAtMost { .. } => "commit_at_most",
            Expect::TermAtMost { .. } => "term_at_most",
            Expect::Completed { .. } => "completed",
            Expect::Voters { .. } => "voters",
            Expect::Learner { .. } => "learner",
            Expect::Snapshot { .. } => "snapshot",
            Expect::SplitVote { .. } => "split_vote",
            Expect::Violation { .. } => "violation",
        }
    }

    /// The deadline (`by` or `at`), to move it: for example a browser run exported as a
    /// scenario sets each goal's deadline to the moment it was met. Lists the same variants as
    /// [`Expect::deadline`].
    pub fn deadline_mut(&mut self) -> &mut u64 {
        match self {
            Expect::Leader { by, .. }
            | Expect::Committed { by, .. }
            | Expect::Completed { by, .. }
            | Expect::Voters { by, .. }
            | Expect::Learner { by, .. }
            | Expect::Snapshot { by, .. }
            | Expect::SplitVote { by }
            | Expect::Violation { by, .. } => by,
            Expect::NoLeaderAmong { at, .. }
            | Expect::CommitAtMost { at, .. }
            | Expect::TermAtMost { at, .. } => at,
        }
    }

    /// Every node id it names, so that a scenario can be checked before it runs.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            Expect::Leader { node, .. } => node.iter().copied().collect(),
            Expect::NoLeaderAmong { nodes, .. }
            | Expect::Committed { nodes, .. }
            | Expect::CommitAtMost { nodes, .. }
            | Expect::Voters { nodes, .. } => nodes.clone(),
            Expect::TermAtMost { node, .. }
            | Expect::Learner { node, .. }
            | Expect::Snapshot { node, .. } => alloc::vec![*node],
            Expect::Completed { .. } | Expect::SplitVote { .. } | Expect::Violation { .. } => {
                Vec::new()
            }
        }
    }

    /// Its count or threshold (an index, a term, a number of operations), with the field's
    /// name, if it has one: bounded by [`MAX_COUNT`].
    fn threshold(&self) -> Option<(&'static str, u64)> {
        match self {
            Expect::Leader { min_term, .. } => min_term.map(|t| ("min_term", t)),
            Expect::Committed { index, .. }
            | Expect::CommitAtMost { index, .. }
            | Expect::Snapshot { index, .. } => Some(("index", *index)),
            Expect::TermAtMost { term, .. } => Some(("term", *term)),
            Expect::Completed { count, .. } => Some(("count", *count)),
            _ => None,
        }
    }

    /// True for expectations checked at one instant rather than up to a deadline.
    pub fn is_instant(&self) -> bool {
        matches!(
            self,
            Expect::NoLeaderAmong { .. } | Expect::CommitAtMost { .. } | Expect::TermAtMost { .. }
        )
    }

    /// Whether the world satisfies it now.
    pub fn holds(&self, w: &World) -> bool {
        let leads = |id: NodeId, min: Option<Term>| {
            w.node(id)
                .is_some_and(|n| n.role() == Role::Leader && min.is_none_or(|m| n.term() >= m))
        };
        match self {
            Expect::Leader { node, min_term, .. } => match node {
                Some(id) => leads(*id, *min_term),
                None => w.nodes().keys().any(|&id| leads(id, *min_term)),
            },
            Expect::NoLeaderAmong { nodes, .. } => nodes.iter().all(|&id| !leads(id, None)),
            Expect::Committed { index, nodes, .. } => {
                let ids: Vec<NodeId> = if nodes.is_empty() {
                    w.nodes()
                        .keys()
                        .copied()
                        .filter(|&i| w.node(i).is_some())
                        .collect()
                } else {
                    nodes.clone()
                };
                !ids.is_empty()
                    && ids
                        .iter()
                        .all(|&id| w.node(id).is_some_and(|n| n.log().committed() >= *index))
            }
            Expect::CommitAtMost { index, nodes, .. } => nodes
                .iter()
                .all(|&id| w.node(id).is_none_or(|n| n.log().committed() <= *index)),
            Expect::TermAtMost { node, term, .. } => {
                w.node(*node).is_none_or(|n| n.term() <= *term)
            }
            Expect::Completed { count, .. } => w.stats().completed >= *count,
            Expect::Voters { nodes, .. } => w.leader().and_then(|l| w.node(l)).is_some_and(|n| {
                let m = n.membership();
                !m.is_joint() && m.voters.iter().copied().eq(sorted(nodes))
            }),
            Expect::Learner { node, .. } => w
                .leader()
                .and_then(|l| w.node(l))
                .is_some_and(|n| n.membership().is_learner(*node)),
            Expect::Snapshot { node, index, .. } => w
                .node(*node)
                .is_some_and(|n| n.log().snapshot_index() >= (*index).max(1)),
            Expect::SplitVote { .. } => w.split_votes() > 0,
            Expect::Violation { property, .. } => w
                .violations()
                .iter()
                .any(|v| property.as_ref().is_none_or(|p| *p == v.property)),
        }
    }

    /// A sentence describing it, for reports and lesson goals.
    pub fn describe(&self) -> String {
        match self {
            Expect::Leader {
                by, node: Some(n), ..
            } => format!("S{n} is leader by {by} ms"),
            Expect::Leader {
                by,
                min_term: Some(t),
                ..
            } => {
                format!("a leader of term {t} or later is elected by {by} ms")
            }
            Expect::Leader { by, .. } => format!("a leader is elected by {by} ms"),
            Expect::NoLeaderAmong { at, nodes } => {
                format!("no leader among {} at {at} ms", names(nodes))
            }
            Expect::Committed { by, index, nodes } if nodes.is_empty() => {
                format!("entry {index} committed on every live node by {by} ms")
            }
            Expect::Committed { by, index, nodes } => {
                format!("entry {index} committed on {} by {by} ms", names(nodes))
            }
            Expect::CommitAtMost { at, index, nodes } => {
                format!("{} commit nothing past {index} at {at} ms", names(nodes))
            }
            Expect::TermAtMost { at, node, term } => {
                format!("S{node} term at most {term} at {at} ms")
            }
            Expect::Completed { by, count } => {
                format!("{count} client operations complete by {by} ms")
            }
            Expect::Voters { by, nodes } => {
                format!("the voters are exactly {} by {by} ms", names(nodes))
            }
            Expect::Learner { by, node } => format!("S{node} is a learner by {by} ms"),
            Expect::Snapshot { by, node, index } => format!(
                "S{node}'s log starts after a snapshot of index {} or later by {by} ms",
                (*index).max(1)
            ),
            Expect::SplitVote { by } => format!("a split vote happens by {by} ms"),
            Expect::Violation {
                by,
                property: Some(p),
            } => format!("the monitor catches {p} by {by} ms"),
            Expect::Violation { by, .. } => format!("the monitor catches a violation by {by} ms"),
        }
    }
}

/// A scenario: options, timeline, expectations.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Scenario {
    /// Format version; must be [`SCENARIO_VERSION`].
    pub version: u32,
    /// Short name.
    #[cfg_attr(feature = "serde", serde(default))]
    pub name: String,
    /// What it shows.
    #[cfg_attr(feature = "serde", serde(default))]
    pub description: String,
    /// Cluster options.
    #[cfg_attr(feature = "serde", serde(default))]
    pub options: SimOptions,
    /// Actions, in time order.
    #[cfg_attr(feature = "serde", serde(default))]
    pub timeline: Vec<Timed>,
    /// What must happen.
    #[cfg_attr(feature = "serde", serde(default))]
    pub expect: Vec<Expect>,
    /// How long to run, ms (defaults to the last time mentioned plus one second).
    #[cfg_attr(feature = "serde", serde(default))]
    pub until: Option<u64>,
}

/// The verdict on one expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ExpectResult {
    /// The expectation, in words.
    pub what: String,
    /// Whether it was met.
    pub ok: bool,
    /// When it was met (ms), if it was.
    pub at: Option<u64>,
}

/// The outcome of a scenario run.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// The world at the end.
    pub world: World,
    /// One verdict per expectation, in file order.
    pub results: Vec<ExpectResult>,
    /// Actions the world refused, with the reason (the run goes on without them).
    pub refused: Vec<(u64, String)>,
    /// The run judged as every tool judges one ([`judge`]): the safety monitor and the client
    /// history's linearizability verdict.
    pub judgement: Judgement,
}

impl ScenarioRun {
    /// Failed if an expectation was missed, a safety property broke that no expectation asked
    /// for, or the client history is not linearizable; undecided if the history could not be
    /// decided within the search budget; passed otherwise.
    pub fn outcome(&self) -> Outcome {
        Outcome::from_ok(self.results.iter().all(|r| r.ok)).and(self.judgement.outcome)
    }

    /// True only when [`ScenarioRun::outcome`] is [`Outcome::Passed`]: every expectation met,
    /// no unexpected violation, and the client history proven linearizable.
    pub fn passed(&self) -> bool {
        self.outcome() == Outcome::Passed
    }
}

impl Scenario {
    /// Checks the scenario, naming the first problem.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.version != SCENARIO_VERSION {
            return Err(SimError::Invalid(format!(
                "scenario version {} is not supported (expected {SCENARIO_VERSION})",
                self.version
            )));
        }
        self.options.validate()?;
        if let Some(until) = self.until {
            at_most("until", until, MAX_TIME_MS)?;
        }
        let mut last = 0;
        // Nodes added by `add_node` actions take the next ids.
        let mut max_id = u64::from(self.options.nodes);
        for (k, t) in self.timeline.iter().enumerate() {
            if t.at < last {
                return Err(SimError::Invalid(format!(
                    "timeline entry {k} at {} ms comes before the previous one at {last} ms",
                    t.at
                )));
            }
            at_most(&format!("timeline entry {k}: at"), t.at, MAX_TIME_MS)?;
            last = t.at;
            if let Action::Network { config } = &t.action {
                let mut o = self.options.clone();
                o.net = config.clone();
                o.validate()
                    .map_err(|e| SimError::Invalid(format!("timeline entry {k} (network): {e}")))?;
            }
            if let Some(bad) = t
                .action
                .nodes()
                .into_iter()
                .find(|&id| id == 0 || id > max_id)
            {
                return Err(SimError::Invalid(format!(
                    "timeline entry {k} names S{bad}, but the cluster has nodes S1 to S{max_id} by then"
                )));
            }
            if t.action == Action::AddNode {
                max_id += 1;
            }
        }
        for (k, e) in self.expect.iter().enumerate() {
            let field = if e.is_instant() { "at" } else { "by" };
            at_most(
                &format!("expectation {k} ({}): {field}", e.name()),
                e.deadline(),
                MAX_TIME_MS,
            )?;
            if let Some((name, n)) = e.threshold() {
                at_most(
                    &format!("expectation {k} ({}): {name}", e.name()),
                    n,
                    MAX_COUNT,
                )?;
            }
            // A lesson's goals may name nodes the student adds while it runs, so any id the
            // cluster could reach is allowed (the world adds nodes up to S64).
            if let Some(bad) = e
                .nodes()
                .into_iter()
                .find(|&id| id == 0 || id > MAX_NODE_ID)
            {
                return Err(SimError::Invalid(format!(
                    "expectation {k} ({}) names S{bad}, but a cluster has at most nodes S1 to S{MAX_NODE_ID}",
                    e.name()
                )));
            }
            if let Expect::Violation {
                property: Some(p), ..
            } = e
            {
                if !PROPERTIES.contains(&p.as_str()) {
                    return Err(SimError::Invalid(format!(
                        "expectation {k} (violation) names the property {p:?}, which the safety monitor does not check; it checks {}",
                        PROPERTIES.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }

    /// The end time of the run (at most [`MAX_TIME_MS`]).
    pub fn end(&self) -> u64 {
        self.until
            .unwrap_or_else(|| {
                let t = self.timeline.iter().map(|t| t.at).max().unwrap_or(0);
                let e = self.expect.iter().map(Expect::deadline).max().unwrap_or(0);
                t.max(e).saturating_add(1_000)
            })
            .min(MAX_TIME_MS)
    }

    /// Parses and validates a scenario from JSON (a UTF-8 byte-order mark before it is
    /// ignored, as some editors write one).
    #[cfg(feature = "serde")]
    pub fn from_json(text: &str) -> Result<Scenario, SimError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let s: Scenario = serde_json::from_str(text)
            .map_err(|e| SimError::Invalid(format!("scenario is not valid: {e}")))?;
        unknown_timeline_fields(text, &s)?;
        s.validate()?;
        Ok(s)
    }

    /// The scenario as pretty JSON.
    #[cfg(feature = "serde")]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("scenarios always serialize")
    }

    /// True if an expectation asks the safety monitor to catch a violation (a break-it lesson).
    pub fn expects_violation(&self) -> bool {
        self.expect
            .iter()
            .any(|e| matches!(e, Expect::Violation { .. }))
    }

    /// Runs the scenario, checking `by` expectations after every event and `at` ones at their
    /// instant, then judges it ([`judge`]) with the default linearizability search budget.
    pub fn run(&self) -> Result<ScenarioRun, SimError> {
        self.run_with_budget(DEFAULT_MAX_STEPS)
    }

    /// [`Scenario::run`] with a linearizability search budget of `max_steps` per key.
    pub fn run_with_budget(&self, max_steps: u64) -> Result<ScenarioRun, SimError> {
        self.validate()?;
        let mut world = World::new(self.options.clone())?;
        let end = self.end();
        let mut met: Vec<Option<u64>> = alloc::vec![None; self.expect.len()];
        let mut stops: Vec<u64> = self.timeline.iter().map(|t| t.at).collect();
        stops.extend(self.expect.iter().map(Expect::deadline));
        stops.push(end);
        stops.sort_unstable();
        stops.dedup();
        let mut refused = Vec::new();
        let mut next_action = 0;
        for stop in stops.into_iter().filter(|&s| s <= end) {
            let expect = &self.expect;
            world.run_until(stop, |w| {
                for (k, e) in expect.iter().enumerate() {
                    if met[k].is_none() && !e.is_instant() && e.deadline() >= w.now() && e.holds(w)
                    {
                        met[k] = Some(w.now());
                    }
                }
                false
            });
            // Instant checks see the world just before the actions of the same instant.
            for (k, e) in self.expect.iter().enumerate() {
                if met[k].is_none() && e.deadline() == stop && e.holds(&world) {
                    met[k] = Some(stop);
                }
            }
            while next_action < self.timeline.len() && self.timeline[next_action].at <= stop {
                let t = &self.timeline[next_action];
                if let Err(e) = world.act(t.action.clone()) {
                    refused.push((t.at, format!("{e}")));
                }
                next_action += 1;
            }
        }
        let results = self
            .expect
            .iter()
            .zip(met)
            .map(|(e, at)| ExpectResult {
                what: e.describe(),
                ok: at.is_some(),
                at,
            })
            .collect();
        let judgement = judge(&world, self.expects_violation(), max_steps);
        Ok(ScenarioRun {
            world,
            results,
            refused,
            judgement,
        })
    }
}

/// A timeline entry's action is flattened beside its `at`, which stops serde from refusing
/// unknown fields there (`deny_unknown_fields` does not combine with `flatten`), so a misspelt
/// field would be dropped without a word. Written by hand for that reason: every key of every
/// entry must be one the parsed entry writes back.
#[cfg(feature = "serde")]
fn unknown_timeline_fields(text: &str, s: &Scenario) -> Result<(), SimError> {
    let raw: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| SimError::Invalid(format!("scenario is not valid: {e}")))?;
    let Some(entries) = raw.get("timeline").and_then(|t| t.as_array()) else {
        return Ok(());
    };
    for (k, (entry, parsed)) in entries.iter().zip(&s.timeline).enumerate() {
        let known = crate::json::to_value(parsed).expect("timeline entries always serialize");
        let (Some(entry), Some(known)) = (entry.as_object(), known.as_object()) else {
            continue;
        };
        if let Some(field) = entry.keys().find(|key| !known.contains_key(*key)) {
            let action = entry.get("action").and_then(|a| a.as_str()).unwrap_or("?");
            return Err(SimError::Invalid(format!(
                "scenario is not valid: timeline entry {k} ({action}): unknown field `{field}`"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod describe_tests {
    use super::*;

    #[test]
    fn expectations_name_nodes_as_people_do() {
        let e = Expect::Committed {
            by: 500,
            index: 2,
            nodes: alloc::vec![1, 2, 3],
        };
        assert_eq!(e.describe(), "entry 2 committed on S1, S2 and S3 by 500 ms");
        let e = Expect::NoLeaderAmong {
            at: 5,
            nodes: alloc::vec![4],
        };
        assert_eq!(e.describe(), "no leader among S4 at 5 ms");
        let e = Expect::CommitAtMost {
            at: 9,
            index: 1,
            nodes: alloc::vec![1, 2],
        };
        assert_eq!(e.describe(), "S1 and S2 commit nothing past 1 at 9 ms");
    }
}
