//! Pure functions from a [`World`] to plain view data. No Yew and no browser APIs in here, so
//! everything the page shows can be unit-tested natively (`cargo test -p web`).
//!
//! One file per thing a reader looks for: [`cluster`] (nodes, links, positions on the ring),
//! [`messages`] (messages in flight), [`logs`] (the logs panel), [`metrics`] (headline numbers),
//! [`safety`] (the safety monitor), [`events`] (the event log: node snapshots, their [`diff`],
//! sentences for actions). This file assembles them: [`build`] makes the whole [`ViewModel`].
//!
//! Two files read the finished view rather than the world, and sit above it: [`history`]
//! (election times, throughput and traffic over time) and [`health`] (liveness troubles in
//! words). Imports go one way: this file uses the parts and `history`, never `health`; `logs`,
//! `metrics` use none of the others, `cluster` uses `logs`, `messages`, `safety` and `events`
//! use `cluster`, `history` uses `events` and `messages`, and `health` uses this file.

use raft_core::Index;
use raft_sim::World;

pub mod cluster;
pub mod events;
pub mod health;
pub mod history;
pub mod logs;
pub mod messages;
pub mod metrics;
pub mod safety;

pub use cluster::{
    link_word, name, ConfigView, LinkDir, LinkLine, LinkView, MemberView, NodeView, RoleView,
    TimerView, NODE_R, VIEW,
};
pub use events::{describe_action, diff, snapshot, violation_line, EventKind, EventLine, NodeSnap};
pub use history::{election_times, subject, Fate, RateMeter, Traffic};
pub use logs::LOG_WINDOW;
pub use messages::MessageView;
pub use metrics::MetricsView;
pub use safety::{safety, SafetyView};

/// Everything the page draws from the world.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewModel {
    /// Virtual time, ms.
    pub now: u64,
    /// Nodes on the ring.
    pub nodes: Vec<NodeView>,
    /// One line per pair of nodes.
    pub links: Vec<LinkLine>,
    /// Messages in flight (at most [`MAX_DRAWN_MESSAGES`](messages::MAX_DRAWN_MESSAGES)).
    pub messages: Vec<MessageView>,
    /// First and last index of the logs panel's window (`lo > hi` when every log is empty).
    pub log_window: (Index, Index),
    /// Safety monitor.
    pub safety: SafetyView,
    /// Metrics.
    pub metrics: MetricsView,
}

/// What the view needs besides the world.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewInputs {
    /// Display time: the world's clock plus the fraction of a millisecond already elapsed, so
    /// messages glide instead of jumping a millisecond at a time at slow speeds.
    pub display_now: f64,
    /// False under `prefers-reduced-motion`: messages sit at the middle of their link.
    pub animate: bool,
    /// Sent messages per virtual second (measured by the driver).
    pub msgs_per_sec: f64,
}

/// The configuration the page treats as the cluster's: the leader's own, or with no leader the
/// one of the live node with the highest term and longest log.
pub fn cluster_config(v: &ViewModel) -> Option<&ConfigView> {
    v.nodes
        .iter()
        .filter(|n| n.config.is_some())
        .max_by_key(|n| (n.role == RoleView::Leader, n.term, n.last_index))
        .and_then(|n| n.config.as_ref())
}

/// Builds the whole view.
pub fn build(world: &World, inputs: ViewInputs) -> ViewModel {
    let pos = cluster::positions(world);
    let (lo, hi) = logs::window(world);
    ViewModel {
        now: world.now(),
        nodes: cluster::nodes(world, &pos, lo, inputs.display_now),
        links: cluster::links(world, &pos),
        messages: messages::in_flight(world, &pos, inputs.display_now, inputs.animate),
        log_window: (lo, hi),
        safety: safety(world.violation(), world.violations()),
        metrics: metrics::metrics(world, inputs.msgs_per_sec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::NodeId;
    use raft_sim::{Action, SimOptions};

    /// A world without a kept trace, for the view-model tests here and in the submodules.
    pub(crate) fn world(seed: u64) -> World {
        World::new(SimOptions {
            seed,
            keep_trace: false,
            ..Default::default()
        })
        .unwrap()
    }

    fn inputs(w: &World) -> ViewInputs {
        ViewInputs {
            display_now: w.now() as f64,
            animate: true,
            msgs_per_sec: 0.0,
        }
    }

    #[test]
    fn nodes_sit_on_a_ring_inside_the_view() {
        let w = world(1);
        let v = build(&w, inputs(&w));
        assert_eq!(v.nodes.len(), 5);
        assert!(
            (v.nodes[0].x - VIEW / 2.0).abs() < 1e-9,
            "first node at the top"
        );
        for n in &v.nodes {
            assert!(n.x - NODE_R >= 0.0 && n.x + NODE_R <= VIEW);
            assert!(n.y - NODE_R >= 0.0 && n.y + NODE_R <= VIEW);
            assert_eq!(n.role, RoleView::Follower);
            assert!(matches!(n.timer, Some(TimerView::Election(f)) if f > 0.0 && f <= 1.0));
        }
        assert_eq!(v.links.len(), 10, "one line per pair");
        assert!(v.safety.properties.iter().all(|&(_, ok)| ok));
    }

    #[test]
    fn a_leader_shows_progress_and_heartbeat_timer() {
        let mut w = world(7);
        w.advance_to(2_000);
        let v = build(&w, inputs(&w));
        let leader = v.metrics.leader.expect("a leader after 2 s");
        let l = v.nodes.iter().find(|n| n.id == leader).unwrap();
        assert_eq!(l.role, RoleView::Leader);
        assert!(matches!(l.timer, Some(TimerView::Heartbeat(_))));
        assert!(l.progress.is_none());
        for n in v.nodes.iter().filter(|n| n.id != leader) {
            let p = n.progress.as_ref().expect("leader tracks every follower");
            assert!(p.next > p.matched);
        }
        // The leader's no-op is committed and drawn.
        assert!(l.entries.iter().any(|e| e.noop && e.committed));
        assert_eq!(v.metrics.committed, l.committed);
    }

    #[test]
    fn messages_move_along_their_link_and_crashed_nodes_show_their_disk() {
        let mut w = world(7);
        w.advance_to(2_000);
        let leader = w.leader().unwrap();
        w.act(Action::Crash { node: leader }).unwrap();
        let mut i = inputs(&w);
        // Run until something is in flight, then look halfway through a trip.
        while w.network().in_flight_count() == 0 {
            w.step();
        }
        let f = w.network().in_flight().next().unwrap().clone();
        let at = f.deliver_at.unwrap();
        i.display_now = (f.sent_at + at) as f64 / 2.0;
        let v = build(&w, i);
        let m = v.messages.iter().find(|m| m.id == f.id).unwrap();
        assert!((m.progress - 0.5).abs() < 1e-9);
        assert!(m.summary.contains(&format!("#{}", f.id)));
        let i2 = ViewInputs {
            animate: false,
            ..i
        };
        assert!((build(&w, i2).messages[0].progress - 0.5).abs() < 1e-9);
        let crashed = v.nodes.iter().find(|n| n.id == leader).unwrap();
        assert_eq!(crashed.role, RoleView::Crashed);
        assert!(crashed.timer.is_none());
        assert!(crashed.term > 0, "durable term survives");
    }

    #[test]
    fn isolation_shows_cut_links() {
        let mut w = world(3);
        w.act(Action::Isolate { node: 2 }).unwrap();
        let v = build(&w, inputs(&w));
        for l in &v.links {
            let expect = if l.a == 2 || l.b == 2 {
                LinkView::Cut
            } else {
                LinkView::Healthy
            };
            assert_eq!(l.state, expect, "{}", l.title);
        }
        w.act(Action::Cut { from: 1, to: 3 }).unwrap();
        w.act(Action::Hold { from: 4, to: 5 }).unwrap();
        let v = build(&w, inputs(&w));
        let find = |a, b| v.links.iter().find(|l| l.a == a && l.b == b).unwrap().state;
        assert_eq!(find(1, 3), LinkView::OneWayCut);
        assert_eq!(find(4, 5), LinkView::Held);
    }

    fn view(w: &World) -> ViewModel {
        build(w, inputs(w))
    }

    fn member(w: &World, id: NodeId) -> (RoleView, MemberView) {
        let v = view(w);
        let n = v.nodes.iter().find(|n| n.id == id).unwrap();
        (n.role, n.member)
    }

    /// Dissertation §4.2.1: a new server joins as a learner, then is promoted.
    #[test]
    fn a_new_node_joins_learns_it_is_a_learner_and_is_promoted() {
        let mut w = world(7);
        w.advance_to(2_000);
        let mut prev = snapshot(&w);
        w.act(Action::AddNode).unwrap();
        let lines = diff(&prev, &snapshot(&w), w.now());
        assert_eq!(lines[0].text, "S6 started, empty, knowing no configuration");
        assert_eq!(member(&w, 6), (RoleView::Follower, MemberView::Joining));
        let c = cluster_config(&view(&w)).unwrap().clone();
        assert_eq!(c.describe(), "voters S1 S2 S3 S4 S5 · learner S6");
        w.advance_to(2_500);
        assert_eq!(member(&w, 6), (RoleView::Learner, MemberView::Learner));
        prev = snapshot(&w);
        w.act(Action::Promote { node: 6 }).unwrap();
        w.advance_to(3_000);
        assert_eq!(member(&w, 6), (RoleView::Follower, MemberView::Voter));
        let lines = diff(&prev, &snapshot(&w), w.now());
        assert!(
            lines
                .iter()
                .any(|l| l.text == "S6 became follower in term 1"),
            "{lines:?}"
        );

        w.act(Action::Remove { node: 2 }).unwrap();
        w.advance_to(3_500);
        assert_eq!(member(&w, 2).1, MemberView::Removed);
        let c = cluster_config(&view(&w)).unwrap().clone();
        assert_eq!(c.describe(), "voters S1 S3 S4 S5 S6");
    }

    /// Paper §7: after compaction the log starts after the snapshot.
    #[test]
    fn compaction_moves_the_snapshot_index_and_is_logged() {
        let mut w = world(7);
        w.act(Action::ClientLoad { on: true }).unwrap();
        w.advance_to(2_000);
        let leader = w.leader().unwrap();
        let prev = snapshot(&w);
        w.act(Action::Compact { node: leader }).unwrap();
        let v = view(&w);
        let l = v.nodes.iter().find(|n| n.id == leader).unwrap();
        assert!(l.snapshot_index > 0 && l.snapshot_index == l.applied);
        assert!(l.entries.iter().all(|e| e.index > l.snapshot_index));
        let lines = diff(&prev, &snapshot(&w), w.now());
        assert_eq!(
            lines[0].text,
            format!("S{leader} snapshot now covers up to {}", l.snapshot_index)
        );
    }
}
