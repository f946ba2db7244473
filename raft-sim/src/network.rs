//! The virtual network: per-link state, latency, loss, duplication, reordering, partitions,
//! held links, and every message in flight with an id (so a person can drop or deliver one).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use crate::calendar::Calendar;
use crate::rng::SimRng;
use raft_core::message::Message;
use raft_core::types::NodeId;

/// Fault and timing settings of the network. Probabilities are in parts per million.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct NetConfig {
    /// Minimum one-way latency in ms.
    pub latency_min: u64,
    /// Maximum one-way latency in ms (uniform between the two).
    pub latency_max: u64,
    /// Probability that a message is lost.
    pub drop_ppm: u32,
    /// Probability that a message is delivered twice.
    pub dup_ppm: u32,
    /// Probability that a message is delayed by up to a further `2 × latency_max`, overtaking
    /// later ones. Without it each link is FIFO, as over TCP.
    pub reorder_ppm: u32,
    /// Probability that a reply (`*_resp`) is held back by a further
    /// `reply_delay_min..=reply_delay_max` ms, overtaking later messages: the long-tailed reply
    /// delays of a congested or reordering network (the MIT 6.824 labs' "long reordering"
    /// delays replies by 200–2,200 ms).
    pub reply_delay_ppm: u32,
    /// Least extra delay of a held-back reply, in ms.
    pub reply_delay_min: u64,
    /// Most extra delay of a held-back reply, in ms (at most 60,000).
    pub reply_delay_max: u64,
}

impl Default for NetConfig {
    /// The reference use case: 10–18 ms one way, no faults.
    fn default() -> Self {
        NetConfig {
            latency_min: 10,
            latency_max: 18,
            drop_ppm: 0,
            dup_ppm: 0,
            reorder_ppm: 0,
            reply_delay_ppm: 0,
            reply_delay_min: 0,
            reply_delay_max: 0,
        }
    }
}

/// State of a directed link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum LinkState {
    /// Messages flow.
    Healthy,
    /// Messages are lost (a cut or a partition).
    Cut,
    /// Messages are parked until the link is released.
    Held,
}

/// A message on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// Unique id, in order of sending.
    pub id: u64,
    /// The message.
    pub msg: Message,
    /// Virtual time it was sent.
    pub sent_at: u64,
    /// Virtual time it arrives; `None` while parked on a held link.
    pub deliver_at: Option<u64>,
}

/// What happened to a message handed to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// In flight with this id (and a duplicate's id, if duplicated).
    Queued(u64, Option<u64>),
    /// Lost, for the given reason ("cut" or "loss").
    Dropped(u64, &'static str),
}

/// True for answers to a request (the messages the long reply delay applies to).
fn is_reply(msg: &Message) -> bool {
    use raft_core::message::Body;
    matches!(
        msg.body,
        Body::PreVoteResp { .. }
            | Body::VoteResp { .. }
            | Body::AppendResp { .. }
            | Body::HeartbeatResp { .. }
            | Body::SnapshotResp { .. }
    )
}

/// Node ids below this have their links' tails in a table (see `Network::tails`).
const DENSE_IDS: NodeId = 64;

/// The network between simulated nodes.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Timing and faults.
    pub config: NetConfig,
    links: BTreeMap<(NodeId, NodeId), LinkState>,
    /// The state of each link between ids below [`DENSE_IDS`], by `[from][to]` (missing:
    /// healthy), kept with `links` by [`Network::set_link`]: read at every send, where the
    /// map's search of (from, to) pairs was about 0.4% of a `raft-sim check` run.
    link_table: Vec<Vec<LinkState>>,
    /// Messages scheduled for delivery when sent, by id: slot `k` holds id `base + k` (`None`:
    /// delivered, removed, or never queued). Ids are handed out in increasing order and such a
    /// message leaves within its delay (a minute or two at most), so the slots at the front
    /// empty soon and are dropped: the span stays about as long as the traffic of one delay.
    /// A deque rather than an ordered map: a send and a delivery are a push and an index
    /// instead of a tree insertion and removal (a tenth of `check`'s instructions went to the
    /// map).
    scheduled: VecDeque<Option<InFlight>>,
    /// Id of `scheduled`'s first slot.
    base: u64,
    /// Messages sent on a held link, by id, until they leave (they may wait for as long as
    /// the link is held, so they stay out of `scheduled`, whose front they would pin).
    parked: BTreeMap<u64, InFlight>,
    /// Messages in `scheduled`.
    scheduled_count: usize,
    /// Delivery order: (time, id) pairs popped least first, so ties at one time go by id, the
    /// order the messages were sent (a calendar queue, [`Calendar`]: one append and one pop
    /// per message, no tree nodes to allocate and no heap to sift). An entry is live while its message is in flight with that
    /// delivery time; a removed or rescheduled message leaves a stale entry behind, dropped
    /// when it reaches the top ([`Network::settle`]), so the top is always live. Stale entries
    /// are at most one per removal or reschedule (a person's actions, a link's release).
    schedule: Calendar,
    /// Latest delivery time scheduled on each link, to keep links FIFO (0: none yet), read
    /// and written at every send: by `[from][to]` for ids below [`DENSE_IDS`] (a cluster's ids
    /// are 1, 2, 3…; a search, even a binary one, cost about as much as the rest of the send),
    /// and in a map sorted by link (the checker's `litemap`) for any other.
    tails: Vec<Vec<u64>>,
    tails_sparse: litemap::LiteMap<(NodeId, NodeId), u64>,
    next_id: u64,
    /// Replies held back by the long reply delay so far ([`NetConfig::reply_delay_ppm`]).
    held_replies: u64,
}

/// The cell `[from][to]` of a table indexed by link for ids below [`DENSE_IDS`] (`tails`,
/// `link_table`), grown with `empty` as needed: a missing cell reads as `empty`.
fn dense_slot<T: Clone>(table: &mut Vec<Vec<T>>, from: NodeId, to: NodeId, empty: T) -> &mut T {
    let (f, t) = (from as usize, to as usize);
    if table.len() <= f {
        table.resize_with(f + 1, Vec::new);
    }
    let row = &mut table[f];
    if row.len() <= t {
        row.resize(t + 1, empty);
    }
    &mut row[t]
}

impl Network {
    /// A healthy network with `config`.
    pub fn new(config: NetConfig) -> Self {
        Network {
            config,
            next_id: 1,
            ..Default::default()
        }
    }

    /// The state of the directed link `from → to`.
    pub fn link(&self, from: NodeId, to: NodeId) -> LinkState {
        if self.links.is_empty() {
            return LinkState::Healthy;
        }
        if from < DENSE_IDS && to < DENSE_IDS {
            return self
                .link_table
                .get(from as usize)
                .and_then(|row| row.get(to as usize))
                .copied()
                .unwrap_or(LinkState::Healthy);
        }
        self.links
            .get(&(from, to))
            .copied()
            .unwrap_or(LinkState::Healthy)
    }

    /// Sets the state of the directed link `from → to`. Releasing a held link schedules its
    /// parked messages from `now`; cutting it drops nothing already in flight.
    pub fn set_link(
        &mut self,
        from: NodeId,
        to: NodeId,
        state: LinkState,
        now: u64,
        rng: &mut SimRng,
    ) {
        if state == LinkState::Healthy {
            self.links.remove(&(from, to));
        } else {
            self.links.insert((from, to), state);
        }
        if from < DENSE_IDS && to < DENSE_IDS {
            *dense_slot(&mut self.link_table, from, to, LinkState::Healthy) = state;
        }
        if state != LinkState::Held {
            let parked: Vec<u64> = self
                .parked
                .values()
                .filter(|f| f.deliver_at.is_none() && f.msg.from == from && f.msg.to == to)
                .map(|f| f.id)
                .collect();
            for id in parked {
                let at = self.arrival((from, to), now, rng);
                if let Some(f) = self.get_mut(id) {
                    f.deliver_at = Some(at);
                    self.schedule.push(at, id);
                }
            }
        }
    }

    /// Splits the nodes into groups that cannot reach each other (both directions); links
    /// within a group are healed.
    pub fn partition(&mut self, groups: &[Vec<NodeId>], now: u64, rng: &mut SimRng) {
        let all: Vec<(NodeId, usize)> = groups
            .iter()
            .enumerate()
            .flat_map(|(g, ids)| ids.iter().map(move |&id| (id, g)))
            .collect();
        for &(a, ga) in &all {
            for &(b, gb) in &all {
                if a != b {
                    let state = if ga == gb {
                        LinkState::Healthy
                    } else {
                        LinkState::Cut
                    };
                    self.set_link(a, b, state, now, rng);
                }
            }
        }
    }

    /// Heals every link (held messages are released).
    pub fn heal_all(&mut self, now: u64, rng: &mut SimRng) {
        let keys: Vec<(NodeId, NodeId)> = self.links.keys().copied().collect();
        for (a, b) in keys {
            self.set_link(a, b, LinkState::Healthy, now, rng);
        }
    }

    /// How many replies the long reply delay has held back ([`NetConfig::reply_delay_ppm`]).
    pub fn held_replies(&self) -> u64 {
        self.held_replies
    }

    /// Links that are not healthy, in order.
    pub fn faulty_links(&self) -> impl Iterator<Item = ((NodeId, NodeId), LinkState)> + '_ {
        self.links.iter().map(|(&k, &v)| (k, v))
    }

    /// Arrival time of a message sent on `link` at `now`: a drawn latency, but never before the
    /// previous message on the link (FIFO), unless the reorder fault strikes.
    fn arrival(&mut self, link: (NodeId, NodeId), now: u64, rng: &mut SimRng) -> u64 {
        self.arrival_of(link, false, now, rng)
    }

    /// [`Network::arrival`] for a message that may be a reply: replies may be held back by the
    /// long reply delay (no draw is made when it is off, so runs without it are unchanged).
    fn arrival_of(
        &mut self,
        link: (NodeId, NodeId),
        reply: bool,
        now: u64,
        rng: &mut SimRng,
    ) -> u64 {
        let at = now + rng.range(self.config.latency_min, self.config.latency_max);
        if reply && rng.chance(self.config.reply_delay_ppm) {
            self.held_replies += 1;
            return at + rng.range(self.config.reply_delay_min, self.config.reply_delay_max);
        }
        if rng.chance(self.config.reorder_ppm) {
            return at + rng.range(1, 2 * self.config.latency_max.max(1));
        }
        let tail = self.tail_mut(link);
        *tail = (*tail).max(at);
        *tail
    }

    /// The latest delivery time scheduled on `link` (see `tails`).
    fn tail_mut(&mut self, (from, to): (NodeId, NodeId)) -> &mut u64 {
        if from < DENSE_IDS && to < DENSE_IDS {
            return dense_slot(&mut self.tails, from, to, 0);
        }
        self.tails_sparse.entry((from, to)).or_insert(0)
    }

    /// Inlined into the send (as [`Network::take`] and [`Network::pop_due`] into the
    /// delivery): a call boundary made the 88-byte message and its `InFlight` be copied into
    /// an argument, a local and the queue's slot in turn; inlined, they are built in place
    /// (1.1% fewer instructions for `raft-sim check`, together).
    #[inline(always)]
    fn enqueue(&mut self, msg: Message, now: u64, deliver_at: Option<u64>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if let Some(at) = deliver_at {
            self.schedule.push(at, id);
        }
        let f = InFlight {
            id,
            msg,
            sent_at: now,
            deliver_at,
        };
        if deliver_at.is_none() {
            self.parked.insert(id, f);
            return id;
        }
        if self.scheduled.is_empty() {
            self.base = id;
        }
        while self.base + (self.scheduled.len() as u64) < id {
            self.scheduled.push_back(None);
        }
        self.scheduled.push_back(Some(f));
        self.scheduled_count += 1;
        id
    }

    /// Hands a message to the network at time `now`. Random draws happen in a fixed order.
    pub fn send(&mut self, msg: Message, now: u64, rng: &mut SimRng) -> SendOutcome {
        self.send_or_return(msg, now, rng).0
    }

    /// [`Network::send`], handing a dropped message back (`None` when it was queued: it is in
    /// flight, see [`Network::get`]), so that the caller can record it without having cloned
    /// it beforehand: the same draws and the same outcome as `send`.
    pub fn send_or_return(
        &mut self,
        msg: Message,
        now: u64,
        rng: &mut SimRng,
    ) -> (SendOutcome, Option<Message>) {
        match self.link(msg.from, msg.to) {
            LinkState::Cut => {
                let id = self.next_id;
                self.next_id += 1;
                return (SendOutcome::Dropped(id, "cut"), Some(msg));
            }
            LinkState::Held => {
                let id = self.enqueue(msg, now, None);
                return (SendOutcome::Queued(id, None), None);
            }
            LinkState::Healthy => {}
        }
        if rng.chance(self.config.drop_ppm) {
            let id = self.next_id;
            self.next_id += 1;
            return (SendOutcome::Dropped(id, "loss"), Some(msg));
        }
        let dup = rng.chance(self.config.dup_ppm);
        let link = (msg.from, msg.to);
        let reply = is_reply(&msg);
        let at = self.arrival_of(link, reply, now, rng);
        if !dup {
            return (
                SendOutcome::Queued(self.enqueue(msg, now, Some(at)), None),
                None,
            );
        }
        let id = self.enqueue(msg.clone(), now, Some(at));
        let at2 = self.arrival_of(link, reply, now, rng);
        (
            SendOutcome::Queued(id, Some(self.enqueue(msg, now, Some(at2)))),
            None,
        )
    }

    /// Time of the next delivery, if any.
    pub fn next_delivery(&self) -> Option<u64> {
        self.schedule.peek().map(|(t, _)| t)
    }

    /// Drops stale entries from the top of the schedule, so that the top is a message in
    /// flight due at its time: called after anything removes or reschedules a message.
    #[inline]
    fn settle(&mut self) {
        while let Some((t, id)) = self.schedule.peek() {
            if self.get(id).is_some_and(|f| f.deliver_at == Some(t)) {
                return;
            }
            self.schedule.pop();
        }
    }

    /// Removes and returns the next message due at or before `now`.
    /// Inlined (see [`Network::enqueue`]).
    #[inline(always)]
    pub fn pop_due(&mut self, now: u64) -> Option<InFlight> {
        let (t, id) = self.schedule.peek()?;
        if t > now {
            return None;
        }
        self.schedule.pop();
        let f = self.take(id);
        self.settle();
        f
    }

    /// Removes a message in flight (a person dropped it). Returns it if it existed.
    pub fn remove(&mut self, id: u64) -> Option<InFlight> {
        let f = self.take(id)?;
        self.settle();
        Some(f)
    }

    /// Reschedules a message in flight to arrive at `now` (a person delivered it early).
    pub fn expedite(&mut self, id: u64, now: u64) -> bool {
        let Some(f) = self.get_mut(id) else {
            return false;
        };
        f.deliver_at = Some(now);
        self.schedule.push(now, id);
        self.settle();
        true
    }

    /// The message in flight with this id, if any (a keyed lookup).
    pub fn get(&self, id: u64) -> Option<&InFlight> {
        match self.slot(id).and_then(|k| self.scheduled[k].as_ref()) {
            Some(f) => Some(f),
            None => self.parked.get(&id),
        }
    }

    /// `scheduled`'s slot for id `id`, if in its span (it may be empty: the message may be
    /// parked, or gone).
    fn slot(&self, id: u64) -> Option<usize> {
        let k = usize::try_from(id.checked_sub(self.base)?).ok()?;
        (k < self.scheduled.len()).then_some(k)
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut InFlight> {
        match self.slot(id).filter(|&k| self.scheduled[k].is_some()) {
            Some(k) => self.scheduled[k].as_mut(),
            None => self.parked.get_mut(&id),
        }
    }

    /// Takes message `id` out of the network, dropping the emptied slots at the front.
    /// Inlined (see [`Network::enqueue`]).
    #[inline(always)]
    fn take(&mut self, id: u64) -> Option<InFlight> {
        let Some(f) = self.slot(id).and_then(|k| self.scheduled[k].take()) else {
            return self.parked.remove(&id);
        };
        self.scheduled_count -= 1;
        while matches!(self.scheduled.front(), Some(None)) {
            self.scheduled.pop_front();
            self.base += 1;
        }
        Some(f)
    }

    /// Every message in flight, by id.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        // The two by id, merged.
        let mut a = self.scheduled.iter().flatten().peekable();
        let mut b = self.parked.values().peekable();
        core::iter::from_fn(move || match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if y.id < x.id => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        })
    }

    /// Number of messages in flight (parked ones included).
    pub fn in_flight_count(&self) -> usize {
        self.scheduled_count + self.parked.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::message::Body;

    fn hb(from: NodeId, to: NodeId) -> Message {
        Message {
            from,
            to,
            term: 1,
            body: Body::Heartbeat {
                commit: 0,
                read_ctx: 0,
            },
        }
    }

    /// Pops every due message up to `until`, as the world does, with its delivery time.
    fn drain(net: &mut Network, until: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        while let Some(t) = net.next_delivery().filter(|&t| t <= until) {
            let f = net.pop_due(t).expect("the schedule's top is in flight");
            assert_eq!(f.deliver_at, Some(t));
            out.push((t, f.id));
        }
        out
    }

    /// Links stay first in, first out (without the reorder fault) whatever their nodes' ids,
    /// small ones (the table) and large ones (the sorted list) alike, each link on its own.
    #[test]
    fn links_are_fifo_for_small_and_large_ids() {
        let config = NetConfig {
            latency_min: 1,
            latency_max: 50,
            ..NetConfig::default()
        };
        let mut net = Network::new(config);
        let mut rng = SimRng::new(9);
        let links = [(1, 2), (2, 1), (63, 64), (64, 63), (1_000, 7), (7, 1 << 40)];
        let mut last = [0u64; 6];
        for now in 0..300 {
            for (k, &(a, b)) in links.iter().enumerate() {
                let SendOutcome::Queued(id, None) = net.send(hb(a, b), now, &mut rng) else {
                    panic!("a healthy link queues");
                };
                let at = net.get(id).and_then(|f| f.deliver_at).expect("scheduled");
                assert!(at >= last[k], "link {a}->{b}: {at} before {}", last[k]);
                last[k] = at;
            }
        }
        // Each link's own: the long latency of one does not hold another back.
        assert!(last.iter().all(|&t| t < 300 + 50));
    }

    /// The schedule delivers by (time, id) and skips what was removed or rescheduled: a removed
    /// message never arrives, an expedited one arrives once, at its new time.
    #[test]
    fn deliveries_go_by_time_then_id_and_skip_removed_or_rescheduled_ones() {
        let config = NetConfig {
            latency_min: 10,
            latency_max: 10,
            ..NetConfig::default()
        };
        let mut net = Network::new(config);
        let mut rng = SimRng::new(1);
        let ids: Vec<u64> = [(1, 2), (2, 1), (1, 3), (3, 1)]
            .iter()
            .map(|&(a, b)| match net.send(hb(a, b), 0, &mut rng) {
                SendOutcome::Queued(id, None) => id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(net.remove(ids[0]).is_some());
        assert!(net.expedite(ids[3], 5));
        // A message expedited to the time it already had arrives once.
        assert!(net.expedite(ids[2], 10));
        assert_eq!(
            drain(&mut net, 100),
            [(5, ids[3]), (10, ids[1]), (10, ids[2])]
        );
        assert_eq!(net.in_flight_count(), 0);
        assert_eq!(net.next_delivery(), None);
    }

    /// A message parked on a held link keeps its place among the scheduled ones: found by id,
    /// listed in id order, counted, removable, and delivered once the link is released, while
    /// the scheduled messages around it come and go.
    #[test]
    fn parked_messages_live_beside_scheduled_ones() {
        let mut rng = SimRng::new(1);
        let mut net = Network::new(NetConfig::default());
        net.set_link(1, 3, LinkState::Held, 0, &mut rng);
        let a = net.send(hb(1, 2), 0, &mut rng);
        let held = net.send(hb(1, 3), 0, &mut rng);
        let b = net.send(hb(1, 2), 0, &mut rng);
        let gone = net.send(hb(1, 3), 0, &mut rng);
        let ids = |net: &Network| net.in_flight().map(|f| f.id).collect::<Vec<_>>();
        assert_eq!(
            [a, held, b, gone],
            [1, 2, 3, 4].map(|id| SendOutcome::Queued(id, None))
        );
        assert_eq!(ids(&net), [1, 2, 3, 4]);
        assert_eq!(net.in_flight_count(), 4);
        assert_eq!(net.get(2).map(|f| f.msg.to), Some(3));
        assert_eq!(net.remove(4).map(|f| f.id), Some(4));
        assert_eq!(net.get(4), None);
        let delivered: Vec<u64> = drain(&mut net, 1_000)
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(delivered, [1, 3]);
        assert_eq!(ids(&net), [2]);
        assert_eq!(net.get(2).and_then(|f| f.deliver_at), None);
        net.set_link(1, 3, LinkState::Healthy, 1_000, &mut rng);
        let delivered: Vec<u64> = drain(&mut net, 2_000)
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        assert_eq!(delivered, [2]);
        assert_eq!(net.in_flight_count(), 0);
        assert_eq!(ids(&net), Vec::<u64>::new());
        // Scheduled again after the deque emptied: ids go on from where they were.
        assert_eq!(
            net.send(hb(2, 1), 2_000, &mut rng),
            SendOutcome::Queued(5, None)
        );
        assert_eq!(ids(&net), [5]);
    }

    /// Each link's state reads back as set, for small ids (the table) and large ones (the
    /// map) alike, through cuts, holds, heals, partitions and a heal of everything: what
    /// `faulty_links` lists, and healthy for every other link.
    #[test]
    fn link_states_read_back_as_set() {
        let ids = [1, 2, 3, 5, 63, 64, 1_000, 1 << 40];
        let mut rng = SimRng::new(4);
        let mut net = Network::new(NetConfig::default());
        for round in 0..400 {
            let pick = |rng: &mut SimRng| ids[rng.range(0, ids.len() as u64 - 1) as usize];
            match rng.range(0, 9) {
                0 => net.heal_all(round, &mut rng),
                1 => {
                    let (a, b) = (pick(&mut rng), pick(&mut rng));
                    net.partition(&[alloc::vec![a], alloc::vec![b]], round, &mut rng);
                }
                k => {
                    let state =
                        [LinkState::Healthy, LinkState::Cut, LinkState::Held][(k % 3) as usize];
                    let (a, b) = (pick(&mut rng), pick(&mut rng));
                    net.set_link(a, b, state, round, &mut rng);
                }
            }
            let faulty: BTreeMap<(NodeId, NodeId), LinkState> = net.faulty_links().collect();
            for &a in &ids {
                for &b in &ids {
                    let want = faulty.get(&(a, b)).copied().unwrap_or(LinkState::Healthy);
                    assert_eq!(net.link(a, b), want, "round {round}: link {a}->{b}");
                }
            }
        }
    }
}
