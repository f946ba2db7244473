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
//!
//! This is the one harness: the integration tests, the property tests of `robustness.rs` and
//! the fuzz target (`fuzz/fuzz_targets/step.rs`, which includes this file by path) all drive
//! nodes through it. A node's own invariants live in [`NodeChecks`], checked by both [`Network`]
//! and [`Solo`]; random fault schedules are [`Fault`]s applied by [`Network::apply`], with Log
//! Matching and Leader Completeness checked by [`Network::check_logs`].
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use raft_core::{
    Body, Config, Entry, Error, Event, HardState, Index, Input, MemStorage, Membership, Message,
    Node, NodeId, Payload, PersistentState, ReadMode, ReadState, Ready, Role, Storage, Term,
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
        payload: Payload::Command(format!("t{term}i{index}").into_bytes().into()),
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
    node.log()
        .collect_entries()
        .iter()
        .map(|e| e.term)
        .collect()
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
    /// The node's own invariants, checked after every Ready (kept across restarts).
    checks: NodeChecks,
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
    /// Proposals made by [`Network::apply`] (each proposes a new payload).
    proposals: u32,
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
            proposals: 0,
        };
        for (id, state) in states {
            let c = cfg(id);
            assert_eq!(c.id, id, "config id must match the node id");
            let storage = storage_with(&state);
            let node = Node::restore(c.clone(), state.clone()).expect("valid initial state");
            net.peers.insert(
                id,
                Peer {
                    checks: NodeChecks::new(&node),
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
        let promised = node.has_ready();
        let ready = node.ready();
        // 1. Durable first: to the disk that survives a crash here, and to the node's own
        // storage, which it reads its stable entries back from.
        peer.storage.persist(&ready);
        node.storage_mut().persist(&ready);
        // The node's own invariants, the durable state equal to the in-memory one among them.
        let mut problems: Vec<String> = peer
            .checks
            .check(node, &ready, peer.storage.state())
            .into_iter()
            .chain(broken_promise(promised, &ready))
            .map(|p| format!("node {id}: {p}"))
            .collect();
        // 2. Then send.
        for m in &ready.messages {
            self.history.push(m.clone());
            self.queue.push_back(m.clone());
        }
        // 3. Then apply.
        for e in &ready.committed {
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

    /// Steps node `id` with each of `inputs` in turn, then handles one Ready for them all, as a
    /// driver does that takes several inputs (a burst of proposals) before its next `ready()`.
    /// Returns each input's result.
    pub fn step_batch(
        &mut self,
        id: NodeId,
        inputs: impl IntoIterator<Item = Input>,
    ) -> Vec<Result<Option<Index>, Error>> {
        let node = self
            .peers
            .get_mut(&id)
            .and_then(|p| p.node.as_mut())
            .unwrap_or_else(|| panic!("cannot step crashed node {id}"));
        let results = inputs.into_iter().map(|i| node.step(i)).collect();
        self.handle_ready(id);
        results
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
        peer.checks.restarted(&node);
        peer.node = Some(node);
        self.handle_ready(id);
    }

    /// Compacts `id`'s log up to what it applied into a snapshot holding `data` (paper §7);
    /// returns the snapshot's index.
    pub fn compact_applied(&mut self, id: NodeId, data: &[u8]) -> Index {
        let index = self.node(id).log().applied();
        self.step(
            id,
            Input::Compact {
                index,
                data: data.to_vec(),
            },
        )
        .expect("a node compacts what it applied");
        index
    }

    /// Node 1, the leader, commits five entries that node 3 misses (isolated), then compacts
    /// them away and the network heals: node 3 can catch up only through a snapshot holding
    /// `data` (paper §7). Returns the snapshot's index.
    pub fn leave_node_3_behind_a_snapshot(&mut self, data: &[u8]) -> Index {
        self.isolate(3);
        for k in 0..5u8 {
            self.propose(1, &[k]).expect("node 1 leads");
        }
        self.deliver();
        let index = self.compact_applied(1, data);
        self.heal();
        index
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
        entries: state.entries.clone().into(),
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
    let list: Vec<String> = n.log().collect_entries().iter().map(fmt_entry).collect();
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
            entries: entries.into(),
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

/// A lone node (not in a Network) with its output drained after each step, for unit-style tests,
/// the property tests of one node and the fuzz target: its own invariants ([`NodeChecks`]) are
/// checked after every step, and a violation panics.
#[derive(Debug)]
pub struct Solo {
    pub node: Node,
    pub storage: MemStorage,
    /// Messages sent since the last `take_msgs`.
    pub out: Vec<Message>,
    pub events: Vec<Event>,
    /// Panic on an invariant violation (default); off for a deliberately broken configuration.
    pub strict: bool,
    checks: NodeChecks,
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
            checks: NodeChecks::new(&node),
            node,
            storage,
            out: Vec::new(),
            events: Vec::new(),
            strict: true,
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
        let promised = self.node.has_ready();
        let ready = self.node.ready();
        self.storage.persist(&ready);
        self.node.storage_mut().persist(&ready);
        let mut problems = self.checks.check(&self.node, &ready, self.storage.state());
        problems.extend(broken_promise(promised, &ready));
        if let Some(p) = problems.first().filter(|_| self.strict) {
            panic!("invariant violated: node {}: {p}", self.node.id());
        }
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
        self.checks.restarted(&self.node);
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

// ----- one node's invariants ---------------------------------------------------------------------

/// A leader may lead a configuration that leaves it out until that configuration's entry
/// commits, then steps down (dissertation §4.2.2): true for a leader whose configuration in
/// effect comes from an uncommitted entry of its log.
fn managing_its_own_removal(node: &Node) -> bool {
    let log = node.log();
    node.role() == Role::Leader
        && (log.committed() + 1..=log.last_index())
            .rev()
            .find_map(|i| match log.entry(i).map(|e| e.payload) {
                Some(Payload::Membership(m)) => Some(*m == *node.membership()),
                _ => None,
            })
            .unwrap_or(false)
}

/// The invariants of one node that hold whatever it is fed (well-formed, malformed or hostile
/// messages, ticks of any size, requests in any role, restarts), checked after every Ready its
/// driver handles: the term never decreases (also across restarts) and the vote never changes
/// within a term (Figure 2); committed entries are handed out once, in order, after the
/// snapshot; `snapshot <= applied <= commit <= last index`; the log's indexes are consecutive and
/// its terms never decrease nor pass the current term; committed entries never change while the
/// node runs; the durable state equals the in-memory state once the Ready is handled (nothing
/// the node sends may promise state a crash would lose); a leader or candidate voted for itself
/// and may vote (or, for a leader, is managing a configuration without itself whose entry has
/// not committed yet, dissertation §4.2.2); a learner is one in its configuration.
#[derive(Debug, Clone)]
pub struct NodeChecks {
    /// Highest term observed.
    max_term: Term,
    /// Hard state after the last check.
    last: HardState,
    /// Index of the next committed entry the driver expects to be handed.
    next_apply: Index,
    /// The committed part of the log at the last check.
    committed: Vec<Entry>,
}

impl NodeChecks {
    /// For a node that just started from its storage.
    pub fn new(node: &Node) -> Self {
        NodeChecks {
            max_term: node.term(),
            last: node.hard_state(),
            next_apply: node.log().applied() + 1,
            committed: Vec::new(),
        }
    }

    /// After a restart from storage: the application restarts from the snapshot, if any, and
    /// the volatile bookkeeping starts afresh; the term and vote carry on.
    pub fn restarted(&mut self, node: &Node) {
        self.next_apply = node.log().applied() + 1;
        self.committed.clear();
    }

    /// Checks `node` after its driver persisted `ready` into `stored`; returns the violations.
    pub fn check(&mut self, node: &Node, ready: &Ready, stored: &PersistentState) -> Vec<String> {
        let mut problems = Vec::new();
        let mut fail = |p: String| problems.push(p);
        if ready.restore_snapshot {
            if let Some(snap) = &ready.snapshot {
                self.next_apply = snap.meta.index + 1;
            }
        }
        for e in &ready.committed {
            if e.index != self.next_apply {
                fail(format!(
                    "applied {} where {} was next (committed entries handed out in order)",
                    e.index, self.next_apply
                ));
            }
            self.next_apply = e.index + 1;
        }
        let hs = node.hard_state();
        if hs.term < self.max_term {
            fail(format!(
                "term went back from {} to {}",
                self.max_term, hs.term
            ));
        }
        if hs.term == self.last.term && self.last.vote.is_some() && hs.vote != self.last.vote {
            fail(format!(
                "vote changed within term {} from {:?} to {:?}",
                hs.term, self.last.vote, hs.vote
            ));
        }
        self.max_term = self.max_term.max(hs.term);
        self.last = hs;
        if stored.hard_state != hs {
            fail(format!(
                "stored hard state {:?} differs from in-memory {hs:?}",
                stored.hard_state
            ));
        }
        let log = node.log();
        // The node holds the newest entries in memory and reads the rest from storage: what it
        // holds must be the stored log's suffix.
        let from = log.memory_start().checked_sub(stored.snapshot_index + 1);
        if from.and_then(|k| stored.entries.get(k as usize..)) != Some(&log.entries()[..])
            || stored.snapshot_index + stored.entries.len() as u64 != log.last_index()
        {
            fail("stored log differs from in-memory log after handling Ready".to_string());
        }
        if log.committed() > log.last_index() {
            fail(format!(
                "commit {} past last index {}",
                log.committed(),
                log.last_index()
            ));
        }
        if log.applied() > log.committed() {
            fail(format!(
                "applied {} past commit {}",
                log.applied(),
                log.committed()
            ));
        }
        if log.snapshot_index() > log.applied() {
            fail(format!(
                "snapshot {} past applied {}",
                log.snapshot_index(),
                log.applied()
            ));
        }
        if log.applied() + 1 != self.next_apply {
            fail(format!(
                "applied index {} but {} entries handed out",
                log.applied(),
                self.next_apply - 1
            ));
        }
        for w in log.entries().windows(2) {
            if w[1].index != w[0].index + 1 || w[1].term < w[0].term {
                fail(format!(
                    "log not consecutive or terms decrease at {}",
                    w[1].index
                ));
            }
        }
        if log.last_term() > hs.term {
            fail(format!(
                "entry of term {} after the current term {}",
                log.last_term(),
                hs.term
            ));
        }
        // Committed entries never change or go while the node runs (compaction only moves
        // them into the snapshot).
        for e in self
            .committed
            .iter()
            .filter(|e| e.index > log.snapshot_index())
        {
            if log.entry(e.index).as_ref() != Some(e) {
                fail(format!("committed entry {} changed", e.index));
            }
        }
        self.committed = log.slice(log.first_index(), log.committed() + 1, u64::MAX);
        if matches!(node.role(), Role::Leader | Role::Candidate) {
            if hs.vote != Some(node.id()) {
                fail(format!("{} without voting for itself", node.role()));
            }
            if !node.is_promotable() && !managing_its_own_removal(node) {
                fail(format!("{} but may not vote", node.role()));
            }
        }
        if node.role() == Role::Learner && !node.membership().is_learner(node.id()) {
            fail("learner role outside the learners".to_string());
        }
        problems
    }
}

// ----- random schedules (the property tests of robustness.rs and the fuzz target) -------------

/// Short timers (election timeout 10–20 ticks, heartbeat 3) so that short random schedules
/// reach elections, with the given switches.
pub fn quick_config(
    id: NodeId,
    pre_vote: bool,
    check_quorum: bool,
    lease_reads: bool,
    seed: u64,
) -> Config {
    let mut c = Config::new(id);
    c.election_timeout_min = 10;
    c.election_timeout_max = 20;
    c.heartbeat_interval = 3;
    c.pre_vote = pre_vote;
    c.check_quorum = check_quorum;
    c.read_mode = if lease_reads && check_quorum {
        ReadMode::Lease
    } else {
        ReadMode::Safe
    };
    c.seed = seed;
    c
}

/// The configurations node 1 is fed arbitrary input in, by `shape % 4`: alone; one of three
/// voters; one of three voters with learner 4; a learner beside voters 2, 3, 4.
pub fn solo_membership(shape: u8) -> Membership {
    match shape % 4 {
        0 => Membership::with_voters([1]),
        1 => three(),
        2 => Membership {
            voters: [1, 2, 3].into(),
            learners: [4].into(),
            ..Default::default()
        },
        _ => Membership {
            voters: [2, 3, 4].into(),
            learners: [1].into(),
            ..Default::default()
        },
    }
}

/// One step of a random fault schedule. Nodes are positions in the cluster's ids, taken modulo
/// its size.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Ticks one node.
    Tick(usize, u64),
    /// Ticks every live node.
    TickAll(u64),
    /// Delivers (or drops, on a cut link) the K oldest deliverable messages.
    Deliver(usize),
    /// Delivers until quiescent.
    DeliverAll,
    /// Loses the K-th message in flight (modulo the queue's length).
    DropOne(usize),
    /// A client command on a node.
    Propose(usize),
    /// A node times out now.
    Campaign(usize),
    /// Cuts every link of a node.
    Isolate(usize),
    /// Cuts both directions between two nodes.
    Cut(usize, usize),
    /// Restores every link.
    Heal,
    /// Crashes a node.
    Crash(usize),
    /// Restarts a crashed node.
    Restart(usize),
    /// Asks a node to hand leadership to another.
    Transfer(usize, usize),
    /// A ReadIndex request on a node.
    Read(usize),
    /// The first node's transport reports the second unreachable (`Input::Unreachable`).
    Unreachable(usize, usize),
}

impl Network {
    /// Applies one step of a fault schedule; a step that does not apply (ticking a crashed
    /// node, restarting a live one) does nothing, and refusals are expected outcomes.
    pub fn apply(&mut self, f: &Fault) {
        let ids = self.ids();
        let id = |i: usize| ids[i % ids.len()];
        match *f {
            Fault::Tick(i, t) if self.is_up(id(i)) => self.tick(id(i), t),
            Fault::TickAll(t) => self.tick_all(t),
            Fault::Deliver(k) => {
                for _ in 0..k {
                    self.deliver_one();
                }
            }
            Fault::DeliverAll => {
                self.deliver();
            }
            Fault::DropOne(k) if !self.queue.is_empty() => {
                self.drop_nth(k % self.queue.len());
            }
            Fault::Propose(i) if self.is_up(id(i)) => {
                self.proposals += 1;
                let _ = self.propose(id(i), &self.proposals.to_be_bytes());
            }
            Fault::Campaign(i) if self.is_up(id(i)) => self.campaign(id(i)),
            Fault::Isolate(i) => self.isolate(id(i)),
            Fault::Cut(a, b) if id(a) != id(b) => self.cut(id(a), id(b)),
            Fault::Heal => self.heal(),
            Fault::Crash(i) if self.is_up(id(i)) => self.crash(id(i)),
            Fault::Restart(i) if !self.is_up(id(i)) => self.restart(id(i)),
            Fault::Transfer(a, b) if self.is_up(id(a)) => {
                let _ = self.step(id(a), Input::TransferLeader(id(b)));
            }
            Fault::Read(i) if self.is_up(id(i)) => {
                let _ = self.step(id(i), Input::ReadIndex(7));
            }
            Fault::Unreachable(a, b) if self.is_up(id(a)) => {
                let _ = self.step(id(a), Input::Unreachable(id(b)));
            }
            _ => {}
        }
    }

    /// Log Matching (Figure 3): if two logs hold an entry with the same index and term, they are
    /// identical up to that index. Leader Completeness: a leader holds every entry committed in
    /// its term or an earlier one (a stale leader of an older term, cut off, may lack newer
    /// ones). (Election Safety and State Machine Safety are checked after every step.)
    pub fn check_logs(&self) -> Result<(), String> {
        let logs: BTreeMap<NodeId, Vec<Entry>> = self
            .ids()
            .into_iter()
            .filter(|&id| self.is_up(id))
            .map(|id| (id, self.node(id).log().collect_entries().to_vec()))
            .collect();
        for (a, la) in &logs {
            for (b, lb) in logs.range(a + 1..) {
                let common = la.len().min(lb.len());
                if let Some(k) = (0..common).rev().find(|&k| la[k].term == lb[k].term) {
                    if la[..=k] != lb[..=k] {
                        return Err(format!(
                            "Log Matching: {a} and {b} agree on entry {} but differ before it",
                            la[k].index
                        ));
                    }
                }
            }
        }
        for id in self.ids() {
            if !self.is_up(id) || self.node(id).role() != Role::Leader {
                continue;
            }
            let term = self.node(id).term();
            for other in self.ids() {
                for e in &self.peer(other).applied {
                    if self.commit_terms[&e.index] > term {
                        continue;
                    }
                    if self.node(id).log().entry(e.index).as_ref() != Some(e) {
                        return Err(format!(
                            "Leader Completeness: leader {id} of term {term} lacks applied entry {}",
                            e.index
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// raft-core's read-stall switch over the in-memory store: every read fails with `NotReady`
/// while `stalled` is set.
pub type Stalling = raft_core::Stalling<MemStorage>;

/// `Node::has_ready` answered false before a `ready()` that handed something out: a driver that
/// trusts it (skipping `ready` while it is false) would never persist, send or apply that.
pub fn broken_promise(promised: bool, ready: &raft_core::Ready) -> Option<String> {
    (!promised && !ready.is_empty()).then(|| {
        format!(
            "has_ready() was false, but ready() handed out {} message(s), {} entries, {} \
             committed, {} read(s), {} event(s), hard state {:?}, a snapshot: {}",
            ready.messages.len(),
            ready.entries.len(),
            ready.committed.len(),
            ready.reads.len(),
            ready.events.len(),
            ready.hard_state,
            ready.snapshot.is_some()
        )
    })
}

// ----- replies slower than the election timeout (slow_replies.rs, planted_bugs.rs) ------------

pub fn is_vote_resp(m: &Message) -> bool {
    matches!(m.body, Body::VoteResp { .. })
}

pub fn is_pre_vote_resp(m: &Message) -> bool {
    matches!(m.body, Body::PreVoteResp { .. })
}

/// Ticks node `id` alone until its election timer has fired once (it starts a new round).
pub fn fire_election_timer(net: &mut Network, id: u64) {
    let elections = |net: &Network| {
        net.events(id)
            .iter()
            .filter(|e| matches!(e, Event::ElectionStarted { .. }))
            .count()
    };
    let before = elections(net);
    let max = net.node(id).config().election_timeout_max;
    for _ in 0..=2 * max {
        net.tick(id, 1);
        if elections(net) > before {
            return;
        }
    }
    panic!("node {id}'s election timer never fired");
}

/// S1 campaigns in a 5-node cluster; its pre-vote round completes and every voter answers its
/// vote request for term 1, but the answers wait in the queue: returns them (S1 stays a
/// candidate of term 1).
pub fn campaign_with_votes_held(net: &mut Network) -> Vec<Message> {
    net.campaign(1);
    net.deliver_where(|m| !is_vote_resp(m));
    assert_eq!(net.node(1).role(), Role::Candidate);
    assert_eq!(net.node(1).term(), 1);
    let answers: Vec<Message> = net
        .queue()
        .iter()
        .filter(|m| is_vote_resp(m))
        .cloned()
        .collect();
    assert_eq!(answers.len(), 4, "every voter answered");
    answers
}

/// S1's timer fires into a new pre-vote round of term 1 (its pre-votes are dropped), then the
/// vote answers `late`, held back until now, arrive.
pub fn late_votes_in_a_new_round(net: &mut Network, late: Vec<Message>) {
    fire_election_timer(net, 1);
    assert_eq!(net.node(1).role(), Role::PreCandidate);
    assert_eq!(net.node(1).term(), 1);
    net.drop_where(|m| matches!(m.body, Body::PreVote { .. }));
    for m in late {
        net.deliver_msg(m);
    }
}

/// Votes held up in the network from before S1 crashed reach the restarted S1 in a new pre-vote
/// round of the same term: they must not elect it (slow_replies.rs says why; the planted bug
/// `LateVotesWithoutCampaign` breaks it).
pub fn late_votes_from_before_a_restart_do_not_elect(cfg: &dyn Fn(NodeId) -> Config) {
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3, 4, 5]), cfg);
    let late = campaign_with_votes_held(&mut net);
    net.drop_all();
    net.crash(1);
    net.restart(1);
    assert_eq!(net.node(1).term(), 1);
    assert_eq!(
        net.node(1).vote(),
        Some(1),
        "its own vote in term 1 persisted"
    );
    late_votes_in_a_new_round(&mut net, late);
    assert_ne!(
        net.node(1).role(),
        Role::Leader,
        "votes answering the process before the crash"
    );
    assert_eq!(net.node(1).term(), 1);
}

/// S1 campaigned in term 1, then followed S2, leader of term 1: its late votes must not elect it
/// (slow_replies.rs says why; the planted bug `LateVotesAfterFollowing` breaks it).
pub fn late_votes_do_not_elect_after_following_another_leader(cfg: &dyn Fn(NodeId) -> Config) {
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3, 4, 5]), cfg);
    let late = campaign_with_votes_held(&mut net);
    net.deliver_msg(Message {
        from: 2,
        to: 1,
        term: 1,
        body: Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    });
    assert_eq!(net.node(1).role(), Role::Follower);
    assert_eq!(net.node(1).leader(), Some(2));
    net.drop_all();
    late_votes_in_a_new_round(&mut net, late);
    assert_ne!(
        net.node(1).role(),
        Role::Leader,
        "S2 leads term 1: S1 lost it"
    );
    assert_eq!(net.node(1).term(), 1);
}
