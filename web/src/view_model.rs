//! Pure functions from a [`World`] to plain view data. No Yew and no browser APIs in here, so
//! everything the page shows can be unit-tested natively (`cargo test -p web`).
//!
//! Geometry is in the cluster SVG's own coordinates: a square `VIEW` units wide, nodes on a ring
//! around its centre.

use std::collections::{BTreeMap, BTreeSet};

use raft_core::sim::network::InFlight;
use raft_core::sim::{Action, LinkState, Violation, World, PROPERTIES};
use raft_core::{Body, Index, Membership, NodeId, ProgressState, Role, Term};

pub mod health;
pub mod history;

pub use health::health;
pub use history::{election_times, subject, Fate, RateMeter, Traffic};

/// Width and height of the cluster SVG's view box.
pub const VIEW: f64 = 600.0;
/// Radius of a node's circle.
pub const NODE_R: f64 = 40.0;
/// How many log columns the logs panel shows (the most recent ones).
pub const LOG_WINDOW: u64 = 14;
/// Most messages drawn at once (the rest are counted, not drawn).
pub const MAX_DRAWN_MESSAGES: usize = 400;
/// How many completed operations the latency percentile looks at.
const LATENCY_WINDOW: usize = 200;

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

/// One log entry as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryView {
    /// Position in the log.
    pub index: Index,
    /// Term that created it (its colour).
    pub term: Term,
    /// At or below this node's commit index.
    pub committed: bool,
    /// A leader's no-op (rather than a client command).
    pub noop: bool,
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
    /// Its randomized election timeout, ms (0 when down).
    pub election_timeout: u64,
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

/// "S1 S2 S3".
pub fn names(ids: &[NodeId]) -> String {
    ids.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" ")
}

pub use raft_core::sim::LinkState as LinkDir;

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

/// A message in flight, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    /// Network id (what a click drops).
    pub id: u64,
    /// `Body::kind()`: "append", "vote_resp"...
    pub kind: &'static str,
    /// Sender.
    pub from: NodeId,
    /// Recipient.
    pub to: NodeId,
    /// Fraction of the trip done, 0..=1 (0.5 when motion is reduced).
    pub progress: f64,
    /// Position.
    pub x: f64,
    /// Position.
    pub y: f64,
    /// A response (drawn hollow).
    pub response: bool,
    /// Parked on a held link.
    pub parked: bool,
    /// Carries entries.
    pub entries: usize,
    /// Every field, for a tooltip.
    pub summary: String,
    /// Virtual time it was sent.
    pub sent_at: u64,
    /// Virtual time it arrives (None while parked on a held link).
    pub deliver_at: Option<u64>,
}

/// The safety monitor.
#[derive(Clone, Debug, PartialEq)]
pub struct SafetyView {
    /// Every property checked, and whether it holds.
    pub properties: Vec<(&'static str, bool)>,
    /// The violation that stopped the run, explained.
    pub violation: Option<ViolationView>,
    /// Violations the run went on after (with an unsafe switch on, a broken rule), in order.
    pub flagged: Vec<ViolationView>,
}

/// A violation, ready to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViolationView {
    /// Property name.
    pub property: String,
    /// Virtual time, ms.
    pub time: u64,
    /// Event number.
    pub event: u64,
    /// "S1, S3".
    pub nodes: String,
    /// What was seen.
    pub detail: String,
}

/// Headline numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsView {
    /// Current leader.
    pub leader: Option<NodeId>,
    /// Highest term of a live node.
    pub term: Term,
    /// Leader's commit index.
    pub committed: Index,
    /// Messages in flight (parked included).
    pub in_flight: usize,
    /// Messages sent per virtual second, over the last virtual second.
    pub msgs_per_sec: f64,
    /// Completed client operations.
    pub completed: u64,
    /// Median proposal-to-completion latency of the recent operations, ms.
    pub p50_latency: Option<u64>,
    /// Events processed.
    pub events: u64,
}

/// Everything the page draws from the world.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewModel {
    /// Virtual time, ms.
    pub now: u64,
    /// Nodes on the ring.
    pub nodes: Vec<NodeView>,
    /// One line per pair of nodes.
    pub links: Vec<LinkLine>,
    /// Messages in flight (at most [`MAX_DRAWN_MESSAGES`]).
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

/// "S3".
pub fn name(id: NodeId) -> String {
    format!("S{id}")
}

/// Centre of node number `k` (0-based) of `n` on the ring, the first at the top, clockwise.
pub fn ring_position(k: usize, n: usize) -> (f64, f64) {
    let c = VIEW / 2.0;
    let r = VIEW / 2.0 - NODE_R - 36.0;
    let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * k as f64 / n.max(1) as f64;
    (c + r * angle.cos(), c + r * angle.sin())
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
    let ids: Vec<NodeId> = world.nodes().keys().copied().collect();
    let pos: BTreeMap<NodeId, (f64, f64)> = ids
        .iter()
        .enumerate()
        .map(|(k, &id)| (id, ring_position(k, ids.len())))
        .collect();
    let leader = world.leader();
    let progress = leader
        .and_then(|l| world.node(l))
        .and_then(|n| n.progress());

    let hi = world
        .nodes()
        .values()
        .map(|s| match &s.node {
            Some(n) => n.log().last_index(),
            None => s.storage.state().entries.last().map_or(0, |e| e.index),
        })
        .max()
        .unwrap_or(0);
    let lo = hi.saturating_sub(LOG_WINDOW - 1).max(1);
    let reference = reference_config(world);

    let now = inputs.display_now;
    let nodes = world
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
                    let entries = log
                        .entries()
                        .iter()
                        .filter(|e| e.index >= lo)
                        .map(|e| EntryView {
                            index: e.index,
                            term: e.term,
                            committed: e.index <= log.committed(),
                            noop: matches!(e.payload, raft_core::Payload::Noop),
                        })
                        .collect();
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
                        election_timeout: n.election_timeout(),
                    }
                }
                None => {
                    let st = sn.storage.state();
                    NodeView {
                        id,
                        name: name(id),
                        x,
                        y,
                        role: RoleView::Crashed,
                        term: st.hard_state.term,
                        vote: st.hard_state.vote,
                        timer: None,
                        entries: st
                            .entries
                            .iter()
                            .filter(|e| e.index >= lo)
                            .map(|e| EntryView {
                                index: e.index,
                                term: e.term,
                                committed: false,
                                noop: matches!(e.payload, raft_core::Payload::Noop),
                            })
                            .collect(),
                        last_index: st.entries.last().map_or(st.snapshot_index, |e| e.index),
                        committed: 0,
                        applied: 0,
                        progress: None,
                        transferring_to: None,
                        member: member_status(id, reference, None, st.snapshot_index),
                        config: None,
                        snapshot_index: st.snapshot_index,
                        installing: None,
                        election_timeout: 0,
                    }
                }
            }
        })
        .collect();

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

    let messages = world
        .network()
        .in_flight()
        .filter(|f| pos.contains_key(&f.msg.from) && pos.contains_key(&f.msg.to))
        .take(MAX_DRAWN_MESSAGES)
        .map(|f| message_view(f, pos[&f.msg.from], pos[&f.msg.to], inputs))
        .collect();

    ViewModel {
        now: world.now(),
        nodes,
        links,
        messages,
        log_window: (lo, hi),
        safety: safety(world.violation(), world.violations()),
        metrics: metrics(world, inputs.msgs_per_sec),
    }
}

/// The configuration the page treats as the cluster's: the leader's, or with no leader the one
/// of the live node with the highest term and longest log.
fn reference_config(world: &World) -> Option<&Membership> {
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

pub fn link_word(s: LinkState) -> &'static str {
    match s {
        LinkState::Healthy => "healthy",
        LinkState::Cut => "cut",
        LinkState::Held => "held",
    }
}

/// Fraction of a message's trip done at `now` (parked messages: 0).
pub fn progress(f: &InFlight, now: f64) -> f64 {
    match f.deliver_at {
        Some(at) if at > f.sent_at => {
            ((now - f.sent_at as f64) / (at - f.sent_at) as f64).clamp(0.0, 1.0)
        }
        Some(_) => 1.0,
        None => 0.0,
    }
}

fn message_view(f: &InFlight, from: (f64, f64), to: (f64, f64), inputs: ViewInputs) -> MessageView {
    let parked = f.deliver_at.is_none();
    let p = if parked {
        0.12
    } else if inputs.animate {
        progress(f, inputs.display_now)
    } else {
        0.5
    };
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let (ux, uy) = (dx / len, dy / len);
    // Start and end at the circles' edges; each direction keeps to its own side of the line.
    let gap = NODE_R + 6.0;
    let (sx, sy) = (from.0 + ux * gap, from.1 + uy * gap);
    let (ex, ey) = (to.0 - ux * gap, to.1 - uy * gap);
    let side = 7.0;
    let (px, py) = (-uy * side, ux * side);
    let m = &f.msg;
    let entries = match &m.body {
        Body::Append { entries, .. } => entries.len(),
        _ => 0,
    };
    MessageView {
        id: f.id,
        kind: m.body.kind(),
        from: m.from,
        to: m.to,
        progress: p,
        x: sx + (ex - sx) * p + px,
        y: sy + (ey - sy) * p + py,
        response: matches!(
            m.body,
            Body::PreVoteResp { .. }
                | Body::VoteResp { .. }
                | Body::AppendResp { .. }
                | Body::HeartbeatResp { .. }
                | Body::SnapshotResp { .. }
        ),
        parked,
        entries,
        summary: message_summary(f),
        sent_at: f.sent_at,
        deliver_at: f.deliver_at,
    }
}

/// Every field of a message in flight, on one line: the message as raft-core writes it
/// (`Display for Message`), then when it was sent and arrives.
pub fn message_summary(f: &InFlight) -> String {
    let when = match f.deliver_at {
        Some(at) => format!("sent {} ms, arrives {} ms", f.sent_at, at),
        None => format!("sent {} ms, held", f.sent_at),
    };
    format!("{}. {} (#{}).", f.msg, when, f.id)
}

/// The safety monitor's view: the violation that stopped the run, if any, and every violation
/// found so far (the first of each property).
pub fn safety(halted: Option<&Violation>, all: &[Violation]) -> SafetyView {
    let view = |v: &Violation| ViolationView {
        property: v.property.clone(),
        time: v.time,
        event: v.event,
        nodes: v
            .nodes
            .iter()
            .map(|&n| name(n))
            .collect::<Vec<_>>()
            .join(", "),
        detail: v.detail.clone(),
    };
    SafetyView {
        properties: PROPERTIES
            .iter()
            .map(|&p| {
                let broken =
                    halted.is_some_and(|v| v.property == p) || all.iter().any(|v| v.property == p);
                (p, !broken)
            })
            .collect(),
        violation: halted.map(view),
        flagged: all
            .iter()
            .filter(|v| halted.is_none_or(|h| h.property != v.property))
            .map(view)
            .collect(),
    }
}

fn metrics(world: &World, msgs_per_sec: f64) -> MetricsView {
    let stats = world.stats();
    let recent = &stats.latencies[stats.latencies.len().saturating_sub(LATENCY_WINDOW)..];
    MetricsView {
        leader: world.leader(),
        term: world.max_term(),
        committed: world.leader_commit(),
        in_flight: world.network().in_flight_count(),
        msgs_per_sec,
        completed: stats.completed,
        p50_latency: percentile(recent, 50),
        events: stats.events,
    }
}

/// The `pct`-th percentile (nearest rank) of `xs`, or None when empty.
pub fn percentile(xs: &[u64], pct: u32) -> Option<u64> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_unstable();
    let rank = (u64::from(pct) * v.len() as u64).div_ceil(100).max(1) as usize;
    Some(v[rank.min(v.len()) - 1])
}

// ----- event log -------------------------------------------------------------------------------

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
                term: sn.storage.state().hard_state.term,
                vote: sn.storage.state().hard_state.vote,
                committed: 0,
                snapshot_index: sn.storage.state().snapshot_index,
                joint: false,
            },
        })
        .collect()
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
        let who = name(n.id);
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
        Action::Network { config } => format!(
            "Network set to {}–{} ms, {}% loss, {}% duplicates",
            config.latency_min,
            config.latency_max,
            f64::from(config.drop_ppm) / 10_000.0,
            f64::from(config.dup_ppm) / 10_000.0
        ),
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
    use raft_core::sim::SimOptions;

    fn world(seed: u64) -> World {
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

    // The tooltip reads raft-core's `Display for Message`; its text is the page's as before.
    #[test]
    fn message_summary_reads_as_before() {
        use raft_core::{Entry, Message, Payload};
        let f = |body, deliver_at| InFlight {
            id: 9,
            msg: Message {
                from: 1,
                to: 2,
                term: 3,
                body,
            },
            sent_at: 100,
            deliver_at,
        };
        let append = Body::Append {
            prev_index: 4,
            prev_term: 2,
            entries: vec![
                Entry {
                    term: 3,
                    index: 5,
                    payload: Payload::Noop,
                },
                Entry {
                    term: 3,
                    index: 6,
                    payload: Payload::Command(b"x".to_vec()),
                },
            ],
            commit: 4,
        };
        assert_eq!(
            message_summary(&f(append, Some(130))),
            "append S1 → S2, term 3: prev 4@t2, entries 5..6, commit 4. \
             sent 100 ms, arrives 130 ms (#9)."
        );
        let vote = Body::Vote {
            last_index: 6,
            last_term: 3,
            transfer: true,
        };
        assert_eq!(
            message_summary(&f(vote, None)),
            "vote S1 → S2, term 3: last log 6@t3, transfer. sent 100 ms, held (#9)."
        );
        assert_eq!(
            message_summary(&f(Body::VoteResp { granted: false }, Some(101))),
            "vote_resp S1 → S2, term 3: refused. sent 100 ms, arrives 101 ms (#9)."
        );
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
    fn percentile_is_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[5], 50), Some(5));
        assert_eq!(percentile(&[4, 1, 3, 2], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), Some(10));
    }

    #[test]
    fn a_violation_marks_its_property() {
        let v = Violation {
            property: "Log Matching".into(),
            time: 1234,
            event: 99,
            nodes: vec![1, 3],
            detail: "entries differ at 4".into(),
        };
        let s = safety(Some(&v), std::slice::from_ref(&v));
        assert_eq!(s.properties.iter().filter(|&&(_, ok)| !ok).count(), 1);
        assert!(
            s.flagged.is_empty(),
            "the stopping violation is not listed twice"
        );
        assert!(
            !s.properties
                .iter()
                .find(|p| p.0 == "Log Matching")
                .unwrap()
                .1
        );
        assert_eq!(s.violation.unwrap().nodes, "S1, S3");
    }

    // With an unsafe switch on, a broken rule is flagged and the run goes on: the property is
    // marked, the violation is listed as flagged, and nothing says the run stopped.
    #[test]
    fn a_flagged_rule_marks_its_property_without_stopping() {
        let v = Violation {
            property: "Commit Current Term Only".into(),
            time: 10,
            event: 3,
            nodes: vec![2],
            detail: "old-term commit".into(),
        };
        let s = safety(None, std::slice::from_ref(&v));
        assert!(s.violation.is_none());
        assert_eq!(s.flagged.len(), 1);
        assert!(s
            .properties
            .iter()
            .any(|&(p, ok)| p == "Commit Current Term Only" && !ok));
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

    #[test]
    fn actions_read_as_sentences() {
        assert_eq!(
            describe_action(&Action::Isolate { node: 2 }).unwrap(),
            "S2 isolated from every other node"
        );
        assert!(describe_action(&Action::Crash { node: 1 }).is_none());
    }
}
