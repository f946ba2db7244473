//! Test harness: a small in-memory cluster driven the way a real driver must drive a node.
//!
//! Every time a node takes an input, the harness handles its [`Ready`] in the documented order:
//! persist (to the node's [`MemStorage`]), then enqueue its messages, then record the committed
//! entries as applied. Messages travel through one FIFO queue and are delivered only when a test
//! asks ([`Network::deliver`] until quiescent, [`Network::deliver_one`], filtered variants), so
//! every interleaving is chosen by the test and replayable. Links can be cut (messages dropped at
//! delivery time) or held (kept in the queue until released); nodes can crash (volatile state
//! lost) and restart from `storage.load()`.
//!
//! After every step the harness checks the invariants that must hold whatever the schedule:
//! a node's term never decreases (also across restarts), its vote never changes within a term,
//! `applied <= commit <= last index`, its durable state equals what it holds in memory once the
//! Ready is handled, at most one leader per term (Raft §5.2 Election Safety), and every node
//! applies the same entry at the same index (§5.4.3 State Machine Safety). A violation panics,
//! unless a test turns `strict` off to watch a deliberately broken configuration fail.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use raft_core::{
    Body, Config, Entry, Error, Event, HardState, Index, Input, MemStorage, Membership, Message,
    Node, NodeId, Payload, PersistentState, ReadState, Role, Storage, Term,
};

/// The reference configuration used by most tests: 150–300 tick election timeouts, heartbeat 50,
/// PreVote and CheckQuorum on.
pub fn config(id: NodeId) -> Config {
    Config::new(id)
}

/// A command entry, for building logs by hand.
pub fn ent(index: Index, term: Term) -> Entry {
    Entry {
        term,
        index,
        payload: Payload::Command(format!("t{term}i{index}").into_bytes()),
    }
}

/// A log whose entry `k` (1-based) has term `terms[k-1]`.
pub fn log_of_terms(terms: &[Term]) -> Vec<Entry> {
    terms
        .iter()
        .enumerate()
        .map(|(k, &t)| ent(k as Index + 1, t))
        .collect()
}

/// Persistent state with the given term and log, in `membership`.
pub fn persisted(term: Term, terms: &[Term], membership: &Membership) -> PersistentState {
    PersistentState {
        hard_state: HardState { term, vote: None },
        membership: membership.clone(),
        snapshot_index: 0,
        snapshot_term: 0,
        snapshot_data: Vec::new(),
        entries: log_of_terms(terms),
    }
}

/// The terms of a node's log, in order (index 1 first).
pub fn terms_of(node: &Node) -> Vec<Term> {
    node.log().entries().iter().map(|e| e.term).collect()
}

/// One node of the cluster with its durable storage and what it applied.
#[derive(Debug)]
pub struct Peer {
    /// `None` while crashed.
    pub node: Option<Node>,
    pub cfg: Config,
    pub storage: MemStorage,
    /// Entries applied to this node's state machine since it last started (volatile).
    pub applied: Vec<Entry>,
    /// Every event the node reported, across restarts.
    pub events: Vec<Event>,
    /// Reads that became servable.
    pub reads: Vec<ReadState>,
    /// Highest term ever observed for this node (to check it never decreases).
    max_term: Term,
}

/// What happened to one message taken off the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Delivered(Message),
    Dropped(Message),
}

/// A cluster of nodes and the network between them.
#[derive(Debug)]
pub struct Network {
    pub peers: BTreeMap<NodeId, Peer>,
    queue: VecDeque<Message>,
    /// Directed links (from, to) whose messages are dropped at delivery.
    cut: BTreeSet<(NodeId, NodeId)>,
    /// Directed links whose messages stay queued until released.
    held: BTreeSet<(NodeId, NodeId)>,
    /// Every message any node sent, in order (tests count or inspect it; clear at will).
    pub history: Vec<Message>,
    /// Output lines for the data-driven scripts: deliveries and events, in order.
    pub transcript: Vec<String>,
    /// Panic on an invariant violation (default). When false, violations are recorded.
    pub strict: bool,
    pub violations: Vec<String>,
    /// Leader of each term ever observed (Election Safety).
    leaders: BTreeMap<Term, NodeId>,
    /// First entry applied at each index by any node (State Machine Safety).
    applied_at: BTreeMap<Index, Entry>,
    /// For each applied index, the lowest term of a node when it applied it: the term of the
    /// leader that committed it (every later applier learned the commit in that term or later).
    pub commit_terms: BTreeMap<Index, Term>,
}

impl Network {
    /// `ids` as voters, reference configuration.
    pub fn new(ids: &[NodeId]) -> Self {
        Self::with_config(Membership::with_voters(ids.iter().copied()), config)
    }

    /// Every member of `membership` as a fresh node, configured by `cfg`.
    pub fn with_config(membership: Membership, cfg: impl Fn(NodeId) -> Config) -> Self {
        let states = membership
            .members()
            .into_iter()
            .map(|id| {
                (
                    id,
                    PersistentState {
                        membership: membership.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        Self::from_states(states, cfg)
    }

    /// Nodes restarted from the given persistent states (for logs built by hand).
    pub fn from_states(
        states: Vec<(NodeId, PersistentState)>,
        cfg: impl Fn(NodeId) -> Config,
    ) -> Self {
        let mut net = Network {
            peers: BTreeMap::new(),
            queue: VecDeque::new(),
            cut: BTreeSet::new(),
            held: BTreeSet::new(),
            history: Vec::new(),
            transcript: Vec::new(),
            strict: true,
            violations: Vec::new(),
            leaders: BTreeMap::new(),
            applied_at: BTreeMap::new(),
            commit_terms: BTreeMap::new(),
        };
        for (id, state) in states {
            let c = cfg(id);
            assert_eq!(c.id, id, "config id must match the node id");
            let storage = storage_with(&state);
            let node = Node::restore(c.clone(), state.clone()).expect("valid initial state");
            net.peers.insert(
                id,
                Peer {
                    max_term: node.term(),
                    node: Some(node),
                    cfg: c,
                    storage,
                    applied: Vec::new(),
                    events: Vec::new(),
                    reads: Vec::new(),
                },
            );
        }
        net
    }

    // ----- observation -----------------------------------------------------------------------

    /// The live node `id` (panics if crashed).
    pub fn node(&self, id: NodeId) -> &Node {
        self.peers[&id]
            .node
            .as_ref()
            .unwrap_or_else(|| panic!("node {id} is crashed"))
    }

    pub fn peer(&self, id: NodeId) -> &Peer {
        &self.peers[&id]
    }

    pub fn ids(&self) -> Vec<NodeId> {
        self.peers.keys().copied().collect()
    }

    pub fn is_up(&self, id: NodeId) -> bool {
        self.peers[&id].node.is_some()
    }

    /// Messages in flight, oldest first.
    pub fn queue(&self) -> &VecDeque<Message> {
        &self.queue
    }

    /// The live leader with the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.peers
            .iter()
            .filter_map(|(&id, p)| p.node.as_ref().map(|n| (id, n)))
            .filter(|(_, n)| n.role() == Role::Leader)
            .max_by_key(|(_, n)| n.term())
            .map(|(id, _)| id)
    }

    /// Events reported by `id` so far.
    pub fn events(&self, id: NodeId) -> &[Event] {
        &self.peers[&id].events
    }

    /// Messages in `history` matching `pred`.
    pub fn sent(&self, pred: impl Fn(&Message) -> bool) -> Vec<&Message> {
        self.history.iter().filter(|m| pred(m)).collect()
    }

    // ----- driving nodes ---------------------------------------------------------------------

    /// Steps node `id` with `input` and handles its Ready.
    pub fn step(&mut self, id: NodeId, input: Input) -> Result<Option<Index>, Error> {
        let peer = self.peers.get_mut(&id).expect("known node");
        let node = peer
            .node
            .as_mut()
            .unwrap_or_else(|| panic!("cannot step crashed node {id}"));
        let r = node.step(input);
        self.handle_ready(id);
        r
    }

    /// Handles the Ready of `id` following the contract: persist, then send, then apply.
    pub fn handle_ready(&mut self, id: NodeId) {
        let peer = self.peers.get_mut(&id).expect("known node");
        let Some(node) = peer.node.as_mut() else {
            return;
        };
        let ready = node.ready();
        // 1. Durable first.
        peer.storage.persist(&ready);
        // The durable state must now be exactly what the node holds: nothing it is about to
        // send may promise state that a crash would lose (Figure 2, "Rules for all servers").
        let stored = peer.storage.state();
        let mut problems = Vec::new();
        if stored.hard_state != node.hard_state() {
            problems.push(format!(
                "node {id}: stored hard state {:?} differs from in-memory {:?}",
                stored.hard_state,
                node.hard_state()
            ));
        }
        if stored.entries.as_slice() != node.log().entries() {
            problems.push(format!(
                "node {id}: stored log differs from in-memory log after handling Ready"
            ));
        }
        // 2. Then send.
        for m in &ready.messages {
            self.history.push(m.clone());
            self.queue.push_back(m.clone());
        }
        // 3. Then apply.
        for e in &ready.committed {
            let expected = peer.applied.last().map_or(e.index, |l| l.index + 1);
            if peer.applied.is_empty() && e.index != 1 {
                problems.push(format!("node {id}: first applied index {}", e.index));
            } else if e.index != expected {
                problems.push(format!(
                    "node {id}: applied {} after {}",
                    e.index,
                    expected - 1
                ));
            }
            match self.applied_at.get(&e.index) {
                Some(first) if first != e => problems.push(format!(
                    "State Machine Safety (§5.4.3): node {id} applied {:?} at index {} where \
                     another node applied {:?}",
                    e, e.index, first
                )),
                Some(_) => {}
                None => {
                    self.applied_at.insert(e.index, e.clone());
                }
            }
            let t = self.commit_terms.entry(e.index).or_insert(node.term());
            *t = (*t).min(node.term());
            peer.applied.push(e.clone());
        }
        peer.reads.extend(ready.reads.iter().cloned());
        for ev in &ready.events {
            if let Some(line) = fmt_event(id, ev) {
                self.transcript.push(format!("  {line}"));
            }
        }
        for r in &ready.reads {
            self.transcript.push(format!(
                "  {}: read {} ready at index {}",
                name(id),
                r.id,
                r.index
            ));
        }
        peer.events.extend(ready.events);
        // Per-node invariants.
        if node.term() < peer.max_term {
            problems.push(format!(
                "node {id}: term went back from {} to {}",
                peer.max_term,
                node.term()
            ));
        }
        peer.max_term = peer.max_term.max(node.term());
        let log = node.log();
        if log.committed() > log.last_index() {
            problems.push(format!(
                "node {id}: commit {} past last index {}",
                log.committed(),
                log.last_index()
            ));
        }
        if log.applied() > log.committed() {
            problems.push(format!("node {id}: applied past commit"));
        }
        if node.role() == Role::Leader {
            match self.leaders.get(&node.term()) {
                Some(&other) if other != id => problems.push(format!(
                    "Election Safety (§5.2): nodes {other} and {id} both led term {}",
                    node.term()
                )),
                _ => {
                    self.leaders.insert(node.term(), id);
                }
            }
        }
        for p in problems {
            if self.strict {
                panic!("invariant violated: {p}");
            }
            self.violations.push(p);
        }
    }

    /// Starts an election on `id` now (PreVote first if configured). Does not deliver.
    pub fn campaign(&mut self, id: NodeId) {
        self.step(id, Input::Campaign)
            .expect("campaign never fails");
    }

    /// Campaigns on `id` and delivers until quiescent; asserts that `id` won.
    pub fn elect(&mut self, id: NodeId) {
        self.campaign(id);
        self.deliver();
        assert_eq!(
            self.node(id).role(),
            Role::Leader,
            "node {id} should have won the election"
        );
    }

    pub fn propose(&mut self, id: NodeId, data: &[u8]) -> Result<Index, Error> {
        self.step(id, Input::Propose(data.to_vec()))
            .map(|i| i.expect("a proposal returns its index"))
    }

    pub fn tick(&mut self, id: NodeId, n: u64) {
        self.step(id, Input::Tick(n)).expect("ticks never fail");
    }

    /// Ticks every live node by `n` in one input each (timers due fire once). Does not deliver.
    pub fn tick_all(&mut self, n: u64) {
        for id in self.ids() {
            if self.is_up(id) {
                self.tick(id, n);
            }
        }
    }

    /// Advances time by `ticks`, one tick at a time on every live node, delivering everything
    /// after each tick: the closest thing to a running cluster.
    pub fn run(&mut self, ticks: u64) {
        for _ in 0..ticks {
            self.tick_all(1);
            self.deliver();
        }
    }

    /// Injects a message into the network as if `m.from` had sent it.
    pub fn send(&mut self, m: Message) {
        self.history.push(m.clone());
        self.queue.push_back(m);
    }

    /// Hands `m` straight to its recipient, bypassing the queue and link state.
    pub fn deliver_msg(&mut self, m: Message) {
        let to = m.to;
        self.step(to, Input::Message(m))
            .expect("messages never fail");
    }

    // ----- the network -----------------------------------------------------------------------

    fn link_held(&self, m: &Message) -> bool {
        self.held.contains(&(m.from, m.to))
    }

    /// Takes the oldest deliverable message (held links are skipped) and delivers or drops it.
    pub fn deliver_one(&mut self) -> Option<Delivery> {
        self.deliver_first(|_| true)
    }

    /// Like [`Network::deliver_one`], but only for messages matching `pred`.
    pub fn deliver_first(&mut self, pred: impl Fn(&Message) -> bool) -> Option<Delivery> {
        let pos = self
            .queue
            .iter()
            .position(|m| !self.link_held(m) && pred(m))?;
        let m = self.queue.remove(pos).expect("position is valid");
        let dropped = self.cut.contains(&(m.from, m.to))
            || !self.peers.contains_key(&m.to)
            || !self.is_up(m.to);
        if dropped {
            self.transcript.push(format!("drop {}", fmt_msg(&m)));
            return Some(Delivery::Dropped(m));
        }
        self.transcript.push(fmt_msg(&m));
        self.deliver_msg(m.clone());
        Some(Delivery::Delivered(m))
    }

    /// Delivers, one at a time and oldest first, the deliverable messages for which
    /// `pred(network, message)` holds when their turn comes, until none does.
    pub fn deliver_while(&mut self, pred: impl Fn(&Network, &Message) -> bool) -> usize {
        let mut n = 0;
        loop {
            let Some(m) = self
                .queue
                .iter()
                .find(|m| !self.link_held(m) && pred(self, m))
                .cloned()
            else {
                return n;
            };
            self.deliver_first(|x| *x == m);
            n += 1;
            assert!(n < 1_000_000, "the network did not quiesce");
        }
    }

    /// Delivers until no deliverable message is left. Returns how many were taken off the queue.
    pub fn deliver(&mut self) -> usize {
        self.deliver_where(|_| true)
    }

    /// Delivers messages matching `pred` (and whatever they provoke that matches) until none is
    /// left; other messages stay queued in order.
    pub fn deliver_where(&mut self, pred: impl Fn(&Message) -> bool) -> usize {
        let mut n = 0;
        while self.deliver_first(&pred).is_some() {
            n += 1;
            assert!(n < 1_000_000, "the network did not quiesce");
        }
        n
    }

    /// Removes queued messages matching `pred`; returns how many.
    pub fn drop_where(&mut self, pred: impl Fn(&Message) -> bool) -> usize {
        let before = self.queue.len();
        self.queue.retain(|m| !pred(m));
        before - self.queue.len()
    }

    /// Loses the `k`-th message in flight (oldest first).
    pub fn drop_nth(&mut self, k: usize) -> Option<Message> {
        self.queue.remove(k)
    }

    /// Loses every message in flight.
    pub fn drop_all(&mut self) -> usize {
        self.drop_where(|_| true)
    }

    /// Cuts both directions between `a` and `b`.
    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.cut.insert((a, b));
        self.cut.insert((b, a));
    }

    /// Cuts messages from `from` to `to` only.
    pub fn cut_one_way(&mut self, from: NodeId, to: NodeId) {
        self.cut.insert((from, to));
    }

    /// Cuts every link of `id`.
    pub fn isolate(&mut self, id: NodeId) {
        for other in self.ids() {
            if other != id {
                self.cut(id, other);
            }
        }
    }

    /// Splits the cluster into the given groups: links across groups are cut.
    pub fn partition(&mut self, groups: &[&[NodeId]]) {
        for (i, a) in groups.iter().enumerate() {
            for b in groups.iter().skip(i + 1) {
                for &x in a.iter() {
                    for &y in b.iter() {
                        self.cut(x, y);
                    }
                }
            }
        }
    }

    /// Restores every cut link (held links stay held).
    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// Keeps messages from `from` to `to` queued until [`Network::release`].
    pub fn hold(&mut self, from: NodeId, to: NodeId) {
        self.held.insert((from, to));
    }

    pub fn release(&mut self, from: NodeId, to: NodeId) {
        self.held.remove(&(from, to));
    }

    /// Crashes `id`: its volatile state (role, commit index, progress, state machine) is lost;
    /// its storage survives. Messages it already sent stay in flight.
    pub fn crash(&mut self, id: NodeId) {
        let peer = self.peers.get_mut(&id).expect("known node");
        peer.node = None;
        peer.applied.clear();
    }

    /// Restarts `id` from what it persisted.
    pub fn restart(&mut self, id: NodeId) {
        let peer = self.peers.get_mut(&id).expect("known node");
        assert!(peer.node.is_none(), "node {id} is already running");
        let node = Node::restore(peer.cfg.clone(), peer.storage.load())
            .expect("a node restarts from what it persisted");
        peer.node = Some(node);
        self.handle_ready(id);
    }

    /// Crash and restart in one go.
    pub fn reboot(&mut self, id: NodeId) {
        self.crash(id);
        self.restart(id);
    }

    /// Takes the transcript lines accumulated so far.
    pub fn take_transcript(&mut self) -> Vec<String> {
        std::mem::take(&mut self.transcript)
    }
}

/// A `MemStorage` holding `state`, written through the Ready path like any other state.
pub fn storage_with(state: &PersistentState) -> MemStorage {
    assert_eq!(
        state.snapshot_index, 0,
        "the harness does not seed snapshots"
    );
    let mut storage = MemStorage::new(state.membership.clone());
    storage.persist(&raft_core::Ready {
        hard_state: Some(state.hard_state),
        entries: state.entries.clone(),
        ..Default::default()
    });
    storage
}

// ----- formatting (shared by tests and the data-driven scripts) ---------------------------------
//
// Messages, entries and events read as raft-core writes them (`Display`), the same text as the
// playground's; only the harness's own lines (status, logs) are formatted here.

/// `index@tterm`, as raft-core writes positions.
pub fn pos(index: Index, term: Term) -> String {
    format!("{index}@t{term}")
}

/// The name of node `id`, as raft-core, the simulator and the playground write it.
pub fn name(id: NodeId) -> String {
    format!("S{id}")
}

pub fn fmt_entry(e: &Entry) -> String {
    e.to_string()
}

/// A message with every field, an append's entries listed one by one.
pub fn fmt_msg(m: &Message) -> String {
    format!("{m:#}")
}

/// One line per event worth showing in a script; `None` for events the messages already show.
pub fn fmt_event(id: NodeId, ev: &Event) -> Option<String> {
    match ev {
        Event::ElectionStarted { .. } | Event::VoteGranted { .. } => None,
        _ => Some(format!("{}: {ev}", name(id))),
    }
}

pub fn fmt_status(net: &Network, id: NodeId) -> String {
    let Some(n) = net.peers[&id].node.as_ref() else {
        return format!("{}: crashed", name(id));
    };
    let log = n.log();
    let opt = |o: Option<NodeId>| o.map_or("-".to_string(), name);
    format!(
        "{}: {} term={} vote={} leader={} last={} commit={} applied={}",
        name(id),
        n.role(),
        n.term(),
        opt(n.vote()),
        opt(n.leader()),
        pos(log.last_index(), log.last_term()),
        log.committed(),
        log.applied()
    )
}

pub fn fmt_log(net: &Network, id: NodeId) -> String {
    let Some(n) = net.peers[&id].node.as_ref() else {
        return format!("{}: crashed", name(id));
    };
    let list: Vec<String> = n.log().entries().iter().map(fmt_entry).collect();
    if list.is_empty() {
        format!("{}: (empty)", name(id))
    } else {
        format!("{}: {}", name(id), list.join(", "))
    }
}

// ----- message builders for tests that talk to one node directly --------------------------------

pub fn msg(from: NodeId, to: NodeId, term: Term, body: Body) -> Message {
    Message {
        from,
        to,
        term,
        body,
    }
}

pub fn append(
    from: NodeId,
    to: NodeId,
    term: Term,
    prev: (Index, Term),
    entries: Vec<Entry>,
    commit: Index,
) -> Message {
    msg(
        from,
        to,
        term,
        Body::Append {
            prev_index: prev.0,
            prev_term: prev.1,
            entries,
            commit,
        },
    )
}

pub fn vote(from: NodeId, to: NodeId, term: Term, last: (Index, Term)) -> Message {
    msg(
        from,
        to,
        term,
        Body::Vote {
            last_index: last.0,
            last_term: last.1,
            transfer: false,
        },
    )
}

pub fn pre_vote(from: NodeId, to: NodeId, term: Term, last: (Index, Term)) -> Message {
    msg(
        from,
        to,
        term,
        Body::PreVote {
            last_index: last.0,
            last_term: last.1,
        },
    )
}

/// A lone node (not in a Network) with its output drained after each step, for unit-style tests.
#[derive(Debug)]
pub struct Solo {
    pub node: Node,
    pub storage: MemStorage,
    /// Messages sent since the last `take_msgs`.
    pub out: Vec<Message>,
    pub events: Vec<Event>,
}

impl Solo {
    pub fn new(cfg: Config, membership: Membership) -> Self {
        let storage = MemStorage::new(membership.clone());
        Self::from_node(Node::new(cfg, membership).expect("valid config"), storage)
    }

    pub fn restore(cfg: Config, state: PersistentState) -> Self {
        let storage = storage_with(&state);
        Self::from_node(Node::restore(cfg, state).expect("valid state"), storage)
    }

    fn from_node(node: Node, storage: MemStorage) -> Self {
        let mut s = Solo {
            node,
            storage,
            out: Vec::new(),
            events: Vec::new(),
        };
        s.drain();
        s
    }

    pub fn step(&mut self, input: Input) -> Result<Option<Index>, Error> {
        let r = self.node.step(input);
        self.drain();
        r
    }

    pub fn recv(&mut self, m: Message) {
        self.step(Input::Message(m)).expect("messages never fail");
    }

    fn drain(&mut self) {
        let ready = self.node.ready();
        self.storage.persist(&ready);
        self.out.extend(ready.messages);
        self.events.extend(ready.events);
    }

    pub fn take_msgs(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.out)
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Restarts the node from its storage (a crash).
    pub fn reboot(&mut self) {
        let cfg = self.node.config().clone();
        self.node = Node::restore(cfg, self.storage.load()).expect("restart");
        self.drain();
    }
}

impl Solo {
    /// Makes this node leader of a fresh term by feeding it the answers its campaign asks for:
    /// granted pre-votes (when PreVote is on) then granted votes from every other voter.
    pub fn make_leader(&mut self) {
        self.step(Input::Campaign).expect("campaign");
        let voters: Vec<NodeId> = self.node.membership().voters.iter().copied().collect();
        let me = self.node.id();
        if self.node.role() == Role::PreCandidate {
            let t = self.node.term() + 1;
            for &v in voters.iter().filter(|&&v| v != me) {
                if self.node.role() != Role::PreCandidate {
                    break;
                }
                self.recv(msg(v, me, t, Body::PreVoteResp { granted: true }));
            }
        }
        if self.node.role() == Role::Candidate {
            let t = self.node.term();
            for &v in voters.iter().filter(|&&v| v != me) {
                if self.node.role() != Role::Candidate {
                    break;
                }
                self.recv(msg(v, me, t, Body::VoteResp { granted: true }));
            }
        }
        assert_eq!(self.node.role(), Role::Leader, "make_leader");
        self.take_msgs();
        self.take_events();
    }
}

/// Three voters 1, 2, 3.
pub fn three() -> Membership {
    Membership::with_voters([1, 2, 3])
}
