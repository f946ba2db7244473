//! The network between machines of a multi-group world ([`crate::groups`]) when heartbeats are
//! coalesced: one [`Batch`] per ordered machine pair per flush carries every group's heartbeats
//! and heartbeat answers from one machine to the other. A batch is what this network delays,
//! drops and cuts: a lost batch loses every heartbeat in it.
//!
//! Hand-written rather than a second [`crate::network::Network`]: that one carries single Raft
//! messages between the nodes of one group; this one carries bundles between machines, with only
//! the faults a machine-level link has here (latency, loss, cuts; FIFO per link). Duplication,
//! reordering and the long reply delay of [`crate::network::NetConfig`] apply to each group's
//! own traffic only.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use crate::network::NetConfig;
use crate::rng::SimRng;
use raft_core::message::Message;

/// A machine's id (from 1).
pub type MachineId = u32;

/// Heartbeats and answers of several groups travelling together from one machine to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Sending machine.
    pub from: MachineId,
    /// Receiving machine.
    pub to: MachineId,
    /// Each carried message with its group (index from 0), in the order they were sent.
    pub items: Vec<(usize, Message)>,
}

/// Counters of the machine network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MachineNetStats {
    /// Batches each machine sent (lost ones included: sending costs the sender all the same).
    pub sent_by: BTreeMap<MachineId, u64>,
    /// Heartbeats and answers carried in all batches sent.
    pub carried: u64,
    /// Batches lost (cut link or loss).
    pub dropped: u64,
    /// Batches delivered.
    pub delivered: u64,
}

/// Links between machines, batches in flight, and their own seeded generator (so that turning
/// coalescing on moves no draw of any group's generator).
#[derive(Debug, Clone)]
pub struct MachineNet {
    config: NetConfig,
    rng: SimRng,
    cut: BTreeSet<(MachineId, MachineId)>,
    /// Latest arrival scheduled on each link, to keep links FIFO.
    tails: BTreeMap<(MachineId, MachineId), u64>,
    /// Batches in flight by (arrival time, id).
    in_flight: BTreeMap<(u64, u64), Batch>,
    next_id: u64,
    stats: MachineNetStats,
}

impl MachineNet {
    /// A healthy machine network with the latency and loss of `config`, drawing from `seed`.
    pub fn new(config: NetConfig, seed: u64) -> Self {
        MachineNet {
            config,
            rng: SimRng::new(seed),
            cut: BTreeSet::new(),
            tails: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            next_id: 1,
            stats: MachineNetStats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> &MachineNetStats {
        &self.stats
    }

    /// Changes latency and loss from now on (batches in flight keep their arrival times).
    pub fn set_config(&mut self, config: NetConfig) {
        self.config = config;
    }

    /// Cuts (or heals) the one-way link `from → to`. Batches already in flight still arrive.
    pub fn set_cut(&mut self, from: MachineId, to: MachineId, cut: bool) {
        if cut {
            self.cut.insert((from, to));
        } else {
            self.cut.remove(&(from, to));
        }
    }

    /// Heals every link.
    pub fn heal_all(&mut self) {
        self.cut.clear();
    }

    /// Whether `from → to` is cut.
    pub fn is_cut(&self, from: MachineId, to: MachineId) -> bool {
        self.cut.contains(&(from, to))
    }

    /// Sends `batch` at `now`: lost on a cut link or by the configured loss, else delivered after
    /// a drawn latency, never before an earlier batch on the same link. Returns whether it is in
    /// flight.
    pub fn send(&mut self, batch: Batch, now: u64) -> bool {
        *self.stats.sent_by.entry(batch.from).or_insert(0) += 1;
        self.stats.carried += batch.items.len() as u64;
        let link = (batch.from, batch.to);
        if self.cut.contains(&link) || self.rng.chance(self.config.drop_ppm) {
            self.stats.dropped += 1;
            return false;
        }
        let at = now
            + self
                .rng
                .range(self.config.latency_min, self.config.latency_max);
        let tail = self.tails.entry(link).or_insert(0);
        *tail = (*tail).max(at);
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.insert((*tail, id), batch);
        true
    }

    /// Time of the next arrival, if any.
    pub fn next_delivery(&self) -> Option<u64> {
        self.in_flight.keys().next().map(|&(t, _)| t)
    }

    /// Removes and returns the next batch due at or before `now`.
    pub fn pop_due(&mut self, now: u64) -> Option<Batch> {
        let (&(t, id), _) = self.in_flight.iter().next()?;
        if t > now {
            return None;
        }
        self.stats.delivered += 1;
        self.in_flight.remove(&(t, id))
    }

    /// Batches in flight.
    pub fn in_flight_count(&self) -> usize {
        self.in_flight.len()
    }
}
