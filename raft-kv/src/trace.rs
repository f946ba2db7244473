//! A real run as a playground trace (`docs/formats.md`, "raft-kv recorded trace").
//!
//! Every node started with `--events FILE` appends what it does to that file, one line per
//! driver iteration (a *group*): `{"t_ns": wall-clock ns since the Unix epoch, "node": id,
//! "records": [raft-sim trace events…]}`. The harness's clients append their invocations and
//! completions to `clients.events` the same way ([`ClientLog`], node 0). [`merge`] reads every
//! `*.events` file of a folder and writes ONE trace in raft-sim's format, version 3: the groups
//! in wall-clock order, each opened by a `step` record, times in ms since the first group,
//! message ids renumbered 1, 2, 3…, and the footer's hash computed by raft-sim's own
//! [`TraceHash`] (its `Fields` scheme), so the page and `raft_sim::trace::parse_jsonl` read it
//! as they read a simulated trace. The header's `recorded` field says the records come from
//! real processes: they cannot be re-simulated from the options.
//!
//! The records are raft-sim's [`TraceEvent`]s, so that nothing here restates the format. Command
//! payloads are re-encoded from raft-kv's postcard into raft-sim's command encoding
//! (`raft-sim/src/app.rs`) where the operation exists there (put, append, cas); a delete has no
//! counterpart and keeps raft-kv's bytes.
//!
//! Every node shares the host's wall clock, so a message's send is recorded before its delivery
//! (the sender stamps its group before sending; the receiver stamps its group after the message
//! arrived). Bounds: an event file stops growing at [`MAX_EVENT_FILE_BYTES`] (a last line says
//! so, and the merged trace's note repeats it); a merged trace covers at most one day
//! (raft-sim's `MAX_TIME_MS`): later groups are left out, with a note.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use raft_core::{Entry, Message, NodeId, Payload, Role};
use raft_sim::trace::{
    HashScheme, SnapshotSource, TraceEvent, TraceHash, TraceRecord, MAX_TIME_MS,
};
use raft_sim::{HistoryOp, Op, Reply};
use serde::{Deserialize, Serialize};

use crate::client::{KvClient, Outcome};
use crate::kv::{KvCommand, KvOp, KvReply};

/// Largest event file a node (or the clients) writes: 64 MiB, about a few minutes of a busy
/// 3-node cluster. Past it the writer appends one line saying it stopped, and nothing more.
pub const MAX_EVENT_FILE_BYTES: u64 = 64 << 20;

/// The name of the clients' event file in a recording folder.
pub const CLIENTS_FILE: &str = "clients.events";

/// Wall-clock ns since the Unix epoch (0 if the clock is before it).
pub fn wall_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// One line of an event file.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    t_ns: u64,
    node: NodeId,
    #[serde(default)]
    records: Vec<TraceEvent>,
    /// Present on the last line of a file that reached its bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stopped: Option<String>,
}

/// An append-only event file with its bound.
#[derive(Debug)]
struct Sink {
    file: BufWriter<File>,
    bytes: u64,
    cap: u64,
    stopped: bool,
}

impl Sink {
    fn open(path: &Path) -> std::io::Result<Sink> {
        Sink::open_capped(path, MAX_EVENT_FILE_BYTES)
    }

    fn open_capped(path: &Path, cap: u64) -> std::io::Result<Sink> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)?;
        let bytes = f.metadata()?.len();
        // A process killed in the middle of a line leaves it unfinished: end it, so that the
        // next incarnation's first line stays readable (the merge skips the broken one).
        if bytes > 0 {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8; 1];
            f.seek(SeekFrom::Start(bytes - 1))?;
            f.read_exact(&mut last)?;
            if last[0] != b'\n' {
                f.write_all(b"\n")?;
            }
        }
        Ok(Sink {
            file: BufWriter::new(f),
            bytes,
            cap,
            stopped: bytes >= cap,
        })
    }

    /// Writes one line and flushes it (a kill -9 loses at most the line being written).
    fn write(&mut self, line: &Line) {
        if self.stopped {
            return;
        }
        let mut text = serde_json::to_string(line).unwrap_or_default();
        text.push('\n');
        if self.bytes + text.len() as u64 > self.cap {
            self.stopped = true;
            let notice = Line {
                t_ns: line.t_ns,
                node: line.node,
                records: Vec::new(),
                stopped: Some(format!(
                    "S{}'s recording stopped at its bound of {} bytes",
                    line.node, self.cap
                )),
            };
            text = serde_json::to_string(&notice).unwrap_or_default();
            text.push('\n');
        }
        self.bytes += text.len() as u64;
        // Recording is best effort: a failed write loses records, never the node.
        let _ = self.file.write_all(text.as_bytes());
        let _ = self.file.flush();
    }
}

/// A node's recorder: the driver opens a group for each iteration, pushes what happens in it,
/// and ends it.
#[derive(Debug)]
pub struct EventLog {
    node: NodeId,
    sink: Sink,
    group: Vec<TraceEvent>,
    group_t: u64,
    incarnation: u64,
    next_msg: u64,
}

impl EventLog {
    /// Opens (appends to) the event file of node `node`.
    pub fn open(path: &Path, node: NodeId) -> std::io::Result<EventLog> {
        Ok(EventLog {
            node,
            sink: Sink::open(path)?,
            group: Vec::new(),
            group_t: wall_ns(),
            // Message ids are unique per sender across restarts: the high half is the
            // incarnation's start time in ms (mod 2^32), the low half a counter from 1.
            incarnation: (wall_ns() / 1_000_000) & 0xffff_ffff,
            next_msg: 0,
        })
    }

    /// Starts a group now (its records all get this time).
    pub fn begin(&mut self) {
        self.group_t = wall_ns();
    }

    /// Records an event in the current group.
    pub fn push(&mut self, ev: TraceEvent) {
        self.group.push(ev);
    }

    /// Records a send of `msg`; returns the id to carry in its frame.
    pub fn send(&mut self, msg: &Message) -> u64 {
        self.next_msg = (self.next_msg + 1) & 0xffff_ffff;
        let id = (self.incarnation << 32) | self.next_msg.max(1);
        self.group.push(TraceEvent::Send {
            id,
            msg: transcode_message(msg),
            deliver_at: None,
        });
        id
    }

    /// Writes the current group, if it holds anything.
    pub fn end(&mut self) {
        if self.group.is_empty() {
            return;
        }
        let line = Line {
            t_ns: self.group_t,
            node: self.node,
            records: std::mem::take(&mut self.group),
            stopped: None,
        };
        self.sink.write(&line);
    }
}

/// The clients' recorder (shared by every client task of a harness): one line per invocation
/// and per completion, written when it happens, under one lock, so that the file's order is the
/// real order of those events.
#[derive(Debug)]
pub struct ClientLog {
    inner: Mutex<(Sink, u64)>,
}

impl ClientLog {
    /// Opens (appends to) `DIR/clients.events`.
    pub fn open(dir: &Path) -> std::io::Result<ClientLog> {
        Ok(ClientLog {
            inner: Mutex::new((Sink::open(&dir.join(CLIENTS_FILE))?, 0)),
        })
    }

    fn line(&self, f: impl FnOnce(u64) -> TraceEvent, new_op: bool) -> u64 {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if new_op {
            g.1 += 1;
        }
        let op_id = g.1;
        let line = Line {
            t_ns: wall_ns(),
            node: 0,
            records: vec![f(op_id)],
            stopped: None,
        };
        g.0.write(&line);
        op_id
    }

    /// `client` invokes `op` with session sequence number `seq`; returns the operation's id.
    pub fn invoke(&self, client: u64, seq: u64, op: Op) -> u64 {
        self.line(
            |op_id| TraceEvent::Invoke {
                client,
                op_id,
                seq,
                op,
            },
            true,
        )
    }

    /// Operation `op_id` of `client` completed with `reply`.
    pub fn complete(&self, client: u64, op_id: u64, reply: Reply) {
        self.line(
            |_| TraceEvent::Complete {
                client,
                op_id,
                reply,
            },
            false,
        );
    }
}

impl ClientLog {
    /// Runs `op` through `client`, recording its invocation and, if it got an answer, its
    /// completion. A write without a definite answer stays pending (it may or may not have
    /// taken effect), as a linearizability checker expects.
    pub async fn run(&self, client: &mut KvClient, op: Op) -> Outcome {
        let is_read = matches!(op, Op::Get { .. });
        let seq = client.seq() + u64::from(!is_read);
        let op_id = self.invoke(client.id, seq, op.clone());
        let outcome = client.op(&op).await;
        if let Outcome::Ok(v) = &outcome {
            let reply = Reply {
                ok: v["ok"].as_bool().unwrap_or(true),
                value: v["value"].as_str().map(str::to_string),
            };
            self.complete(client.id, op_id, reply);
        }
        outcome
    }
}

/// raft-sim's form of a raft-kv command (`None` for a delete, which raft-sim has no op for).
pub fn sim_command(cmd: &KvCommand) -> Option<raft_sim::app::Command> {
    let op = match &cmd.op {
        KvOp::Put { key, value } => Op::Put {
            key: key.clone(),
            value: value.clone(),
        },
        KvOp::Append { key, value } => Op::Append {
            key: key.clone(),
            value: value.clone(),
        },
        KvOp::Cas { key, expect, new } => Op::Cas {
            key: key.clone(),
            expect: expect.clone(),
            new: new.clone(),
        },
        KvOp::Delete { .. } => return None,
    };
    Some(raft_sim::app::Command {
        client: cmd.client,
        seq: cmd.seq,
        op,
    })
}

/// raft-sim's form of a reply.
pub fn sim_reply(r: &KvReply) -> Reply {
    Reply {
        ok: r.ok,
        value: r.value.clone(),
    }
}

/// A log entry with its command re-encoded in raft-sim's command encoding, where it has one.
pub fn transcode_entry(e: &Entry) -> Entry {
    let mut e = e.clone();
    if let Payload::Command(bytes) = &e.payload {
        if let Some(cmd) = KvCommand::decode(bytes).as_ref().and_then(sim_command) {
            e.payload = Payload::Command(cmd.encode().into());
        }
    }
    e
}

/// A message whose entries are re-encoded as [`transcode_entry`] does.
pub fn transcode_message(m: &Message) -> Message {
    let mut m = m.clone();
    if let raft_core::Body::Append { entries, .. } = &mut m.body {
        *entries = entries.iter().map(transcode_entry).collect();
    }
    m
}

/// What a merge produced.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The trace, JSON Lines.
    pub text: String,
    /// Records written (the footer's `records`).
    pub records: u64,
    /// Step records (one per group).
    pub steps: u64,
    /// The footer's end time, ms.
    pub end: u64,
    /// Event files read.
    pub files: Vec<PathBuf>,
    /// What the header's note says beyond the fixed sentence (bounds reached, lines skipped).
    pub notes: Vec<String>,
}

/// The scenario options that describe a raft-kv cluster of `nodes` nodes (raft-core's reference
/// timings, which raft-kv runs with; see `node.rs`).
pub fn cluster_options(nodes: u32, snapshot_bytes: u64) -> serde_json::Value {
    let o = raft_sim::SimOptions {
        nodes,
        snapshot_max_log_bytes: snapshot_bytes.min(1 << 30),
        ..Default::default()
    };
    serde_json::to_value(&o).unwrap_or_default()
}

/// Merges every `*.events` file in `dir` into one version-3 trace (module doc). `nodes` is the
/// cluster's size for the header's options (0: the largest node id seen).
pub fn merge(dir: &Path, nodes: u32, snapshot_bytes: u64) -> Result<Merged, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "events"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "no *.events files in {} (start the nodes with --events, e.g. raft-kv cluster --record)",
            dir.display()
        ));
    }
    let mut notes = Vec::new();
    // (t_ns, file, line) -> the line: a stable order for groups stamped alike.
    let mut groups: BTreeMap<(u64, usize, usize), Line> = BTreeMap::new();
    for (fi, path) in files.iter().enumerate() {
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len > MAX_EVENT_FILE_BYTES + (1 << 20) {
            return Err(format!(
                "{}: {len} bytes, over the {MAX_EVENT_FILE_BYTES}-byte bound of an event file",
                path.display()
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
        let mut last_t = 0u64;
        let mut skipped = 0usize;
        for (li, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                continue;
            }
            let Ok(mut line) = serde_json::from_str::<Line>(l) else {
                // A line cut by a kill -9 (the next start ended it with a newline).
                skipped += 1;
                continue;
            };
            if let Some(why) = line.stopped.take() {
                notes.push(why);
            }
            // Within one file, time never goes back (a clock step backwards is flattened).
            line.t_ns = line.t_ns.max(last_t);
            last_t = line.t_ns;
            if !line.records.is_empty() {
                groups.insert((line.t_ns, fi, li), line);
            }
        }
        if skipped > 0 {
            notes.push(format!(
                "{}: {skipped} unfinished line(s) skipped (a process killed while writing)",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    let start = groups.keys().next().map(|k| k.0).unwrap_or(0);
    let max_node = groups.values().map(|g| g.node).max().unwrap_or(1).max(1);
    let nodes = if nodes == 0 { max_node as u32 } else { nodes };
    // Message ids: (sender, its id) -> 1, 2, 3… in order of sending; the send's deliver_at is
    // the time of its first delivery (null if it was never delivered: lost on a cut link, in
    // a dead node's queue, or dropped by the proxy).
    let mut ids: BTreeMap<(NodeId, u64), u64> = BTreeMap::new();
    let mut delivered: BTreeMap<u64, u64> = BTreeMap::new();
    let mut records: Vec<TraceRecord> = Vec::new();
    let mut steps = 0u64;
    let mut cut_at_day = false;
    let fresh_id = |ids: &mut BTreeMap<(NodeId, u64), u64>, key| {
        let next = ids.len() as u64 + 1;
        *ids.entry(key).or_insert(next)
    };
    for ((t_ns, _, _), g) in groups {
        let t = (t_ns - start) / 1_000_000;
        if t > MAX_TIME_MS {
            cut_at_day = true;
            break;
        }
        steps += 1;
        records.push(TraceRecord {
            t,
            event: TraceEvent::Step { n: steps },
        });
        for ev in g.records {
            let ev = match ev {
                TraceEvent::Send {
                    id,
                    msg,
                    deliver_at,
                } => TraceEvent::Send {
                    id: fresh_id(&mut ids, (msg.from, id)),
                    msg,
                    deliver_at,
                },
                TraceEvent::Deliver { id, from, to } => {
                    let id = fresh_id(&mut ids, (from, id));
                    delivered.entry(id).or_insert(t);
                    TraceEvent::Deliver { id, from, to }
                }
                other => other,
            };
            records.push(TraceRecord { t, event: ev });
        }
    }
    if cut_at_day {
        notes.push(format!(
            "groups after {MAX_TIME_MS} ms (one day) left out: a trace covers at most one day"
        ));
    }
    for r in records.iter_mut() {
        if let TraceEvent::Send { id, deliver_at, .. } = &mut r.event {
            *deliver_at = delivered.get(id).copied();
        }
    }
    let mut hash = TraceHash::new(HashScheme::Fields);
    let mut text = String::new();
    let mut note = String::from(
        "recorded from real raft-kv processes on one host (wall-clock times, ms since the first \
         record); it cannot be re-simulated from the options",
    );
    for n in &notes {
        note.push_str("; ");
        note.push_str(n);
    }
    let header = serde_json::json!({
        "kind": "header", "format": "raft-trace", "version": raft_sim::trace::RECORDED_TRACE_VERSION,
        "options": cluster_options(nodes, snapshot_bytes),
        "recorded": {"source": "raft-kv", "note": note},
    });
    text.push_str(&header.to_string());
    text.push('\n');
    for r in &records {
        hash.add(r);
        text.push_str(&serde_json::to_string(r).map_err(|e| e.to_string())?);
        text.push('\n');
    }
    let end = records.last().map(|r| r.t).unwrap_or(0);
    let footer = serde_json::json!({
        "kind": "footer", "end": end, "steps": steps, "records": records.len(),
        "hash": format!("{:016x}", hash.value()),
    });
    text.push_str(&footer.to_string());
    text.push('\n');
    Ok(Merged {
        text,
        records: records.len() as u64,
        steps,
        end,
        files,
        notes,
    })
}

/// The records of a trace file's text (header and footer left out), naming a bad line.
pub fn records(text: &str) -> Result<Vec<TraceRecord>, String> {
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.trim().is_empty() && !l.contains("\"kind\":\"footer\""))
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", n + 1)))
        .collect()
}

/// Checks the safety properties an independent tool can check from a trace's records alone
/// (docs/formats.md, "Trace"); names the first one broken: Election Safety (Raft §5.2: at most
/// one leader per term), Applied Contiguous (each node applies index after index, from its
/// snapshot after a restart or an installed snapshot), State Machine Safety (§5.4.3: every node
/// applies the same entry at an index), Log Matching (§5.3, on the logs the records end with).
pub fn check_safety(recs: &[TraceRecord]) -> Result<(), String> {
    // Raft §5.2 Election Safety: at most one leader per term.
    let mut leaders: BTreeMap<u64, u64> = BTreeMap::new();
    // Each node's log as its `append` records built it (§5.3: an append replaces the log from
    // its first entry on); an installed snapshot forgets what it covers.
    let mut logs: BTreeMap<u64, BTreeMap<u64, Entry>> = BTreeMap::new();
    // §5.4.3 State Machine Safety: one entry per index across every node's applies.
    let mut applied_at: BTreeMap<u64, (u64, Option<raft_sim::Command>)> = BTreeMap::new();
    // Applied contiguous: each node applies index after index, from its snapshot on restart.
    let mut last_applied: BTreeMap<u64, u64> = BTreeMap::new();
    for r in recs {
        match &r.event {
            TraceEvent::Role {
                node,
                role: Role::Leader,
                term,
            } => {
                if let Some(other) = leaders.insert(*term, *node) {
                    if other != *node {
                        return Err(format!(
                            "Election Safety: S{other} and S{node} both led term {term}"
                        ));
                    }
                }
            }
            TraceEvent::Append { node, entries } => {
                let log = logs.entry(*node).or_default();
                if let Some(first) = entries.first() {
                    log.split_off(&first.index);
                }
                for e in entries {
                    log.insert(e.index, e.clone());
                }
            }
            TraceEvent::Snapshot {
                node,
                index,
                source: SnapshotSource::Leader,
                ..
            } => {
                let log = logs.entry(*node).or_default();
                *log = log.split_off(&(index + 1));
                last_applied.insert(*node, *index);
            }
            TraceEvent::Restart {
                node,
                snapshot_index,
                ..
            } => {
                last_applied.insert(*node, *snapshot_index);
            }
            TraceEvent::Apply {
                node,
                index,
                term,
                command,
                ..
            } => {
                let last = last_applied.entry(*node).or_insert(0);
                if *index != *last + 1 {
                    return Err(format!(
                        "Applied Contiguous: S{node} applied {index} after {last}"
                    ));
                }
                *last = *index;
                let here = (*term, command.clone());
                if let Some(was) = applied_at.get(index) {
                    if *was != here {
                        return Err(format!(
                            "State Machine Safety: index {index} applied as {was:?} and as {here:?} (S{node})"
                        ));
                    }
                }
                applied_at.insert(*index, here);
            }
            _ => {}
        }
    }
    // §5.3 Log Matching: two logs with an entry of the same index and term hold the same
    // entries up to it (checked on the logs the run ended with).
    let nodes: Vec<u64> = logs.keys().copied().collect();
    for (i, a) in nodes.iter().enumerate() {
        for b in &nodes[i + 1..] {
            let (la, lb) = (&logs[a], &logs[b]);
            let last_match = la
                .iter()
                .filter(|(idx, e)| lb.get(idx).is_some_and(|f| f.term == e.term))
                .map(|(idx, _)| *idx)
                .max();
            let Some(upto) = last_match else { continue };
            for (idx, e) in la.range(..=upto) {
                if let Some(f) = lb.get(idx) {
                    if f != e {
                        return Err(format!(
                            "Log Matching: S{a} and S{b} agree at {upto} but differ at {idx}"
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The client history of a trace's `invoke`/`complete` records, ordered by their place in the
/// file (`HistoryOp::invoke_seq`), for raft-sim's linearizability checker.
pub fn history(recs: &[TraceRecord]) -> Vec<HistoryOp> {
    let mut ops: BTreeMap<u64, HistoryOp> = BTreeMap::new();
    for (pos, r) in recs.iter().enumerate() {
        let pos = pos as u64 + 1;
        match &r.event {
            TraceEvent::Invoke {
                client, op_id, op, ..
            } => {
                ops.insert(
                    *op_id,
                    HistoryOp::new(*client, op.clone(), r.t).sequenced(pos, 0),
                );
            }
            TraceEvent::Complete { op_id, reply, .. } => {
                // A completion without its invocation (a cut file) is left out.
                if let Some(h) = ops.remove(op_id) {
                    let inv = h.invoke_seq;
                    ops.insert(*op_id, h.completed(r.t, reply.clone()).sequenced(inv, pos));
                }
            }
            _ => {}
        }
    }
    ops.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(t_ns: u64, node: NodeId) -> Line {
        Line {
            t_ns,
            node,
            records: vec![TraceEvent::Timeout { node }],
            stopped: None,
        }
    }

    // The recording is bounded: past its cap a file gets one notice line and nothing more, and
    // the merged trace's note says so; a line cut by a kill is skipped and counted.
    #[test]
    fn an_event_file_stops_at_its_bound_and_the_trace_says_so() {
        let dir = std::env::temp_dir().join(format!("raft-kv-unit-{}-cap", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("1.events");
        let mut sink = Sink::open_capped(&path, 400).unwrap();
        for i in 0..100 {
            sink.write(&group(1_000_000 * (i + 1), 1));
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let lines = text.lines().count();
        assert!(lines < 10, "{lines} lines past a 400-byte bound");
        assert!(text.lines().last().unwrap().contains("stopped"));
        // A torn line (a kill -9 mid-write), then a new incarnation appends.
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.join("2.events"))
            .or_else(|_| std::fs::File::create(dir.join("2.events")))
            .unwrap()
            .write_all(b"{\"t_ns\":5000000,\"node\":2,\"rec")
            .unwrap();
        let mut s2 = Sink::open(&dir.join("2.events")).unwrap();
        s2.write(&group(6_000_000, 2));
        let m = merge(&dir, 2, 0).unwrap();
        assert!(
            m.notes.iter().any(|n| n.contains("recording stopped")),
            "{:?}",
            m.notes
        );
        assert!(
            m.notes.iter().any(|n| n.contains("1 unfinished line")),
            "{:?}",
            m.notes
        );
        let file = raft_sim::trace::parse_jsonl(&m.text).unwrap();
        assert_eq!(file.steps, Some(lines as u64 - 1 + 1));
        assert!(m.text.contains("recording stopped"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
