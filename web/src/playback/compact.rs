//! A [`Recording`] in the form the trace reader hands the page (issue 14: the page's size).
//!
//! The trace reader (`crate::files`, a part of its own downloaded when a trace is
//! opened) reads and checks a recorded trace with raft-sim's serde readers, then writes it here
//! as one JSON value the page decodes by hand: a record is an array, `[t, "kind", fields…]`,
//! in the order of the [`TraceEvent`] variant's fields; roles, snapshot sources and session
//! outcomes are small numbers; a command is the base64url of its log bytes
//! ([`Command::encode`]). A message, and an append's entries, travel as an `inject` action
//! (of that message, or of an append holding those entries) and are read back with raft-sim's
//! reader of actions, which the page links anyway (a scenario may inject a message); so are
//! actions. The page thus links no serde reader of trace records (the derived one of
//! [`TraceEvent`], internally tagged and flattened into [`TraceRecord`], was the largest
//! function in the page's wasm), nor one of messages of its own.
//!
//! [`encode`] and [`decode`] are exact inverses (tested on every recorded trace the tests have
//! and on each kind of record). The form is private to one build: the part and the page are
//! built together, so it has no version. [`encode`] names every field of every variant, so a
//! field or variant added to the trace format does not compile until it is carried here too.

use raft_core::{Body, Entry, Message, Role};
use raft_sim::trace::{SessionOutcome, SnapshotSource, TraceEvent, TraceRecord};
use raft_sim::{Action, Command, Reply, Violation};
use serde_json::{json, Value};

use super::{Meta, Recording};
use crate::share::{base64url_decode, base64url_encode};

/// Why [`decode`] failed: the part's answer is not what [`encode`] writes.
const DAMAGED: &str = "the trace reader's answer is damaged";

/// The recording as one JSON value (see the module doc). Only the trace reader calls this.
pub fn encode(rec: &Recording) -> Value {
    let m = &rec.meta;
    json!({
        "meta": [m.source, m.note, m.test, m.grader],
        "seed": rec.seed,
        "nodes": rec.nodes,
        "end": rec.end,
        "records": rec.records.iter().map(record).collect::<Vec<_>>(),
    })
}

/// Reads back what [`encode`] wrote.
pub fn decode(v: &Value) -> Result<Recording, String> {
    decode_fields(v).ok_or_else(|| DAMAGED.to_string())
}

fn decode_fields(v: &Value) -> Option<Recording> {
    let meta = Fields(v["meta"].as_array()?);
    Some(Recording {
        meta: Meta {
            source: meta.text(0)?,
            note: meta.text(1)?,
            test: meta.opt(2, Value::as_str)?.map(str::to_string),
            grader: meta.text(3)?,
        },
        seed: Fields(std::slice::from_ref(&v["seed"])).opt_u(0)?,
        nodes: Fields(std::slice::from_ref(&v["nodes"])).ids(0)?,
        records: v["records"]
            .as_array()?
            .iter()
            .map(|r| Fields(r.as_array()?).record())
            .collect::<Option<_>>()?,
        end: v["end"].as_u64()?,
    })
}

/// A message as an `inject` action, the way the page reads it back ([`Fields::message`]):
/// through raft-sim's reader of actions, which the page links anyway, rather than a reader of
/// messages of their own (17 KiB of the page's wasm, measured).
fn as_action(msg: &Message) -> Value {
    as_trace(&Action::Inject {
        message: msg.clone(),
    })
}

/// Entries as an `inject` action of an append that holds them ([`as_action`]).
fn entries_as_action(entries: &[Entry]) -> Value {
    as_action(&Message {
        from: 0,
        to: 0,
        term: 0,
        body: Body::Append {
            prev_index: 0,
            prev_term: 0,
            entries: entries.to_vec().into(),
            commit: 0,
        },
    })
}

/// A value as the trace writes it (actions).
fn as_trace<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A command as the base64url of its log bytes.
fn command(c: &Command) -> String {
    base64url_encode(&c.encode())
}

fn reply(r: &Reply) -> Value {
    json!([r.ok, r.value])
}

fn role(r: Role) -> u8 {
    match r {
        Role::Follower => 0,
        Role::PreCandidate => 1,
        Role::Candidate => 2,
        Role::Leader => 3,
        Role::Learner => 4,
    }
}

fn source(s: SnapshotSource) -> u8 {
    match s {
        SnapshotSource::Compaction => 0,
        SnapshotSource::Leader => 1,
    }
}

fn session(s: SessionOutcome) -> u8 {
    match s {
        SessionOutcome::Executed => 0,
        SessionOutcome::Duplicate => 1,
        SessionOutcome::Stale => 2,
    }
}

fn record(r: &TraceRecord) -> Value {
    let t = r.t;
    match &r.event {
        TraceEvent::Step { n } => json!([t, "step", n]),
        TraceEvent::Send {
            id,
            msg,
            deliver_at,
        } => json!([t, "send", id, as_action(msg), deliver_at]),
        TraceEvent::Deliver { id, from, to } => json!([t, "deliver", id, from, to]),
        TraceEvent::Drop {
            id,
            from,
            to,
            reason,
        } => json!([t, "drop", id, from, to, reason]),
        TraceEvent::Duplicate { id, copy } => json!([t, "duplicate", id, copy]),
        TraceEvent::Timeout { node } => json!([t, "timeout", node]),
        TraceEvent::Role {
            node,
            role: r,
            term,
        } => json!([t, "role", node, role(*r), term]),
        TraceEvent::HardState { node, term, vote } => json!([t, "hard_state", node, term, vote]),
        TraceEvent::Append { node, entries } => {
            json!([t, "append", node, entries_as_action(entries)])
        }
        TraceEvent::Commit { node, index } => json!([t, "commit", node, index]),
        TraceEvent::Apply {
            node,
            index,
            term,
            command: c,
            result,
            session: s,
        } => json!([
            t,
            "apply",
            node,
            index,
            term,
            c.as_ref().map(command),
            result.as_ref().map(reply),
            s.map(session)
        ]),
        TraceEvent::Snapshot {
            node,
            index,
            term,
            source: s,
        } => json!([t, "snapshot", node, index, term, source(*s)]),
        TraceEvent::Crash { node } => json!([t, "crash", node]),
        TraceEvent::Restart {
            node,
            term,
            vote,
            last_index,
            snapshot_index,
        } => json!([t, "restart", node, term, vote, last_index, snapshot_index]),
        TraceEvent::Action { action } => json!([t, "action", as_trace(action)]),
        TraceEvent::Invoke {
            client,
            op_id,
            seq,
            op,
        } => {
            // The operation travels as a command's bytes (the page decodes those anyway).
            let c = Command {
                client: *client,
                seq: *seq,
                op: op.clone(),
            };
            json!([t, "invoke", client, op_id, seq, command(&c)])
        }
        TraceEvent::Complete {
            client,
            op_id,
            reply: r,
        } => json!([t, "complete", client, op_id, reply(r)]),
        TraceEvent::Violation { violation: v } => json!([
            t,
            "violation",
            v.property,
            v.time,
            v.event,
            v.nodes,
            v.detail
        ]),
    }
}

/// A record's array, read field by field (None: not what [`encode`] writes).
struct Fields<'a>(&'a [Value]);

impl Fields<'_> {
    fn u(&self, k: usize) -> Option<u64> {
        self.0.get(k)?.as_u64()
    }

    fn text(&self, k: usize) -> Option<String> {
        self.0.get(k)?.as_str().map(str::to_string)
    }

    /// `null` as `Some(None)`, else `read` of the value.
    fn opt<'v, T>(&'v self, k: usize, read: fn(&'v Value) -> Option<T>) -> Option<Option<T>> {
        match self.0.get(k)? {
            Value::Null => Some(None),
            v => read(v).map(Some),
        }
    }

    fn opt_u(&self, k: usize) -> Option<Option<u64>> {
        self.opt(k, Value::as_u64)
    }

    fn ids(&self, k: usize) -> Option<Vec<u64>> {
        self.0
            .get(k)?
            .as_array()?
            .iter()
            .map(Value::as_u64)
            .collect()
    }

    /// An action as the trace writes it, through raft-sim's reader of actions.
    fn action(&self, k: usize) -> Option<Action> {
        raft_sim::json::from_value(self.0.get(k)?).ok()
    }

    /// A message, written as an `inject` action ([`as_action`]).
    fn message(&self, k: usize) -> Option<Message> {
        match self.action(k)? {
            Action::Inject { message } => Some(message),
            _ => None,
        }
    }

    fn command(&self, k: usize) -> Option<Option<Command>> {
        match self.opt(k, Value::as_str)? {
            None => Some(None),
            Some(b64) => Command::decode(&base64url_decode(b64).ok()?).map(Some),
        }
    }

    fn reply(&self, k: usize) -> Option<Reply> {
        let r = Fields(self.0.get(k)?.as_array()?);
        Some(Reply {
            ok: r.0.first()?.as_bool()?,
            value: r.opt(1, Value::as_str)?.map(str::to_string),
        })
    }

    fn record(&self) -> Option<TraceRecord> {
        let event = match self.0.get(1)?.as_str()? {
            "step" => TraceEvent::Step { n: self.u(2)? },
            "send" => TraceEvent::Send {
                id: self.u(2)?,
                msg: self.message(3)?,
                deliver_at: self.opt_u(4)?,
            },
            "deliver" => TraceEvent::Deliver {
                id: self.u(2)?,
                from: self.u(3)?,
                to: self.u(4)?,
            },
            "drop" => TraceEvent::Drop {
                id: self.u(2)?,
                from: self.u(3)?,
                to: self.u(4)?,
                reason: self.text(5)?,
            },
            "duplicate" => TraceEvent::Duplicate {
                id: self.u(2)?,
                copy: self.u(3)?,
            },
            "timeout" => TraceEvent::Timeout { node: self.u(2)? },
            "role" => TraceEvent::Role {
                node: self.u(2)?,
                role: match self.u(3)? {
                    0 => Role::Follower,
                    1 => Role::PreCandidate,
                    2 => Role::Candidate,
                    3 => Role::Leader,
                    4 => Role::Learner,
                    _ => return None,
                },
                term: self.u(4)?,
            },
            "hard_state" => TraceEvent::HardState {
                node: self.u(2)?,
                term: self.u(3)?,
                vote: self.opt_u(4)?,
            },
            "append" => TraceEvent::Append {
                node: self.u(2)?,
                entries: match self.message(3)?.body {
                    Body::Append { entries, .. } => entries.into_vec(),
                    _ => return None,
                },
            },
            "commit" => TraceEvent::Commit {
                node: self.u(2)?,
                index: self.u(3)?,
            },
            "apply" => TraceEvent::Apply {
                node: self.u(2)?,
                index: self.u(3)?,
                term: self.u(4)?,
                command: self.command(5)?,
                result: match self.0.get(6)? {
                    Value::Null => None,
                    _ => Some(self.reply(6)?),
                },
                session: match self.opt_u(7)? {
                    None => None,
                    Some(0) => Some(SessionOutcome::Executed),
                    Some(1) => Some(SessionOutcome::Duplicate),
                    Some(2) => Some(SessionOutcome::Stale),
                    Some(_) => return None,
                },
            },
            "snapshot" => TraceEvent::Snapshot {
                node: self.u(2)?,
                index: self.u(3)?,
                term: self.u(4)?,
                source: match self.u(5)? {
                    0 => SnapshotSource::Compaction,
                    1 => SnapshotSource::Leader,
                    _ => return None,
                },
            },
            "crash" => TraceEvent::Crash { node: self.u(2)? },
            "restart" => TraceEvent::Restart {
                node: self.u(2)?,
                term: self.u(3)?,
                vote: self.opt_u(4)?,
                last_index: self.u(5)?,
                snapshot_index: self.u(6)?,
            },
            "action" => TraceEvent::Action {
                action: self.action(2)?,
            },
            "invoke" => TraceEvent::Invoke {
                client: self.u(2)?,
                op_id: self.u(3)?,
                seq: self.u(4)?,
                op: self.command(5)??.op,
            },
            "complete" => TraceEvent::Complete {
                client: self.u(2)?,
                op_id: self.u(3)?,
                reply: self.reply(4)?,
            },
            "violation" => TraceEvent::Violation {
                violation: Violation {
                    property: self.text(2)?,
                    time: self.u(3)?,
                    event: self.u(4)?,
                    nodes: self.ids(5)?,
                    detail: self.text(6)?,
                },
            },
            _ => return None,
        };
        Some(TraceRecord {
            t: self.u(0)?,
            event,
        })
    }
}
