//! The event log: sentences for what changed between two snapshots of the nodes (the browser
//! does not keep the simulator's unbounded trace, so the log is rebuilt from node state after
//! every event), for actions a person took, and for safety violations.

use raft_core::{Index, NodeId, Role, Term};
use raft_sim::{Action, Violation, World};

use super::cluster::name;

/// What kind of thing an event-log line reports (its colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// Role or term change.
    Role,
    /// A vote.
    Vote,
    /// Commit progress.
    Commit,
    /// Crash, restart, network faults.
    Fault,
    /// Something a person did.
    Action,
    /// A safety violation.
    Violation,
}

impl EventKind {
    /// CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Role => "role",
            EventKind::Vote => "vote",
            EventKind::Commit => "commit",
            EventKind::Fault => "fault",
            EventKind::Action => "action",
            EventKind::Violation => "violation",
        }
    }
}

/// One line of the event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventLine {
    /// Virtual time, ms.
    pub t: u64,
    /// Kind.
    pub kind: EventKind,
    /// The sentence.
    pub text: String,
    /// For commit lines: the node, so consecutive commits of one leader merge into one line.
    pub commit_of: Option<NodeId>,
}

/// What the event log remembers of a node between two events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeSnap {
    /// Id.
    pub id: NodeId,
    /// Up, with this role.
    pub role: Option<Role>,
    /// Term.
    pub term: Term,
    /// Vote.
    pub vote: Option<NodeId>,
    /// Commit index.
    pub committed: Index,
    /// Last index covered by its snapshot.
    pub snapshot_index: Index,
    /// Up and in joint consensus.
    pub joint: bool,
}

/// The part of every node the event log compares.
pub fn snapshot(world: &World) -> Vec<NodeSnap> {
    world
        .nodes()
        .iter()
        .map(|(&id, sn)| match &sn.node {
            Some(n) => NodeSnap {
                id,
                role: Some(n.role()),
                term: n.term(),
                vote: n.vote(),
                committed: n.log().committed(),
                snapshot_index: n.log().snapshot_index(),
                joint: n.membership().is_joint(),
            },
            None => NodeSnap {
                id,
                role: None,
                term: sn.storage().state().hard_state.term,
                vote: sn.storage().state().hard_state.vote,
                committed: 0,
                snapshot_index: sn.storage().state().snapshot_index,
                joint: false,
            },
        })
        .collect()
}

/// A node's name ("S3") as [`name`] writes it, without making a string of it first.
struct Who(NodeId);

impl std::fmt::Display for Who {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S{}", self.0)
    }
}

/// Sentences for what changed between two snapshots taken at time `t` (the trace, rebuilt from
/// node state: the browser does not keep the simulator's unbounded trace).
pub fn diff(prev: &[NodeSnap], next: &[NodeSnap], t: u64) -> Vec<EventLine> {
    let mut out = Vec::new();
    let line = |kind, text: String| EventLine {
        t,
        kind,
        text,
        commit_of: None,
    };
    for n in next.iter().skip(prev.len()) {
        out.push(line(
            EventKind::Fault,
            format!("{} started, empty, knowing no configuration", name(n.id)),
        ));
    }
    for (p, n) in prev.iter().zip(next) {
        // Written only into a line that is made (most events change no node's role, term,
        // vote or commit: a name per node per event was a String allocated for nothing).
        let who = Who(n.id);
        match (p.role, n.role) {
            (Some(_), None) => out.push(line(EventKind::Fault, format!("{who} crashed"))),
            (None, Some(r)) => out.push(line(
                EventKind::Fault,
                format!("{who} restarted as {r} in term {}", n.term),
            )),
            (Some(a), Some(b)) if a != b => out.push(line(
                EventKind::Role,
                format!("{who} became {b} in term {}", n.term),
            )),
            (Some(_), Some(b)) if p.term != n.term => out.push(line(
                EventKind::Role,
                format!("{who} moved to term {} as {b}", n.term),
            )),
            _ => {}
        }
        if n.role.is_some() && n.vote != p.vote || (n.term != p.term && n.vote.is_some()) {
            if let Some(v) = n.vote.filter(|&v| v != n.id) {
                out.push(line(
                    EventKind::Vote,
                    format!("{who} voted for {} in term {}", name(v), n.term),
                ));
            }
        }
        if n.role.is_some() && p.role.is_some() && n.snapshot_index > p.snapshot_index {
            out.push(line(
                EventKind::Commit,
                format!("{who} snapshot now covers up to {}", n.snapshot_index),
            ));
        }
        if n.role == Some(Role::Leader) && p.role == Some(Role::Leader) && n.joint != p.joint {
            out.push(line(
                EventKind::Role,
                if n.joint {
                    format!("{who} entered joint consensus (C_old,new)")
                } else {
                    format!("{who} left joint consensus: C_new in force")
                },
            ));
        }
        if n.role == Some(Role::Leader) && n.committed > p.committed {
            out.push(EventLine {
                commit_of: Some(n.id),
                ..line(
                    EventKind::Commit,
                    format!("{who} committed up to {}", n.committed),
                )
            });
        }
    }
    out
}

/// One sentence for an action a person (or the replayed timeline) applied.
pub fn describe_action(a: &Action) -> Option<String> {
    Some(match a {
        // Crashes and restarts are reported by `diff`.
        Action::Crash { .. } | Action::Restart { .. } => return None,
        Action::Partition { groups } => format!(
            "Network partitioned: {}",
            groups
                .iter()
                .map(|g| g.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Action::Isolate { node } => format!("{} isolated from every other node", name(*node)),
        Action::Heal => "Network healed".to_string(),
        Action::Cut { from, to } => format!("Link {} → {} cut", name(*from), name(*to)),
        Action::Reconnect { from, to } => {
            format!("Link {} → {} reconnected", name(*from), name(*to))
        }
        Action::Hold { from, to } => format!("Link {} → {} held", name(*from), name(*to)),
        Action::Release { from, to } => format!("Link {} → {} released", name(*from), name(*to)),
        Action::DropMessage { id } => format!("Message #{id} dropped by hand"),
        Action::DeliverMessage { id } => format!("Message #{id} delivered now"),
        Action::Request { key, value } => format!("Client asked to put {key} = {value}"),
        Action::Read { node, key } => format!("Client asked {} to read {key}", name(*node)),
        Action::Campaign { node } => format!("{} told to time out now", name(*node)),
        Action::TransferLeader { to } => format!("Leadership transfer to {} requested", name(*to)),
        Action::Network { config } => {
            let mut s = format!(
                "Network set to {}–{} ms, {}% loss, {}% duplicates",
                config.latency_min,
                config.latency_max,
                f64::from(config.drop_ppm) / 10_000.0,
                f64::from(config.dup_ppm) / 10_000.0
            );
            if config.reply_delay_ppm > 0 {
                s.push_str(&format!(
                    ", {}% of replies {}–{} ms late",
                    f64::from(config.reply_delay_ppm) / 10_000.0,
                    config.reply_delay_min,
                    config.reply_delay_max
                ));
            }
            s
        }
        Action::ClientLoad { on } => {
            format!("Client load switched {}", if *on { "on" } else { "off" })
        }
        Action::AddNode => "A new node asked to join as a learner".to_string(),
        Action::Promote { node } => format!("{} promotion to voter requested", name(*node)),
        Action::Remove { node } => format!("{} removal requested", name(*node)),
        Action::Reconfigure { voters } => format!(
            "Joint change to voters {} requested",
            voters
                .iter()
                .map(|&n| name(n))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Action::Compact { node } => format!("{} told to snapshot and compact its log", name(*node)),
        Action::Propose { node, key, value } => {
            format!("{key} = {value} proposed to {} directly", name(*node))
        }
        Action::Inject { message } => format!(
            "A {} message injected from {} to {}",
            message.body.kind(),
            name(message.from),
            name(message.to)
        ),
        Action::Pause { node } => format!(
            "{} paused (a long GC pause): it hears nothing and its timers stop",
            name(*node)
        ),
        Action::Clerk { clerk, op } => {
            format!("Clerk {clerk} sent a request on key {}", op.key())
        }
        Action::ClerkReach { clerk, nodes } => format!(
            "Clerk {clerk} now reaches {}",
            nodes.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" ")
        ),
        Action::DiskLatency { node, ms } => {
            format!("{}'s disk now takes {ms} ms per write", name(*node))
        }
        Action::Resume { node } => format!(
            "{} resumed: the time it missed passes at once, then what waited for it arrives",
            name(*node)
        ),
    })
}

/// A line for a safety violation.
pub fn violation_line(v: &Violation) -> EventLine {
    EventLine {
        t: v.time,
        kind: EventKind::Violation,
        text: format!("SAFETY VIOLATION: {} ({})", v.property, v.detail),
        commit_of: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view_model::tests::world;

    #[test]
    fn diff_reports_elections_votes_commits_and_crashes() {
        let mut w = world(7);
        let mut prev = snapshot(&w);
        let mut lines = Vec::new();
        while w.now() < 2_000 {
            w.step();
            let next = snapshot(&w);
            lines.extend(diff(&prev, &next, w.now()));
            prev = next;
        }
        let leader = w.leader().unwrap();
        let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        let became = format!("S{leader} became leader in term");
        assert!(text.iter().any(|t| t.starts_with(&became)), "{text:?}");
        assert!(
            text.iter().any(|t| t.contains("became candidate")),
            "{text:?}"
        );
        assert!(text
            .iter()
            .any(|t| t.contains(&format!("voted for S{leader}"))));
        assert!(text.iter().any(|t| t.contains("committed up to 1")));
        w.act(Action::Crash { node: leader }).unwrap();
        let l = diff(&prev, &snapshot(&w), w.now());
        assert_eq!(l[0].text, format!("S{leader} crashed"));
        assert_eq!(l[0].kind, EventKind::Fault);
    }

    #[test]
    fn actions_read_as_sentences() {
        assert_eq!(
            describe_action(&Action::Isolate { node: 2 }).unwrap(),
            "S2 isolated from every other node"
        );
        assert!(describe_action(&Action::Crash { node: 1 }).is_none());
    }
}
