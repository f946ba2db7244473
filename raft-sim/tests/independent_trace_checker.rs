//! An independent trace checker: what an outside judge that reads only our JSON Lines traces and
//! `docs/formats.md` would conclude, built here so that its blind spots show up before theirs do.
//!
//! The judging below uses nothing of raft-sim but the text of the trace it writes
//! ([`raft_sim::trace::write_jsonl`]): every line is parsed as a [`serde_json::Value`], and the
//! meaning of each record is taken from `docs/formats.md` ("Trace", "Steps", "Causal order",
//! the record table and "Bounds") and the Raft paper, never from `raft-sim/src/checker.rs` or
//! raft-sim's trace types. raft-sim is used only to *produce* traces (the `check` schedules).
//!
//! From the records alone the checker rebuilds each node's term and vote (`hard_state`,
//! `restart`), role (`role`, `crash`), log (`append` replaces the log from its first entry's
//! index; `snapshot` compacts or replaces it; `restart` says what the disk held), commit index
//! (`commit`; a restart starts it again at the snapshot's index) and applied index (`apply`; a
//! snapshot moves it), and after every record checks the properties of the Raft paper's
//! Figure 3 and the trace's own bookkeeping (the first failure is reported with its line, so a
//! tampered trace names the property it breaks):
//!
//! | property | what is checked |
//! | --- | --- |
//! | Election Safety (§5.2) | at most one `leader` per term; entries, heartbeats and snapshot chunks of term T are sent only by T's leader |
//! | Leader Append-Only (§5.3) | a leader's `append` starts right after its last entry |
//! | Log Matching (§5.3) | an (index, term) pair names one entry (one payload) and one predecessor term, in every log that ever held it |
//! | Committed Entries Agree (§5.4) | every node's commit index covers the same entry at an index; no append replaces a committed entry |
//! | Stored On A Majority (§5.3, §5.4.2) | a leader's `commit` covers an entry that the logs of a majority of its configuration's voters hold (both majorities while joint; the configuration from the membership entries in its log, or its snapshot's, learned from the chunks delivered) |
//! | Leader Completeness (§5.4) | a new leader holds every entry committed before it was elected (above its snapshot) |
//! | State Machine Safety (§5.4.3) | no two nodes apply (or install by snapshot) different entries at one index: term, command, result, session outcome |
//! | Monotonicity (Figure 2) | terms never decrease (across restarts), the commit index only advances (a restart starts at the snapshot's index), entries apply one by one in order, never beyond the commit index |
//! | One Vote Per Term (§5.2) | a node's vote in a term never changes, across restarts |
//! | Durability (Figure 2) | a restart recovers the term, vote, last index and snapshot index the records say were stored |
//! | Bookkeeping | header, footer counts, step numbering, times, integer bounds, message ids (sent once, delivered or dropped at most once, never before sent, never to a node that is down), client operations completed once |

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// The latest time a trace may carry, ms (formats.md "Bounds": one day).
const MAX_TIME_MS: u64 = 86_400_000;
/// The largest integer a trace may carry (formats.md "Bounds": 2^53 − 1).
const MAX_INT: u64 = 9_007_199_254_740_991;
/// The trace version the simulator writes for one group (formats.md "Trace").
const VERSION: u64 = 5;

/// A broken property or promise, at the line of the trace where it first showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Line number in the file, from 1 (the header).
    pub line: usize,
    /// Which property: a Figure 3 name, or `Bookkeeping`, `Monotonicity`, `Durability`.
    pub property: &'static str,
    /// What was seen, in words.
    pub detail: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.property, self.detail)
    }
}

/// Figures of one checked trace, for the report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    /// Record lines (between header and footer).
    pub records: u64,
    /// Steps (the footer's `steps`).
    pub steps: u64,
    /// Terms that had a leader.
    pub leaders: u64,
    /// Highest index some node committed.
    pub committed: u64,
    /// `apply` records.
    pub applies: u64,
    /// `snapshot` records.
    pub snapshots: u64,
    /// `restart` records.
    pub restarts: u64,
    /// `append` records that replaced entries a node already held.
    pub overwrites: u64,
}

/// One log entry as a node holds it: its term and its payload as JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// The term it was created in.
    term: u64,
    /// Its `payload` as JSON text.
    payload: String,
}

/// A configuration (dissertation §4.1, §4.3): the voters, and while joint the outgoing voters;
/// learners are in no quorum.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Config {
    /// Voters (of the incoming configuration while joint).
    voters: Vec<u64>,
    /// Voters of the outgoing configuration while joint; empty otherwise.
    outgoing: Vec<u64>,
}

impl Config {
    /// The configuration of a `membership` object (an entry's payload or a snapshot chunk's).
    fn from_json(m: &Value) -> Result<Config, (&'static str, String)> {
        let ids = |name: &str| -> Result<Vec<u64>, (&'static str, String)> {
            m.get(name)
                .and_then(Value::as_array)
                .ok_or(("Bookkeeping", format!("a membership without `{name}`")))?
                .iter()
                .map(|x| x.as_u64().ok_or(("Bookkeeping", format!("a node id {x}"))))
                .collect()
        };
        Ok(Config {
            voters: ids("voters")?,
            outgoing: ids("outgoing")?,
        })
    }
}

/// One node, rebuilt from its records.
#[derive(Debug, Clone, Default)]
struct NodeView {
    /// Down between a `crash` and the `restart` after it.
    down: bool,
    /// The role of the latest `role` record since the node last started (`None` after a restart).
    role: Option<String>,
    /// Term of the latest `role` record.
    role_term: u64,
    /// Term of the latest `hard_state` (or `restart`): what the disk holds.
    term: u64,
    /// Vote of the latest `hard_state` (or `restart`), in `term`.
    vote: Option<u64>,
    /// The snapshot the log starts after: (index, term); (0, 0) for none.
    snap: (u64, u64),
    /// Entries at `snap.0 + 1`, `snap.0 + 2`, … (formats.md: `append` records what was
    /// durably stored).
    log: Vec<Entry>,
    /// Commit index (volatile: a restart starts it at the snapshot's index).
    commit: u64,
    /// Applied index (volatile: a restart starts it at the snapshot's index; a snapshot moves it).
    applied: u64,
    /// The configuration entries of `log`: (index, configuration), in index order.
    configs: Vec<(u64, Config)>,
    /// The configuration as of the snapshot (the cluster's first one before any snapshot).
    snap_config: Config,
    /// The configuration of the latest snapshot chunk delivered to the node: (index, term,
    /// configuration), adopted when it installs that snapshot (paper §7).
    incoming: Option<(u64, u64, Config)>,
}

impl NodeView {
    /// The index of the last entry (the snapshot's index when the log is empty).
    fn last_index(&self) -> u64 {
        self.snap.0 + self.log.len() as u64
    }

    /// The term at `index`: of its entry, or of the snapshot when `index` is the snapshot's
    /// index; `None` if not held (compacted, or beyond the log).
    fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snap.0 {
            return Some(self.snap.1);
        }
        self.entry(index).map(|e| e.term)
    }

    /// The configuration the node uses: the latest in its log, committed or not (dissertation
    /// §4.1), else its snapshot's.
    fn config(&self) -> &Config {
        self.configs.last().map_or(&self.snap_config, |c| &c.1)
    }

    /// Whether the node's disk holds entry `index` of `term` (or a snapshot past it).
    fn stores(&self, index: u64, term: u64) -> bool {
        self.snap.0 >= index || self.term_at(index) == Some(term)
    }

    /// The entry at `index`, if held.
    fn entry(&self, index: u64) -> Option<&Entry> {
        if index <= self.snap.0 {
            return None;
        }
        self.log.get((index - self.snap.0 - 1) as usize)
    }
}

/// What the trace says of one (index, term) pair: its payload and the term before it.
#[derive(Debug, Clone)]
struct PairFact {
    /// Payload as JSON text, once some log held the entry (a snapshot does not show it).
    payload: Option<(String, u64, usize)>,
    /// Term at `index - 1` in a log holding the pair, with the node and line that showed it.
    prev: Option<(u64, u64, usize)>,
}

/// What one node applied at an index (§5.4.3): compared with every other node's.
#[derive(Debug, Clone)]
struct Applied {
    /// Term of the entry applied.
    term: u64,
    /// `command`, `result` and `session` as JSON text (`None` for a no-op, a configuration
    /// entry or an index installed by snapshot).
    what: Option<String>,
    /// The first node seen applying it.
    node: u64,
    /// Where.
    line: usize,
}

/// A message the network holds: sent (or duplicated) and not yet delivered or dropped.
#[derive(Debug, Clone)]
struct InFlight {
    /// Sender.
    from: u64,
    /// Recipient.
    to: u64,
    /// Time of the send (or the duplication), ms.
    sent_at: u64,
    /// For a snapshot chunk: its index, term and configuration.
    snapshot: Option<(u64, u64, Config)>,
    /// `Some(line)` once delivered or dropped.
    done: Option<usize>,
}

/// The checker: feed it lines with [`TraceChecker::line`], then [`TraceChecker::finish`].
#[derive(Debug, Clone, Default)]
pub struct TraceChecker {
    /// Lines read so far (the current line's number).
    line: usize,
    /// The footer, once read (nothing may follow it).
    footer: bool,
    /// Time of the latest record.
    now: u64,
    /// The latest `step` record's `n`.
    steps: u64,
    /// Record lines read (not the header or footer).
    records: u64,
    /// Cluster size from the header's options (nodes `1..=nodes`; `add_node` adds the next).
    nodes: u64,
    /// Each node as its records so far describe it.
    views: BTreeMap<u64, NodeView>,
    /// The cluster's first configuration: voters `1..=nodes` (formats.md options `nodes`).
    first_config: Config,
    /// Leader of each term (Election Safety), with the line that made it leader.
    leaders: BTreeMap<u64, (u64, usize)>,
    /// Every (index, term) pair any log held (Log Matching).
    pairs: BTreeMap<(u64, u64), PairFact>,
    /// Term of the committed entry at each index, with the node and line that first covered it.
    committed: BTreeMap<u64, (u64, u64, usize)>,
    /// What was applied at each index, first seen.
    applied: BTreeMap<u64, Applied>,
    /// Every message by id (sends and duplicates' copies).
    messages: BTreeMap<u64, InFlight>,
    /// Client operations by `op_id`: (client, completed).
    ops: BTreeMap<u64, (u64, bool)>,
    /// Nodes whose applied index passed their commit index inside the current step (a leader's
    /// snapshot is installed before the commit record that follows it, formats.md "Causal
    /// order"): checked again when the step ends.
    pending_applied: BTreeSet<u64>,
    /// Candidates and leaders of the current step: (node, term, role). When the step ends each
    /// must have stored that term with a vote for itself, or a later term (§5.2).
    self_votes: Vec<(u64, u64, String)>,
    /// Figures for the report.
    summary: Summary,
}

/// What a check returns: nothing, or the property broken and what was seen.
type Check = Result<(), (&'static str, String)>;

/// Shorthand for a failure of `property`.
fn fail<T>(property: &'static str, detail: String) -> Result<T, (&'static str, String)> {
    Err((property, detail))
}

/// Field `name` of `v` as a whole number (formats.md "Bounds").
fn int(v: &Value, name: &str) -> Result<u64, (&'static str, String)> {
    match v.get(name) {
        Some(x) => match x.as_u64() {
            Some(n) if n <= MAX_INT => Ok(n),
            _ => fail(
                "Bookkeeping",
                format!("`{name}` is {x}, not a whole number up to 2^53 - 1"),
            ),
        },
        None => fail("Bookkeeping", format!("no `{name}` field")),
    }
}

/// Field `name` of `v` as a whole number or `null`.
fn opt_int(v: &Value, name: &str) -> Result<Option<u64>, (&'static str, String)> {
    match v.get(name) {
        Some(Value::Null) => Ok(None),
        Some(_) => int(v, name).map(Some),
        None => fail("Bookkeeping", format!("no `{name}` field")),
    }
}

/// Field `name` of `v` as text.
fn text<'a>(v: &'a Value, name: &str) -> Result<&'a str, (&'static str, String)> {
    v.get(name)
        .and_then(Value::as_str)
        .ok_or(("Bookkeeping", format!("no text field `{name}`")))
}

/// Every number anywhere in `v` is a whole number up to 2^53 − 1 (formats.md "Bounds").
fn bounded(v: &Value) -> Check {
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(x) if x <= MAX_INT => Ok(()),
            _ => fail(
                "Bookkeeping",
                format!("{n} is not a whole number up to 2^53 - 1"),
            ),
        },
        Value::Array(a) => a.iter().try_for_each(bounded),
        Value::Object(o) => o.values().try_for_each(bounded),
        _ => Ok(()),
    }
}

impl TraceChecker {
    /// Checks a whole trace, text as written by the simulator.
    pub fn check(text: &str) -> Result<Summary, Failure> {
        let mut c = TraceChecker::default();
        for l in text.lines() {
            c.line(l)?;
        }
        c.finish()
    }

    /// Reads the next line and checks everything it can break.
    pub fn line(&mut self, line: &str) -> Result<(), Failure> {
        self.line += 1;
        let at = self.line;
        let v: Value = serde_json::from_str(line).map_err(|e| Failure {
            line: at,
            property: "Bookkeeping",
            detail: format!("not JSON: {e}"),
        })?;
        self.record(&v).map_err(|(property, detail)| Failure {
            line: at,
            property,
            detail,
        })
    }

    /// The end of the file: the footer must have been read; the last step must end well.
    pub fn finish(mut self) -> Result<Summary, Failure> {
        let at = self.line;
        if !self.footer {
            return Err(Failure {
                line: at,
                property: "Bookkeeping",
                detail: "the trace has no footer".into(),
            });
        }
        self.end_of_step().map_err(|(property, detail)| Failure {
            line: at,
            property,
            detail,
        })?;
        self.summary.records = self.records;
        self.summary.steps = self.steps;
        self.summary.leaders = self.leaders.len() as u64;
        self.summary.committed = self.committed.keys().next_back().copied().unwrap_or(0);
        Ok(self.summary)
    }

    /// One parsed line.
    fn record(&mut self, v: &Value) -> Check {
        if self.footer {
            return fail("Bookkeeping", "a line after the footer".into());
        }
        let kind = text(v, "kind")?;
        if self.line == 1 {
            return self.header(v, kind);
        }
        if kind == "header" {
            return fail("Bookkeeping", "a second header".into());
        }
        if kind == "footer" {
            return self.footer(v);
        }
        bounded(v)?;
        self.records += 1;
        let t = int(v, "t")?;
        if t > MAX_TIME_MS {
            return fail(
                "Bookkeeping",
                format!("time {t} ms is past the latest time {MAX_TIME_MS}"),
            );
        }
        if t < self.now {
            return fail(
                "Bookkeeping",
                format!("time goes back from {} ms to {t} ms", self.now),
            );
        }
        self.now = t;
        match kind {
            "step" => self.step(v),
            "action" => {
                self.end_of_step()?;
                let a = v
                    .get("action")
                    .ok_or(("Bookkeeping", "an action without `action`".to_string()))?;
                // `add_node`: the next id joins (formats.md timeline actions).
                if text(a, "action")? == "add_node" {
                    self.nodes += 1;
                }
                Ok(())
            }
            "send" => self.send(v),
            "deliver" => self.deliver(v),
            "drop" => self.drop_msg(v),
            "duplicate" => self.duplicate(v),
            "timeout" => self.up(int(v, "node")?, "timeout").map(|_| ()),
            "role" => self.role(v),
            "hard_state" => self.hard_state(v),
            "append" => self.append(v),
            "commit" => self.commit(v),
            "apply" => self.apply(v),
            "snapshot" => self.snapshot(v),
            "crash" => self.crash(v),
            "restart" => self.restart(v),
            "invoke" => {
                let (client, op) = (int(v, "client")?, int(v, "op_id")?);
                int(v, "seq")?;
                if self.ops.insert(op, (client, false)).is_some() {
                    return fail("Bookkeeping", format!("op_id {op} invoked twice"));
                }
                Ok(())
            }
            "complete" => {
                let (client, op) = (int(v, "client")?, int(v, "op_id")?);
                match self.ops.get_mut(&op) {
                    Some((c, done)) if *c == client && !*done => {
                        *done = true;
                        Ok(())
                    }
                    Some((c, true)) if *c == client => {
                        fail("Bookkeeping", format!("op_id {op} completed twice"))
                    }
                    _ => fail(
                        "Bookkeeping",
                        format!("client {client} completes op_id {op}, which it never invoked"),
                    ),
                }
            }
            // The simulator's own verdict: not used for judging, so that this checker stays
            // independent of it (the planted-bug test shows it finds the bugs by itself).
            "violation" => Ok(()),
            other => fail("Bookkeeping", format!("unknown record kind `{other}`")),
        }
    }

    /// The first line (formats.md "Trace", 1).
    fn header(&mut self, v: &Value, kind: &str) -> Check {
        if kind != "header" || v.get("format").and_then(Value::as_str) != Some("raft-trace") {
            return fail(
                "Bookkeeping",
                "the first line is not a raft-trace header".into(),
            );
        }
        let version = int(v, "version")?;
        if version != VERSION {
            return fail(
                "Bookkeeping",
                format!("version {version}, expected {VERSION}"),
            );
        }
        let options = v
            .get("options")
            .ok_or(("Bookkeeping", "a header without options".to_string()))?;
        self.nodes = int(options, "nodes")?;
        self.first_config = Config {
            voters: (1..=self.nodes).collect(),
            outgoing: Vec::new(),
        };
        if !(1..=64).contains(&self.nodes) {
            return fail("Bookkeeping", format!("{} nodes", self.nodes));
        }
        Ok(())
    }

    /// The last line (formats.md "Trace", 3): counts that match the file.
    fn footer(&mut self, v: &Value) -> Check {
        self.footer = true;
        bounded(v)?;
        let (end, steps, records) = (int(v, "end")?, int(v, "steps")?, int(v, "records")?);
        if end > MAX_TIME_MS || end < self.now {
            return fail(
                "Bookkeeping",
                format!(
                    "footer end {end} ms, but the last record is at {} ms",
                    self.now
                ),
            );
        }
        if steps != self.steps {
            return fail(
                "Bookkeeping",
                format!(
                    "footer says {steps} steps, the last step record is {}",
                    self.steps
                ),
            );
        }
        if records != self.records {
            return fail(
                "Bookkeeping",
                format!(
                    "footer says {records} records, the file has {}",
                    self.records
                ),
            );
        }
        let hash = text(v, "hash")?;
        if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return fail("Bookkeeping", format!("hash {hash:?} is not 16 hex digits"));
        }
        Ok(())
    }

    /// `step`: numbered 1, 2, 3… (formats.md "Steps").
    fn step(&mut self, v: &Value) -> Check {
        self.end_of_step()?;
        let n = int(v, "n")?;
        if n != self.steps + 1 {
            return fail(
                "Bookkeeping",
                format!("step {n} follows step {}", self.steps),
            );
        }
        self.steps = n;
        Ok(())
    }

    /// What must hold once a step's records are all read: applied ≤ commit on every node.
    fn end_of_step(&mut self) -> Check {
        for (n, term, role) in std::mem::take(&mut self.self_votes) {
            let view = &self.views[&n];
            if !view.down && (view.term < term || (view.term == term && view.vote != Some(n))) {
                return fail(
                    "One Vote Per Term",
                    format!(
                        "S{n} was {role} in term {term} but stored term {} vote {:?} when the step ended",
                        view.term, view.vote
                    ),
                );
            }
        }
        for n in std::mem::take(&mut self.pending_applied) {
            let view = &self.views[&n];
            if view.applied > view.commit && !view.down {
                return fail(
                    "Monotonicity",
                    format!(
                        "S{n} applied through {} but committed only through {} when the step ended",
                        view.applied, view.commit
                    ),
                );
            }
        }
        Ok(())
    }

    /// The node `n`, which must exist and be running to do `what`.
    fn up(&mut self, n: u64, what: &str) -> Result<&mut NodeView, (&'static str, String)> {
        if n == 0 || n > self.nodes {
            return fail(
                "Bookkeeping",
                format!("{what} names S{n}, but the cluster has S1..S{}", self.nodes),
            );
        }
        let first = &self.first_config;
        let view = self.views.entry(n).or_insert_with(|| NodeView {
            snap_config: first.clone(),
            ..NodeView::default()
        });
        if view.down {
            return fail("Bookkeeping", format!("S{n} is down but has a {what}"));
        }
        Ok(view)
    }

    /// `send`: a new id from a running node; entries, heartbeats and snapshot chunks come from
    /// the leader of their term (§5.2: a leader is the only sender of AppendEntries in its term).
    fn send(&mut self, v: &Value) -> Check {
        let id = int(v, "id")?;
        let msg = v
            .get("msg")
            .ok_or(("Bookkeeping", "a send without `msg`".to_string()))?;
        let (from, to, term) = (int(msg, "from")?, int(msg, "to")?, int(msg, "term")?);
        self.up(from, "send")?;
        if let Some(at) = opt_int(v, "deliver_at")? {
            if at < self.now {
                return fail(
                    "Bookkeeping",
                    format!("message {id} sent at {} ms to arrive at {at} ms", self.now),
                );
            }
        }
        let body = match msg.get("body") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Object(o)) if o.len() == 1 => o.keys().next().unwrap().as_str(),
            _ => return fail("Bookkeeping", format!("message {id} has no body")),
        };
        let stored = self
            .views
            .get(&from)
            .map_or((0, None), |v| (v.term, v.vote));
        let granted = msg
            .pointer("/body/vote_resp/granted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let claimed = match body {
            "vote" => Some(from),
            "vote_resp" if granted => Some(to),
            _ => None,
        };
        if let Some(c) = claimed {
            // Figure 2: term and vote are on stable storage before the RPC that depends on
            // them goes out (or the node has since stored a later term).
            if stored.0 < term || (stored.0 == term && stored.1 != Some(c)) {
                return fail(
                    "One Vote Per Term",
                    format!(
                        "S{from} sends {body} for S{c} in term {term} having stored term {} vote {:?}",
                        stored.0, stored.1
                    ),
                );
            }
        }
        if matches!(body, "append" | "heartbeat" | "snapshot") {
            match self.leaders.get(&term) {
                Some((l, _)) if *l == from => {}
                Some((l, _)) => {
                    return fail(
                        "Election Safety",
                        format!("S{from} sends {body} in term {term}, whose leader is S{l}"),
                    )
                }
                None => {
                    return fail(
                        "Election Safety",
                        format!("S{from} sends {body} in term {term}, which has no leader"),
                    )
                }
            }
        }
        let snapshot = match msg.pointer("/body/snapshot") {
            Some(c) => Some((
                int(c, "index")?,
                int(c, "term")?,
                Config::from_json(c.get("membership").unwrap_or(&Value::Null))?,
            )),
            None => None,
        };
        self.new_message(id, from, to, snapshot)
    }

    /// Registers message `id` (a send or a duplicate's copy).
    fn new_message(
        &mut self,
        id: u64,
        from: u64,
        to: u64,
        snapshot: Option<(u64, u64, Config)>,
    ) -> Check {
        let m = InFlight {
            from,
            to,
            sent_at: self.now,
            snapshot,
            done: None,
        };
        if self.messages.insert(id, m).is_some() {
            return fail("Bookkeeping", format!("message id {id} used twice"));
        }
        Ok(())
    }

    /// The message `id` between `from` and `to`, which must be in flight; marks it done.
    fn take(&mut self, v: &Value, what: &str) -> Result<InFlight, (&'static str, String)> {
        let (id, from, to) = (int(v, "id")?, int(v, "from")?, int(v, "to")?);
        let (now, line) = (self.now, self.line);
        let Some(m) = self.messages.get_mut(&id) else {
            return fail(
                "Bookkeeping",
                format!("{what} of message {id}, which was never sent"),
            );
        };
        if (m.from, m.to) != (from, to) {
            return fail(
                "Bookkeeping",
                format!(
                    "{what} of message {id} S{from}->S{to}, sent S{}->S{}",
                    m.from, m.to
                ),
            );
        }
        if let Some(l) = m.done {
            return fail(
                "Bookkeeping",
                format!("{what} of message {id}, already delivered or dropped at line {l}"),
            );
        }
        if now < m.sent_at {
            return fail(
                "Bookkeeping",
                format!(
                    "{what} of message {id} at {now} ms, before its send at {} ms",
                    m.sent_at
                ),
            );
        }
        m.done = Some(line);
        Ok(m.clone())
    }

    /// `deliver`: a message in flight reaches a running node.
    fn deliver(&mut self, v: &Value) -> Check {
        let m = self.take(v, "delivery")?;
        let view = self.up(m.to, "delivery")?;
        if m.snapshot.is_some() {
            view.incoming = m.snapshot;
        }
        Ok(())
    }

    /// `drop`: a message in flight is lost, for a documented reason.
    fn drop_msg(&mut self, v: &Value) -> Check {
        self.take(v, "drop")?;
        let reason = text(v, "reason")?;
        if !matches!(reason, "loss" | "cut" | "node down" | "dropped by user") {
            return fail(
                "Bookkeeping",
                format!("drop for an unknown reason {reason:?}"),
            );
        }
        Ok(())
    }

    /// `duplicate`: a second copy, under a new id, of a message in flight.
    fn duplicate(&mut self, v: &Value) -> Check {
        let (id, copy) = (int(v, "id")?, int(v, "copy")?);
        let Some(m) = self.messages.get(&id) else {
            return fail(
                "Bookkeeping",
                format!("duplicate of message {id}, never sent"),
            );
        };
        let (from, to, snapshot) = (m.from, m.to, m.snapshot.clone());
        self.new_message(copy, from, to, snapshot)
    }

    /// `role`: Election Safety (§5.2), monotonic terms, and Leader Completeness (§5.4.1) for
    /// a new leader.
    fn role(&mut self, v: &Value) -> Check {
        let (n, term) = (int(v, "node")?, int(v, "term")?);
        let role = text(v, "role")?.to_string();
        if !matches!(
            role.as_str(),
            "follower" | "pre_candidate" | "candidate" | "leader" | "learner"
        ) {
            return fail(
                "Bookkeeping",
                format!("S{n} takes an unknown role {role:?}"),
            );
        }
        let line = self.line;
        if role == "leader" {
            match self.leaders.get(&term) {
                Some((l, _)) if *l == n => {}
                Some((l, at)) => {
                    return fail(
                        "Election Safety",
                        format!(
                        "S{n} became leader of term {term}, which S{l} already leads (line {at})"
                    ),
                    )
                }
                None => {
                    self.leaders.insert(term, (n, line));
                }
            }
        }
        let view = self.views.get(&n).cloned().unwrap_or_default();
        if term < view.role_term {
            // Terms never decrease, in roles too (a role may be in a term below the one the
            // node stores only for a PreVote round won at once: formats.md "Causal order").
            return fail(
                "Terms Never Decrease",
                format!(
                    "S{n} is {role} in term {term} after term {}",
                    view.role_term
                ),
            );
        }
        if matches!(role.as_str(), "candidate" | "leader") {
            // §5.2: a candidate stores the new term and its vote for itself before asking for
            // votes; checked when the step ends, since one step may pass through several terms
            // and store only the last (formats.md "Causal order").
            self.self_votes.push((n, term, role.clone()));
        }
        let view = self.up(n, "role")?;
        view.role = Some(role.clone());
        view.role_term = term;
        if role == "leader" {
            let view = self.views[&n].clone();
            for (&i, &(t, by, at)) in self.committed.range(view.snap.0..) {
                if view.term_at(i) != Some(t) {
                    return fail(
                        "Leader Completeness",
                        format!(
                            "S{n} leads term {term} without the committed entry {i} (term {t}, committed by S{by} at line {at}); it holds {}",
                            match view.term_at(i) {
                                Some(x) => format!("term {x} there"),
                                None => format!("entries up to {}", view.last_index()),
                            }
                        ),
                    );
                }
            }
        }
        Ok(())
    }

    /// `hard_state`: terms never decrease; one vote per term, across restarts (§5.2, Figure 2).
    fn hard_state(&mut self, v: &Value) -> Check {
        let (n, term, vote) = (int(v, "node")?, int(v, "term")?, opt_int(v, "vote")?);
        let view = self.up(n, "hard_state")?;
        if term < view.term {
            return fail(
                "Terms Never Decrease",
                format!("S{n} stores term {term} after term {}", view.term),
            );
        }
        if term == view.term && view.vote.is_some() && vote != view.vote {
            return fail(
                "One Vote Per Term",
                format!(
                    "S{n} votes {vote:?} in term {term}, having voted {:?}",
                    view.vote
                ),
            );
        }
        // The vote survives a restart: `restart` must recover it (Durability), so this check
        // holds across restarts too.
        view.term = term;
        view.vote = vote;
        Ok(())
    }

    /// Registers that `n`'s log holds (index, term) with this payload after `prev` (Log
    /// Matching, §5.3: a pair names one entry and, by induction, one prefix).
    fn pair(
        &mut self,
        n: u64,
        index: u64,
        term: u64,
        payload: Option<&str>,
        prev: Option<u64>,
    ) -> Check {
        let line = self.line;
        let fact = self.pairs.entry((index, term)).or_insert(PairFact {
            payload: None,
            prev: None,
        });
        if let Some(p) = payload {
            match &fact.payload {
                Some((q, by, at)) if q != p => {
                    return fail(
                        "Log Matching",
                        format!(
                            "S{n} holds entry {index} of term {term} as {p}, S{by} held it as {q} (line {at})"
                        ),
                    )
                }
                Some(_) => {}
                None => fact.payload = Some((p.to_string(), n, line)),
            }
        }
        if let Some(p) = prev {
            match fact.prev {
                Some((q, by, at)) if q != p => {
                    return fail(
                        "Log Matching",
                        format!(
                            "S{n} holds entry {index} of term {term} after term {p}, S{by} after term {q} (line {at}): the logs differ before a matching entry"
                        ),
                    )
                }
                Some(_) => {}
                None => fact.prev = Some((p, n, line)),
            }
        }
        Ok(())
    }

    /// `append`: the node stored entries, replacing its log from the first one's index
    /// (formats.md record table). Leader Append-Only (§5.3), Log Matching, and no committed
    /// entry replaced (§5.4).
    fn append(&mut self, v: &Value) -> Check {
        let n = int(v, "node")?;
        let entries = match v.get("entries") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => return fail("Bookkeeping", format!("S{n} appends no entries")),
        };
        let mut new = Vec::with_capacity(entries.len());
        for e in entries {
            let payload = e
                .get("payload")
                .ok_or(("Bookkeeping", "an entry without payload".to_string()))?;
            new.push((int(e, "index")?, int(e, "term")?, payload.to_string()));
        }
        let view = self.up(n, "append")?;
        let first = new[0].0;
        for (k, (i, _, _)) in new.iter().enumerate() {
            if *i != first + k as u64 {
                return fail("Bookkeeping", format!("S{n} appends entries out of order"));
            }
        }
        if first <= view.snap.0 || first > view.last_index() + 1 {
            return fail(
                "Log Matching",
                format!(
                    "S{n} appends from index {first}, but its log holds {}..={} after a snapshot at {}",
                    view.snap.0 + 1,
                    view.last_index(),
                    view.snap.0
                ),
            );
        }
        if view.role.as_deref() == Some("leader") && first <= view.last_index() {
            return fail(
                "Leader Append-Only",
                format!(
                    "leader S{n} rewrites its log from index {first} (last index {})",
                    view.last_index()
                ),
            );
        }
        for (i, t, _) in &new {
            if *i <= view.commit && view.term_at(*i) != Some(*t) {
                return fail(
                    "Committed Entries Agree",
                    format!(
                        "S{n} replaces its committed entry {i} (term {:?}) with one of term {t}",
                        view.term_at(*i)
                    ),
                );
            }
        }
        if view.commit > first + new.len() as u64 - 1 && first <= view.last_index() {
            return fail(
                "Committed Entries Agree",
                format!(
                    "S{n} cuts its log to {} below its commit index {}",
                    first + new.len() as u64 - 1,
                    view.commit
                ),
            );
        }
        let overwrite = first <= view.last_index();
        let mut prev = view.term_at(first - 1);
        view.log.truncate((first - view.snap.0 - 1) as usize);
        view.configs.retain(|c| c.0 < first);
        for (k, (i, t, p)) in new.iter().enumerate() {
            if let Some(m) = entries[k].pointer("/payload/membership") {
                view.configs.push((*i, Config::from_json(m)?));
            }
            view.log.push(Entry {
                term: *t,
                payload: p.clone(),
            });
        }
        if overwrite {
            self.summary.overwrites += 1;
        }
        for (i, t, p) in new {
            self.pair(n, i, t, Some(&p), prev)?;
            prev = Some(t);
        }
        Ok(())
    }

    /// `commit`: the commit index only advances, within the log; every node's commit index
    /// covers the same entries (§5.4: a committed entry is final).
    fn commit(&mut self, v: &Value) -> Check {
        let (n, c) = (int(v, "node")?, int(v, "index")?);
        let line = self.line;
        let view = self.up(n, "commit")?;
        if c <= view.commit {
            return fail(
                "Monotonicity",
                format!("S{n}'s commit index goes from {} to {c}", view.commit),
            );
        }
        if c > view.last_index() {
            return fail(
                "Monotonicity",
                format!(
                    "S{n} commits through {c} but its log ends at {}",
                    view.last_index()
                ),
            );
        }
        let from = view.commit.max(view.snap.0) + 1;
        view.commit = c;
        let view = self.views[&n].clone();
        if view.role.as_deref() == Some("leader") {
            self.stored_on_a_majority(n, c, view.term_at(c).expect("within the log"))?;
        }
        for i in from..=c {
            let t = view.term_at(i).expect("within the log");
            match self.committed.get(&i) {
                Some(&(old, by, at)) if old != t => {
                    return fail(
                        "Committed Entries Agree",
                        format!(
                            "S{n} commits entry {i} of term {t}; S{by} committed term {old} there (line {at})"
                        ),
                    )
                }
                Some(_) => {}
                None => {
                    self.committed.insert(i, (t, n, line));
                }
            }
        }
        Ok(())
    }

    /// A leader commits entry `index` of `term` only once the disks of a majority of its
    /// configuration's voters (of both configurations while joint) hold it (§5.3, §5.4.2;
    /// dissertation §4.2.1: learners are in no quorum).
    fn stored_on_a_majority(&self, n: u64, index: u64, term: u64) -> Check {
        let config = self.views[&n].config();
        for voters in [&config.voters, &config.outgoing] {
            if voters.is_empty() {
                continue;
            }
            let holding: Vec<u64> = voters
                .iter()
                .copied()
                .filter(|v| self.views.get(v).is_some_and(|x| x.stores(index, term)))
                .collect();
            if holding.len() * 2 <= voters.len() {
                return fail(
                    "Stored On A Majority",
                    format!(
                        "leader S{n} commits entry {index} of term {term}, stored only on {holding:?} of voters {voters:?}"
                    ),
                );
            }
        }
        Ok(())
    }

    /// Records what `n` applied at `index` and compares it with the other nodes (§5.4.3).
    fn applied_at(&mut self, n: u64, index: u64, term: u64, what: Option<String>) -> Check {
        let line = self.line;
        match self.applied.get_mut(&index) {
            Some(a) => {
                if a.term != term {
                    return fail(
                        "State Machine Safety",
                        format!(
                            "S{n} applies term {term} at index {index}; S{} applied term {} (line {})",
                            a.node, a.term, a.line
                        ),
                    );
                }
                match (&a.what, &what) {
                    (Some(x), Some(y)) if x != y => {
                        return fail(
                            "State Machine Safety",
                            format!(
                                "S{n} applies {y} at index {index}; S{} applied {x} (line {})",
                                a.node, a.line
                            ),
                        )
                    }
                    (None, Some(_)) => a.what = what,
                    _ => {}
                }
            }
            None => {
                self.applied.insert(
                    index,
                    Applied {
                        term,
                        what,
                        node: n,
                        line,
                    },
                );
            }
        }
        if let Some(&(t, by, at)) = self.committed.get(&index) {
            if t != term {
                return fail(
                    "State Machine Safety",
                    format!(
                        "S{n} applies term {term} at index {index}, where S{by} committed term {t} (line {at})"
                    ),
                );
            }
        }
        Ok(())
    }

    /// `apply`: in order, without gaps, within the commit index, the entry the log holds, and
    /// the same entry on every node (§5.4.3 State Machine Safety).
    fn apply(&mut self, v: &Value) -> Check {
        let (n, index, term) = (int(v, "node")?, int(v, "index")?, int(v, "term")?);
        let what = v.get("command").map(|c| {
            format!(
                "{} -> {} ({})",
                c,
                v.get("result").unwrap_or(&Value::Null),
                v.get("session").unwrap_or(&Value::Null)
            )
        });
        self.applied_at(n, index, term, what)?;
        self.summary.applies += 1;
        let view = self.up(n, "apply")?;
        if index != view.applied + 1 {
            return fail(
                "Monotonicity",
                format!("S{n} applies index {index} after index {}", view.applied),
            );
        }
        if index > view.commit {
            return fail(
                "Monotonicity",
                format!(
                    "S{n} applies index {index} beyond its commit index {}",
                    view.commit
                ),
            );
        }
        if view.term_at(index) != Some(term) {
            return fail(
                "State Machine Safety",
                format!(
                    "S{n} applies term {term} at index {index}, but its log holds {:?} there",
                    view.term_at(index)
                ),
            );
        }
        view.applied = index;
        Ok(())
    }

    /// `snapshot`: a compaction at an applied index, or the leader's snapshot installed (§7):
    /// the log keeps what follows a matching entry; the applied index moves.
    fn snapshot(&mut self, v: &Value) -> Check {
        let (n, index, term) = (int(v, "node")?, int(v, "index")?, int(v, "term")?);
        let source = text(v, "source")?;
        self.summary.snapshots += 1;
        let view = self.up(n, "snapshot")?;
        let held = view.term_at(index);
        match source {
            "compaction" => {
                if index > view.applied {
                    return fail(
                        "Monotonicity",
                        format!(
                            "S{n} compacts through {index}, beyond its applied index {}",
                            view.applied
                        ),
                    );
                }
                if held != Some(term) && index > view.snap.0 {
                    return fail(
                        "Log Matching",
                        format!("S{n} compacts through {index} of term {term}, its log holds {held:?} there"),
                    );
                }
            }
            "leader" => {
                if index <= view.applied {
                    return fail(
                        "Monotonicity",
                        format!(
                            "S{n} installs a snapshot at {index}, not beyond its applied index {}",
                            view.applied
                        ),
                    );
                }
            }
            other => {
                return fail(
                    "Bookkeeping",
                    format!("a snapshot from an unknown source {other:?}"),
                )
            }
        }
        if index < view.snap.0 {
            return fail(
                "Monotonicity",
                format!("S{n}'s snapshot goes back from {} to {index}", view.snap.0),
            );
        }
        // Paper §7: entries after a matching entry are kept; otherwise the log is discarded.
        // The snapshot carries the configuration as of its index: a compaction's is the latest
        // configuration entry up to it; an installed one's came with the leader's chunks.
        if source == "leader" {
            match view.incoming.take() {
                Some((i, t, c)) if (i, t) == (index, term) => view.snap_config = c,
                _ => {
                    return fail(
                        "Bookkeeping",
                        format!("S{n} installs a snapshot at {index} of term {term} that no delivered chunk carried"),
                    )
                }
            }
        }
        if let Some(c) = view.configs.iter().rev().find(|c| c.0 <= index) {
            if source == "compaction" {
                view.snap_config = c.1.clone();
            }
        }
        if held == Some(term) && index <= view.last_index() {
            let drop = (index - view.snap.0) as usize;
            view.log.drain(..drop);
            view.configs.retain(|c| c.0 > index);
        } else {
            view.log.clear();
            view.configs.clear();
        }
        view.snap = (index, term);
        let next = view.entry(index + 1).map(|e| e.term);
        if source == "leader" {
            view.applied = index;
            self.pending_applied.insert(n);
            self.applied_at(n, index, term, None)?;
        }
        self.pair(n, index, term, None, None)?;
        if let Some(t) = next {
            self.pair(n, index + 1, t, None, Some(term))?;
        }
        if let Some(&(t, by, at)) = self.committed.get(&index) {
            if t != term {
                return fail(
                    "State Machine Safety",
                    format!(
                        "S{n}'s snapshot at {index} has term {term}, where S{by} committed term {t} (line {at})"
                    ),
                );
            }
        }
        Ok(())
    }

    /// `crash`: the node loses its volatile state.
    fn crash(&mut self, v: &Value) -> Check {
        let n = int(v, "node")?;
        let view = self.up(n, "crash")?;
        view.down = true;
        view.role = None;
        Ok(())
    }

    /// `restart`: the node comes back with what its disk held (Figure 2: term, vote and log are
    /// persistent; commit and applied indexes are volatile and start at the snapshot's index).
    fn restart(&mut self, v: &Value) -> Check {
        let n = int(v, "node")?;
        let (term, vote) = (int(v, "term")?, opt_int(v, "vote")?);
        let (last, snap) = (int(v, "last_index")?, int(v, "snapshot_index")?);
        if n == 0 || n > self.nodes {
            return fail(
                "Bookkeeping",
                format!("restart of S{n}, not in the cluster"),
            );
        }
        self.summary.restarts += 1;
        let first = &self.first_config;
        let view = self.views.entry(n).or_insert_with(|| NodeView {
            snap_config: first.clone(),
            ..NodeView::default()
        });
        if !view.down {
            return fail("Bookkeeping", format!("S{n} restarts without a crash"));
        }
        if term < view.term {
            return fail(
                "Terms Never Decrease",
                format!("S{n} restarts in term {term} after term {}", view.term),
            );
        }
        if (term, vote) != (view.term, view.vote) {
            return fail(
                "Durability",
                format!(
                    "S{n} restarts with term {term} vote {vote:?}, but stored term {} vote {:?}",
                    view.term, view.vote
                ),
            );
        }
        if (last, snap) != (view.last_index(), view.snap.0) {
            return fail(
                "Durability",
                format!(
                    "S{n} restarts with a log to {last} after a snapshot at {snap}, but stored a log to {} after a snapshot at {}",
                    view.last_index(),
                    view.snap.0
                ),
            );
        }
        view.down = false;
        view.role = None;
        view.commit = snap;
        view.applied = snap;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Traces of a correct build: the `check` schedules.

use raft_sim::schedule::{CheckRun, Faults, Schedule};
use raft_sim::trace::write_jsonl;

/// One seed's `check` run, keeping its trace.
fn check_run(seed: u64, nodes: u32, schedule: Schedule, faults: Faults) -> CheckRun {
    CheckRun {
        seed,
        nodes,
        duration_ms: 3_000,
        faults,
        keep_trace: true,
        hash: true,
        policy: Default::default(),
        schedule,
    }
}

/// The trace of a run, as `raft-sim check --trace` writes it.
fn trace_of(run: &CheckRun) -> String {
    let out = run.run(&|_| {});
    assert!(out.violation.is_none(), "seed {} has a violation", run.seed);
    write_jsonl(&out.world)
}

/// Checks the traces of `seeds` of `schedule` on `nodes` nodes; returns (traces, records).
fn check_many(
    schedule: Schedule,
    nodes: u32,
    seeds: std::ops::Range<u64>,
    faults: Faults,
) -> (u64, u64) {
    let (mut traces, mut records) = (0, 0);
    let mut totals = Summary::default();
    for seed in seeds {
        let run = check_run(seed, nodes, schedule, faults);
        let text = trace_of(&run);
        match TraceChecker::check(&text) {
            Ok(s) => {
                traces += 1;
                records += s.records;
                totals.applies += s.applies;
                totals.snapshots += s.snapshots;
                totals.restarts += s.restarts;
                totals.overwrites += s.overwrites;
                totals.leaders += s.leaders;
            }
            Err(f) => panic!(
                "{f}\n  replay: raft-sim check --seeds {seed}..{seed} --nodes {nodes} --duration-ms 3000 --faults {} --schedule {} --trace seed{seed}.jsonl",
                faults.names(),
                schedule.name()
            ),
        }
    }
    eprintln!(
        "{} on {nodes} nodes, faults {}: {traces} traces, {records} records, {} leaders, {} applies, {} snapshots, {} restarts, {} appends over held entries",
        schedule.name(),
        faults.names(),
        totals.leaders,
        totals.applies,
        totals.snapshots,
        totals.restarts,
        totals.overwrites
    );
    (traces, records)
}

// Every `check` schedule, with every fault kind: crashes and restarts, partitions, loss,
// duplication, reordering, transfers, membership changes, snapshots, pauses, slow disks, clock
// drift. Every trace of a correct build must pass every check (Figure 3's properties hold).

/// The default `check` schedule (swarm, targeted and classic by turns) on 3, 5 and 7 nodes.
#[test]
fn mixed_schedules_pass() {
    for nodes in [3, 5, 7] {
        check_many(Schedule::Mixed, nodes, 1..31, Faults::ALL);
    }
}

/// The classic schedule (one mix of faults for every seed) on 3, 5 and 7 nodes.
#[test]
fn classic_schedules_pass() {
    for nodes in [3, 5, 7] {
        check_many(Schedule::Classic, nodes, 100..118, Faults::ALL);
    }
}

/// Swarm schedules (each seed its own subset of faults) on 3, 5 and 7 nodes.
#[test]
fn swarm_schedules_pass() {
    for nodes in [3, 5, 7] {
        check_many(Schedule::Swarm, nodes, 200..222, Faults::ALL);
    }
}

/// A targeted schedule draws its own cluster of 3 or 4 nodes (it grows by membership changes),
/// whatever the size asked for above 4.
#[test]
fn targeted_schedules_pass() {
    check_many(Schedule::Targeted, 5, 300..320, Faults::ALL);
}

/// The `reads` nemesis (not part of `all`): storage that answers "not ready" and small caches.
#[test]
fn schedules_with_stalled_reads_pass() {
    let faults = Faults {
        reads: true,
        ..Faults::ALL
    };
    check_many(Schedule::Mixed, 5, 400..420, faults);
}

/// Replies held back by up to seconds (`--faults all,replies`): votes that arrive after the
/// candidate's timer fired, which raft-core's late-vote rule counts; judged here from the
/// traces alone, on 3, 5 and 7 nodes.
#[test]
fn schedules_with_slow_replies_pass() {
    let faults = Faults {
        replies: true,
        ..Faults::ALL
    };
    for nodes in [3, 5, 7] {
        check_many(Schedule::Swarm, nodes, 500..515, faults);
        check_many(Schedule::Mixed, nodes, 600..610, faults);
    }
}

// ---------------------------------------------------------------------------------------------
// Every check seen failing: a real trace, tampered with in one place, must be refused by the
// property it breaks, at the line tampered with.

use std::sync::OnceLock;

/// A classic 5-node trace with elections, crashes and restarts, snapshots installed by the
/// leader and appends over entries a node held: the first of seeds 1.. that has them all.
fn sample() -> &'static [Value] {
    static SAMPLE: OnceLock<Vec<Value>> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        for seed in 1.. {
            let text = trace_of(&check_run(seed, 5, Schedule::Classic, Faults::ALL));
            let s = TraceChecker::check(&text).expect("an untampered trace passes");
            let leader_snapshots = text.contains("\"source\":\"leader\"");
            if s.restarts > 0 && s.overwrites > 0 && s.leaders > 2 && leader_snapshots {
                return text
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
            }
        }
        unreachable!()
    })
}

/// The lines as JSON text again.
fn render(lines: &[Value]) -> String {
    lines.iter().map(|v| format!("{v}\n")).collect()
}

/// Feeds `lines` to a checker and asks `pick` before each line (from the second) whether to
/// tamper there; returns that line's position and what `pick` said.
fn find<R>(
    lines: &[Value],
    mut pick: impl FnMut(&Value, &TraceChecker) -> Option<R>,
) -> (usize, R) {
    let mut c = TraceChecker::default();
    for (k, v) in lines.iter().enumerate() {
        if k > 0 {
            if let Some(r) = pick(v, &c) {
                return (k, r);
            }
        }
        c.line(&v.to_string())
            .expect("the untampered prefix passes");
    }
    panic!("nothing to tamper with in the sample");
}

/// The checker refuses `lines` at line `at` (from 0) by `property`, with `words` in the detail.
fn refused(lines: &[Value], at: usize, property: &str, words: &str) {
    let f = TraceChecker::check(&render(lines)).expect_err("the tampered trace must fail");
    eprintln!("seen failing: {f}");
    assert_eq!(
        (f.line, f.property, f.detail.contains(words)),
        (at + 1, property, true),
        "expected {property} ({words:?}) at line {}, got {f}",
        at + 1
    );
}

/// `{"t":…,"kind":…,…}` at the time of `like`.
fn record(like: &Value, fields: Value) -> Value {
    let mut r = serde_json::json!({"t": like["t"].clone()});
    for (k, v) in fields.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// Whether `v` is a record of `kind`.
fn is(v: &Value, kind: &str) -> bool {
    v["kind"] == kind
}

/// The sample itself passes: every refusal below is the tampering's.
#[test]
fn the_untampered_sample_passes() {
    TraceChecker::check(&render(sample())).unwrap();
}

/// Raft §5.2, Figure 3 Election Safety.
#[test]
fn a_second_leader_in_a_term_is_election_safety() {
    let mut lines = sample().to_vec();
    let (k, other) = find(&lines, |v, c| {
        let n = v["node"].as_u64()?;
        (is(v, "role") && v["role"] == "leader").then(|| {
            c.views
                .keys()
                .copied()
                .find(|&m| m != n && !c.views[&m].down)
        })?
    });
    let mut forged = lines[k].clone();
    forged["node"] = other.into();
    lines.insert(k + 1, forged);
    refused(&lines, k + 1, "Election Safety", "already leads");
}

/// §5.2: only the leader of a term sends AppendEntries in it.
#[test]
fn entries_sent_in_another_leaders_term_are_election_safety() {
    let mut lines = sample().to_vec();
    let (k, term) = find(&lines, |v, c| {
        let from = v["msg"]["from"].as_u64()?;
        (is(v, "send") && v["msg"]["body"].get("append").is_some())
            .then(|| c.leaders.iter().find(|(_, l)| l.0 != from).map(|(t, _)| *t))?
    });
    lines[k]["msg"]["term"] = term.into();
    refused(&lines, k, "Election Safety", "whose leader is");
}

/// §5.3 Log Matching: one (index, term), one entry.
#[test]
fn one_index_and_term_with_two_payloads_is_log_matching() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, c| {
        let e = &v["entries"][0];
        let key = (e["index"].as_u64()?, e["term"].as_u64()?);
        (is(v, "append") && c.pairs.get(&key).is_some_and(|f| f.payload.is_some())).then_some(())
    });
    lines[k]["entries"][0]["payload"] = "noop".into();
    if sample()[k]["entries"][0]["payload"] == "noop" {
        lines[k]["entries"][0]["payload"] = serde_json::json!({"command": [0]});
    }
    refused(&lines, k, "Log Matching", "held it as");
}

/// §5.3 Log Matching: logs holding one (index, term) agree on every entry before it. Made by
/// giving a follower's entry i - 1 a term of its own just before it stores an entry i that
/// another log held after another term.
#[test]
fn a_matching_entry_after_a_different_prefix_is_log_matching() {
    let mut lines = sample().to_vec();
    let (k, (n, i)) = find(&lines, |v, c| {
        let n = v["node"].as_u64()?;
        let e = &v["entries"][0];
        let i = e["index"].as_u64()?;
        let view = &c.views[&n];
        let known = c.pairs.get(&(i, e["term"].as_u64()?))?.prev.is_some();
        (is(v, "append")
            && known
            && i - 1 > view.commit.max(view.snap.0)
            && i - 1 <= view.last_index()
            && view.role.as_deref() != Some("leader"))
        .then_some((n, i))
    });
    let forged = record(
        &lines[k],
        serde_json::json!({"kind": "append", "node": n,
            "entries": [{"term": 999, "index": i - 1, "payload": "noop"}]}),
    );
    lines.insert(k, forged);
    refused(
        &lines,
        k + 1,
        "Log Matching",
        "logs differ before a matching entry",
    );
}

/// §5.3 Leader Append-Only.
#[test]
fn a_leader_rewriting_its_log_is_leader_append_only() {
    let mut lines = sample().to_vec();
    let (k, (n, i, e)) = find(&lines, |v, c| {
        let n = v["node"].as_u64()?;
        let view = c.views.get(&n)?;
        let e = view.log.last()?;
        (is(v, "append") && view.role.as_deref() == Some("leader"))
            .then(|| (n, view.last_index(), e.clone()))
    });
    let payload: Value = serde_json::from_str(&e.payload).unwrap();
    let again = record(
        &lines[k],
        serde_json::json!({"kind": "append", "node": n,
            "entries": [{"term": e.term, "index": i, "payload": payload}]}),
    );
    lines.insert(k, again);
    refused(&lines, k, "Leader Append-Only", "rewrites its log");
}

/// §5.4: a committed entry is never replaced.
#[test]
fn replacing_a_committed_entry_is_refused() {
    let mut lines = sample().to_vec();
    let (k, (n, i)) = find(&lines, |v, c| {
        let n = v["node"].as_u64()?;
        let view = c.views.get(&n)?;
        (is(v, "step") || is(v, "append")).then_some(())?;
        (view.role.as_deref() == Some("follower") && view.commit > view.snap.0 && !view.down)
            .then_some((n, view.commit))
    });
    let forged = record(
        &lines[k],
        serde_json::json!({"kind": "append", "node": n,
            "entries": [{"term": 999, "index": i, "payload": "noop"}]}),
    );
    lines.insert(k, forged);
    refused(
        &lines,
        k,
        "Committed Entries Agree",
        "replaces its committed entry",
    );
}

/// §5.4.1 Leader Completeness: a node missing a committed entry is elected. Made by committing,
/// just before an election, an entry that another node holds and the new leader does not.
#[test]
fn a_leader_without_a_committed_entry_is_leader_completeness() {
    let mut lines = sample().to_vec();
    let (k, (commit, i)) = find(&lines, |v, c| {
        let x = v["node"].as_u64()?;
        if !(is(v, "role") && v["role"] == "leader") {
            return None;
        }
        let lx = &c.views[&x];
        for (&y, vy) in c.views.iter().filter(|(&y, vy)| y != x && !vy.down) {
            for i in (vy.commit + 1)..=vy.last_index() {
                if i <= lx.snap.0 || lx.term_at(i) == vy.term_at(i) {
                    continue;
                }
                let commit = record(
                    v,
                    serde_json::json!({"kind": "commit", "node": y, "index": i}),
                );
                let mut probe = c.clone();
                if probe.line(&commit.to_string()).is_ok() && probe.line(&v.to_string()).is_err() {
                    return Some((commit, i));
                }
            }
        }
        None
    });
    lines.insert(k, commit);
    refused(
        &lines,
        k + 1,
        "Leader Completeness",
        &format!("committed entry {i}"),
    );
}

/// §5.4.3 State Machine Safety: the same index applied with another term.
#[test]
fn another_term_applied_at_an_index_is_state_machine_safety() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, c| {
        (is(v, "apply") && c.applied.contains_key(&v["index"].as_u64()?)).then_some(())
    });
    lines[k]["term"] = (lines[k]["term"].as_u64().unwrap() + 1).into();
    refused(&lines, k, "State Machine Safety", "applied term");
}

/// §5.4.3 State Machine Safety: the same index applied with another command.
#[test]
fn another_command_applied_at_an_index_is_state_machine_safety() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, c| {
        (is(v, "apply")
            && v.get("command").is_some()
            && c.applied.contains_key(&v["index"].as_u64()?))
        .then_some(())
    });
    lines[k]["command"]["seq"] = 999.into();
    refused(&lines, k, "State Machine Safety", "applied {");
}

/// Figure 2: commitIndex only grows (while the node runs).
#[test]
fn a_commit_index_going_back_is_refused() {
    let mut lines = sample().to_vec();
    let (k, back) = find(&lines, |v, c| {
        let n = v["node"].as_u64()?;
        (is(v, "commit") && c.views[&n].commit > 0).then(|| c.views[&n].commit - 1)
    });
    lines[k]["index"] = back.into();
    refused(&lines, k, "Monotonicity", "commit index goes from");
}

/// Figure 2: entries apply in index order, each once.
#[test]
fn an_apply_missing_is_a_gap() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| {
        let n = &v["node"];
        (is(v, "apply")).then_some(())?;
        // The same node applies again in the same step.
        let next = sample()
            .iter()
            .skip_while(|w| *w != v)
            .skip(1)
            .find(|w| is(w, "apply") || is(w, "step"))?;
        (is(next, "apply") && next["node"] == *n).then_some(())
    });
    lines.remove(k);
    refused(&lines, k, "Monotonicity", "after index");
}

/// Figure 2: lastApplied ≤ commitIndex.
#[test]
fn an_apply_beyond_the_commit_index_is_refused() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| {
        let next = sample().iter().skip_while(|w| *w != v).nth(1)?;
        (is(v, "commit") && is(next, "apply") && next["node"] == v["node"]).then_some(())
    });
    lines.remove(k);
    refused(&lines, k, "Monotonicity", "beyond its commit index");
}

/// §5.2: one vote per term.
#[test]
fn a_second_vote_in_a_term_is_refused() {
    let mut lines = sample().to_vec();
    let (k, other) = find(&lines, |v, c| {
        let (n, vote) = (v["node"].as_u64()?, v["vote"].as_u64()?);
        is(v, "hard_state").then(|| c.views.keys().copied().find(|&m| m != vote && m != n))?
    });
    let mut again = lines[k].clone();
    again["vote"] = other.into();
    lines.insert(k + 1, again);
    refused(&lines, k + 1, "One Vote Per Term", "having voted");
}

/// §5.2: a candidate votes for itself, and stores it, before it asks for votes.
#[test]
fn a_candidate_without_its_stored_vote_is_refused() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| {
        let next = sample().iter().skip_while(|w| *w != v).nth(1)?;
        (is(v, "hard_state") && is(next, "role") && next["role"] == "candidate").then_some(())
    });
    lines.remove(k);
    // The first vote request of the step names the missing vote.
    refused(&lines, k + 1, "One Vote Per Term", "sends vote for");
}

/// Figure 2: a granted vote is on stable storage before the answer is sent.
#[test]
fn a_granted_vote_not_stored_is_refused() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| {
        (is(v, "send") && v["msg"]["body"]["vote_resp"]["granted"] == true).then_some(())
    });
    let to = lines[k]["msg"]["to"].as_u64().unwrap();
    lines[k]["msg"]["to"] = (to % 5 + 1).into();
    refused(&lines, k, "One Vote Per Term", "sends vote_resp");
}

/// Figure 2: currentTerm only grows.
#[test]
fn a_term_going_back_is_refused() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| {
        (is(v, "hard_state") && v["term"].as_u64()? > 1).then_some(())
    });
    let mut back = lines[k].clone();
    back["term"] = (back["term"].as_u64().unwrap() - 1).into();
    lines.insert(k + 1, back);
    refused(&lines, k + 1, "Terms Never Decrease", "after term");
}

/// Figure 2: term, vote and log survive a crash.
#[test]
fn a_restart_recovering_another_log_is_durability() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| is(v, "restart").then_some(()));
    lines[k]["last_index"] = (lines[k]["last_index"].as_u64().unwrap() + 1).into();
    refused(&lines, k, "Durability", "restarts with a log to");
}

/// Figure 2: the vote survives a crash too (break_it's forget_vote_on_restart).
#[test]
fn a_restart_forgetting_its_vote_is_durability() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| {
        (is(v, "restart") && !v["vote"].is_null()).then_some(())
    });
    lines[k]["vote"] = Value::Null;
    refused(&lines, k, "Durability", "vote None");
}

/// §7: a node compacts only what it has applied.
#[test]
fn a_compaction_beyond_the_applied_index_is_refused() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| {
        (is(v, "snapshot") && v["source"] == "compaction").then_some(())
    });
    lines[k]["index"] = (lines[k]["index"].as_u64().unwrap() + 1).into();
    refused(&lines, k, "Monotonicity", "beyond its applied index");
}

/// formats.md "Trace" 3 and "Bounds": the footer's counts match the file.
#[test]
fn a_footer_miscounting_records_is_refused() {
    let mut lines = sample().to_vec();
    let k = lines.len() - 1;
    lines[k]["records"] = (lines[k]["records"].as_u64().unwrap() + 1).into();
    refused(&lines, k, "Bookkeeping", "records, the file has");
    let mut lines = sample().to_vec();
    lines[k]["steps"] = (lines[k]["steps"].as_u64().unwrap() - 1).into();
    refused(&lines, k, "Bookkeeping", "steps");
}

/// formats.md "Bounds": steps numbered 1, 2, 3…; times never go back.
#[test]
fn misnumbered_steps_and_times_going_back_are_refused() {
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| (is(v, "step") && v["n"] == 10).then_some(()));
    lines[k]["n"] = 11.into();
    refused(&lines, k, "Bookkeeping", "step 11 follows step 9");
    let mut lines = sample().to_vec();
    let (k, ()) = find(&lines, |v, _| (v["t"].as_u64()? > 0).then_some(()));
    lines[k + 1]["t"] = 0.into();
    refused(&lines, k + 1, "Bookkeeping", "time goes back");
}

/// formats.md record table: a delivery is of a message sent and in flight, to a running node.
#[test]
fn deliveries_of_messages_not_in_flight_are_refused() {
    let (k, ()) = find(sample(), |v, _| is(v, "deliver").then_some(()));
    let mut lines = sample().to_vec();
    lines[k]["id"] = 999_999.into();
    refused(&lines, k, "Bookkeeping", "never sent");
    let mut lines = sample().to_vec();
    let again = lines[k].clone();
    lines.insert(k + 1, again);
    refused(&lines, k + 1, "Bookkeeping", "already delivered or dropped");
    // A message sent to a node that crashes before it arrives is dropped, not delivered.
    let (k, (id, from, to)) = find(sample(), |v, c| {
        let to = v["node"].as_u64()?;
        is(v, "crash").then_some(())?;
        c.messages
            .iter()
            .find(|(_, m)| m.to == to && m.done.is_none())
            .map(|(id, m)| (*id, m.from, to))
    });
    let mut lines = sample().to_vec();
    let deliver = record(
        &lines[k],
        serde_json::json!({"kind": "deliver", "id": id, "from": from, "to": to}),
    );
    lines.insert(k + 1, deliver);
    refused(&lines, k + 1, "Bookkeeping", "is down");
}

// ---------------------------------------------------------------------------------------------
// The planted bugs (raft-core's `planted-bugs` feature, `./x mutants`): on the seeds the project
// records as catching each (tests/planted_bugs.rs), does this checker, from the trace alone,
// flag the run too?

/// A planted bug, its recorded seed, what the project's checker reports, and whether the
/// trace-level checks here are expected to see it.
#[cfg(feature = "planted-bugs")]
struct Planted {
    mutant: raft_sim::mutants::Mutant,
    seed: u64,
    property: &'static str,
    seen_here: bool,
    /// The run (`check`'s defaults for the seed, unless a search found the bug elsewhere).
    run: CheckRun,
}

#[cfg(feature = "planted-bugs")]
#[test]
fn planted_safety_bugs_are_flagged_from_the_trace_alone() {
    use raft_core::config::PlantedBug as B;
    use raft_sim::mutants::Mutant as M;
    let planted = |mutant, seed, property, seen_here| Planted {
        mutant,
        seed,
        property,
        seen_here,
        run: check_run(seed, 5, Schedule::Mixed, Faults::ALL),
    };
    // The late-vote bugs, on the swarm runs that found them (tests/planted_bugs.rs).
    let swarm = |mutant, seed, nodes, duration_ms, property, seen_here| Planted {
        run: CheckRun {
            duration_ms,
            ..check_run(seed, nodes, Schedule::Swarm, Faults::ALL)
        },
        ..planted(mutant, seed, property, seen_here)
    };
    let cases = [
        planted(
            M::Planted(B::ConfChangeBeforeTermCommit),
            4,
            "Leader Completeness",
            true,
        ),
        planted(
            M::Planted(B::IgnoreSnapshotMembership),
            1,
            "Leader Completeness",
            true,
        ),
        planted(
            M::Planted(B::ConcurrentConfChanges),
            100,
            "Leader Completeness",
            true,
        ),
        planted(
            M::Planted(B::LearnersInCommitQuorum),
            25,
            "Stored On A Majority",
            true,
        ),
        planted(
            M::Planted(B::LeaseThroughTransfer),
            67,
            "Linearizability",
            false,
        ),
        planted(
            M::Planted(B::ReadIndexBeforeTermCommit),
            55,
            "Linearizability",
            false,
        ),
        planted(
            M::Planted(B::PreVoteCountsAsVote),
            3,
            "Election Safety",
            true,
        ),
        planted(
            M::Planted(B::TruncateOnStaleAppend),
            19,
            "Leader Completeness",
            true,
        ),
        planted(
            M::Planted(B::HeartbeatCommitUncapped),
            4,
            "State Machine Safety",
            true,
        ),
        planted(
            M::Planted(B::JointElectionIncomingOnly),
            92,
            "Election Safety",
            true,
        ),
        planted(M::ForgetVoteOnRestart, 192, "One Vote Per Term", true),
        planted(M::StaleReads, 34, "Linearizability", false),
        planted(M::LoseUnsyncedWrites, 2, "Terms Never Decrease", true),
        planted(M::LoseUnsyncedWrites, 14, "Stored On A Majority", true),
        swarm(
            M::Planted(B::LateVotesAfterFollowing),
            14_422_601,
            7,
            10_000,
            "Log Matching",
            true,
        ),
        swarm(
            M::Planted(B::LateVotesWithoutCampaign),
            8_007_679,
            3,
            6_000,
            "Linearizability",
            false,
        ),
    ];
    let mut wrong = Vec::new();
    for c in &cases {
        let out = c.run.run(&|o| c.mutant.plant(o));
        let theirs = out.violation.as_ref().map(|v| v.property.to_string());
        let text = write_jsonl(&out.world);
        let ours = TraceChecker::check(&text).err();
        let record = text
            .lines()
            .position(|l| l.contains("\"kind\":\"violation\""))
            .map_or("no violation record".to_string(), |k| {
                format!("{} at line {}", theirs.as_deref().unwrap_or("?"), k + 1)
            });
        eprintln!(
            "{:<32} seed {:>8}: project {:<22} ({record}); here: {}",
            c.mutant.name(),
            c.seed,
            c.property,
            ours.as_ref()
                .map_or("passes".to_string(), |f| f.to_string())
        );
        if ours.is_some() != c.seen_here {
            wrong.push(c.mutant.name());
        }
    }
    assert!(
        wrong.is_empty(),
        "flagged otherwise than expected: {wrong:?}"
    );
}

/// §5.3, §5.4.2: a leader commits an entry only once a majority of the voters store it. Made by
/// committing a leader's new entry in the step it appends it, before any follower has it.
#[test]
fn a_commit_before_a_majority_stores_the_entry_is_refused() {
    let mut lines = sample().to_vec();
    let (k, (n, i)) = find(&lines, |v, c| {
        let n = v["node"].as_u64()?;
        let view = c.views.get(&n)?;
        let i = v["entries"].as_array()?.last()?["index"].as_u64()?;
        (is(v, "append")
            && view.role.as_deref() == Some("leader")
            && view.config().voters.len() > 1)
            .then_some((n, i))
    });
    let commit = record(
        &lines[k],
        serde_json::json!({"kind": "commit", "node": n, "index": i}),
    );
    lines.insert(k + 1, commit);
    refused(&lines, k + 1, "Stored On A Majority", "stored only on");
}
