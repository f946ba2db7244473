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
        self.log = list(state["log"])  # [{"term": t, "cmd": ...}], index 1 first
        self.role = "follower"
        self.leader = None
        self.commit = 0
        self.applied = 0
        self.kv = {}
        self.pending = set()  # (client, seq) of requests this node must answer once applied
        self.reset_timer()

    # -- plumbing (done) --------------------------------------------------------------------
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
        return len(self.log)

    def term_at(self, index):
        return self.log[index - 1]["term"] if 1 <= index <= len(self.log) else 0

    def reset_timer(self):
        self.deadline = self.now + self.rng.randint(150, 300)

    def apply_committed(self):
        """Applies entries up to self.commit to the key-value store, and answers the clients
        whose requests this node appended."""
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
            who = (cmd["client"], cmd["seq"])
            if who in self.pending:
                self.pending.discard(who)
                self.out["replies"].append({"client": who[0], "seq": who[1], "ok": True, "value": self.kv.get(key)})

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
