/*
 * Starter kit: a Raft node in JavaScript for `raft-sim grade`, with the protocol plumbing done
 * and the Raft rules left for you to write (look for TODO).
 *
 *   raft-sim grade --node "node classroom/js/run.js classroom/js/skeleton.js"
 *
 * The same file runs unchanged in the playground (paste it into the page). As it is, it runs
 * and answers correctly formed messages, but never elects a leader, so the grader reports
 * "Liveness: no leader". The protocol is in docs/classroom.md; the rules are in Figure 2 of the
 * Raft paper. buggy.js in this directory is a complete node (with bugs planted on purpose) if
 * you get stuck on the plumbing.
 *
 * Rules of the game:
 *  - The file is a plain script: define `function createNode()` at top level, returning an
 *    object with `handle(input)` that returns the answer object. The runtime calls
 *    createNode() once per start of the node (again after every crash, with a fresh copy of
 *    every top-level variable) and hands it every input of that start, `init` first.
 *  - Draw random numbers only from this.rng (seeded by the simulator; Math.random is off).
 *    Read no clock: the time is this.now, in virtual milliseconds (Date is off too). The
 *    grader runs every test twice and fails a node whose answers differ.
 *  - Hand everything that must survive a crash to this.setHardState() and this.logChanged():
 *    the simulator stores it before sending your messages, and gives it back in init when
 *    your node restarts.
 *  - Report the truth in state (role, term, commit): the checkers judge it.
 *  - Snapshots (protocol version 2, the snapshot-* tests): this.log holds the entries after
 *    this.snapIndex (use this.entry(i) and this.termAt(i)); this.saveSnapshot() trims the log
 *    and persists a snapshot; a restart hands it back and the state machine resumes from it.
 *    When to take one, and InstallSnapshot, are yours to write (TODO, §7).
 *  - console.log is fine for debugging: under Node it goes to stderr (see it with
 *    `raft-sim grade --show-stderr`).
 */

const HEARTBEAT_MS = 50;

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
    this.rng = new Rng(init.seed);
    this.now = init.now;
    const state = init.state; // what this node persisted before a crash (empty at first)
    this.term = state.term;
    this.vote = state.vote;
    this.maxLog = init.max_log === undefined ? null : init.max_log; // version 2
    const snap = state.snapshot || { index: 0, term: 0, data: { kv: {}, sessions: {} } };
    this.snapIndex = snap.index; // lastIncludedIndex (§7)
    this.snapTerm = snap.term; // lastIncludedTerm
    this.snapData = snap.data; // the state machine at snapIndex
    this.log = state.log.slice(); // [{term, cmd}], index snapIndex + 1 first
    this.role = "follower";
    this.leader = null;
    // The state machine resumes from the snapshot.
    this.commit = this.snapIndex;
    this.applied = this.snapIndex;
    this.kv = new Map(Object.entries(this.snapData.kv));
    // Client -> [last seq applied, its result]: a resent request is answered, not run twice.
    this.sessions = new Map(Object.entries(this.snapData.sessions));
    this.pending = new Set(); // key(client, seq) of requests this node must answer once applied
    this.resetTimer();
  }

  // -- plumbing (done) --------------------------------------------------------------------
  begin() {
    this.out = { send: [], applied: [], replies: [] };
    this.hsDirty = false;
    this.logFrom = null;
    this.snapDirty = false;
  }

  end() {
    this.applyCommitted();
    // TODO (§7, version 2): if this.maxLog !== null and more than maxLog applied entries
    // follow the snapshot, take one:
    // this.saveSnapshot(this.applied, this.termAt(this.applied), this.smState());
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

  /**
   * Sends msg (an object) to peer `to`. kind: RequestVote, RequestVoteReply, AppendEntries,
   * AppendEntriesReply (the views show it; names ending in Reply are replies).
   */
  send(to, kind, msg) {
    msg.type = kind;
    msg.term = this.term;
    this.out.send.push({ to, kind, term: this.term, msg });
  }

  /** Changes currentTerm and votedFor; they are persisted at the end of this step. */
  setHardState(term, vote) {
    if (term !== this.term || vote !== this.vote) {
      this.term = term;
      this.vote = vote;
      this.hsDirty = true;
    }
  }

  /** Call after changing this.log at `index` or later; persisted at the end of the step. */
  logChanged(index) {
    this.logFrom = this.logFrom === null ? index : Math.min(this.logFrom, index);
  }

  lastIndex() {
    return this.snapIndex + this.log.length;
  }

  /** Term of the entry at index (the snapshot's at snapIndex; 0 if not held). */
  termAt(index) {
    if (index === this.snapIndex) return this.snapTerm;
    if (this.snapIndex < index && index <= this.lastIndex()) return this.log[index - this.snapIndex - 1].term;
    return 0;
  }

  /** The entry at index (snapIndex < index <= lastIndex()). */
  entry(index) {
    return this.log[index - this.snapIndex - 1];
  }

  /** The state machine's state, as a snapshot's data. */
  smState() {
    return { kv: Object.fromEntries(this.kv), sessions: Object.fromEntries(this.sessions) };
  }

  /**
   * Stores a snapshot covering the log up to index (of term `term`), persisted at the end of
   * the step: the log keeps the entries after index if it holds index with that term, and is
   * emptied otherwise (Figure 13, steps 6 and 7). data is the state machine at index:
   * this.smState() when compacting (index = this.applied), or the leader's data for
   * InstallSnapshot (then also set this.kv, this.sessions, this.applied, this.commit).
   */
  saveSnapshot(index, term, data) {
    if (index <= this.snapIndex) return;
    if (index <= this.lastIndex() && this.termAt(index) === term) {
      this.log = this.log.slice(index - this.snapIndex);
    } else {
      this.log = [];
    }
    this.snapIndex = index;
    this.snapTerm = term;
    this.snapData = data;
    this.snapDirty = true;
  }

  resetTimer() {
    this.deadline = this.now + this.rng.int(150, 300);
  }

  /**
   * Applies entries up to this.commit to the key-value store, and answers the clients whose
   * requests this node appended.
   */
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
      if (session !== undefined && cmd.seq <= session[0]) {
        result = session[1]; // a resent request: answer it, never run it twice (§6.3)
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

  // -- inputs -----------------------------------------------------------------------------
  onTick(now) {
    this.now = now;
    // TODO (§5.2): a follower or candidate whose election timer ran out (now >= deadline)
    // starts an election: new term, vote for itself, RequestVote to every peer.
    // TODO (§5.3): a leader sends AppendEntries (heartbeats) every HEARTBEAT_MS.
  }

  onMessage(from, m) {
    // TODO (Figure 2, "Rules for Servers"): a message with a higher term makes this node a
    // follower of that term.
    switch (m.type) {
      case "RequestVote":
        break; // TODO (§5.2, §5.4.1): grant at most one vote per term, to an up-to-date log.
      case "RequestVoteReply":
        break; // TODO (§5.2): a majority of votes makes the candidate leader.
      case "AppendEntries":
        break; // TODO (§5.3): consistency check, conflicting entries, commit index.
      case "AppendEntriesReply":
        break; // TODO (§5.3, §5.4.2): nextIndex/matchIndex; commit current-term entries.
      case "InstallSnapshot":
        break; // TODO (§7, Figure 13; version 2): a leader sends it when nextIndex is compacted.
      case "InstallSnapshotReply":
        break; // TODO (§7)
    }
  }

  onRequest(client, seq, op) {
    if (this.role !== "leader") {
      this.out.replies.push({ client, seq, not_leader: true, leader: this.leader });
      return;
    }
    // TODO (§5.3): append {term: this.term, cmd: {client, seq, op}} to the log
    // (this.logChanged!), remember key(client, seq) in this.pending, replicate.
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
