//! Lease reads and clock drift (dissertation §6.4.1): a leader answers reads from its lease,
//! without a round of heartbeats, only because no clock runs faster or slower than real time by
//! more than the bound the core is configured with (`Config::max_clock_drift_ppm`, 1% by
//! default; the lease is `election_timeout_min × (1 − d) / (1 + d)`). The same play is run with
//! the machines' clocks drifting within that bound, where every read must be linearizable, and
//! ten times beyond it, where a deposed leader must be caught answering from a lease that had
//! in truth run out.

use raft_core::config::{ReadMode, DEFAULT_MAX_CLOCK_DRIFT_PPM};
use raft_core::message::Body;
use raft_sim::actions::Action;
use raft_sim::judge::judge;
use raft_sim::linearizability::{Verdict, DEFAULT_MAX_STEPS};
use raft_sim::network::NetConfig;
use raft_sim::world::{SimOptions, World};

/// Seeds of the play; each draws its own clock rates and election timeouts.
const SEEDS: core::ops::RangeInclusive<u64> = 1..=80;

/// The play: a leader of five in lease mode is cut off from everyone just after a heartbeat
/// round; the fastest of the others campaigns as soon as it may, and as soon as a newer write
/// through the new leader has completed, a person reads the key at the old leader. True if the history stays linearizable; `None` if the play did not come
/// about (no new leader within a second).
fn play(seed: u64, drift_ppm: u32) -> Option<bool> {
    let mut w = World::new(SimOptions {
        nodes: 5,
        seed,
        pre_vote: true,
        check_quorum: true,
        read_mode: ReadMode::Lease,
        clock_drift_ppm: drift_ppm,
        // A long election timeout, so that the gap a drift opens (a share of it) is wider than
        // the round trips of an election and a write.
        election_timeout_min: 1_000,
        election_timeout_max: 2_000,
        net: NetConfig {
            latency_min: 1,
            latency_max: 2,
            ..NetConfig::default()
        },
        ..SimOptions::default()
    })
    .expect("valid options");
    w.run_until(5_000, |w| w.leader().is_some());
    let old = w.leader()?;
    let put = |w: &mut World, value: &str| {
        w.act(Action::Request {
            key: "k".into(),
            value: value.into(),
        })
        .expect("a leader takes the request");
    };
    put(&mut w, "before");
    w.advance_by(1_200);
    // Cut off right after a heartbeat round is answered: the lease then runs longest.
    let until = w.now() + 200;
    w.run_until(until, |w| {
        w.network()
            .in_flight()
            .any(|m| m.msg.from == old && matches!(m.msg.body, Body::Heartbeat { .. }))
    });
    w.advance_by(3);
    w.act(Action::Isolate { node: old }).expect("isolate");
    // The fastest clock among the others campaigns the moment its promise to the old leader
    // ends (a campaign inside it is refused), as an election timer of the minimum would.
    let fastest = w
        .nodes()
        .iter()
        .filter(|&(&id, _)| id != old)
        .max_by_key(|(_, s)| s.clock_rate_ppm())
        .map(|(&id, _)| id)?;
    let until = w.now() + 3_000;
    while w.now() < until && w.leader().is_none_or(|l| l == old) {
        let _ = w.act(Action::Campaign { node: fastest });
        w.advance_by(1);
    }
    w.leader().filter(|&l| l != old)?;
    put(&mut w, "after");
    let until = w.now() + 200;
    w.run_until(until, |w| {
        w.history().last().is_some_and(|op| op.complete.is_some())
    });
    w.act(Action::Read {
        node: old,
        key: "k".into(),
    })
    .expect("read");
    w.advance_by(20);
    let j = judge(&w, false, DEFAULT_MAX_STEPS);
    assert!(j.violation.is_none(), "seed {seed}: {:?}", j.violation);
    Some(!matches!(j.linearizability, Verdict::NotLinearizable(_)))
}

#[test]
fn lease_reads_are_linearizable_at_the_drift_bound_and_go_stale_beyond_it() {
    let mut played = 0;
    let mut stale_beyond = Vec::new();
    for seed in SEEDS {
        if let Some(ok) = play(seed, DEFAULT_MAX_CLOCK_DRIFT_PPM) {
            played += 1;
            assert!(
                ok,
                "seed {seed}: a stale lease read with clocks within the bound"
            );
        }
        if play(seed, 10 * DEFAULT_MAX_CLOCK_DRIFT_PPM) == Some(false) {
            stale_beyond.push(seed);
        }
    }
    assert!(played > 60, "only {played} seeds elected a new leader");
    assert!(
        !stale_beyond.is_empty(),
        "no stale read with clocks ten times beyond the bound (of {played} plays): the play \\
         no longer reaches the lease's edge"
    );
}
