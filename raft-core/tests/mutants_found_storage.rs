//! Rules that `cargo mutants` over raft-core showed no raft-core test pinned down, in the
//! storage, the log's in-memory tail and the types (`storage.rs`, `tail.rs`, `types.rs`): each
//! test here fails on the mutant named above it. The tail's own rules are tested in `tail.rs`'s
//! test module (the tail is crate-private); the storage contract as a whole in
//! `storage_contract.rs`. See `mutants_found.rs` for the shards of the rest of the crate.
//! Shards sampled here (of 20, `--features planted-bugs`, on the 1,582 mutants of main at
//! eaf1dd6): 17 (`storage.rs`, `tail.rs` to `Tail::push_shared`): 77 caught, 1 missed,
//! 2 unviable (98.7% of viable). Its miss is equivalent: `Tail::locate`'s `at < len` with `<=`
//! only ever answers one past the last run, which every caller then reads as nothing. 18
//! (`tail.rs` from `Tail::push_shared` to `Tail::slice`): 78 caught, 2 missed, 0 unviable
//! (97.5%) with `tail.rs`'s sharing test, 75 caught before it (93.8%). Its misses are
//! equivalent: `truncate_from`'s `index > f.index` and `drop_before`'s with `>=`, where the
//! equal case removes nothing either way. 19 (`tail.rs` from `Tail::slice` on, `types.rs`):
//! 57 caught, 2 missed, 1 timeout, 2 unviable (95.0% of viable, the timeout counted as not
//! caught) with `tail.rs`'s tests of sharing and of comparing and printing tails, 51 caught
//! before them (85.0%). Its misses: `to_entries`' `(0, true)` arm deleted (the general arm
//! collects nothing into the same empty run: equivalent) and `last_at_or_before`'s
//! `step *= 2` with `+=` (probes 1, 3, 5… back instead of 1, 2, 4…: the same answer, more
//! probes: speed only); the timeout is its `/=`, which stops stepping and loops for ever.

use raft_core::Role;

// The role's name as the playground shows it and traces write it (§5.1's three roles, the
// dissertation's pre-candidate (§9.6) and learner (§4.2.1)): lower case, with a hyphen, which
// is not serde's snake case. Mutants: `Role::as_str` as `""` or `"xyzzy"`; `Display for Role` as
// `Ok(Default::default())`. (`reasons.rs`' sentences catch these too, through whole event
// texts; this pins each name on its own.)
#[test]
fn roles_are_named_in_lower_case_as_traces_write_them() {
    for (role, name) in [
        (Role::Follower, "follower"),
        (Role::PreCandidate, "pre-candidate"),
        (Role::Candidate, "candidate"),
        (Role::Leader, "leader"),
        (Role::Learner, "learner"),
    ] {
        assert_eq!(role.as_str(), name);
        assert_eq!(role.to_string(), name);
    }
}
