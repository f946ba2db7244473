//! A node's answer, handled in the protocol's order (persist, state, send, apply, reply) and
//! judged as it is: the checker's safety properties, Persist Before Acting, snapshots (their
//! term, their data across nodes, Log Compaction), and the protocol's bounds ([`validate`]).

use super::trace_writer::stand_in;
use super::*;
use raft_core::membership::Membership;

impl<'a> Run<'a> {
    /// Handles an answer, in the order of the protocol: persist, state, send, apply, reply.
    pub(super) fn process(&mut self, id: NodeId, out: Output) {
        let now = self.now;
        // A compaction persisted in this answer, judged once the answer's commit index is known.
        let mut compaction: Option<SnapshotState> = None;
        // With a compaction: the disk as it would be without it, for the commit checks (the
        // entries a leader commits and compacts in one answer are judged before they go).
        let mut view: Option<Persisted> = None;
        // With a compaction: the entries written in this answer, shown to the checker after
        // the compaction (as raft-sim's world does: snapshot first, then the entries after it).
        let mut deferred: Vec<Entry> = Vec::new();
        let slot = self
            .slots
            .get_mut(&id)
            .expect("invariant: a fed node has a slot");
        if let Some(p) = out.persist.clone() {
            if p.term != slot.disk.term || p.vote != slot.disk.vote {
                slot.disk.term = p.term;
                slot.disk.vote = p.vote;
                let hs = HardState {
                    term: p.term,
                    vote: p.vote,
                };
                self.checker.on_hard_state(id, hs);
                self.record(TraceEvent::HardState {
                    node: id,
                    term: p.term,
                    vote: p.vote,
                });
            }
            let installed_here = match p.snapshot {
                Some(snap) => {
                    // A leader's snapshot (§7, InstallSnapshot) is above everything this node
                    // applied, before and in this answer; a compaction is not.
                    let applied = self.slots[&id].applied;
                    let installed =
                        snap.index > applied && !out.applied.iter().any(|a| a.index <= snap.index);
                    if !installed {
                        view = Some(self.slots[&id].disk.clone());
                    }
                    if !self.store_snapshot(id, &snap, installed) {
                        return;
                    }
                    (!installed).then_some(snap)
                }
                None => None,
            };
            compaction = installed_here;
            let slot = self.slots.get_mut(&id).expect("invariant: slot");
            if let Some(from) = p.log_from {
                let si = slot.disk.snapshot_index();
                let last = slot.disk.last_index();
                if from <= si || from > last + 1 {
                    self.fail(
                        "Node Error",
                        vec![id],
                        format!("S{id} broke the protocol: persist.log_from {from} must be {} to one past its stored log's end ({last}){}", si + 1, if si > 0 { format!(" (its snapshot covers up to index {si})") } else { String::new() }),
                    );
                    return;
                }
                slot.disk.log.truncate((from - si - 1) as usize);
                slot.disk.log.extend(p.entries.iter().cloned());
                if let Some(v) = view.as_mut() {
                    let vsi = v.snapshot_index();
                    if from > vsi && from <= v.last_index() + 1 {
                        v.log.truncate((from - vsi - 1) as usize);
                        v.log.extend(p.entries.iter().cloned());
                    }
                }
                let entries: Vec<Entry> = p
                    .entries
                    .iter()
                    .enumerate()
                    .map(|(k, e)| checker_entry(from + k as u64, e.term, &e.cmd))
                    .collect();
                slot.log = disk_log(&slot.disk);
                if compaction.is_some() {
                    deferred = entries.clone();
                } else {
                    self.checker.on_persist(id, &entries);
                }
                if !entries.is_empty() {
                    self.record(TraceEvent::Append { node: id, entries });
                }
            } else if !p.entries.is_empty() {
                self.fail(
                    "Node Error",
                    vec![id],
                    format!("S{id} broke the protocol: persist.entries without persist.log_from"),
                );
                return;
            }
        }
        // The state it reports must be what it persisted (Figure 2: currentTerm and the log
        // are persistent state, updated on stable storage before the node acts on them).
        let slot = self.slots.get_mut(&id).expect("invariant: slot");
        let st = out.state;
        let (disk_term, disk_len) = (slot.disk.term, slot.disk.last_index());
        if st.term != disk_term {
            self.fail(
                "Persist Before Acting",
                vec![id],
                format!(
                    "S{id} reports term {} but its persisted term is {disk_term}: persist the term before acting in it, and restore it from init after a restart (Figure 2)",
                    st.term
                ),
            );
            return;
        }
        if st.commit > disk_len {
            self.fail(
                "Persist Before Acting",
                vec![id],
                format!(
                    "S{id} reports commit index {} but has persisted only {disk_len} log entries",
                    st.commit
                ),
            );
            return;
        }
        let prev = slot.state.clone();
        let leader = st.role == RoleName::Leader;
        if prev.role != st.role || prev.term != st.term {
            self.record(TraceEvent::Role {
                node: id,
                role: st.role.role(),
                term: st.term,
            });
        }
        let slot = self.slots.get(&id).expect("invariant: slot");
        let view_log = view.as_ref().map(disk_log);
        let log = view_log.as_ref().unwrap_or(&slot.log);
        if leader {
            if prev.role == RoleName::Leader && prev.term == st.term {
                self.checker.on_leader_log(id, st.term, log);
            } else {
                self.checker.on_leader(id, st.term, log);
            }
        } else if prev.role == RoleName::Leader {
            self.checker.on_not_leader(id);
        }
        if st.commit > prev.commit {
            let advanced = self.checker.on_commit(id, st.commit, st.term, leader, log);
            if leader && advanced {
                // A classroom cluster's every node votes (the suites change no membership).
                let voters = Membership::with_voters(self.slots.keys().copied());
                self.checker
                    .on_leader_commit(id, st.term, st.commit, &voters, log);
            }
            self.record(TraceEvent::Commit {
                node: id,
                index: st.commit,
            });
        }
        let commit = st.commit;
        let term = st.term;
        self.slots.get_mut(&id).expect("invariant: slot").state = st;
        if let Some(snap) = compaction {
            if snap.index > commit {
                self.fail(
                    "State Machine Safety",
                    vec![id],
                    format!("S{id} took a snapshot at index {} beyond its commit index {commit}: a snapshot holds only committed, applied entries (§7)", snap.index),
                );
                return;
            }
            self.judge_snapshot(id, &snap, false);
            self.checker.on_persist(id, &deferred);
        }
        for s in out.send {
            let stand_in = stand_in(id, s.to, &s.kind, term.max(s.term), &s.msg);
            let to = s.to;
            match self.net.send(stand_in.clone(), now, &mut self.rng) {
                SendOutcome::Queued(a, b) => {
                    self.payloads.insert(a, s.msg.clone());
                    let deliver_at = self.net.get(a).and_then(|f| f.deliver_at);
                    self.record(TraceEvent::Send {
                        id: a,
                        msg: stand_in,
                        deliver_at,
                    });
                    if let Some(b) = b {
                        self.payloads.insert(b, s.msg);
                        self.record(TraceEvent::Duplicate { id: a, copy: b });
                    }
                }
                SendOutcome::Dropped(m, reason) => {
                    self.record(TraceEvent::Send {
                        id: m,
                        msg: stand_in,
                        deliver_at: None,
                    });
                    self.record(TraceEvent::Drop {
                        id: m,
                        from: id,
                        to,
                        reason: reason.into(),
                    });
                }
            }
        }
        // (client, seq) → index of the commands applied in this answer, to judge the replies.
        let mut applied_here: BTreeMap<(u64, u64), u64> = BTreeMap::new();
        for a in out.applied {
            if a.index > commit {
                self.fail(
                    "State Machine Safety",
                    vec![id],
                    format!("S{id} applied index {} beyond its commit index {commit} (§5.4.3: apply only committed entries)", a.index),
                );
                return;
            }
            let e = checker_entry(a.index, a.term, &a.cmd);
            let cmd = command_from_json(&a.cmd);
            // A duplicate (a resent request already applied) is answered from the session
            // table, not run: it does not count as executed.
            let executed = cmd
                .as_ref()
                .filter(|_| !a.duplicate)
                .map(|c| (c.client, c.seq));
            if a.duplicate {
                self.duplicates += 1;
            }
            self.checker.on_apply(id, &e, executed);
            if let Some(c) = executed {
                self.seen_applied.insert(c);
            }
            if let Some(c) = &cmd {
                applied_here.insert((c.client, c.seq), a.index);
            }
            // The model follows only entries the checker found to be the committed ones.
            if self.checker.violations.is_empty() {
                self.model.apply(a.index, cmd.as_ref());
            }
            self.slots.get_mut(&id).expect("invariant: slot").applied = a.index;
            self.record(TraceEvent::Apply {
                node: id,
                index: a.index,
                term: a.term,
                command: cmd,
                result: None,
                session: None,
            });
        }
        if let Some(max) = self.test.max_log {
            let slot = &self.slots[&id];
            let si = slot.disk.snapshot_index();
            let kept = slot.applied.saturating_sub(si);
            if kept > COMPACTION_SLACK * max {
                self.fail(
                    "Log Compaction",
                    vec![id],
                    format!(
                        "S{id}'s persisted log keeps {kept} entries it has already applied (indices {} to {}; its snapshot covers up to {si}); the test's max_log is {max}, so it should have taken a snapshot (persist.snapshot) long before (at most {COMPACTION_SLACK} x max_log = {} are allowed; §7)",
                        si + 1,
                        slot.applied,
                        COMPACTION_SLACK * max
                    ),
                );
                return;
            }
        }
        for r in out.replies {
            let Some(&h) = self.by_cmd.get(&(r.client, r.seq)) else {
                self.fail(
                    "Node Error",
                    vec![id],
                    format!("S{id} broke the protocol: it answered request {} of client {}, which nobody sent", r.seq, r.client),
                );
                return;
            };
            let k = (r.client - CLIENT_BASE) as usize;
            let mine = self.clients[k]
                .outstanding
                .is_some_and(|(seq, _, _)| seq == r.seq);
            if r.not_leader {
                self.declined.insert(h);
                if mine {
                    let resend = self.test.resend;
                    let c = &mut self.clients[k];
                    if resend {
                        c.retry = Some((r.seq, h));
                    }
                    c.outstanding = None;
                    c.wake = now + THINK_MS;
                    c.target = match r.leader.filter(|l| self.ids.contains(l)) {
                        Some(l) => l,
                        None => self.ids[self.rng.range(0, self.ids.len() as u64 - 1) as usize],
                    };
                }
                continue;
            }
            if let Some(&i) = applied_here.get(&(r.client, r.seq)) {
                if let Some(Some(want)) = self.model.expected(i) {
                    if *want != r.value {
                        let op = serde_json::to_string(&self.history[h].op).unwrap_or_default();
                        let shown = |v: &Option<String>| match v {
                            Some(v) => format!("{v:?}"),
                            None => "null".into(),
                        };
                        let detail = format!(
                            "S{id} answered client {}'s request {op} (seq {}, index {i}) with {}, but applying the committed entries 1 to {i} in order gives {}: its state machine is not the log's (restored wrongly from a snapshot? an entry applied twice, or skipped?) (§5.4.3)",
                            r.client,
                            r.seq,
                            shown(&r.value),
                            shown(want)
                        );
                        self.fail("State Machine Safety", vec![id], detail);
                        return;
                    }
                }
            }
            if self.history[h].complete.is_none() {
                self.order += 1;
                let reply = Reply {
                    ok: r.ok,
                    value: r.value,
                };
                let op = &mut self.history[h];
                op.complete = Some(now);
                op.complete_seq = self.order;
                op.reply = Some(reply.clone());
                self.record(TraceEvent::Complete {
                    client: r.client,
                    op_id: h as u64,
                    reply,
                });
            }
            if mine {
                let c = &mut self.clients[k];
                c.outstanding = None;
                c.wake = now + THINK_MS;
            }
        }
    }

    /// Stores a snapshot node `id` persisted on its disk: the log keeps the entries after it
    /// when it holds the snapshot's last entry with the snapshot's term, and is emptied
    /// otherwise (Figure 13, steps 6 and 7). With `installed` (a leader's snapshot), the node's
    /// state machine is replaced by it: it is judged now, and the applied index jumps to it.
    /// False when the node broke the protocol (the failure is set).
    pub(super) fn store_snapshot(
        &mut self,
        id: NodeId,
        snap: &SnapshotState,
        installed: bool,
    ) -> bool {
        let slot = self.slots.get_mut(&id).expect("invariant: slot");
        let si = slot.disk.snapshot_index();
        if snap.index <= si {
            self.fail(
                "Node Error",
                vec![id],
                format!("S{id} broke the protocol: persist.snapshot at index {} is not newer than its stored snapshot (index {si}); a node keeps its newest snapshot and ignores older ones", snap.index),
            );
            return false;
        }
        let keeps = snap.index <= slot.disk.last_index()
            && slot.disk.log[(snap.index - si - 1) as usize].term == snap.term;
        if keeps {
            slot.disk.log.drain(..(snap.index - si) as usize);
        } else {
            slot.disk.log.clear();
        }
        slot.disk.snapshot = Some(snap.clone());
        slot.log = disk_log(&slot.disk);
        if installed {
            self.judge_snapshot(id, snap, true);
            self.slots.get_mut(&id).expect("invariant: slot").applied = snap.index;
        }
        true
    }

    /// Tells the checker of a snapshot (its last entry must be the committed one, with its
    /// term), compares its data with any other snapshot at the same index, and records it.
    pub(super) fn judge_snapshot(&mut self, id: NodeId, snap: &SnapshotState, installed: bool) {
        if installed {
            self.snapshot_counts.1 += 1;
        } else {
            self.snapshot_counts.0 += 1;
        }
        self.checker
            .on_snapshot(id, snap.index, snap.term, installed);
        let text = serde_json::to_string(&snap.data).unwrap_or_default();
        match self.snapshots.get(&snap.index) {
            Some((first, by)) if *first != text => {
                let quote = |t: &str| -> String {
                    let q: String = t.chars().take(QUOTE_CHARS).collect();
                    if q.len() < t.len() {
                        format!("{q}…")
                    } else {
                        q
                    }
                };
                let by = *by;
                let detail = format!(
                    "S{id}'s snapshot at index {} holds {} but S{by}'s at the same index held {}: state machines that applied the same entries must be equal (§5.4.3); was an entry applied twice or skipped, or a snapshot restored wrongly?",
                    snap.index,
                    quote(&text),
                    quote(first)
                );
                self.fail("State Machine Safety", vec![id, by], detail);
            }
            Some(_) => {}
            None => {
                self.snapshots.insert(snap.index, (text, id));
                while self.snapshots.len() > SNAPSHOTS_KEPT {
                    self.snapshots.pop_first();
                }
            }
        }
        self.record(TraceEvent::Snapshot {
            node: id,
            index: snap.index,
            term: snap.term,
            source: if installed {
                crate::trace::SnapshotSource::Leader
            } else {
                crate::trace::SnapshotSource::Compaction
            },
        });
    }
}

/// The persisted log as raft-core entries, for the checker: after the snapshot's index.
pub(super) fn disk_log(disk: &Persisted) -> RaftLog {
    let (si, st) = disk.snapshot.as_ref().map_or((0, 0), |s| (s.index, s.term));
    let entries: Vec<Entry> = disk
        .log
        .iter()
        .enumerate()
        .map(|(k, e)| checker_entry(si + k as u64 + 1, e.term, &e.cmd))
        .collect();
    RaftLog::restore(si, st, entries.clone()).unwrap_or_else(|_| {
        // Terms that decrease along the log: keep the entries anyway (the checker judges
        // their consequences), unchecked.
        let mut l = RaftLog::restore(si, st, Vec::new()).unwrap_or_default();
        for e in entries {
            l.push(e);
        }
        l
    })
}

/// Checks an answer's bounds and recipients.
pub(super) fn validate(out: &Output, me: NodeId, ids: &[NodeId]) -> Result<(), String> {
    let big = |what: &str, n: u64| {
        if n > MAX_NUMBER {
            Err(format!("{what} {n} is above 2^53 - 1"))
        } else {
            Ok(())
        }
    };
    if out.send.len() > MAX_SENDS {
        return Err(format!(
            "{} messages in one answer (at most {MAX_SENDS})",
            out.send.len()
        ));
    }
    if out.applied.len() > MAX_APPLIED {
        return Err(format!(
            "{} applied entries in one answer (at most {MAX_APPLIED})",
            out.applied.len()
        ));
    }
    if out.replies.len() > MAX_REPLIES {
        return Err(format!(
            "{} replies in one answer (at most {MAX_REPLIES})",
            out.replies.len()
        ));
    }
    big("state.term", out.state.term)?;
    big("state.commit", out.state.commit)?;
    if let Some(p) = &out.persist {
        big("persist.term", p.term)?;
        if let Some(snap) = &p.snapshot {
            big("persist.snapshot.index", snap.index)?;
            big("persist.snapshot.term", snap.term)?;
            if snap.index == 0 {
                return Err("it persisted a snapshot at index 0 (the log starts at 1)".into());
            }
        }
        if p.entries.len() > MAX_PERSIST_ENTRIES {
            return Err(format!(
                "{} entries persisted in one answer (at most {MAX_PERSIST_ENTRIES})",
                p.entries.len()
            ));
        }
        if let Some(v) = p.vote {
            if !ids.contains(&v) {
                return Err(format!("it voted for S{v}, which is not in the cluster"));
            }
        }
        for e in &p.entries {
            big("an entry's term", e.term)?;
        }
    }
    for s in &out.send {
        if !ids.contains(&s.to) {
            return Err(format!(
                "it sent a {} message to S{}, which is not in the cluster {:?}",
                s.kind, s.to, ids
            ));
        }
        if s.to == me {
            return Err(format!("it sent a {} message to itself", s.kind));
        }
        if s.kind.len() > MAX_KIND_BYTES {
            return Err(format!("a message kind longer than {MAX_KIND_BYTES} bytes"));
        }
        big("a message's term", s.term)?;
    }
    for a in &out.applied {
        big("an applied index", a.index)?;
        if a.index == 0 {
            return Err("it applied index 0 (the log starts at 1)".into());
        }
    }
    Ok(())
}

/// Most indices whose expected reply the [`Model`] keeps.
pub(super) const MODEL_KEPT: usize = 4_096;

/// The key-value store the committed log describes, built by applying, in index order, the
/// entries the nodes report applied (the first report of each index; the checker has made sure
/// every node applies the same entry there). It gives the reply each command must have, so a
/// node whose state machine went wrong (a snapshot restored wrongly, an entry applied twice or
/// skipped) is caught at its first wrong answer, with the index. The protocol's store: `put`
/// and `append` answer the new value, `get` the value (null when absent); a command whose
/// client's last applied seq is the same answers that command's reply, an older one nothing
/// (a session table, dissertation §6.3). Memory: the newest [`MODEL_KEPT`] replies.
#[derive(Debug, Default)]
pub(super) struct Model {
    data: BTreeMap<String, String>,
    sessions: BTreeMap<u64, (u64, Option<String>)>,
    applied: u64,
    /// Index → the reply its command must have (`None`: a stale duplicate, or a no-op).
    expected: BTreeMap<u64, Option<Option<String>>>,
    /// Set when the reports skip an index (nothing to build from): no more judging.
    lost: bool,
}

impl Model {
    /// The entry at `index` with client command `cmd` (or none) was applied by some node.
    pub(super) fn apply(&mut self, index: u64, cmd: Option<&crate::app::Command>) {
        if self.lost || index <= self.applied {
            return;
        }
        if index != self.applied + 1 {
            self.lost = true;
            return;
        }
        self.applied = index;
        let reply = cmd.map(|c| self.run(c)).unwrap_or(None);
        self.expected.insert(index, reply);
        while self.expected.len() > MODEL_KEPT {
            self.expected.pop_first();
        }
    }

    fn run(&mut self, c: &crate::app::Command) -> Option<Option<String>> {
        if let Some((seq, reply)) = self.sessions.get(&c.client) {
            if c.seq == *seq {
                return Some(reply.clone());
            }
            if c.seq < *seq {
                return None;
            }
        }
        let value = match &c.op {
            Op::Put { key, value } => {
                self.data.insert(key.clone(), value.clone());
                Some(value.clone())
            }
            Op::Append { key, value } => {
                let v = self.data.entry(key.clone()).or_default();
                v.push_str(value);
                Some(v.clone())
            }
            Op::Get { key } => self.data.get(key).cloned(),
            // Not an operation the graded clients send: nothing to judge from here on.
            _ => {
                self.lost = true;
                return None;
            }
        };
        self.sessions.insert(c.client, (c.seq, value.clone()));
        Some(value)
    }

    /// The reply the command at `index` must have: `None` when unknown (forgotten, or not
    /// applied by any node yet), `Some(None)` when no reply is expected.
    pub(super) fn expected(&self, index: u64) -> Option<Option<&Option<String>>> {
        if self.lost {
            return None;
        }
        self.expected.get(&index).map(Option::as_ref)
    }
}
