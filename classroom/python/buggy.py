#!/usr/bin/env python3
"""A complete Raft node for `raft-sim grade`, with three bugs students often write, planted on
purpose so that the grader's report shows what each kind of failure looks like.

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

Standard library only. The protocol is in docs/classroom.md.
"""
import json
import random
import sys

ALL_BUGS = {"double-vote", "old-term-commit", "forget-restore"}
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
        state = init["state"]
        if "forget-restore" in BUGS:
            state = {"term": 0, "vote": None, "log": []}
        # Persistent state (Figure 2): the simulator stores what we hand it in "persist".
        self.term = state["term"]
        self.vote = state["vote"]
        self.log = list(state["log"])  # [{"term": t, "cmd": ...}], index 1 first
        # Volatile state.
        self.role = "follower"
        self.leader = None
        self.commit = 0
        self.applied = 0
        self.kv = {}
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

    def end(self):
        self.apply_committed()
        if self.hs_dirty or self.log_from is not None:
            p = {"term": self.term, "vote": self.vote}
            if self.log_from is not None:
                p["log_from"] = self.log_from
                p["entries"] = self.log[self.log_from - 1:]
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
        return len(self.log)

    def term_at(self, index):
        return self.log[index - 1]["term"] if 1 <= index <= len(self.log) else 0

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
        entries = self.log[prev:prev + BATCH]
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
        if prev > self.last_index() or self.term_at(prev) != m["prev_log_term"]:
            hint = min(self.last_index(), prev - 1)
            self.send(frm, "AppendEntriesReply", {"success": False, "match_index": 0, "hint": hint})
            return
        for k, e in enumerate(m["entries"]):
            index = prev + 1 + k
            if index <= self.last_index():
                if self.term_at(index) == e["term"]:
                    continue
                del self.log[index - 1:]  # a conflict: drop it and everything after (§5.3)
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

    def advance_commit(self):
        for index in range(self.last_index(), self.commit, -1):
            if self.term_at(index) != self.term and "old-term-commit" not in BUGS:
                break  # only entries of the current term are committed by counting (§5.4.2)
            count = 1 + sum(1 for p in self.peers if self.match[p] >= index)
            if count * 2 > len(self.all):
                self.commit = index
                break

    # -- state machine ----------------------------------------------------------------------
    def apply_committed(self):
        while self.applied < self.commit:
            self.applied += 1
            e = self.log[self.applied - 1]
            self.out["applied"].append({"index": self.applied, "term": e["term"], "cmd": e["cmd"]})
            cmd = e["cmd"]
            if cmd is None:
                continue
            op = cmd["op"]
            key = op["key"]
            if op["op"] == "put":
                self.kv[key] = op["value"]
            elif op["op"] == "append":
                self.kv[key] = self.kv.get(key, "") + op["value"]
            result = self.kv.get(key)
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
