//! Messages between nodes (Raft Figure 2, dissertation §3.10, §6.4, §9.6).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::entries::Entries;
use crate::membership::Membership;
use crate::types::{Index, NodeId, Term};

/// A message from one node to another. `term` is the sender's term, except for PreVote requests,
/// which carry the term the sender would campaign in, and granted PreVote responses, which echo it (a refusal carries the responder's own term).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Message {
    /// Sender.
    pub from: NodeId,
    /// Recipient.
    pub to: NodeId,
    /// Sender's term (see the type's doc for PreVote).
    pub term: Term,
    /// What the message says.
    pub body: Body,
}

/// The content of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Body {
    /// "Would you vote for me in `term`?" Changes no state at the recipient (dissertation §9.6).
    PreVote {
        /// Index of the sender's last log entry.
        last_index: Index,
        /// Term of the sender's last log entry.
        last_term: Term,
    },
    /// Answer to [`Body::PreVote`].
    PreVoteResp {
        /// Whether the pre-vote is granted.
        granted: bool,
    },
    /// RequestVote RPC (§5.2).
    Vote {
        /// Index of the candidate's last log entry (§5.4.1).
        last_index: Index,
        /// Term of the candidate's last log entry (§5.4.1).
        last_term: Term,
        /// Set when the campaign follows a leadership transfer (TimeoutNow): recipients then
        /// vote even if they believe a leader is alive (dissertation §3.10, §4.2.3).
        transfer: bool,
    },
    /// Answer to [`Body::Vote`].
    VoteResp {
        /// Whether the vote is granted.
        granted: bool,
    },
    /// AppendEntries RPC (§5.3), carrying zero or more entries.
    Append {
        /// Index of the entry immediately preceding `entries`.
        prev_index: Index,
        /// Term of the entry at `prev_index`.
        prev_term: Term,
        /// Entries to store, with consecutive indexes from `prev_index + 1`. Shared: the Appends
        /// of one batch to every follower are views of one buffer (build one from a
        /// `Vec<Entry>` with `.into()`).
        entries: Entries,
        /// The leader's commit index.
        commit: Index,
    },
    /// Answer to [`Body::Append`].
    AppendResp {
        /// On success, the index of the last entry the follower now matches with the leader.
        /// On rejection, the `prev_index` that failed the consistency check.
        index: Index,
        /// Whether the consistency check failed.
        reject: bool,
        /// On rejection: a hint for fast backtracking, the largest index at or below the
        /// rejected one whose term is at most the leader's `prev_term`...
        hint_index: Index,
        /// ...and the term of the follower's entry at `hint_index`.
        hint_term: Term,
    },
    /// Leader heartbeat: asserts leadership, carries the commit index (at most the recipient's
    /// known match) and the context of pending ReadIndex requests (§6.4).
    Heartbeat {
        /// `min(leader commit, recipient's match index)`.
        commit: Index,
        /// ReadIndex round this heartbeat confirms (0 when none).
        read_ctx: u64,
    },
    /// Answer to [`Body::Heartbeat`].
    HeartbeatResp {
        /// Echo of the heartbeat's `read_ctx`.
        read_ctx: u64,
    },
    /// "Start an election now": sent by a leader to the target of a leadership transfer
    /// (dissertation §3.10).
    TimeoutNow,
    /// InstallSnapshot RPC (paper §7), one chunk at a time so that a lost chunk costs only that
    /// chunk: the follower acknowledges how many bytes it holds and the leader resumes there.
    Snapshot {
        /// Last index the snapshot covers.
        index: Index,
        /// Term of that entry.
        term: Term,
        /// Membership at `index` (boxed: it is the largest field of any message, and a
        /// `Message` is moved several times on its way; boxing it keeps every message small).
        membership: Box<Membership>,
        /// Byte offset of `data` within the snapshot.
        offset: u64,
        /// Total size of the snapshot in bytes.
        total: u64,
        /// This chunk.
        data: Vec<u8>,
    },
    /// Answer to a [`Body::Snapshot`] chunk that did not complete it: the follower holds the
    /// first `offset` bytes of the snapshot at `index`. (A completed install is answered with
    /// an [`Body::AppendResp`] for `index`.)
    SnapshotResp {
        /// Snapshot being received.
        index: Index,
        /// Bytes held so far; the leader sends from here.
        offset: u64,
    },
}

impl Body {
    /// A short name for traces and the playground.
    pub fn kind(&self) -> &'static str {
        match self {
            Body::PreVote { .. } => "pre_vote",
            Body::PreVoteResp { .. } => "pre_vote_resp",
            Body::Vote { .. } => "vote",
            Body::VoteResp { .. } => "vote_resp",
            Body::Append { .. } => "append",
            Body::AppendResp { .. } => "append_resp",
            Body::Heartbeat { .. } => "heartbeat",
            Body::HeartbeatResp { .. } => "heartbeat_resp",
            Body::TimeoutNow => "timeout_now",
            Body::Snapshot { .. } => "snapshot",
            Body::SnapshotResp { .. } => "snapshot_resp",
        }
    }

    /// True for messages only a leader sends, which make the recipient recognise the sender as
    /// the leader of the message's term.
    pub fn is_from_leader(&self) -> bool {
        matches!(
            self,
            Body::Append { .. } | Body::Heartbeat { .. } | Body::TimeoutNow | Body::Snapshot { .. }
        )
    }
}

/// What the message says, field by field, as the playground shows it: `last log 5@t2`,
/// `prev 4@t2, entries 5..6, commit 4`, `granted`… The alternate form (`{:#}`) lists an
/// append's entries one by one (`entries [5@t2 noop, 6@t2 "x"]`) instead of their range.
impl core::fmt::Display for Body {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Body::PreVote {
                last_index,
                last_term,
            } => write!(f, "last log {last_index}@t{last_term}"),
            Body::Vote {
                last_index,
                last_term,
                transfer,
            } => {
                write!(f, "last log {last_index}@t{last_term}")?;
                if *transfer {
                    f.write_str(", transfer")?;
                }
                Ok(())
            }
            Body::PreVoteResp { granted } | Body::VoteResp { granted } => {
                f.write_str(if *granted { "granted" } else { "refused" })
            }
            Body::Append {
                prev_index,
                prev_term,
                entries,
                commit,
            } => {
                write!(f, "prev {prev_index}@t{prev_term}, ")?;
                match (entries.first(), entries.last()) {
                    (Some(_), Some(_)) if f.alternate() => {
                        f.write_str("entries [")?;
                        for (k, e) in entries.iter().enumerate() {
                            if k > 0 {
                                f.write_str(", ")?;
                            }
                            write!(f, "{e}")?;
                        }
                        f.write_str("]")?;
                    }
                    (Some(a), Some(b)) => write!(f, "entries {}..{}", a.index, b.index)?,
                    _ => f.write_str("no entries")?,
                }
                write!(f, ", commit {commit}")
            }
            Body::AppendResp {
                index,
                reject,
                hint_index,
                hint_term,
            } => {
                if *reject {
                    write!(f, "rejected at {index}, hint {hint_index}@t{hint_term}")
                } else {
                    write!(f, "ok, matches up to {index}")
                }
            }
            Body::Snapshot {
                index,
                term,
                offset,
                total,
                data,
                ..
            } => write!(
                f,
                "snapshot up to {index}@t{term}, bytes {offset}..{} of {total}",
                offset.saturating_add(data.len() as u64)
            ),
            Body::SnapshotResp { index, offset } => {
                write!(f, "snapshot {index}: {offset} bytes received")
            }
            Body::Heartbeat { commit, read_ctx } => {
                write!(f, "commit {commit}")?;
                if *read_ctx > 0 {
                    write!(f, ", read #{read_ctx}")?;
                }
                Ok(())
            }
            Body::HeartbeatResp { read_ctx } => {
                if *read_ctx > 0 {
                    write!(f, "read #{read_ctx}")
                } else {
                    f.write_str("ok")
                }
            }
            Body::TimeoutNow => f.write_str("start an election now"),
        }
    }
}

/// `kind S1 → S2, term 3: body`, nodes named as the simulator and the playground name them
/// (`S` and the id); the alternate form (`{:#}`) passes on to the body.
impl core::fmt::Display for Message {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} S{} → S{}, term {}: ",
            self.body.kind(),
            self.from,
            self.to,
            self.term
        )?;
        if f.alternate() {
            write!(f, "{:#}", self.body)
        } else {
            write!(f, "{}", self.body)
        }
    }
}
