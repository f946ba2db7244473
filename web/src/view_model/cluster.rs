//! The cluster: nodes on a ring, their roles, timers and places in the configuration, and the
//! links between them. Geometry is in the cluster SVG's own coordinates: a square [`VIEW`]
//! units wide, nodes on a ring around its centre.

use std::collections::{BTreeMap, BTreeSet};

use raft_core::{Index, Membership, NodeId, ProgressState, Role, Term};
use raft_sim::{LinkState, World};

use super::logs::{entry_views, EntryView};

/// Width and height of the cluster SVG's view box.
pub const VIEW: f64 = 600.0;

/// Radius of a node's circle.
pub const NODE_R: f64 = 40.0;

/// What a node is doing, as the page shows it: a Raft role, or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleView {
    /// Passive.
    Follower,
    /// Asking for pre-votes (PreVote).
    PreCandidate,
    /// Asking for votes.
    Candidate,
    /// Leading.
    Leader,
    /// Non-voting member.
    Learner,
    /// Crashed: only its disk survives.
    Crashed,
}

impl RoleView {
    /// From a Raft role.
    pub fn from_role(role: Role) -> Self {
        match role {
            Role::Follower => RoleView::Follower,
            Role::PreCandidate => RoleView::PreCandidate,
            Role::Candidate => RoleView::Candidate,
            Role::Leader => RoleView::Leader,
            Role::Learner => RoleView::Learner,
        }
    }

    /// The word shown on the page (and used as a CSS class suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            RoleView::Crashed => "crashed",
            RoleView::Follower => Role::Follower.as_str(),
            RoleView::PreCandidate => Role::PreCandidate.as_str(),
            RoleView::Candidate => Role::Candidate.as_str(),
            RoleView::Leader => Role::Leader.as_str(),
            RoleView::Learner => Role::Learner.as_str(),
        }
    }
}

/// Which timer a node's arc shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TimerView {
    /// Follower or candidate: fraction of the election timeout still to run (1 = just reset).
    Election(f64),
    /// Leader: fraction of the heartbeat interval still to run.
    Heartbeat(f64),
}

/// The leader's view of one follower's replication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressView {
    /// Highest index known replicated.
    pub matched: Index,
    /// Next index to send.
    pub next: Index,
    /// "probe", "replicate" or "snapshot".
    pub state: &'static str,
}

/// One node, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    /// Id.
    pub id: NodeId,
    /// "S1".
    pub name: String,
    /// Centre, x.
    pub x: f64,
    /// Centre, y.
    pub y: f64,
    /// Role, or crashed.
    pub role: RoleView,
    /// Current term (a crashed node: its durable term).
    pub term: Term,
    /// Vote in the current term.
    pub vote: Option<NodeId>,
    /// Timer arc (none when down).
    pub timer: Option<TimerView>,
    /// The visible window of its log.
    pub entries: Vec<EntryView>,
    /// Last index in its log.
    pub last_index: Index,
    /// Commit index (0 when down: the commit index is volatile).
    pub committed: Index,
    /// Applied index (0 when down).
    pub applied: Index,
    /// When a leader exists: its view of this node (None for the leader itself).
    pub progress: Option<ProgressView>,
    /// Leader only: a leadership transfer in progress, to this node.
    pub transferring_to: Option<NodeId>,
    /// Its place in the cluster's configuration (as the leader, or the most advanced live
    /// node, sees it).
    pub member: MemberView,
    /// The configuration this node itself follows (None when down).
    pub config: Option<ConfigView>,
    /// Last index covered by its snapshot (0: none); entries up to here are compacted away.
    pub snapshot_index: Index,
    /// A snapshot being received from the leader: (its last index, bytes held, total bytes).
    pub installing: Option<(Index, u64, u64)>,
    /// The longest election timeout its configuration may draw, ms (0 when down): fixed by the
    /// configuration, unlike each draw, so a window measured in it holds still.
    pub election_timeout_max: u64,
    /// Virtual ms from the world's time until its timer fires: a leader's next heartbeat round
    /// to every follower, or a follower's election timeout (none when down or without a timer).
    pub timer_in_ms: Option<u64>,
    /// Paused, as in a long GC pause: no timer fires and nothing reaches it.
    pub paused: bool,
    /// How long each write to its disk takes, ms (0: at once).
    pub disk_ms: u64,
    /// A Ready is being written to its slow disk: what it holds waits for the write.
    pub writing: bool,
}

/// A node's place in the cluster configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberView {
    /// Votes.
    Voter,
    /// Receives the log, does not vote (dissertation §4.2.1).
    Learner,
    /// A voter of the outgoing half of a joint configuration that the new half drops.
    Leaving,
    /// Added by the leader, but it has not learned the configuration yet.
    Joining,
    /// Not in the configuration any more.
    Removed,
}

impl MemberView {
    /// The word shown on the page (and used as a CSS class suffix).
    pub fn as_str(self) -> &'static str {
        match self {
            MemberView::Voter => "voter",
            MemberView::Learner => "learner",
            MemberView::Leaving => "leaving",
            MemberView::Joining => "joining",
            MemberView::Removed => "removed",
        }
    }
}

/// A configuration as plain lists.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ConfigView {
    /// Voters (of the incoming half while joint).
    pub voters: Vec<NodeId>,
    /// Learners.
    pub learners: Vec<NodeId>,
    /// Voters of the outgoing half while in joint consensus (C_old,new); empty otherwise.
    pub outgoing: Vec<NodeId>,
}

impl ConfigView {
    /// From a membership.
    pub fn from_membership(m: &Membership) -> Self {
        ConfigView {
            voters: m.voters.iter().copied().collect(),
            learners: m.learners.iter().copied().collect(),
            outgoing: m.outgoing.iter().copied().collect(),
        }
    }

    /// True while in joint consensus.
    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// Every voter of either half.
    pub fn all_voters(&self) -> BTreeSet<NodeId> {
        self.voters.iter().chain(&self.outgoing).copied().collect()
    }

    /// "voters S1 S2 S3 · learner S4", or in joint consensus
    /// "C_old,new: S1 S2 S3 → S1 S2 S4 · learner S5".
    pub fn describe(&self) -> String {
        let mut s = if self.is_joint() {
            format!(
                "joint C_old,new: {} → {}",
                names(&self.outgoing),
                names(&self.voters)
            )
        } else {
            format!("voters {}", names(&self.voters))
        };
        if !self.learners.is_empty() {
            let word = if self.learners.len() == 1 {
                "learner"
            } else {
                "learners"
            };
            s.push_str(&format!(" · {word} {}", names(&self.learners)));
        }
        s
    }
}

impl ConfigView {
    /// While joint, both quorums and how far each is from being met by the nodes `up`:
    /// "C_old needs 3 of 5 (2 up) · C_new needs 2 of 3 (1 up)". A decision (an election, a
    /// commit) needs both (dissertation §4.3). `None` outside joint consensus.
    pub fn quorums(&self, up: impl Fn(NodeId) -> bool) -> Option<String> {
        if !self.is_joint() {
            return None;
        }
        let half = |ids: &[NodeId], label: &str| {
            let live = ids.iter().filter(|&&id| up(id)).count();
            let need = ids.len() / 2 + 1;
            let mark = if live >= need { "met" } else { "not met" };
            format!("{label} needs {need} of {} ({live} up: {mark})", ids.len())
        };
        Some(format!(
            "{} · {}",
            half(&self.outgoing, "C_old"),
            half(&self.voters, "C_new")
        ))
    }
}

/// "S1 S2 S3".
pub fn names(ids: &[NodeId]) -> String {
    ids.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" ")
}

/// "S3".
pub fn name(id: NodeId) -> String {
    format!("S{id}")
}

/// One direction of a link, as the simulator has it.
pub use raft_sim::LinkState as LinkDir;

/// Combined state of the two directions of a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkView {
    /// Both ways healthy.
    Healthy,
    /// One way cut.
    OneWayCut,
    /// Both ways cut.
    Cut,
    /// At least one way held (messages parked).
    Held,
}

impl LinkView {
    /// CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkView::Healthy => "healthy",
            LinkView::OneWayCut => "one-way",
            LinkView::Cut => "cut",
            LinkView::Held => "held",
        }
    }
}

/// A line between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkLine {
    /// Lower id.
    pub a: NodeId,
    /// Higher id.
    pub b: NodeId,
    /// End points.
    pub x1: f64,
    /// End points.
    pub y1: f64,
    /// End points.
    pub x2: f64,
    /// End points.
    pub y2: f64,
    /// Combined state.
    pub state: LinkView,
    /// State of `a → b`.
    pub ab: LinkState,
    /// State of `b → a`.
    pub ba: LinkState,
    /// Human description of both directions.
    pub title: String,
}

/// Centre of node number `k` (0-based) of `n` on the ring, the first at the top, clockwise.
pub fn ring_position(k: usize, n: usize) -> (f64, f64) {
    let c = VIEW / 2.0;
    let r = VIEW / 2.0 - NODE_R - 36.0;
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * k as f64 / n.max(1) as f64;
    (c + r * angle.cos(), c + r * angle.sin())
}

/// Every node's centre, by id: in id order around the ring, the first at the top.
pub fn positions(world: &World) -> BTreeMap<NodeId, (f64, f64)> {
    let ids: Vec<NodeId> = world.nodes().keys().copied().collect();
    ids.iter()
        .enumerate()
        .map(|(k, &id)| (id, ring_position(k, ids.len())))
        .collect()
}

/// Every node, ready to draw: centres from [`positions`], log entries from index `lo` on (the
/// logs panel's window), timers as they stand at display time `now`.
pub fn nodes(
    world: &World,
    pos: &BTreeMap<NodeId, (f64, f64)>,
    lo: Index,
    now: f64,
) -> Vec<NodeView> {
    let leader = world.leader();
    let progress = leader
        .and_then(|l| world.node(l))
        .and_then(|n| n.progress());
    let reference = reference_config(world);
    world
        .nodes()
        .iter()
        .map(|(&id, sn)| {
            let (x, y) = pos[&id];
            match &sn.node {
                Some(n) => {
                    let log = n.log();
                    let timer = world.timer_at(id).map(|at| {
                        let left = (at as f64 - now).max(0.0);
                        if n.role() == Role::Leader {
                            let hb = world.options().heartbeat_ms.max(1) as f64;
                            TimerView::Heartbeat((left / hb).clamp(0.0, 1.0))
                        } else {
                            let to = n.election_timeout().max(1) as f64;
                            TimerView::Election((left / to).clamp(0.0, 1.0))
                        }
                    });
                    // The node holds its newest entries in memory and the rest in its storage
                    // (raft-core's storage-backed log): read from storage only when the window
                    // starts before what memory holds.
                    let entries = if lo >= log.memory_start() {
                        entry_views(&log.entries(), lo, log.committed())
                    } else {
                        let from = lo.max(log.first_index());
                        entry_views(&log.slice(from, Index::MAX, u64::MAX), lo, log.committed())
                    };
                    NodeView {
                        id,
                        name: name(id),
                        x,
                        y,
                        role: RoleView::from_role(n.role()),
                        term: n.term(),
                        vote: n.vote(),
                        timer,
                        entries,
                        last_index: log.last_index(),
                        committed: log.committed(),
                        applied: log.applied(),
                        progress: progress
                            .filter(|_| Some(id) != leader)
                            .and_then(|p| p.get(&id))
                            .map(|p| ProgressView {
                                matched: p.matched,
                                next: p.next,
                                state: match p.state {
                                    ProgressState::Probe => "probe",
                                    ProgressState::Replicate => "replicate",
                                    ProgressState::Snapshot => "snapshot",
                                },
                            }),
                        transferring_to: n.transfer_target(),
                        member: member_status(
                            id,
                            reference,
                            Some(n.membership()),
                            log.last_index(),
                        ),
                        config: Some(ConfigView::from_membership(n.membership())),
                        snapshot_index: log.snapshot_index(),
                        installing: n.incoming_snapshot(),
                        election_timeout_max: n.config().election_timeout_max,
                        // From the world's own clock, not the display time (which runs between
                        // events): the same state reads the same, whenever it is drawn.
                        timer_in_ms: world
                            .timer_at(id)
                            .filter(|&at| at != u64::MAX)
                            .map(|at| at.saturating_sub(world.now())),
                        paused: sn.paused(),
                        disk_ms: sn.disk_ms(),
                        writing: sn.writing(),
                    }
                }
                None => {
                    let st = sn.storage().state();
                    NodeView {
                        id,
                        name: name(id),
                        x,
                        y,
                        role: RoleView::Crashed,
                        term: st.hard_state.term,
                        vote: st.hard_state.vote,
                        timer: None,
                        // Not committed as far as anyone can tell: the commit index is volatile.
                        entries: entry_views(&st.entries, lo, 0),
                        last_index: st.entries.last().map_or(st.snapshot_index, |e| e.index),
                        committed: 0,
                        applied: 0,
                        progress: None,
                        transferring_to: None,
                        member: member_status(id, reference, None, st.snapshot_index),
                        config: None,
                        snapshot_index: st.snapshot_index,
                        installing: None,
                        election_timeout_max: 0,
                        timer_in_ms: None,
                        paused: false,
                        disk_ms: sn.disk_ms(),
                        writing: false,
                    }
                }
            }
        })
        .collect()
}

/// One line per pair of nodes, with the state of each direction.
pub fn links(world: &World, pos: &BTreeMap<NodeId, (f64, f64)>) -> Vec<LinkLine> {
    let ids: Vec<NodeId> = world.nodes().keys().copied().collect();
    let mut links = Vec::new();
    for (i, &a) in ids.iter().enumerate() {
        for &b in &ids[i + 1..] {
            let (ab, ba) = (world.network().link(a, b), world.network().link(b, a));
            let state = match (ab, ba) {
                (LinkState::Held, _) | (_, LinkState::Held) => LinkView::Held,
                (LinkState::Cut, LinkState::Cut) => LinkView::Cut,
                (LinkState::Cut, _) | (_, LinkState::Cut) => LinkView::OneWayCut,
                _ => LinkView::Healthy,
            };
            let (x1, y1) = pos[&a];
            let (x2, y2) = pos[&b];
            links.push(LinkLine {
                a,
                b,
                x1,
                y1,
                x2,
                y2,
                state,
                ab,
                ba,
                title: format!(
                    "{} → {}: {}; {} → {}: {}",
                    name(a),
                    name(b),
                    link_word(ab),
                    name(b),
                    name(a),
                    link_word(ba)
                ),
            });
        }
    }
    links
}

/// The configuration the page treats as the cluster's: the leader's, or with no leader the one
/// of the live node with the highest term and longest log.
pub fn reference_config(world: &World) -> Option<&Membership> {
    if let Some(l) = world.leader().and_then(|l| world.node(l)) {
        return Some(l.membership());
    }
    world
        .nodes()
        .values()
        .filter_map(|s| s.node.as_ref())
        .max_by_key(|n| (n.term(), n.log().last_index()))
        .map(|n| n.membership())
}

/// Where node `id` stands in the cluster configuration `reference`, given the configuration it
/// follows itself (`own`, None when down) and its last log index.
pub fn member_status(
    id: NodeId,
    reference: Option<&Membership>,
    own: Option<&Membership>,
    last_index: Index,
) -> MemberView {
    let knows_itself = own.is_none_or(|m| m.contains(id));
    match reference {
        Some(r) if r.contains(id) && !knows_itself => MemberView::Joining,
        Some(r) if r.outgoing.contains(&id) && !r.voters.contains(&id) => MemberView::Leaving,
        Some(r) if r.is_voter(id) => MemberView::Voter,
        Some(r) if r.learners.contains(&id) => MemberView::Learner,
        // A machine that never learned any configuration is still on its way in.
        Some(_) if own.is_some_and(|m| m.members().is_empty()) && last_index == 0 => {
            MemberView::Joining
        }
        Some(_) => MemberView::Removed,
        None => MemberView::Voter,
    }
}

/// What a link direction is doing, in a word.
pub fn link_word(s: LinkState) -> &'static str {
    match s {
        LinkState::Healthy => "healthy",
        LinkState::Cut => "cut",
        LinkState::Held => "held",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raft §5.2: a leader sends heartbeats every heartbeat interval; its row says when the next
    /// round goes out, and each follower's row the leader's view of it (match and next index).
    #[test]
    fn rows_show_the_next_heartbeat_and_each_followers_progress() {
        let mut w = World::new(raft_sim::SimOptions {
            nodes: 3,
            seed: 5,
            ..Default::default()
        })
        .unwrap();
        assert!(w.run_until(5_000, |w| w.leader().is_some()));
        w.advance_by(120);
        let leader = w.leader().unwrap();
        let now = w.now() as f64;
        let views = nodes(&w, &positions(&w), 1, now);
        let hb = w.options().heartbeat_ms;
        for v in &views {
            if v.id == leader {
                let due = v.timer_in_ms.expect("a leader's heartbeat timer");
                assert!(due <= hb, "next heartbeat in {due} ms, interval {hb} ms");
                assert_eq!(Some(w.now() + due), w.timer_at(leader));
                assert!(v.progress.is_none());
            } else {
                let p = v
                    .progress
                    .as_ref()
                    .expect("the leader's view of a follower");
                assert_eq!(p.next, p.matched + 1, "{p:?}");
                assert_eq!(p.matched, v.last_index);
            }
        }
    }

    /// Dissertation §4.3: C_old,new is shown while in joint consensus.
    #[test]
    fn joint_consensus_is_described() {
        let c = ConfigView {
            voters: vec![1, 2, 4],
            learners: vec![],
            outgoing: vec![1, 2, 3],
        };
        assert_eq!(c.describe(), "joint C_old,new: S1 S2 S3 → S1 S2 S4");
        assert_eq!(c.all_voters().len(), 4);
        let mut m = Membership::with_voters([1, 2, 4]);
        m.outgoing = [1, 2, 3].into_iter().collect();
        assert_eq!(member_status(3, Some(&m), Some(&m), 9), MemberView::Leaving);
        assert_eq!(member_status(4, Some(&m), Some(&m), 9), MemberView::Voter);
        // Dissertation §4.3: a decision in C_old,new needs a majority of each half.
        assert_eq!(
            c.quorums(|id| id != 2 && id != 4).as_deref(),
            Some("C_old needs 2 of 3 (2 up: met) · C_new needs 2 of 3 (1 up: not met)")
        );
        let plain = ConfigView {
            voters: vec![1, 2, 3],
            ..ConfigView::default()
        };
        assert_eq!(plain.quorums(|_| true), None);
    }

    /// Figure 2's "persist before you respond", made visible: a node given a slow disk shows its
    /// write time, and while a Ready is on its way to disk it shows it writing, until the write
    /// time has passed; an instant disk never shows it.
    #[test]
    fn a_slow_disk_shows_its_write_time_and_the_write_under_way() {
        let mut w = World::new(raft_sim::SimOptions {
            nodes: 3,
            seed: 5,
            ..Default::default()
        })
        .unwrap();
        assert!(w.run_until(5_000, |w| w.leader().is_some()));
        let leader = w.leader().unwrap();
        let view = |w: &World| {
            nodes(w, &positions(w), 1, w.now() as f64)
                .into_iter()
                .find(|v| v.id == leader)
                .unwrap()
        };
        assert_eq!((view(&w).disk_ms, view(&w).writing), (0, false));
        w.act(raft_sim::Action::DiskLatency {
            node: leader,
            ms: 100,
        })
        .unwrap();
        w.act(raft_sim::Action::Request {
            key: "k".into(),
            value: "v".into(),
        })
        .unwrap();
        let start = w.now();
        assert!(
            w.run_until(start + 50, |w| view(w).writing),
            "never writing"
        );
        assert_eq!(view(&w).disk_ms, 100);
        assert!(w.run_until(start + 400, |w| !view(w).writing));
        assert!(
            w.now() >= start + 100,
            "done before its write time: {}",
            w.now() - start
        );
    }
}
