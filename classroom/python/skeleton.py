#!/usr/bin/env python3
"""Starter kit: a Raft node for `raft-sim grade`, with the protocol plumbing done and the Raft
rules left for you to write (look for TODO). Standard library only.

    raft-sim grade --node "python3 classroom/python/skeleton.py"

As it is, it runs and answers correctly formed messages, but never elects a leader, so the
grader reports "Liveness: no leader". The protocol is in docs/classroom.md; the rules are in
Figure 2 of the Raft paper. buggy.py in this directory is a complete node (with bugs planted
on purpose) if you get stuck on the plumbing.

Rules of the game:
  * Draw random numbers only from self.rng (seeded by the simulator). Read no clock: the
    time is self.now, in virtual milliseconds. The grader runs every test twice and fails a
    node whose answers differ.
  * Hand everything that must survive a crash to self.set_hard_state() and
    self.log_changed(): the simulator stores it before sending your messages, and gives it
    back in init when your node restarts.
  * Report the truth in state (role, term, commit): the checkers judge it.
  * Snapshots (protocol version 2, the snapshot-* tests): self.log holds the entries after
    self.snap_index (use self.entry(i) and self.term_at(i)); self.save_snapshot() trims the log
    and persists a snapshot; a restart hands it back and the state machine resumes from it.
    When to take one, and InstallSnapshot, are yours to write (TODO, §7).
"""
import json
import random
import sys

HEARTBEAT_MS = 50


class Node:
    def __init__(self, init):
        self.id = init["id"]
        self.all = init["peers"]
        self.peers = [p for p in self.all if p != self.id]
        self.rng = random.Random(init["seed"])
        self.now = init["now"]
        state = init["state"]  # what this node persisted before a crash (empty at first)
        self.term = state["term"]
        self.vote = state["vote"]
        self.max_log = init.get("max_log")  # version 2: snapshot past this many applied entries
        snap = state.get("snapshot") or {"index": 0, "term": 0, "data": {"kv": {}, "sessions": {}}}
        self.snap_index = snap["index"]  # lastIncludedIndex (§7)
        self.snap_term = snap["term"]    # lastIncludedTerm
        self.snap_data = snap["data"]    # the state machine at snap_index
        self.log = list(state["log"])  # [{"term": t, "cmd": ...}], index snap_index + 1 first
        self.role = "follower"
        self.leader = None
        # The state machine resumes from the snapshot.
        self.commit = self.snap_index
        self.applied = self.snap_index
        self.kv = dict(self.snap_data["kv"])
        # Client -> [last seq applied, its result]: a resent request is answered, not run twice.
        self.sessions = dict(self.snap_data["sessions"])
        self.pending = set()  # (client, seq) of requests this node must answer once applied
        self.reset_timer()

    # -- plumbing (done) --------------------------------------------------------------------
    def begin(self):
        self.out = {"send": [], "applied": [], "replies": []}
        self.hs_dirty = False
        self.log_from = None
        self.snap_dirty = False

    def end(self):
        self.apply_committed()
        # TODO (§7, version 2): if self.max_log is not None and more than max_log applied
        # entries follow the snapshot, take one:
        # self.save_snapshot(self.applied, self.term_at(self.applied), self.sm_state())
        if self.hs_dirty or self.log_from is not None or self.snap_dirty:
            p = {"term": self.term, "vote": self.vote}
            if self.snap_dirty:
                # Stored first; then the log from log_from on (always after the snapshot).
                p["snapshot"] = {"index": self.snap_index, "term": self.snap_term, "data": self.snap_data}
            if self.log_from is not None:
                self.log_from = max(self.log_from, self.snap_index + 1)
                p["log_from"] = self.log_from
                p["entries"] = self.log[self.log_from - self.snap_index - 1:]
            self.out["persist"] = p
        self.out["state"] = {"role": self.role, "term": self.term, "commit": self.commit}
        return self.out

    def send(self, to, kind, msg):
        """Sends msg (a dict) to peer `to`. kind: RequestVote, RequestVoteReply, AppendEntries,
        AppendEntriesReply (the views show it; names ending in Reply are replies)."""
        msg["type"] = kind
        msg["term"] = self.term
        self.out["send"].append({"to": to, "kind": kind, "term": self.term, "msg": msg})

    def set_hard_state(self, term, vote):
        """Changes currentTerm and votedFor; they are persisted at the end of this step."""
        if (term, vote) != (self.term, self.vote):
            self.term, self.vote = term, vote
            self.hs_dirty = True

    def log_changed(self, index):
        """Call after changing self.log at `index` or later; persisted at the end of the step."""
        self.log_from = index if self.log_from is None else min(self.log_from, index)

    def last_index(self):
        return self.snap_index + len(self.log)

    def term_at(self, index):
        """Term of the entry at index (the snapshot's at snap_index; 0 if not held)."""
        if index == self.snap_index:
            return self.snap_term
        if self.snap_index < index <= self.last_index():
            return self.log[index - self.snap_index - 1]["term"]
        return 0

    def entry(self, index):
        """The entry at index (snap_index < index <= last_index())."""
        return self.log[index - self.snap_index - 1]

    def sm_state(self):
        """The state machine's state, as a snapshot's data."""
        return {"kv": dict(self.kv), "sessions": dict(self.sessions)}

    def save_snapshot(self, index, term, data):
        """Stores a snapshot covering the log up to index (of term `term`), persisted at the end
        of the step: the log keeps the entries after index if it holds index with that term,
        and is emptied otherwise (Figure 13, steps 6 and 7). data is the state machine at index:
        self.sm_state() when compacting (index = self.applied), or the leader's data for
        InstallSnapshot (then also set self.kv, self.sessions, self.applied, self.commit)."""
        if index <= self.snap_index:
            return
        if index <= self.last_index() and self.term_at(index) == term:
            self.log = self.log[index - self.snap_index:]
        else:
            self.log = []
        self.snap_index, self.snap_term, self.snap_data = index, term, data
        self.snap_dirty = True

    def reset_timer(self):
        self.deadline = self.now + self.rng.randint(150, 300)

    def apply_committed(self):
        """Applies entries up to self.commit to the key-value store, and answers the clients
        whose requests this node appended."""
        while self.applied < self.commit:
            self.applied += 1
            e = self.entry(self.applied)
            applied = {"index": self.applied, "term": e["term"], "cmd": e["cmd"]}
            self.out["applied"].append(applied)
            cmd = e["cmd"]
            if cmd is None:
                continue
            op = cmd["op"]
            key = op["key"]
            session = self.sessions.get(str(cmd["client"]))
            if session is not None and cmd["seq"] <= session[0]:
                result = session[1]  # a resent request: answer it, never run it twice (§6.3)
                applied["duplicate"] = True  # tell the grader it did not run again
            else:
                if op["op"] == "put":
                    self.kv[key] = op["value"]
                elif op["op"] == "append":
                    self.kv[key] = self.kv.get(key, "") + op["value"]
                result = self.kv.get(key)
                self.sessions[str(cmd["client"])] = [cmd["seq"], result]
            who = (cmd["client"], cmd["seq"])
            if who in self.pending:
                self.pending.discard(who)
                self.out["replies"].append({"client": who[0], "seq": who[1], "ok": True, "value": result})

    # -- inputs -----------------------------------------------------------------------------
    def on_tick(self, now):
        self.now = now
        # TODO (§5.2): a follower or candidate whose election timer ran out (now >= deadline)
        # starts an election: new term, vote for itself, RequestVote to every peer.
        # TODO (§5.3): a leader sends AppendEntries (heartbeats) every HEARTBEAT_MS.

    def on_message(self, frm, m):
        # TODO (Figure 2, "Rules for Servers"): a message with a higher term makes this node a
        # follower of that term.
        kind = m["type"]
        if kind == "RequestVote":
            pass  # TODO (§5.2, §5.4.1): grant at most one vote per term, to an up-to-date log.
        elif kind == "RequestVoteReply":
            pass  # TODO (§5.2): a majority of votes makes the candidate leader.
        elif kind == "AppendEntries":
            pass  # TODO (§5.3): consistency check, conflicting entries, commit index.
        elif kind == "AppendEntriesReply":
            pass  # TODO (§5.3, §5.4.2): nextIndex/matchIndex; commit current-term entries.
        elif kind == "InstallSnapshot":
            pass  # TODO (§7, Figure 13; version 2): a leader sends it when nextIndex is compacted.
        elif kind == "InstallSnapshotReply":
            pass  # TODO (§7)

    def on_request(self, client, seq, op):
        if self.role != "leader":
            self.out["replies"].append({"client": client, "seq": seq, "not_leader": True, "leader": self.leader})
            return
        # TODO (§5.3): append {"term": self.term, "cmd": {"client": client, "seq": seq, "op": op}}
        # to the log (self.log_changed!), remember (client, seq) in self.pending, replicate.


def main():
    node = None
    for line in sys.stdin:
        if not line.strip():
            continue
        inp = json.loads(line)
        kind = inp["type"]
        if kind == "init":
            node = Node(inp)
            node.begin()
        else:
            node.begin()
            node.now = inp["now"]
            if kind == "tick":
                node.on_tick(inp["now"])
            elif kind == "message":
                node.on_message(inp["from"], inp["msg"])
            elif kind == "request":
                node.on_request(inp["client"], inp["seq"], inp["op"])
        sys.stdout.write(json.dumps(node.end()) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
