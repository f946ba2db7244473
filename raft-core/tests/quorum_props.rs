//! The quorum maths (Raft §5.2 elections, §5.3 commitment, dissertation §4.3 joint consensus),
//! checked against deliberately dumb models: count voters for every candidate index; enumerate
//! every way the missing votes could still go.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use raft_core::quorum::{self, VoteResult};
use raft_core::{Index, Membership, NodeId};

/// Model of `majority_index`: the largest candidate index that at least a majority of the voters
/// have matched, trying every index anyone holds (and 0).
fn model_majority_index(voters: &BTreeSet<NodeId>, matched: &BTreeMap<NodeId, Index>) -> Index {
    if voters.is_empty() {
        return Index::MAX;
    }
    let mut candidates: Vec<Index> = voters.iter().map(|v| matched[v]).collect();
    candidates.push(0);
    candidates
        .into_iter()
        .filter(|&c| {
            let holding = voters.iter().filter(|v| matched[*v] >= c).count();
            2 * holding > voters.len()
        })
        .max()
        .expect("0 always qualifies")
}

/// Every way the voters that have not answered could still answer.
fn completions(
    voters: &BTreeSet<NodeId>,
    votes: &BTreeMap<NodeId, Option<bool>>,
) -> Vec<BTreeMap<NodeId, bool>> {
    let mut out = vec![BTreeMap::new()];
    for v in voters {
        let choices: Vec<bool> = match votes.get(v).copied().flatten() {
            Some(b) => vec![b],
            None => vec![true, false],
        };
        out = out
            .into_iter()
            .flat_map(|partial| {
                choices.iter().map(move |&b| {
                    let mut p = partial.clone();
                    p.insert(*v, b);
                    p
                })
            })
            .collect();
    }
    out
}

/// Model of a vote count: Won if every completion has a strict majority of yes in every
/// non-empty half, Lost if none does, Pending otherwise.
fn model_vote(halves: &[&BTreeSet<NodeId>], votes: &BTreeMap<NodeId, Option<bool>>) -> VoteResult {
    let all: BTreeSet<NodeId> = halves.iter().flat_map(|h| h.iter().copied()).collect();
    let wins: Vec<bool> = completions(&all, votes)
        .iter()
        .map(|c| {
            halves
                .iter()
                .all(|h| h.is_empty() || 2 * h.iter().filter(|v| c[*v]).count() > h.len())
        })
        .collect();
    if wins.iter().all(|&w| w) {
        VoteResult::Won
    } else if wins.iter().all(|&w| !w) {
        VoteResult::Lost
    } else {
        VoteResult::Pending
    }
}

fn ids() -> impl Strategy<Value = BTreeSet<NodeId>> {
    proptest::collection::btree_set(1u64..=7, 0..=7)
}

fn matches_for_all() -> impl Strategy<Value = BTreeMap<NodeId, Index>> {
    proptest::collection::vec(0u64..12, 7).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(k, m)| (k as NodeId + 1, m))
            .collect()
    })
}

fn votes_for_all() -> impl Strategy<Value = BTreeMap<NodeId, Option<bool>>> {
    proptest::collection::vec(proptest::option::of(any::<bool>()), 7).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(k, m)| (k as NodeId + 1, m))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    // Raft §5.3: the leader commits the highest index stored on a majority.
    #[test]
    fn majority_index_matches_counting_model(voters in ids(), matched in matches_for_all()) {
        let got = quorum::majority_index(&voters, &|id| matched[&id]);
        prop_assert_eq!(got, model_majority_index(&voters, &matched));
    }

    // Raft §5.3, for clusters on both sides of the 16 voters `majority_index` sorts on the
    // stack (larger ones use the heap).
    #[test]
    fn majority_index_matches_counting_model_in_large_clusters(
        voters in proptest::collection::btree_set(1u64..=40, 12..=40),
        matched in proptest::collection::vec(0u64..50, 40),
    ) {
        let matched: BTreeMap<NodeId, Index> =
            matched.into_iter().enumerate().map(|(k, m)| (k as NodeId + 1, m)).collect();
        let got = quorum::majority_index(&voters, &|id| matched[&id]);
        prop_assert_eq!(got, model_majority_index(&voters, &matched));
    }

    // Raft §5.2: a majority of yes wins; a majority of no (no way left to win) loses.
    #[test]
    fn majority_vote_matches_enumeration_model(voters in ids(), votes in votes_for_all()) {
        let got = quorum::majority_vote(&voters, &|id| votes[&id]);
        prop_assert_eq!(got, model_vote(&[&voters], &votes));
    }

    // Dissertation §4.3: in joint consensus an index is committed only when a majority of each
    // configuration holds it.
    #[test]
    fn joint_committed_index_needs_both_majorities(
        incoming in ids(),
        outgoing in ids(),
        matched in matches_for_all(),
    ) {
        let m = Membership { voters: incoming.clone(), learners: BTreeSet::new(), outgoing: outgoing.clone() };
        let got = m.committed_index(|id| matched[&id]);
        let model = if incoming.is_empty() && outgoing.is_empty() {
            Index::MAX
        } else {
            let mut candidates: Vec<Index> = matched.values().copied().collect();
            candidates.push(0);
            candidates
                .into_iter()
                .filter(|&c| {
                    [&incoming, &outgoing].iter().all(|h| {
                        h.is_empty() || 2 * h.iter().filter(|v| matched[*v] >= c).count() > h.len()
                    })
                })
                .max()
                .unwrap()
        };
        prop_assert_eq!(got, model);
    }

    // Dissertation §4.3: in joint consensus a candidate needs a majority of each configuration.
    #[test]
    fn joint_vote_result_needs_both_majorities(
        incoming in ids(),
        outgoing in ids(),
        votes in votes_for_all(),
    ) {
        let m = Membership { voters: incoming.clone(), learners: BTreeSet::new(), outgoing: outgoing.clone() };
        let got = m.vote_result(|id| votes[&id]);
        prop_assert_eq!(got, model_vote(&[&incoming, &outgoing], &votes));
    }

    // Learners never count towards a quorum, whatever they hold or answer.
    #[test]
    fn learners_never_count(
        voters in ids(),
        learners in ids(),
        matched in matches_for_all(),
        votes in votes_for_all(),
    ) {
        let learners: BTreeSet<NodeId> = learners.difference(&voters).copied().collect();
        let m = Membership { voters: voters.clone(), learners: learners.clone(), outgoing: BTreeSet::new() };
        let plain = Membership::with_voters(voters.iter().copied());
        let boosted = |id: NodeId| if learners.contains(&id) { 1000 } else { matched[&id] };
        prop_assert_eq!(m.committed_index(boosted), plain.committed_index(|id| matched[&id]));
        let yes = |id: NodeId| if learners.contains(&id) { Some(true) } else { votes[&id] };
        prop_assert_eq!(m.vote_result(yes), plain.vote_result(|id| votes[&id]));
    }
}

// Raft §5.2: "a majority of the servers in the full cluster".
#[test]
fn majority_sizes() {
    let sizes: Vec<usize> = (1..=7).map(quorum::majority).collect();
    assert_eq!(sizes, vec![1, 2, 2, 3, 3, 4, 4]);
}

// Worked examples, readable without the models.
#[test]
fn majority_index_examples() {
    let voters: BTreeSet<NodeId> = [1, 2, 3, 4, 5].into();
    let m = |v: [Index; 5]| move |id: NodeId| v[id as usize - 1];
    assert_eq!(quorum::majority_index(&voters, &m([5, 5, 5, 0, 0])), 5);
    assert_eq!(quorum::majority_index(&voters, &m([9, 7, 5, 3, 1])), 5);
    assert_eq!(quorum::majority_index(&voters, &m([9, 9, 0, 0, 0])), 0);
    // An even cluster needs more than half: 2 of 4 is not enough.
    let four: BTreeSet<NodeId> = [1, 2, 3, 4].into();
    assert_eq!(
        quorum::majority_index(&four, &|id| [8, 8, 2, 2][id as usize - 1]),
        2
    );
}

#[test]
fn joint_vote_examples() {
    use VoteResult::*;
    assert_eq!(quorum::joint_vote(Won, Won), Won);
    assert_eq!(quorum::joint_vote(Won, Pending), Pending);
    assert_eq!(quorum::joint_vote(Won, Lost), Lost);
    assert_eq!(quorum::joint_vote(Pending, Lost), Lost);
    // C_old = {1, 2, 3}, C_new = {3, 4, 5}: votes of 1, 2 and 3 win the old half only.
    let m = Membership {
        voters: [3, 4, 5].into(),
        learners: BTreeSet::new(),
        outgoing: [1, 2, 3].into(),
    };
    let yes = |ids: &'static [NodeId]| move |id: NodeId| ids.contains(&id).then_some(true);
    assert_eq!(m.vote_result(yes(&[1, 2, 3])), Pending);
    assert_eq!(m.vote_result(yes(&[1, 3, 4])), Won);
}
