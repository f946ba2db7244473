#!/usr/bin/env python3
"""A complete Raft node for `raft-sim grade` (protocol versions 1 and 2: with snapshots), with
six bugs students often write, planted on purpose so that the grader's report shows what each
kind of failure looks like.

    python3 buggy.py                      all three bugs
    python3 buggy.py double-vote          only that one (any subset may be named)
    python3 buggy.py none                 no bug: a correct node, which passes the suite

The bugs:
  double-vote      grants a vote without checking votedFor: two votes in one term
                   (Raft §5.2; the grader reports One Vote Per Term, or Election Safety)
  old-term-commit  a leader commits an entry of an earlier term by counting replicas, and
                   appends no no-op when elected (§5.4.2, Figure 8; the grader reports
                   Commit Current Term Only)
  forget-restore   persists its state but ignores it when restarted
                   (Figure 2; the grader reports Persist Before Acting after a restart)
  snapshot-term    takes a snapshot but records term 0 as its last included term
                   (§7, Figure 13; the grader reports State Machine Safety: a snapshot that is
                   not the committed prefix)
  snapshot-restore restarts from its snapshot's index, but with an empty key-value store
                   instead of the snapshot's (§7; the grader reports State Machine Safety: two
                   snapshots at one index that differ, or Linearizability)
  no-dedup         runs a resent request again instead of answering it from the session
                   table (dissertation §6.3; in the resend-* tests the grader reports Exactly
                   Once: a command executed twice)

Standard library only. The protocol is in docs/classroom.md.
"""
import json
import random
import sys

ALL_BUGS = {"double-vote", "old-term-commit", "forget-restore", "snapshot-term", "snapshot-restore", "no-dedup"}
BUGS = set(sys.argv[1:]) or set(ALL_BUGS)
if "none" in BUGS:
    BUGS = set()
unknown = BUGS - ALL_BUGS
if unknown:
    sys.exit("unknown bug(s): %s (known: %s, none)" % (", ".join(sorted(unknown)), ", ".join(sorted(ALL_BUGS))))

HEARTBEAT_MS = 50
BATCH = 64  # entries per AppendEntries


class Node:
    def __init__(self, init):
        self.id = init["id"]
        self.all = init["peers"]
        self.peers = [p for p in self.all if p != self.id]
        self.rng = random.Random(init["seed"])  # the only source of randomness: deterministic
        self.now = init["now"]
        self.max_log = init.get("max_log")  # version 2: take a snapshot past this many entries
        state = init["state"]
        if "forget-restore" in BUGS:
            state = {"term": 0, "vote": None, "log": []}
        # Persistent state (Figure 2): the simulator stores what we hand it in "persist".
        self.term = state["term"]
        self.vote = state["vote"]
        snap = state.get("snapshot") or {"index": 0, "term": 0, "data": {"kv": {}, "sessions": {}}}
        self.snap_index = snap["index"]  # lastIncludedIndex (§7)
        self.snap_term = snap["term"]    # lastIncludedTerm
        self.snap_data = snap["data"]    # the state machine at snap_index
        self.log = list(state["log"])  # [{"term": t, "cmd": ...}], index snap_index + 1 first
        # Volatile state. The state machine restarts from the snapshot.
        self.role = "follower"
        self.leader = None
        self.commit = self.snap_index
        self.applied = self.snap_index
        self.kv = dict(snap["data"]["kv"])
        # Client -> [last seq applied, its result]: a resent request is answered, not run again.
        self.sessions = dict(snap["data"]["sessions"])
        if "snapshot-restore" in BUGS:
            self.kv, self.sessions = {}, {}
        self.votes = set()
        self.next = {}
        self.match = {}
        self.pending = set()  # (client, seq) this node appended as leader and must answer
        self.last_heartbeat = 0
        self.reset_timer()

    # -- plumbing ---------------------------------------------------------------------------
    def begin(self):
        self.out = {"send": [], "applied": [], "replies": []}
        self.hs_dirty = False
        self.log_from = None
        self.snap_dirty = False

    def end(self):
        self.apply_committed()
        if self.max_log is not None and self.applied - self.snap_index > self.max_log:
            self.take_snapshot()
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
        msg["type"] = kind
        msg["term"] = self.term
        self.out["send"].append({"to": to, "kind": kind, "term": self.term, "msg": msg})

    def set_hard_state(self, term, vote):
        if (term, vote) != (self.term, self.vote):
            self.term, self.vote = term, vote
            self.hs_dirty = True

    def log_changed(self, index):
        self.log_from = index if self.log_from is None else min(self.log_from, index)

    def last_index(self):
        return self.snap_index + len(self.log)

    def term_at(self, index):
        if index == self.snap_index:
            return self.snap_term
        if self.snap_index < index <= self.last_index():
            return self.log[index - self.snap_index - 1]["term"]
        return 0

    def entry(self, index):
        return self.log[index - self.snap_index - 1]

    def reset_timer(self):
        self.deadline = self.now + self.rng.randint(150, 300)

    # -- inputs -----------------------------------------------------------------------------
    def on_tick(self, now):
        self.now = now
        if self.role == "leader":
            if now - self.last_heartbeat >= HEARTBEAT_MS:
                self.broadcast()
        elif now >= self.deadline:
            self.campaign()

    def on_message(self, frm, m):
        if m["term"] > self.term:
            self.step_down(m["term"])
        handler = {
            "RequestVote": self.on_request_vote,
            "RequestVoteReply": self.on_vote_reply,
            "AppendEntries": self.on_append,
            "AppendEntriesReply": self.on_append_reply,
            "InstallSnapshot": self.on_install_snapshot,
            "InstallSnapshotReply": self.on_install_snapshot_reply,
        }[m["type"]]
        handler(frm, m)

    def on_request(self, client, seq, op):
        if self.role != "leader":
            self.out["replies"].append({"client": client, "seq": seq, "not_leader": True, "leader": self.leader})
            return
        self.log.append({"term": self.term, "cmd": {"client": client, "seq": seq, "op": op}})
        self.log_changed(self.last_index())
        self.pending.add((client, seq))
        self.broadcast()

    # -- elections (§5.2) -------------------------------------------------------------------
    def campaign(self):
        self.set_hard_state(self.term + 1, self.id)
        self.role = "candidate"
        self.leader = None
        self.votes = {self.id}
        self.reset_timer()
        if len(self.votes) * 2 > len(self.all):
            self.become_leader()
            return
        for p in self.peers:
            self.send(p, "RequestVote", {"candidate": self.id, "last_log_index": self.last_index(),
                                         "last_log_term": self.term_at(self.last_index())})

    def step_down(self, term):
        if term > self.term:
            self.set_hard_state(term, None)
        if self.role != "follower":
            self.role = "follower"
            self.reset_timer()

    def on_request_vote(self, frm, m):
        up_to_date = (m["last_log_term"], m["last_log_index"]) >= (self.term_at(self.last_index()), self.last_index())
        free = self.vote in (None, frm) or "double-vote" in BUGS
        grant = m["term"] == self.term and free and up_to_date
        if grant:
            self.set_hard_state(self.term, frm)
            self.reset_timer()
        self.send(frm, "RequestVoteReply", {"vote_granted": grant})

    def on_vote_reply(self, frm, m):
        if self.role == "candidate" and m["term"] == self.term and m["vote_granted"]:
            self.votes.add(frm)
            if len(self.votes) * 2 > len(self.all):
                self.become_leader()

    def become_leader(self):
        self.role = "leader"
        self.leader = self.id
        self.next = {p: self.last_index() + 1 for p in self.peers}
        self.match = {p: 0 for p in self.peers}
        # A no-op of the new term lets earlier entries commit without a client request (§8).
        # (The buggy leader skips it, as many lab solutions do, and counts old entries instead.)
        if "old-term-commit" not in BUGS:
            self.log.append({"term": self.term, "cmd": None})
            self.log_changed(self.last_index())
        self.advance_commit()
        self.broadcast()

    # -- log replication (§5.3) -------------------------------------------------------------
    def broadcast(self):
        self.last_heartbeat = self.now
        for p in self.peers:
            self.send_append(p)

    def send_append(self, p):
        prev = self.next[p] - 1
        if prev < self.snap_index:
            # The entries it needs are compacted: send the snapshot instead (§7).
            self.send(p, "InstallSnapshot", {"leader": self.id, "last_included_index": self.snap_index,
                                             "last_included_term": self.snap_term, "data": self.snap_data})
            return
        k = prev - self.snap_index
        entries = self.log[k:k + BATCH]
        self.send(p, "AppendEntries", {"leader": self.id, "prev_log_index": prev, "prev_log_term": self.term_at(prev),
                                       "entries": entries, "leader_commit": self.commit})

    def on_append(self, frm, m):
        if m["term"] < self.term:
            self.send(frm, "AppendEntriesReply", {"success": False, "match_index": 0, "hint": 0})
            return
        self.role = "follower"
        self.leader = frm
        self.reset_timer()
        prev = m["prev_log_index"]
        if prev < self.snap_index:
            # Below our snapshot: those entries are committed, so they match; skip them.
            skip = self.snap_index - prev
            m = dict(m, prev_log_index=self.snap_index, prev_log_term=self.snap_term,
                     entries=m["entries"][skip:])
            prev = self.snap_index
        if prev > self.last_index() or self.term_at(prev) != m["prev_log_term"]:
            hint = min(self.last_index(), prev - 1)
            self.send(frm, "AppendEntriesReply", {"success": False, "match_index": 0, "hint": hint})
            return
        for k, e in enumerate(m["entries"]):
            index = prev + 1 + k
            if index <= self.last_index():
                if index <= self.snap_index or self.term_at(index) == e["term"]:
                    continue  # already there (or in the snapshot: committed, so the same)
                del self.log[index - self.snap_index - 1:]  # a conflict: drop it and all after (§5.3)
            self.log.append(e)
            self.log_changed(index)
        last_new = prev + len(m["entries"])
        if m["leader_commit"] > self.commit:
            self.commit = max(self.commit, min(m["leader_commit"], last_new))
        self.send(frm, "AppendEntriesReply", {"success": True, "match_index": last_new, "hint": 0})

    def on_append_reply(self, frm, m):
        if self.role != "leader" or m["term"] != self.term:
            return
        if m["success"]:
            self.match[frm] = max(self.match[frm], m["match_index"])
            self.next[frm] = max(self.next[frm], self.match[frm] + 1)
            self.advance_commit()
            if self.next[frm] <= self.last_index():
                self.send_append(frm)
        else:
            self.next[frm] = max(1, min(self.next[frm] - 1, m["hint"] + 1))
            self.send_append(frm)

    def on_install_snapshot(self, frm, m):
        if m["term"] < self.term:
            self.send(frm, "InstallSnapshotReply", {"match_index": 0})
            return
        self.role = "follower"
        self.leader = frm
        self.reset_timer()
        index, term = m["last_included_index"], m["last_included_term"]
        if index > self.applied:
            # Figure 13: keep the log after the snapshot if it holds the snapshot's last entry,
            # else discard it; the state machine becomes the snapshot's.
            if index <= self.last_index() and self.term_at(index) == term:
                self.log = self.log[index - self.snap_index:]
            else:
                self.log = []
            self.snap_index, self.snap_term, self.snap_dirty = index, term, True
            self.snap_data = m["data"]
            self.kv = dict(m["data"]["kv"])
            self.sessions = dict(m["data"]["sessions"])
            self.applied = index
            self.commit = max(self.commit, index)
        self.send(frm, "InstallSnapshotReply", {"match_index": index})

    def on_install_snapshot_reply(self, frm, m):
        if self.role != "leader" or m["term"] != self.term or m["match_index"] == 0:
            return
        self.match[frm] = max(self.match[frm], m["match_index"])
        self.next[frm] = max(self.next[frm], self.match[frm] + 1)
        self.advance_commit()

    def advance_commit(self):
        for index in range(self.last_index(), self.commit, -1):
            if self.term_at(index) != self.term and "old-term-commit" not in BUGS:
                break  # only entries of the current term are committed by counting (§5.4.2)
            count = 1 + sum(1 for p in self.peers if self.match[p] >= index)
            if count * 2 > len(self.all):
                self.commit = index
                break

    # -- snapshots (§7) ----------------------------------------------------------------------
    def sm_state(self):
        return {"kv": dict(self.kv), "sessions": dict(self.sessions)}

    def take_snapshot(self):
        # The state machine is at self.applied: snapshot it and drop the log up to there.
        term = self.term_at(self.applied)
        if "snapshot-term" in BUGS:
            term = 0  # forgets lastIncludedTerm
        self.log = self.log[self.applied - self.snap_index:]
        self.snap_index, self.snap_term, self.snap_dirty = self.applied, term, True
        self.snap_data = self.sm_state()

    # -- state machine ----------------------------------------------------------------------
    def apply_committed(self):
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
            if session is not None and cmd["seq"] <= session[0] and "no-dedup" not in BUGS:
                result = session[1]  # a resent request: answer it, do not run it twice (§6.3)
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
