/*
 * A complete Raft node for `raft-sim grade` (protocol versions 1 and 2: with snapshots, and a
 * session table for resent requests), with six bugs students often write, planted on purpose
 * so that the grader's report shows what each kind of failure looks like. A port of
 * classroom/python/buggy.py; the protocol is in docs/classroom.md.
 *
 *   raft-sim grade --node "node classroom/js/run.js classroom/js/buggy.js none"         no bug
 *   raft-sim grade --node "node classroom/js/run.js classroom/js/buggy.js double-vote"  that one
 *
 * Which bugs: the arguments after the file name (any subset of the names below, or `none`);
 * without arguments, as in the playground, where the page passes none, BUGS_IN_BROWSER below:
 * edit it there (e.g. to ["no-dedup"], or [] for a correct node) and run the file again.
 *
 * The bugs:
 *   double-vote      grants a vote without checking votedFor: two votes in one term
 *                    (Raft §5.2; the grader reports One Vote Per Term, or Election Safety)
 *   old-term-commit  a leader commits an entry of an earlier term by counting replicas, and
 *                    appends no no-op when elected (§5.4.2, Figure 8; Commit Current Term Only)
 *   forget-restore   persists its state but ignores it when restarted
 *                    (Figure 2; Persist Before Acting after a restart)
 *   snapshot-term    takes a snapshot but records term 0 as its last included term
 *                    (§7, Figure 13; State Machine Safety: a snapshot that is not the committed
 *                    prefix)
 *   snapshot-restore restarts from its snapshot's index, but with an empty key-value store
 *                    instead of the snapshot's (§7; State Machine Safety)
 *   no-dedup         runs a resent request again instead of answering it from the session
 *                    table (dissertation §6.3; in the resend-* tests, Exactly Once)
 *
 * The sandbox (sandbox.js) runs this file in strict mode, without Math.random or a clock:
 * random numbers come from the seeded generator `Rng`, the time from `input.now`.
 */

const BUGS_IN_BROWSER = ["double-vote"];

const ALL_BUGS = [
  "double-vote", "old-term-commit", "forget-restore", "snapshot-term", "snapshot-restore",
  "no-dedup",
];
const chosen = args.length > 0 ? args : BUGS_IN_BROWSER;
const BUGS = new Set(chosen.includes("none") ? [] : chosen);
const unknown = [...BUGS].filter((b) => !ALL_BUGS.includes(b));
if (unknown.length > 0) {
  throw new Error("unknown bug(s): " + unknown.join(", ") + " (known: " + ALL_BUGS.join(", ") + ", none)");
}

const HEARTBEAT_MS = 50;
const BATCH = 64; // entries per AppendEntries

/*
 * A small seeded generator, written here because the sandbox allows no other (Math.random is
 * off, and a node file can import nothing). A Weyl sequence (adding the odd constant
 * 0x9E3779B9, mod 2^32) mixed by MurmurHash3's 32-bit finalizer: each output is a hash of a
 * distinct counter value, plenty for drawing election timeouts. The seed is at most 2^53 - 1;
 * JSON.parse turns seeds above 2^53 into the nearest double, which is deterministic anyway.
 */
class Rng {
  constructor(seed) {
    const lo = seed % 4294967296 >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    this.state = (lo ^ Math.imul(hi, 0x85ebca6b)) >>> 0;
  }

  /** The next 32 random bits, as a number in [0, 2^32). */
  next() {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** A whole number from lo to hi, both included (the bias of taking a remainder is < 2^-23). */
  int(lo, hi) {
    return lo + (this.next() % (hi - lo + 1));
  }
}

const key = (client, seq) => client + "/" + seq;

class Node {
  constructor(init) {
    this.id = init.id;
    this.all = init.peers;
    this.peers = this.all.filter((p) => p !== this.id);
    this.rng = new Rng(init.seed); // the only source of randomness: deterministic
    this.now = init.now;
    this.maxLog = init.max_log === undefined ? null : init.max_log; // version 2
    let state = init.state;
    if (BUGS.has("forget-restore")) state = { term: 0, vote: null, log: [] };
    // Persistent state (Figure 2): the simulator stores what we hand it in `persist`.
    this.term = state.term;
    this.vote = state.vote;
    const snap = state.snapshot || { index: 0, term: 0, data: { kv: {}, sessions: {} } };
    this.snapIndex = snap.index; // lastIncludedIndex (§7)
    this.snapTerm = snap.term; // lastIncludedTerm
    this.snapData = snap.data; // the state machine at snapIndex
    this.log = state.log.slice(); // [{term, cmd}], index snapIndex + 1 first
    // Volatile state. The state machine restarts from the snapshot.
    this.role = "follower";
    this.leader = null;
    this.commit = this.snapIndex;
    this.applied = this.snapIndex;
    this.kv = new Map(Object.entries(snap.data.kv));
    // Client -> [last seq applied, its result]: a resent request is answered, not run again.
    this.sessions = new Map(Object.entries(snap.data.sessions));
    if (BUGS.has("snapshot-restore")) {
      this.kv = new Map();
      this.sessions = new Map();
    }
    this.votes = new Set();
    this.next = new Map();
    this.match = new Map();
    this.pending = new Set(); // key(client, seq) this node appended as leader and must answer
    this.lastHeartbeat = 0;
    this.resetTimer();
  }

  // -- plumbing ---------------------------------------------------------------------------
  begin() {
    this.out = { send: [], applied: [], replies: [] };
    this.hsDirty = false;
    this.logFrom = null;
    this.snapDirty = false;
  }

  end() {
    this.applyCommitted();
    if (this.maxLog !== null && this.applied - this.snapIndex > this.maxLog) this.takeSnapshot();
    if (this.hsDirty || this.logFrom !== null || this.snapDirty) {
      const p = { term: this.term, vote: this.vote };
      if (this.snapDirty) {
        // Stored first; then the log from log_from on (always after the snapshot).
        p.snapshot = { index: this.snapIndex, term: this.snapTerm, data: this.snapData };
      }
      if (this.logFrom !== null) {
        this.logFrom = Math.max(this.logFrom, this.snapIndex + 1);
        p.log_from = this.logFrom;
        p.entries = this.log.slice(this.logFrom - this.snapIndex - 1);
      }
      this.out.persist = p;
    }
    this.out.state = { role: this.role, term: this.term, commit: this.commit };
    return this.out;
  }

  send(to, kind, msg) {
    msg.type = kind;
    msg.term = this.term;
    this.out.send.push({ to, kind, term: this.term, msg });
  }

  setHardState(term, vote) {
    if (term !== this.term || vote !== this.vote) {
      this.term = term;
      this.vote = vote;
      this.hsDirty = true;
    }
  }

  logChanged(index) {
    this.logFrom = this.logFrom === null ? index : Math.min(this.logFrom, index);
  }

  lastIndex() {
    return this.snapIndex + this.log.length;
  }

  termAt(index) {
    if (index === this.snapIndex) return this.snapTerm;
    if (this.snapIndex < index && index <= this.lastIndex()) return this.log[index - this.snapIndex - 1].term;
    return 0;
  }

  entry(index) {
    return this.log[index - this.snapIndex - 1];
  }

  resetTimer() {
    this.deadline = this.now + this.rng.int(150, 300);
  }

  // -- inputs -----------------------------------------------------------------------------
  onTick(now) {
    this.now = now;
    if (this.role === "leader") {
      if (now - this.lastHeartbeat >= HEARTBEAT_MS) this.broadcast();
    } else if (now >= this.deadline) {
      this.campaign();
    }
  }

  onMessage(from, m) {
    if (m.term > this.term) this.stepDown(m.term);
    switch (m.type) {
      case "RequestVote": return this.onRequestVote(from, m);
      case "RequestVoteReply": return this.onVoteReply(from, m);
      case "AppendEntries": return this.onAppend(from, m);
      case "AppendEntriesReply": return this.onAppendReply(from, m);
      case "InstallSnapshot": return this.onInstallSnapshot(from, m);
      case "InstallSnapshotReply": return this.onInstallSnapshotReply(from, m);
      default: throw new Error("unknown message type " + JSON.stringify(m.type));
    }
  }

  onRequest(client, seq, op) {
    if (this.role !== "leader") {
      this.out.replies.push({ client, seq, not_leader: true, leader: this.leader });
      return;
    }
    this.log.push({ term: this.term, cmd: { client, seq, op } });
    this.logChanged(this.lastIndex());
    this.pending.add(key(client, seq));
    this.broadcast();
  }

  // -- elections (§5.2) -------------------------------------------------------------------
  campaign() {
    this.setHardState(this.term + 1, this.id);
    this.role = "candidate";
    this.leader = null;
    this.votes = new Set([this.id]);
    this.resetTimer();
    if (this.votes.size * 2 > this.all.length) {
      this.becomeLeader();
      return;
    }
    for (const p of this.peers) {
      this.send(p, "RequestVote", {
        candidate: this.id,
        last_log_index: this.lastIndex(),
        last_log_term: this.termAt(this.lastIndex()),
      });
    }
  }

  stepDown(term) {
    if (term > this.term) this.setHardState(term, null);
    if (this.role !== "follower") {
      this.role = "follower";
      this.resetTimer();
    }
  }

  onRequestVote(from, m) {
    // §5.4.1: the candidate's log is at least as up to date as ours.
    const myTerm = this.termAt(this.lastIndex());
    const upToDate =
      m.last_log_term > myTerm || (m.last_log_term === myTerm && m.last_log_index >= this.lastIndex());
    const free = this.vote === null || this.vote === from || BUGS.has("double-vote");
    const grant = m.term === this.term && free && upToDate;
    if (grant) {
      this.setHardState(this.term, from);
      this.resetTimer();
    }
    this.send(from, "RequestVoteReply", { vote_granted: grant });
  }

  onVoteReply(from, m) {
    if (this.role === "candidate" && m.term === this.term && m.vote_granted) {
      this.votes.add(from);
      if (this.votes.size * 2 > this.all.length) this.becomeLeader();
    }
  }

  becomeLeader() {
    this.role = "leader";
    this.leader = this.id;
    this.next = new Map(this.peers.map((p) => [p, this.lastIndex() + 1]));
    this.match = new Map(this.peers.map((p) => [p, 0]));
    // A no-op of the new term lets earlier entries commit without a client request (§8).
    // (The buggy leader skips it, as many lab solutions do, and counts old entries instead.)
    if (!BUGS.has("old-term-commit")) {
      this.log.push({ term: this.term, cmd: null });
      this.logChanged(this.lastIndex());
    }
    this.advanceCommit();
    this.broadcast();
  }

  // -- log replication (§5.3) -------------------------------------------------------------
  broadcast() {
    this.lastHeartbeat = this.now;
    for (const p of this.peers) this.sendAppend(p);
  }

  sendAppend(p) {
    const prev = this.next.get(p) - 1;
    if (prev < this.snapIndex) {
      // The entries it needs are compacted: send the snapshot instead (§7).
      this.send(p, "InstallSnapshot", {
        leader: this.id,
        last_included_index: this.snapIndex,
        last_included_term: this.snapTerm,
        data: this.snapData,
      });
      return;
    }
    const k = prev - this.snapIndex;
    this.send(p, "AppendEntries", {
      leader: this.id,
      prev_log_index: prev,
      prev_log_term: this.termAt(prev),
      entries: this.log.slice(k, k + BATCH),
      leader_commit: this.commit,
    });
  }

  onAppend(from, m) {
    if (m.term < this.term) {
      this.send(from, "AppendEntriesReply", { success: false, match_index: 0, hint: 0 });
      return;
    }
    this.role = "follower";
    this.leader = from;
    this.resetTimer();
    let prev = m.prev_log_index;
    let entries = m.entries;
    if (prev < this.snapIndex) {
      // Below our snapshot: those entries are committed, so they match; skip them.
      entries = entries.slice(this.snapIndex - prev);
      prev = this.snapIndex;
      m = Object.assign({}, m, { prev_log_term: this.snapTerm });
    }
    if (prev > this.lastIndex() || this.termAt(prev) !== m.prev_log_term) {
      const hint = Math.min(this.lastIndex(), prev - 1);
      this.send(from, "AppendEntriesReply", { success: false, match_index: 0, hint });
      return;
    }
    entries.forEach((e, k) => {
      const index = prev + 1 + k;
      if (index <= this.lastIndex()) {
        if (index <= this.snapIndex || this.termAt(index) === e.term) return; // already there
        this.log.splice(index - this.snapIndex - 1); // a conflict: drop it and all after (§5.3)
      }
      this.log.push(e);
      this.logChanged(index);
    });
    const lastNew = prev + entries.length;
    if (m.leader_commit > this.commit) {
      this.commit = Math.max(this.commit, Math.min(m.leader_commit, lastNew));
    }
    this.send(from, "AppendEntriesReply", { success: true, match_index: lastNew, hint: 0 });
  }

  onAppendReply(from, m) {
    if (this.role !== "leader" || m.term !== this.term) return;
    if (m.success) {
      this.match.set(from, Math.max(this.match.get(from), m.match_index));
      this.next.set(from, Math.max(this.next.get(from), this.match.get(from) + 1));
      this.advanceCommit();
      if (this.next.get(from) <= this.lastIndex()) this.sendAppend(from);
    } else {
      this.next.set(from, Math.max(1, Math.min(this.next.get(from) - 1, m.hint + 1)));
      this.sendAppend(from);
    }
  }

  onInstallSnapshot(from, m) {
    if (m.term < this.term) {
      this.send(from, "InstallSnapshotReply", { match_index: 0 });
      return;
    }
    this.role = "follower";
    this.leader = from;
    this.resetTimer();
    const index = m.last_included_index;
    const term = m.last_included_term;
    if (index > this.applied) {
      // Figure 13: keep the log after the snapshot if it holds the snapshot's last entry,
      // else discard it; the state machine becomes the snapshot's.
      if (index <= this.lastIndex() && this.termAt(index) === term) {
        this.log = this.log.slice(index - this.snapIndex);
      } else {
        this.log = [];
      }
      this.snapIndex = index;
      this.snapTerm = term;
      this.snapDirty = true;
      this.snapData = m.data;
      this.kv = new Map(Object.entries(m.data.kv));
      this.sessions = new Map(Object.entries(m.data.sessions));
      this.applied = index;
      this.commit = Math.max(this.commit, index);
    }
    this.send(from, "InstallSnapshotReply", { match_index: index });
  }

  onInstallSnapshotReply(from, m) {
    if (this.role !== "leader" || m.term !== this.term || m.match_index === 0) return;
    this.match.set(from, Math.max(this.match.get(from), m.match_index));
    this.next.set(from, Math.max(this.next.get(from), this.match.get(from) + 1));
    this.advanceCommit();
  }

  advanceCommit() {
    for (let index = this.lastIndex(); index > this.commit; index--) {
      if (this.termAt(index) !== this.term && !BUGS.has("old-term-commit")) {
        break; // only entries of the current term are committed by counting (§5.4.2)
      }
      const count = 1 + this.peers.filter((p) => this.match.get(p) >= index).length;
      if (count * 2 > this.all.length) {
        this.commit = index;
        break;
      }
    }
  }

  // -- snapshots (§7) ---------------------------------------------------------------------
  smState() {
    return { kv: Object.fromEntries(this.kv), sessions: Object.fromEntries(this.sessions) };
  }

  takeSnapshot() {
    // The state machine is at this.applied: snapshot it and drop the log up to there.
    let term = this.termAt(this.applied);
    if (BUGS.has("snapshot-term")) term = 0; // forgets lastIncludedTerm
    this.log = this.log.slice(this.applied - this.snapIndex);
    this.snapIndex = this.applied;
    this.snapTerm = term;
    this.snapDirty = true;
    this.snapData = this.smState();
  }

  // -- state machine ----------------------------------------------------------------------
  applyCommitted() {
    while (this.applied < this.commit) {
      this.applied += 1;
      const e = this.entry(this.applied);
      const applied = { index: this.applied, term: e.term, cmd: e.cmd };
      this.out.applied.push(applied);
      const cmd = e.cmd;
      if (cmd === null) continue;
      const op = cmd.op;
      const session = this.sessions.get(String(cmd.client));
      let result;
      if (session !== undefined && cmd.seq <= session[0] && !BUGS.has("no-dedup")) {
        result = session[1]; // a resent request: answer it, do not run it twice (§6.3)
        applied.duplicate = true; // tell the grader it did not run again
      } else {
        if (op.op === "put") this.kv.set(op.key, op.value);
        else if (op.op === "append") this.kv.set(op.key, (this.kv.get(op.key) || "") + op.value);
        result = this.kv.has(op.key) ? this.kv.get(op.key) : null;
        this.sessions.set(String(cmd.client), [cmd.seq, result]);
      }
      const who = key(cmd.client, cmd.seq);
      if (this.pending.has(who)) {
        this.pending.delete(who);
        this.out.replies.push({ client: cmd.client, seq: cmd.seq, ok: true, value: result });
      }
    }
  }
}

/** The contract with the runtime (run.js, or the page's worker): one node per start. */
function createNode() {
  let node = null;
  return {
    handle(input) {
      if (input.type === "init") {
        node = new Node(input);
        node.begin();
      } else {
        node.begin();
        node.now = input.now;
        if (input.type === "tick") node.onTick(input.now);
        else if (input.type === "message") node.onMessage(input.from, input.msg);
        else if (input.type === "request") node.onRequest(input.client, input.seq, input.op);
      }
      return node.end();
    },
  };
}
