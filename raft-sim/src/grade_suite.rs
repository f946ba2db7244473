//! The graded tests: their file format (a teacher's tests are JSON files of this shape, see
//! `docs/classroom.md`), its validation, and the built-in suite (`grade_suite.json`).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::grade::{MAX_CLIENTS, MAX_NODES, MAX_TEST_MS};
use crate::network::NetConfig;
use raft_core::types::NodeId;

/// One graded test: a cluster, a timeline of faults, clients, and expectations. The built-in
/// suite is [`suite`]; a teacher adds tests as JSON files of this shape (`docs/classroom.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeTest {
    /// Short name (`--test NAME` picks it).
    pub name: String,
    /// One line saying what it checks.
    #[serde(default)]
    pub about: String,
    /// Cluster size (1 to [`MAX_NODES`]).
    #[serde(default = "five")]
    pub nodes: u32,
    /// Network timing and faults at the start.
    #[serde(default)]
    pub net: NetConfig,
    /// Number of clients (0 to [`MAX_CLIENTS`]); each sends one request at a time.
    #[serde(default)]
    pub clients: u32,
    /// Clients send no new request from this time on (default: 1,500 ms before `until`), so
    /// that the cluster can settle before agreement is checked.
    #[serde(default)]
    pub clients_stop: Option<u64>,
    /// End of the test, virtual ms (at most [`MAX_TEST_MS`]).
    pub until: u64,
    /// Snapshots (protocol version 2): nodes are told to compact past this many applied
    /// entries, and fail "Log Compaction" when they keep far more (1 to [`MAX_MAX_LOG`]).
    /// Absent: a version-1 test, with nothing about snapshots in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_log: Option<u64>,
    /// Clients send an unanswered request again (after [`crate::grade::CLIENT_TIMEOUT_MS`],
    /// or at once to the named leader after a `not_leader` answer) with the same client id and
    /// sequence number, until it is answered or `clients_stop`; a node must then apply each
    /// request once (a session table, dissertation §6.3). Default: a client gives a request
    /// up and sends a new one.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub resend: bool,
    /// Faults, in time order.
    #[serde(default)]
    pub timeline: Vec<Timed>,
    /// What must hold (besides safety and linearizability, always checked).
    #[serde(default)]
    pub expect: Vec<Expect>,
}

/// Largest `max_log` a test may ask for.
pub const MAX_MAX_LOG: u64 = 100_000;

fn five() -> u32 {
    5
}

/// A fault at a virtual time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timed {
    /// When, virtual ms.
    pub at: u64,
    /// What happens.
    pub action: ActKind,
    /// Which node, for `crash`, `restart`, `isolate`, `reconnect`: an id, `"leader"` (the
    /// connected leader of the highest term), `"follower"` (a connected running node that is
    /// not the leader, drawn from the seed) or `"random"`; `restart` and `reconnect` also take
    /// `"any"` (a crashed or isolated node, drawn from the seed).
    #[serde(default)]
    pub node: Option<Value>,
    /// For `partition`: the groups.
    #[serde(default)]
    pub groups: Option<Vec<Vec<NodeId>>>,
    /// For `net`: the new network settings.
    #[serde(default)]
    pub net: Option<NetConfig>,
    /// For `crash_chaos` and `isolate_chaos`: when the chaos ends (every node is then
    /// restarted or reconnected).
    #[serde(default)]
    pub until: Option<u64>,
    /// For the chaos actions: mean ms between two rounds.
    #[serde(default)]
    pub every_ms: Option<u64>,
}

/// The kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActKind {
    /// Kill a node (its process): volatile state lost, persisted state kept.
    Crash,
    /// Start a crashed node again from what it persisted.
    Restart,
    /// Crash every node, then restart every node.
    RestartAll,
    /// Cut every link of a node, both ways.
    Isolate,
    /// Restore a node's links to every connected node.
    Reconnect,
    /// Split the cluster into `groups` that cannot reach each other.
    Partition,
    /// The connected leader and one follower in a minority, the rest in the majority.
    PartitionLeader,
    /// Heal every link.
    Heal,
    /// New network settings (`net`).
    Net,
    /// Until `until`: every round, crash the leader with probability 1/2, and restart a
    /// crashed node whenever fewer than a majority run (MIT 6.824's Figure 8 test).
    CrashChaos,
    /// The same with isolation instead of crashes (Figure 8 unreliable).
    IsolateChaos,
}

/// What must hold at some time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expect {
    /// At `at`, a connected running node leads in the highest term among the connected
    /// running nodes (Raft §5.2: a majority elects a leader).
    Leader {
        /// Time, ms.
        at: u64,
    },
    /// At `at`, no connected running node leads (there is no majority among them).
    NoLeader {
        /// Time, ms.
        at: u64,
    },
    /// The highest term among running nodes is the same at `from` and at `to` (no needless
    /// elections while nothing fails).
    TermStable {
        /// Start, ms.
        from: u64,
        /// End, ms.
        to: u64,
    },
    /// At least `ops` client requests completed between `from` (default 0) and `by`.
    Progress {
        /// Start, ms.
        #[serde(default)]
        from: u64,
        /// Deadline, ms.
        by: u64,
        /// How many.
        ops: u64,
    },
    /// At `at`, every connected running node has committed and applied the same index, at
    /// least 1 (Raft §5.3: the logs converge).
    Agree {
        /// Time, ms.
        at: u64,
    },
}

impl Expect {
    /// The time at which it is judged, ms.
    pub fn time(&self) -> u64 {
        match self {
            Expect::Leader { at } | Expect::NoLeader { at } | Expect::Agree { at } => *at,
            Expect::TermStable { to, .. } => *to,
            Expect::Progress { by, .. } => *by,
        }
    }
}

impl GradeTest {
    /// Checks the bounds and that every action has the fields it needs.
    pub fn validate(&self) -> Result<(), String> {
        let n = &self.name;
        if self.name.is_empty() || self.name.len() > 64 {
            return Err("a test needs a name of 1 to 64 characters".into());
        }
        if !(1..=MAX_NODES).contains(&self.nodes) {
            return Err(format!("test {n}: nodes must be 1 to {MAX_NODES}"));
        }
        if self.clients > MAX_CLIENTS {
            return Err(format!("test {n}: clients must be at most {MAX_CLIENTS}"));
        }
        if self.until == 0 || self.until > MAX_TEST_MS {
            return Err(format!("test {n}: until must be 1 to {MAX_TEST_MS} ms"));
        }
        validate_net(&self.net).map_err(|e| format!("test {n}: {e}"))?;
        if let Some(m) = self.max_log {
            if !(1..=MAX_MAX_LOG).contains(&m) {
                return Err(format!("test {n}: max_log must be 1 to {MAX_MAX_LOG}"));
            }
        }
        let mut last = 0;
        for t in &self.timeline {
            if t.at < last {
                return Err(format!("test {n}: the timeline must be in time order"));
            }
            last = t.at;
            if t.at > self.until {
                return Err(format!("test {n}: an action at {} ms is after until", t.at));
            }
            let needs_node = matches!(
                t.action,
                ActKind::Crash | ActKind::Restart | ActKind::Isolate | ActKind::Reconnect
            );
            if needs_node {
                match &t.node {
                    Some(Value::Number(x))
                        if x.as_u64().is_some_and(|x| x >= 1 && x <= u64::from(self.nodes)) => {}
                    Some(Value::String(s))
                        if ["leader", "follower", "random", "any"].contains(&s.as_str()) => {}
                    other => {
                        return Err(format!(
                            "test {n}: {:?} at {} ms needs node: an id from 1 to {}, \"leader\", \"follower\", \"random\" or \"any\", not {other:?}",
                            t.action, t.at, self.nodes
                        ))
                    }
                }
            }
            match t.action {
                ActKind::Partition => {
                    let g = t
                        .groups
                        .as_ref()
                        .ok_or(format!("test {n}: partition needs groups"))?;
                    if g.iter()
                        .flatten()
                        .any(|&id| id < 1 || id > u64::from(self.nodes))
                    {
                        return Err(format!(
                            "test {n}: partition names a node not in 1..={}",
                            self.nodes
                        ));
                    }
                }
                ActKind::Net => {
                    let c = t.net.as_ref().ok_or(format!("test {n}: net needs net"))?;
                    validate_net(c).map_err(|e| format!("test {n}: {e}"))?;
                }
                ActKind::CrashChaos | ActKind::IsolateChaos => {
                    let u = t.until.ok_or(format!("test {n}: chaos needs until"))?;
                    let e = t
                        .every_ms
                        .ok_or(format!("test {n}: chaos needs every_ms"))?;
                    if u < t.at || u > self.until || !(10..=60_000).contains(&e) {
                        return Err(format!(
                            "test {n}: chaos needs at <= until <= the test's until, and every_ms from 10 to 60000"
                        ));
                    }
                }
                _ => {}
            }
        }
        for e in &self.expect {
            if e.time() > self.until {
                return Err(format!(
                    "test {n}: an expectation at {} ms is after until",
                    e.time()
                ));
            }
        }
        Ok(())
    }
}

/// The built-in suite, modelled on the MIT 6.824/6.5840 Raft lab (2A elections, 2B agreement,
/// 2C persistence) on our timers: nodes are expected to use election timeouts of about
/// 150–300 ms and heartbeats every 50 ms (`docs/classroom.md`).
pub fn suite() -> Vec<GradeTest> {
    let text = include_str!("grade_suite.json");
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("invariant: the built-in suite parses: {e}"))
}

/// Most bytes of a teacher's tests file.
pub const MAX_TESTS_FILE_BYTES: usize = 1 << 20;

/// Adds the tests of a teacher's file (one test object, or a list of them; docs/classroom.md)
/// to `tests`, each validated, refusing a name already taken. `file` names the file in errors.
///
/// # Errors
/// Not JSON, not a grade test, an invalid test or a duplicate name: a message naming `file`.
pub fn add_tests_file(tests: &mut Vec<GradeTest>, file: &str, text: &str) -> Result<(), String> {
    if text.len() > MAX_TESTS_FILE_BYTES {
        return Err(format!("{file}: larger than {MAX_TESTS_FILE_BYTES} bytes"));
    }
    let value: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("{file}: not JSON: {e}"))?;
    let more: Vec<GradeTest> = if value.is_array() {
        serde_json::from_value(value)
    } else {
        serde_json::from_value(value).map(|t| alloc::vec![t])
    }
    .map_err(|e| format!("{file}: not a grade test: {e}"))?;
    for t in more {
        t.validate().map_err(|e| format!("{file}: {e}"))?;
        if tests.iter().any(|x| x.name == t.name) {
            return Err(format!("{file}: a test named {} already exists", t.name));
        }
        tests.push(t);
    }
    Ok(())
}

/// A network setting is valid when the simulator's own options accept it.
fn validate_net(net: &NetConfig) -> Result<(), String> {
    let o = crate::SimOptions {
        net: net.clone(),
        ..Default::default()
    };
    o.validate().map_err(|e| e.to_string())
}
