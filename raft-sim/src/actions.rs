//! What a person, a lesson or a scenario can do to a running simulation. Every action is
//! recorded with its virtual time, so a run is reproduced from its options and its actions.

use alloc::vec::Vec;

use crate::network::NetConfig;
use raft_core::types::NodeId;

/// An action on the world.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Action {
    /// Crash a node: volatile state is lost, durable state kept.
    Crash {
        /// Node.
        node: NodeId,
    },
    /// Restart a crashed node from its durable state.
    Restart {
        /// Node.
        node: NodeId,
    },
    /// Split the cluster into groups that cannot reach each other.
    Partition {
        /// The groups; nodes not listed keep their links.
        groups: Vec<Vec<NodeId>>,
    },
    /// Cut every link of one node, both ways.
    Isolate {
        /// Node.
        node: NodeId,
    },
    /// Heal every link.
    Heal,
    /// Cut the one-way link `from → to`.
    Cut {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Heal the one-way link `from → to`.
    Reconnect {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Park messages on the one-way link `from → to` until released.
    Hold {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Release messages parked on `from → to` (the link becomes healthy).
    Release {
        /// Sender side.
        from: NodeId,
        /// Receiver side.
        to: NodeId,
    },
    /// Drop one message in flight.
    DropMessage {
        /// Message id.
        id: u64,
    },
    /// Deliver one message in flight now.
    DeliverMessage {
        /// Message id.
        id: u64,
    },
    /// A client request: put `value` under `key`, sent to the leader, in a client session of its
    /// own (at most [`crate::world::MAX_PERSON_REQUESTS`] pending at once).
    Request {
        /// Key.
        key: alloc::string::String,
        /// Value.
        value: alloc::string::String,
    },
    /// A client read of `key` sent first to one node (a person choosing whom to ask); like any
    /// client it then follows redirects and retries elsewhere on timeouts. A linearizable read
    /// needs the node that answers to be the leader and to confirm it still is (§6.4).
    Read {
        /// The node asked.
        node: NodeId,
        /// Key.
        key: alloc::string::String,
    },
    /// Make a node's election timer fire now.
    Campaign {
        /// Node.
        node: NodeId,
    },
    /// Ask the current leader to hand leadership to `to`.
    TransferLeader {
        /// Target.
        to: NodeId,
    },
    /// Change the network's timing and faults.
    Network {
        /// New settings.
        config: NetConfig,
    },
    /// Turn the steady client load on or off.
    ClientLoad {
        /// On or off.
        on: bool,
    },
    /// Start a new node (the next free id) and have the leader add it as a learner
    /// (dissertation §4.2.1): it catches up without counting towards any quorum.
    AddNode,
    /// Have the leader promote a learner to voter (a single-server change, dissertation §4.1).
    Promote {
        /// The learner.
        node: NodeId,
    },
    /// Have the leader remove a member (a single-server change).
    Remove {
        /// The node.
        node: NodeId,
    },
    /// Have the leader move to a new set of voters through joint consensus (dissertation §4.3).
    Reconfigure {
        /// The voters of the new configuration.
        voters: Vec<NodeId>,
    },
    /// Make a node snapshot its state machine and compact its log now (paper §7).
    Compact {
        /// Node.
        node: NodeId,
    },
    /// Propose putting `value` under `key` on this node, as a test harness hands a command to a
    /// chosen server (the labs' `Start`): a leader appends it, any other node refuses it.
    /// [`crate::World::propose`] does this and returns the entry's index and term. The command
    /// runs in a session of its own ([`crate::world::PROPOSER_CLIENT`]), outside the checked
    /// client history: keep its keys apart from the clients' keys.
    Propose {
        /// The node asked.
        node: NodeId,
        /// Key.
        key: alloc::string::String,
        /// Value.
        value: alloc::string::String,
    },
    /// Hand the network a message as if `message.from` had sent it: a buggy or hostile peer, or
    /// a test's hand-made message. Links and faults apply as to any message; a recipient that
    /// does not exist or is down loses it, and a malformed one is refused by its recipient.
    Inject {
        /// The message.
        message: raft_core::message::Message,
    },
    // New variants go last: a variant's place feeds the trace hash.
    /// Freeze a node as a long garbage-collection pause or SIGSTOP would: no timer fires and
    /// nothing reaches it (messages and client requests wait in its inbox, as in a socket
    /// buffer, at most [`crate::world::MAX_INBOX`]); it keeps its state, and whatever it
    /// believed (leader, lease, term) it still believes when it resumes.
    Pause {
        /// The node.
        node: NodeId,
    },
    /// Resume a paused node. Its clock catches up first (the ticks it missed arrive at once, as
    /// a monotonic clock's would, so a lease it held is measured against real time), then what
    /// waited in its inbox is handled in the order it arrived.
    Resume {
        /// The node.
        node: NodeId,
    },
    /// Make every write to a node's disk take `ms` (0: at once; at most
    /// [`crate::world::MAX_DISK_MS`]): its Readies wait for their writes before anything in
    /// them is sent or applied. A write under way keeps the time it started with.
    DiskLatency {
        /// The node.
        node: NodeId,
        /// How long a write takes, ms.
        ms: u64,
    },
    /// A clerk, as the labs' key/value clerks (`Clerk.Get`, `Put`, `Append`): clerk `clerk`
    /// (0 to [`crate::world::MAX_CLERKS`]` - 1`, a session of its own, made on first use)
    /// invokes `op`, then, like any client, follows redirects and retries with the same
    /// sequence number on timeouts until a node answers, so a retried command runs once
    /// (§6.3). It asks first the node that answered it last. One operation at a time: the
    /// action is refused while the clerk's last one is pending. Clerks never act by themselves,
    /// even with the client load on.
    Clerk {
        /// The clerk.
        clerk: u64,
        /// Its operation.
        op: crate::app::Op,
    },
    /// Let a clerk reach only `nodes` (the labs' `makeClient(to)` and `ConnectClient`): a request
    /// to any other node is lost, as one to a crashed node is, and an answer from a node it no
    /// longer reaches is lost too. Clerks reach every node until told otherwise.
    ClerkReach {
        /// The clerk.
        clerk: u64,
        /// The nodes it reaches.
        nodes: Vec<NodeId>,
    },
}

impl Action {
    /// Every node id the action names, so that a scenario can be checked before it runs.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            Action::Crash { node }
            | Action::Restart { node }
            | Action::Isolate { node }
            | Action::Campaign { node }
            | Action::Read { node, .. }
            | Action::Promote { node }
            | Action::Remove { node }
            | Action::Compact { node }
            | Action::Pause { node }
            | Action::Resume { node }
            | Action::DiskLatency { node, .. }
            | Action::Propose { node, .. } => alloc::vec![*node],
            Action::Reconfigure { voters } | Action::ClerkReach { nodes: voters, .. } => {
                voters.clone()
            }
            Action::TransferLeader { to } => alloc::vec![*to],
            Action::Partition { groups } => groups.iter().flatten().copied().collect(),
            Action::Cut { from, to }
            | Action::Reconnect { from, to }
            | Action::Hold { from, to }
            | Action::Release { from, to } => alloc::vec![*from, *to],
            Action::Heal
            | Action::DropMessage { .. }
            | Action::DeliverMessage { .. }
            | Action::Request { .. }
            | Action::Network { .. }
            | Action::ClientLoad { .. }
            | Action::Inject { .. }
            | Action::AddNode
            | Action::Clerk { .. } => Vec::new(),
        }
    }
}
