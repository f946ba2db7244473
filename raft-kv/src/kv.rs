//! The replicated state machine: a map from string keys to string values, with client sessions
//! so that a retried write is applied once (Raft §6.3, raft-core's `session` module).
//!
//! Replies follow the simulator's key-value model (`raft_sim::app`), so that a recorded client
//! history can be checked by its linearizability checker: every reply carries the key's value
//! after the operation (for a failed CAS, the value that made it fail).

use std::collections::BTreeMap;

use raft_core::session::{SessionCheck, Sessions};
use serde::{Deserialize, Serialize};

/// A write, as a client asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvOp {
    /// Set `key` to `value`.
    Put {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Remove `key`.
    Delete {
        /// Key.
        key: String,
    },
    /// Set `key` to `new` if its value is `expect` (`None`: absent).
    Cas {
        /// Key.
        key: String,
        /// Expected current value.
        expect: Option<String>,
        /// New value.
        new: String,
    },
    /// Append `value` to the value of `key` (absent counts as empty). A write applied twice
    /// shows in the value, which is what the fault run uses it for.
    Append {
        /// Key.
        key: String,
        /// Suffix.
        value: String,
    },
}

/// A write as it is stored in a log entry: the client's session id and sequence number
/// (the same on every retry), and the operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvCommand {
    /// Client session id (non-zero).
    pub client: u64,
    /// Sequence number within the session, from 1, one more per new command.
    pub seq: u64,
    /// The write.
    pub op: KvOp,
}

impl KvCommand {
    /// Bytes for a log entry (postcard).
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).expect("serializing to a Vec cannot fail")
    }

    /// The command in a log entry's bytes, if they hold one.
    pub fn decode(bytes: &[u8]) -> Option<KvCommand> {
        postcard::from_bytes(bytes).ok()
    }
}

/// The answer to a write or a read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KvReply {
    /// Whether the operation took effect (a CAS whose expectation failed: `false`).
    pub ok: bool,
    /// The key's value after the operation (`None`: absent).
    pub value: Option<String>,
}

/// What applying one log entry's bytes did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Executed now.
    Done(KvReply),
    /// A retry of a command already applied: answered from the session table, not executed.
    Duplicate(KvReply),
    /// Not executed: an older command of a client that has moved on, a command whose session
    /// expired, or bytes that are not a command. Every replica decides the same.
    Refused(&'static str),
}

/// The key-value state of one replica.
#[derive(Debug, Clone, Default)]
pub struct KvState {
    data: BTreeMap<String, String>,
    sessions: Sessions<KvReply>,
}

/// What a snapshot holds: the data and the sessions, least recently used first.
#[derive(Serialize, Deserialize)]
struct KvSnapshot {
    data: BTreeMap<String, String>,
    sessions: Vec<(u64, u64, KvReply)>,
}

impl KvState {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.data.get(key)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when no key is set.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Applies a committed command's bytes, once per (client, seq).
    pub fn apply(&mut self, bytes: &[u8]) -> Applied {
        let Ok(cmd) = postcard::from_bytes::<KvCommand>(bytes) else {
            return Applied::Refused("not a key-value command");
        };
        match self.sessions.check(cmd.client, cmd.seq) {
            SessionCheck::Duplicate(r) => return Applied::Duplicate(r),
            SessionCheck::Stale => {
                return Applied::Refused("older than this client's last command")
            }
            SessionCheck::Expired => {
                return Applied::Refused("session expired: this client's earlier replies are gone")
            }
            SessionCheck::New => {}
        }
        let reply = self.execute(cmd.op);
        self.sessions.record(cmd.client, cmd.seq, reply.clone());
        Applied::Done(reply)
    }

    fn execute(&mut self, op: KvOp) -> KvReply {
        match op {
            KvOp::Put { key, value } => {
                self.data.insert(key, value.clone());
                KvReply {
                    ok: true,
                    value: Some(value),
                }
            }
            KvOp::Delete { key } => {
                self.data.remove(&key);
                KvReply {
                    ok: true,
                    value: None,
                }
            }
            KvOp::Cas { key, expect, new } => {
                let current = self.data.get(&key).cloned();
                if current == expect {
                    self.data.insert(key, new.clone());
                    KvReply {
                        ok: true,
                        value: Some(new),
                    }
                } else {
                    KvReply {
                        ok: false,
                        value: current,
                    }
                }
            }
            KvOp::Append { key, value } => {
                let v = self.data.entry(key).or_default();
                v.push_str(&value);
                KvReply {
                    ok: true,
                    value: Some(v.clone()),
                }
            }
        }
    }

    /// The state as bytes, for a snapshot.
    pub fn snapshot(&self) -> Vec<u8> {
        let snap = KvSnapshot {
            data: self.data.clone(),
            sessions: self
                .sessions
                .iter_by_use()
                .map(|(c, s, r)| (c, s, r.clone()))
                .collect(),
        };
        postcard::to_stdvec(&snap).expect("serializing to a Vec cannot fail")
    }

    /// The state a snapshot holds (an empty snapshot is an empty store).
    pub fn restore(bytes: &[u8]) -> Result<KvState, String> {
        if bytes.is_empty() {
            return Ok(KvState::new());
        }
        let snap: KvSnapshot = postcard::from_bytes(bytes)
            .map_err(|e| format!("undecodable key-value snapshot: {e}"))?;
        let mut sessions = Sessions::new();
        for (c, s, r) in snap.sessions {
            sessions.record(c, s, r);
        }
        Ok(KvState {
            data: snap.data,
            sessions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(client: u64, seq: u64, op: KvOp) -> Vec<u8> {
        KvCommand { client, seq, op }.encode()
    }

    fn append(v: &str) -> KvOp {
        KvOp::Append {
            key: "k".into(),
            value: v.into(),
        }
    }

    // Raft §6.3: a retried command is answered from the session table, not executed again.
    #[test]
    fn a_retry_is_applied_once() {
        let mut kv = KvState::new();
        assert!(matches!(
            kv.apply(&cmd(7, 1, append("a"))),
            Applied::Done(_)
        ));
        let again = kv.apply(&cmd(7, 1, append("a")));
        assert_eq!(
            again,
            Applied::Duplicate(KvReply {
                ok: true,
                value: Some("a".into())
            })
        );
        assert_eq!(kv.get("k").map(String::as_str), Some("a"));
        assert!(matches!(
            kv.apply(&cmd(7, 2, append("b"))),
            Applied::Done(_)
        ));
        assert!(matches!(
            kv.apply(&cmd(7, 1, append("a"))),
            Applied::Refused(_)
        ));
        assert_eq!(kv.get("k").map(String::as_str), Some("ab"));
    }

    #[test]
    fn cas_and_delete() {
        let mut kv = KvState::new();
        let cas = |expect: Option<&str>, new: &str| KvOp::Cas {
            key: "k".into(),
            expect: expect.map(Into::into),
            new: new.into(),
        };
        assert_eq!(
            kv.apply(&cmd(1, 1, cas(None, "x"))),
            Applied::Done(KvReply {
                ok: true,
                value: Some("x".into())
            })
        );
        assert_eq!(
            kv.apply(&cmd(1, 2, cas(Some("y"), "z"))),
            Applied::Done(KvReply {
                ok: false,
                value: Some("x".into())
            })
        );
        kv.apply(&cmd(1, 3, KvOp::Delete { key: "k".into() }));
        assert!(kv.is_empty());
    }

    #[test]
    fn snapshot_keeps_data_and_sessions() {
        let mut kv = KvState::new();
        kv.apply(&cmd(3, 1, append("a")));
        let back = KvState::restore(&kv.snapshot()).unwrap();
        assert_eq!(back.get("k").map(String::as_str), Some("a"));
        let mut back = back;
        // The session came along: the retry is still a duplicate after the restore.
        assert!(matches!(
            back.apply(&cmd(3, 1, append("a"))),
            Applied::Duplicate(_)
        ));
        assert!(KvState::restore(b"\xff\xff garbage").is_err());
    }

    #[test]
    fn garbage_entry_is_refused_not_panicked() {
        assert!(matches!(
            KvState::new().apply(b"\x09\x01\x02"),
            Applied::Refused(_)
        ));
    }
}
