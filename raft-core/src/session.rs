//! Client sessions for exactly-once semantics (§6.3, dissertation §6.3).
//!
//! A client tags each command with its id and a sequence number that starts at 1 and grows by
//! one per new command (it stays the same on retries). The replicated state machine keeps, per
//! client, the highest sequence number applied and its response: a retried command (for example
//! after a leader crash, when the client cannot know whether its first attempt committed) is
//! answered from the table instead of being applied twice. Every replica applies the same
//! committed entries in the same order, so every replica deduplicates identically.
//!
//! # Expiry
//!
//! The table holds at most `limit` sessions ([`DEFAULT_SESSION_LIMIT`] unless set). Recording a
//! command for a client that has no session when the table is full evicts the least recently
//! used session: the one whose latest command was applied longest ago. "Recently" is counted in
//! applied commands, so every replica, applying the same entries in the same order, evicts the
//! same session (dissertation §6.3: replicas must agree on when a session expires; a wall clock
//! would not do).
//!
//! A command from a client with no session is new only if its sequence number is 1 (a session
//! starts at 1); any later number means the session expired, and the command is refused as
//! [`SessionCheck::Expired`] instead of being applied again, so the client learns it may have
//! lost a reply. What eviction cannot catch is a retry of a client's *first* command arriving
//! after its session was evicted: that takes `limit` other clients each applying a command
//! after it while the retry is in flight. A live client (one that keeps issuing commands) keeps
//! exactly-once as long as fewer than `limit` other clients are active between two of its
//! commands; size `limit` above the number of clients that can be active at once.

use alloc::collections::{BTreeMap, VecDeque};

/// A client's identity.
pub type ClientId = u64;

/// Default bound on the number of sessions a table keeps (see the module doc).
pub const DEFAULT_SESSION_LIMIT: usize = 100_000;

/// What the session table says about a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck<R> {
    /// First time this sequence number is seen: apply the command.
    New,
    /// Already applied: here is the response it produced.
    Duplicate(R),
    /// Older than the last applied command of this client: the client has moved on, so this is a
    /// delayed duplicate whose response is no longer kept.
    Stale,
    /// The client has no session and this is not its first command: its session expired
    /// (was evicted), so whether this command was applied before is unknown. Refuse it.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Session<R> {
    seq: u64,
    response: R,
    /// When the latest command was recorded, on the table's own clock.
    used: u64,
}

/// Per-client record of the last applied command and its response, bounded by least recently
/// used eviction.
#[derive(Clone)]
pub struct Sessions<R> {
    last: BTreeMap<ClientId, Session<R>>,
    /// `(used, client)` of every command recorded, oldest first, including superseded ones:
    /// an entry is live when it is its client's session's `used`. Recording appends one entry
    /// and leaves the client's previous one in place (stale), so the least recently used
    /// session is the first live entry. An ordered map by `used` needed a removal and an
    /// insertion per command, about 540 instructions (3% of a heavily loaded simulation);
    /// stale entries are dropped when they outnumber the live ones (see `compact`), so the
    /// deque holds at most about twice the sessions.
    by_use: VecDeque<(u64, ClientId)>,
    /// Commands recorded so far: the clock of `used`.
    clock: u64,
    /// At most this many sessions (at least 1).
    limit: usize,
}

impl<R> Default for Sessions<R> {
    fn default() -> Self {
        Sessions {
            last: BTreeMap::new(),
            by_use: VecDeque::new(),
            clock: 0,
            limit: DEFAULT_SESSION_LIMIT,
        }
    }
}

impl<R: Clone> Sessions<R> {
    /// An empty table holding at most [`DEFAULT_SESSION_LIMIT`] sessions.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty table holding at most `limit` sessions (at least 1).
    pub fn with_limit(limit: usize) -> Self {
        Sessions {
            limit: limit.max(1),
            ..Self::default()
        }
    }

    /// The most sessions this table keeps.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// How many use records the table holds, superseded ones included (for memory
    /// accounting): at most twice the sessions plus 16, however many commands were recorded,
    /// since superseded records are dropped once they outnumber the live ones. The table's
    /// memory follows its clients, not their commands.
    pub fn records_held(&self) -> usize {
        self.by_use.len()
    }

    /// The response last recorded for `client`, if its session is held: after
    /// [`Sessions::record`], the one just recorded; it answers a duplicate of that command
    /// ([`SessionCheck::Duplicate`] holds a copy of it).
    pub fn response(&self, client: ClientId) -> Option<&R> {
        self.last.get(&client).map(|s| &s.response)
    }

    /// Whether command `seq` of `client` must be applied.
    pub fn check(&self, client: ClientId, seq: u64) -> SessionCheck<R> {
        match self.last.get(&client) {
            Some(s) if s.seq == seq => SessionCheck::Duplicate(s.response.clone()),
            Some(s) if s.seq > seq => SessionCheck::Stale,
            Some(_) => SessionCheck::New,
            None if seq <= 1 => SessionCheck::New,
            None => SessionCheck::Expired,
        }
    }

    /// Records that command `seq` of `client` was applied with `response`. Returns the client
    /// whose session was evicted to make room, if any.
    pub fn record(&mut self, client: ClientId, seq: u64, response: R) -> Option<ClientId> {
        self.clock += 1;
        let used = self.clock;
        self.last.insert(
            client,
            Session {
                seq,
                response,
                used,
            },
        );
        self.by_use.push_back((used, client));
        if self.by_use.len() > 2 * self.last.len() + 16 {
            self.compact();
        }
        if self.last.len() <= self.limit {
            return None;
        }
        while let Some((used, evicted)) = self.by_use.pop_front() {
            if self.is_live(used, evicted) {
                self.last.remove(&evicted);
                return Some(evicted);
            }
        }
        None
    }

    /// Whether `(used, client)` of `by_use` is the client's current session.
    fn is_live(&self, used: u64, client: ClientId) -> bool {
        self.last.get(&client).is_some_and(|s| s.used == used)
    }

    /// Drops the superseded entries of `by_use` (the order of the live ones is kept).
    fn compact(&mut self) {
        let mut by_use = core::mem::take(&mut self.by_use);
        by_use.retain(|&(used, client)| self.is_live(used, client));
        self.by_use = by_use;
    }

    /// The live entries of `by_use`: every session once, least recently used first.
    fn live_by_use(&self) -> impl Iterator<Item = (u64, ClientId)> + '_ {
        self.by_use
            .iter()
            .copied()
            .filter(|&(used, client)| self.is_live(used, client))
    }

    /// Applies `apply` once per (client, seq): returns its response, or the recorded response of
    /// a duplicate, or `None` for a stale duplicate or an expired session.
    pub fn apply_once(
        &mut self,
        client: ClientId,
        seq: u64,
        apply: impl FnOnce() -> R,
    ) -> Option<R> {
        match self.check(client, seq) {
            SessionCheck::New => {
                let r = apply();
                self.record(client, seq, r.clone());
                Some(r)
            }
            SessionCheck::Duplicate(r) => Some(r),
            SessionCheck::Stale | SessionCheck::Expired => None,
        }
    }

    /// Every session: client, last applied sequence number, its response; by client id.
    pub fn iter(&self) -> impl Iterator<Item = (ClientId, u64, &R)> {
        self.last.iter().map(|(&c, s)| (c, s.seq, &s.response))
    }

    /// Every session, least recently used first: the order to save them in, so that recording
    /// them again in this order rebuilds the same eviction order.
    pub fn iter_by_use(&self) -> impl Iterator<Item = (ClientId, u64, &R)> {
        self.live_by_use().map(|(_, c)| {
            let s = &self.last[&c];
            (c, s.seq, &s.response)
        })
    }

    /// Number of clients with a session.
    pub fn len(&self) -> usize {
        self.last.len()
    }

    /// True when no client has a session.
    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

/// Equal when they hold the same sessions, with the same clock and limit (the superseded
/// entries `by_use` still holds are not part of the value).
impl<R: PartialEq> PartialEq for Sessions<R> {
    fn eq(&self, other: &Self) -> bool {
        self.last == other.last && self.clock == other.clock && self.limit == other.limit
    }
}

impl<R: Eq> Eq for Sessions<R> {}

/// Printed as a map of the sessions and their use order (live entries only).
impl<R: core::fmt::Debug> core::fmt::Debug for Sessions<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        /// The live `(used, client)` entries, printed as the map by use they stand for.
        struct ByUse<'a, R>(&'a Sessions<R>);
        impl<R> core::fmt::Debug for ByUse<'_, R> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let s = self.0;
                f.debug_map()
                    .entries(
                        s.by_use
                            .iter()
                            .filter(|&&(used, client)| {
                                s.last.get(&client).is_some_and(|x| x.used == used)
                            })
                            .map(|(used, client)| (used, client)),
                    )
                    .finish()
            }
        }
        f.debug_struct("Sessions")
            .field("last", &self.last)
            .field("by_use", &ByUse(self))
            .field("clock", &self.clock)
            .field("limit", &self.limit)
            .finish()
    }
}
