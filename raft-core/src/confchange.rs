//! Membership changes as pure functions from one configuration to the next (dissertation §4):
//! single-server changes (§4.1), learners (§4.2.1) and joint consensus (§4.3, paper §6).
//!
//! The node appends the resulting [`Membership`] as a log entry, and the entry takes effect as
//! soon as it is appended, on every node (dissertation §4.1). This module only decides whether a
//! change is allowed from a configuration and what configuration it leads to.

use alloc::collections::BTreeSet;

use crate::error::Error;
use crate::membership::Membership;
use crate::reason::ConfChangeRefusal;
use crate::types::NodeId;

/// A requested membership change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "change", rename_all = "snake_case"))]
pub enum ConfChange {
    /// Add a non-voting member. This is the safe first step of adding a node: it catches up before it
    /// counts towards any quorum.
    AddLearner {
        /// The new node.
        node: NodeId,
    },
    /// Make a learner a voter (a single-server change).
    Promote {
        /// The learner.
        node: NodeId,
    },
    /// Add a voter directly (a single-server change; prefer a learner then a promotion).
    AddVoter {
        /// The new node.
        node: NodeId,
    },
    /// Remove a member, voter or learner (a single-server change for a voter).
    Remove {
        /// The node.
        node: NodeId,
    },
    /// Enter joint consensus towards a new set of voters (C_old,new). Learners stay learners
    /// unless they are in `voters`.
    EnterJoint {
        /// The voters of C_new.
        voters: BTreeSet<NodeId>,
    },
    /// Leave joint consensus (C_new alone). The leader does this by itself once C_old,new
    /// commits; it may also be requested explicitly.
    LeaveJoint,
}

/// The configuration `change` leads to from `current`, or why it is not allowed.
pub fn apply(current: &Membership, change: &ConfChange) -> Result<Membership, Error> {
    let single = |why| {
        if current.is_joint() {
            Err(Error::ConfChangeRefused(why))
        } else {
            Ok(())
        }
    };
    let mut next = current.clone();
    match change {
        ConfChange::AddLearner { node } => {
            single(ConfChangeRefusal::AddLearnerWhileJoint)?;
            check_id(*node)?;
            if current.contains(*node) {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::AlreadyMember));
            }
            next.learners.insert(*node);
        }
        ConfChange::Promote { node } => {
            single(ConfChangeRefusal::PromoteWhileJoint)?;
            if !current.learners.contains(node) {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::NotLearner));
            }
            next.learners.remove(node);
            next.voters.insert(*node);
        }
        ConfChange::AddVoter { node } => {
            single(ConfChangeRefusal::AddVoterWhileJoint)?;
            check_id(*node)?;
            if current.voters.contains(node) {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::AlreadyVoter));
            }
            next.learners.remove(node);
            next.voters.insert(*node);
        }
        ConfChange::Remove { node } => {
            single(ConfChangeRefusal::RemoveWhileJoint)?;
            if !current.contains(*node) {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::NotMember));
            }
            next.learners.remove(node);
            next.voters.remove(node);
            if next.voters.is_empty() {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::LastVoter));
            }
        }
        ConfChange::EnterJoint { voters } => {
            single(ConfChangeRefusal::AlreadyJoint)?;
            if voters.is_empty() {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::NoVoters));
            }
            if voters.contains(&0) {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::ReservedId));
            }
            if *voters == current.voters {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::SameVoters));
            }
            next.outgoing = current.voters.clone();
            next.voters = voters.clone();
            next.learners.retain(|id| !voters.contains(id));
        }
        ConfChange::LeaveJoint => {
            if !current.is_joint() {
                return Err(Error::ConfChangeRefused(ConfChangeRefusal::NotJoint));
            }
            next.outgoing.clear();
        }
    }
    Ok(next)
}

fn check_id(id: NodeId) -> Result<(), Error> {
    if id == 0 {
        Err(Error::ConfChangeRefused(ConfChangeRefusal::ReservedId))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn voters(ids: &[NodeId]) -> Membership {
        Membership::with_voters(ids.iter().copied())
    }

    fn set(ids: &[NodeId]) -> BTreeSet<NodeId> {
        ids.iter().copied().collect()
    }

    // Dissertation §4.2.1: a new node joins as a learner, then is promoted.
    #[test]
    fn learner_then_promote() {
        let m = apply(&voters(&[1, 2, 3]), &ConfChange::AddLearner { node: 4 }).unwrap();
        assert!(m.is_learner(4) && !m.is_voter(4));
        let m = apply(&m, &ConfChange::Promote { node: 4 }).unwrap();
        assert_eq!(m.voters, set(&[1, 2, 3, 4]));
        assert!(m.learners.is_empty());
        assert_eq!(
            apply(&m, &ConfChange::Promote { node: 4 }),
            Err(Error::ConfChangeRefused(ConfChangeRefusal::NotLearner))
        );
    }

    // Dissertation §4.1: single-server changes never happen during a joint change.
    #[test]
    fn single_server_changes_refused_while_joint() {
        let joint = apply(
            &voters(&[1, 2, 3]),
            &ConfChange::EnterJoint {
                voters: set(&[3, 4, 5]),
            },
        )
        .unwrap();
        assert!(joint.is_joint());
        assert_eq!(joint.outgoing, set(&[1, 2, 3]));
        use ConfChangeRefusal::*;
        for (c, why) in [
            (ConfChange::AddLearner { node: 9 }, AddLearnerWhileJoint),
            (ConfChange::Promote { node: 9 }, PromoteWhileJoint),
            (ConfChange::AddVoter { node: 9 }, AddVoterWhileJoint),
            (ConfChange::Remove { node: 1 }, RemoveWhileJoint),
            (ConfChange::EnterJoint { voters: set(&[1]) }, AlreadyJoint),
        ] {
            assert_eq!(
                apply(&joint, &c),
                Err(Error::ConfChangeRefused(why)),
                "{c:?}"
            );
        }
        let out = apply(&joint, &ConfChange::LeaveJoint).unwrap();
        assert_eq!(out, voters(&[3, 4, 5]));
    }

    #[test]
    fn invalid_changes_are_refused_with_a_reason() {
        let m = voters(&[1]);
        use ConfChangeRefusal::*;
        let cases: Vec<(ConfChange, ConfChangeRefusal)> = alloc::vec![
            (ConfChange::AddLearner { node: 1 }, AlreadyMember),
            (ConfChange::AddLearner { node: 0 }, ReservedId),
            (ConfChange::AddVoter { node: 1 }, AlreadyVoter),
            (ConfChange::Promote { node: 1 }, NotLearner),
            (ConfChange::Remove { node: 7 }, NotMember),
            (ConfChange::Remove { node: 1 }, LastVoter),
            (
                ConfChange::EnterJoint {
                    voters: BTreeSet::new()
                },
                NoVoters
            ),
            (
                ConfChange::EnterJoint {
                    voters: set(&[0, 1])
                },
                ReservedId
            ),
            (ConfChange::EnterJoint { voters: set(&[1]) }, SameVoters),
            (ConfChange::LeaveJoint, NotJoint),
        ];
        for (c, why) in cases {
            assert_eq!(apply(&m, &c), Err(Error::ConfChangeRefused(why)), "{c:?}");
        }
    }

    #[test]
    fn remove_a_learner_or_a_voter() {
        let m = apply(&voters(&[1, 2, 3]), &ConfChange::AddLearner { node: 4 }).unwrap();
        let m = apply(&m, &ConfChange::Remove { node: 4 }).unwrap();
        assert_eq!(m, voters(&[1, 2, 3]));
        let m = apply(&m, &ConfChange::Remove { node: 1 }).unwrap();
        assert_eq!(m, voters(&[2, 3]));
    }
}
