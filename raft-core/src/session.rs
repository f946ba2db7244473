//! Client sessions for exactly-once semantics (§6.3, dissertation §6.3).
//!
//! A client tags each command with its id and a sequence number that grows by one per new
//! command and stays the same on retries. The replicated state machine keeps, per client, the
//! highest sequence number applied and its response: a retried command (for example after a
//! leader crash, when the client cannot know whether its first attempt committed) is answered
//! from the table instead of being applied twice. Every replica applies the same committed
//! entries in the same order, so every replica deduplicates identically.
//!
//! The table keeps one record per client that ever sent a command and never expires any, so it
//! grows with the number of distinct clients (dissertation §6.3 discusses expiry; not done
//! here).

use alloc::collections::BTreeMap;

/// A client's identity.
pub type ClientId = u64;

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
}

/// Per-client record of the last applied command and its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sessions<R> {
    last: BTreeMap<ClientId, (u64, R)>,
}

impl<R> Default for Sessions<R> {
    fn default() -> Self {
        Sessions {
            last: BTreeMap::new(),
        }
    }
}

impl<R: Clone> Sessions<R> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether command `seq` of `client` must be applied.
    pub fn check(&self, client: ClientId, seq: u64) -> SessionCheck<R> {
        match self.last.get(&client) {
            Some((last, resp)) if *last == seq => SessionCheck::Duplicate(resp.clone()),
            Some((last, _)) if *last > seq => SessionCheck::Stale,
            _ => SessionCheck::New,
        }
    }

    /// Records that command `seq` of `client` was applied with `response`.
    pub fn record(&mut self, client: ClientId, seq: u64, response: R) {
        self.last.insert(client, (seq, response));
    }

    /// Applies `apply` once per (client, seq): returns its response, or the recorded response of
    /// a duplicate, or `None` for a stale duplicate.
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
            SessionCheck::Stale => None,
        }
    }

    /// Every session: client, last applied sequence number, its response; by client id.
    pub fn iter(&self) -> impl Iterator<Item = (ClientId, u64, &R)> {
        self.last.iter().map(|(&c, (s, r))| (c, *s, r))
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
