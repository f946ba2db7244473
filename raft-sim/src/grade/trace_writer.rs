//! The run's trace in raft-sim's trace format, and the stand-in raft-core message that
//! carries a node's opaque message on the network and in the views.

use super::*;

impl<'a> Run<'a> {
    pub(super) fn record(&mut self, event: TraceEvent) {
        let r = TraceRecord { t: self.now, event };
        self.hash.add(&r);
        if self.keep_trace {
            self.trace.push(r);
        }
    }

    /// The trace in raft-sim's trace format. The header's `recorded` field (`source: "byo"`,
    /// the general form for runs recorded outside raft-sim's world) and its `byo` field (the
    /// test; kept for readers that know only it) say the records come from a node outside
    /// raft-core: they are to be shown as they are (the playground does), since replaying the
    /// header's options would run raft-core instead.
    pub(super) fn trace_jsonl(&self) -> String {
        use core::fmt::Write as _;
        let options = crate::SimOptions {
            nodes: self.test.nodes,
            seed: self.seed,
            net: self.test.net.clone(),
            ..Default::default()
        };
        let mut out = String::new();
        let header = serde_json::json!({"kind": "header", "format": "raft-trace", "version": crate::trace::RECORDED_TRACE_VERSION, "options": options,
            "byo": {"test": self.test.name, "grader": self.grader, "note": "recorded from a node behind the classroom protocol: show these records; do not replay the options (that would run raft-core)"},
            "recorded": {"source": "byo", "note": format!("a classroom node graded by {}, test {}", self.grader, self.test.name)}});
        let _ = writeln!(out, "{header}");
        for r in &self.trace {
            let _ = writeln!(out, "{}", serde_json::to_string(r).unwrap_or_default());
        }
        let footer = serde_json::json!({"kind": "footer", "end": self.now, "steps": self.events, "records": self.trace.len(), "hash": format!("{:016x}", self.hash.value())});
        let _ = writeln!(out, "{footer}");
        out
    }
}

/// The raft-core message that stands for a node's message on the network and in the views:
/// the message itself when it is one (the reference node's), else a body chosen by `kind`,
/// with the fields the views show read from the message when it has them under the paper's
/// names (`last_log_index`, `last_log_term`, `vote_granted`, `prev_log_index`, `prev_log_term`,
/// `leader_commit`, `success`, `match_index`).
pub(super) fn stand_in(from: NodeId, to: NodeId, kind: &str, term: u64, msg: &Value) -> Message {
    let num = |k: &str| {
        msg.get(k)
            .and_then(Value::as_u64)
            .unwrap_or(0)
            .min(MAX_NUMBER)
    };
    let flag = |k: &str| msg.get(k).and_then(Value::as_bool).unwrap_or(false);
    if let Ok(m) = serde_json::from_value::<Message>(msg.clone()) {
        if m.from == from && m.to == to {
            return m;
        }
    }
    let body = match kind {
        "RequestVote" => Body::Vote {
            last_index: num("last_log_index"),
            last_term: num("last_log_term"),
            transfer: false,
        },
        "RequestVoteReply" => Body::VoteResp {
            granted: flag("vote_granted"),
        },
        "AppendEntries" => Body::Append {
            prev_index: num("prev_log_index"),
            prev_term: num("prev_log_term"),
            entries: Default::default(),
            commit: num("leader_commit"),
        },
        "AppendEntriesReply" => Body::AppendResp {
            index: num("match_index"),
            reject: !flag("success"),
            hint_index: 0,
            hint_term: 0,
        },
        k if k.ends_with("Reply") => Body::HeartbeatResp { read_ctx: 0 },
        _ => Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    };
    Message {
        from,
        to,
        term,
        body,
    }
}
