//! What a test expects (a leader, none, a stable term, progress, agreement) and, at the end,
//! the linearizability of the clients' history.

use super::*;

impl<'a> Run<'a> {
    pub(super) fn judge(&mut self, e: &Expect) {
        match e {
            Expect::Leader { at } => {
                if self.leader().is_none() {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!("no leader among the connected running nodes at {at} ms (a majority of them can reach each other, so one should have been elected, §5.2)"),
                    );
                }
            }
            Expect::NoLeader { at } => {
                if let Some(l) = self.leader() {
                    self.fail(
                        "Liveness",
                        vec![l],
                        format!("S{l} claims to lead at {at} ms, but the connected running nodes are not a majority"),
                    );
                }
            }
            Expect::TermStable { from, to } => {
                let a = self.term_marks.get(from).copied().unwrap_or(0);
                let b = self.top_term();
                if a != b {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!("the term went from {a} at {from} ms to {b} at {to} ms although nothing failed: elections without need (heartbeats too slow, or timeouts too short?)"),
                    );
                }
            }
            Expect::Progress { from, by, ops } => {
                let n = self
                    .history
                    .iter()
                    .filter(|h| h.complete.is_some_and(|t| t >= *from && t <= *by))
                    .count() as u64;
                if n < *ops {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!("only {n} client requests completed between {from} and {by} ms; expected at least {ops}"),
                    );
                }
            }
            Expect::Agree { at } => {
                let live: Vec<(NodeId, u64, u64)> = self
                    .slots
                    .iter()
                    .filter(|(id, s)| s.node.is_some() && self.connected.contains(id))
                    .map(|(&id, s)| (id, s.state.commit, s.applied))
                    .collect();
                let top = live.iter().map(|x| x.1).max().unwrap_or(0);
                let behind: Vec<String> = live
                    .iter()
                    .filter(|x| x.1 != top || x.2 != top)
                    .map(|x| format!("S{} committed {} applied {}", x.0, x.1, x.2))
                    .collect();
                if top == 0 || !behind.is_empty() {
                    self.fail(
                        "Liveness",
                        vec![],
                        format!(
                            "no agreement at {at} ms: the highest commit index is {top}; {}",
                            if behind.is_empty() {
                                "nothing committed".to_string()
                            } else {
                                behind.join(", ")
                            }
                        ),
                    );
                }
            }
        }
    }

    /// Linearizability of the clients' history. A request a node declined (`not_leader`) is
    /// left out unless some node applied it anyway.
    pub(super) fn judge_history(&mut self) {
        let history: Vec<HistoryOp> = self
            .history
            .iter()
            .enumerate()
            .filter(|(k, h)| {
                !self.declined.contains(k)
                    || h.complete.is_some()
                    || self
                        .by_cmd
                        .iter()
                        .any(|(c, &i)| i == *k && self.seen_applied.contains(c))
            })
            .map(|(_, h)| h.clone())
            .collect();
        match verdict_with_budget(&history, DEFAULT_MAX_STEPS) {
            Verdict::Linearizable(_) => {}
            Verdict::NotLinearizable(e) => {
                self.fail("Linearizability", vec![], e.to_string());
            }
            Verdict::Undecided(s) => {
                self.fail(
                    "Linearizability",
                    vec![],
                    format!(
                        "undecided: the search ran out of budget on {} key(s) (not a pass)",
                        s.unknown_keys.len()
                    ),
                );
            }
        }
    }
}
