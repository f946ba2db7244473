//! Randomized fault schedules: the `raft-sim check` workload. From one seed, a run draws a
//! cluster and a timeline of faults (crashes and restarts, partitions, one-way cuts, held
//! links, loss, duplication, reordering, leadership transfers, forced elections) under a steady
//! client load, with every checker on after every event, and then heals everything and requires
//! the cluster to make progress again.

use alloc::string::String;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::checker::Violation;
use crate::network::NetConfig;
use crate::rng::SimRng;
use crate::world::{ClientOptions, SimOptions, Workload, World};
use raft_core::config::ElectionPolicy;
use raft_core::types::NodeId;

/// The kinds of fault a schedule may draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Faults {
    /// Crash and restart nodes.
    pub crash: bool,
    /// Partitions, isolations, one-way cuts and held links.
    pub partition: bool,
    /// Message loss.
    pub drop: bool,
    /// Message duplication.
    pub duplicate: bool,
    /// Message reordering.
    pub reorder: bool,
    /// Leadership transfers and forced elections.
    pub transfer: bool,
    /// Membership changes: nodes added as learners, promoted, removed; joint reconfigurations.
    pub membership: bool,
    /// Log compaction (snapshots every few entries, and on demand), so that lagging followers
    /// need InstallSnapshot.
    pub snapshot: bool,
}

impl Faults {
    /// Every kind of fault.
    pub const ALL: Faults = Faults {
        crash: true,
        partition: true,
        drop: true,
        duplicate: true,
        reorder: true,
        transfer: true,
        membership: true,
        snapshot: true,
    };

    /// Parses a comma-separated list such as `crash,partition,drop` (or `all`, or `none`).
    pub fn parse(list: &str) -> Result<Faults, String> {
        let mut f = Faults {
            crash: false,
            partition: false,
            drop: false,
            duplicate: false,
            reorder: false,
            transfer: false,
            membership: false,
            snapshot: false,
        };
        for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "all" => f = Faults::ALL,
                "none" => {}
                "crash" => f.crash = true,
                "partition" => f.partition = true,
                "drop" => f.drop = true,
                "duplicate" => f.duplicate = true,
                "reorder" => f.reorder = true,
                "transfer" => f.transfer = true,
                "membership" => f.membership = true,
                "snapshot" => f.snapshot = true,
                other => {
                    return Err(alloc::format!(
                        "unknown fault '{other}' (expected crash, partition, drop, duplicate, reorder, transfer, membership, snapshot, all or none)"
                    ))
                }
            }
        }
        Ok(f)
    }
}

/// Result of one seed.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// The seed.
    pub seed: u64,
    /// Events processed.
    pub events: u64,
    /// Client operations completed.
    pub completed: u64,
    /// Entries committed (globally).
    pub committed: u64,
    /// Elections started.
    pub elections: u64,
    /// The first violation, if any.
    pub violation: Option<Violation>,
    /// Whether a leader existed and committed a new entry after everything healed.
    pub recovered: bool,
    /// The world at the end (for linearizability checks and traces).
    pub world: World,
}

/// Runs one randomized fault schedule of `duration_ms` (then a healed tail of up to 5 s).
pub fn run_check(
    seed: u64,
    nodes: u32,
    duration_ms: u64,
    faults: Faults,
    keep_trace: bool,
) -> CheckOutcome {
    run_check_with_policy(
        seed,
        nodes,
        duration_ms,
        faults,
        keep_trace,
        ElectionPolicy::default(),
    )
}

/// [`run_check`] with every node drawing its election timeouts by `policy`.
pub fn run_check_with_policy(
    seed: u64,
    nodes: u32,
    duration_ms: u64,
    faults: Faults,
    keep_trace: bool,
    policy: ElectionPolicy,
) -> CheckOutcome {
    let mut rng = SimRng::new(seed ^ 0x5EED_5EED_5EED_5EED);
    let net = NetConfig {
        latency_min: 5,
        latency_max: 5 + rng.range(0, 25),
        drop_ppm: if faults.drop {
            rng.range(0, 100_000) as u32
        } else {
            0
        },
        dup_ppm: if faults.duplicate {
            rng.range(0, 50_000) as u32
        } else {
            0
        },
        reorder_ppm: if faults.reorder {
            rng.range(0, 100_000) as u32
        } else {
            0
        },
        ..NetConfig::default()
    };
    let opts = SimOptions {
        nodes,
        seed,
        pre_vote: rng.range(0, 3) != 0,
        check_quorum: rng.range(0, 3) != 0,
        net: net.clone(),
        clients: ClientOptions {
            enabled: true,
            count: 3,
            think_ms: 10,
            timeout_ms: 300,
            workload: Workload::Kv { keys: 3 },
            read_index: true,
        },
        keep_trace,
        election_policy: policy,
        snapshot_every: if faults.snapshot { rng.range(3, 30) } else { 0 },
        max_msg_bytes: if faults.snapshot {
            rng.range(16, 256)
        } else {
            64 * 1024
        },
        ..Default::default()
    };
    let mut opts = opts;
    // Half the seeds with CheckQuorum serve reads from the leader's lease instead of a ReadIndex
    // round (no extra draw from the generator, so the other seeds' schedules do not move).
    if opts.check_quorum && seed % 2 == 0 {
        opts.read_mode = raft_core::config::ReadMode::Lease;
        // Leases claim to tolerate clocks this far off: test them under it.
        opts.clock_drift_ppm = raft_core::config::DEFAULT_MAX_CLOCK_DRIFT_PPM;
    }
    let mut world = World::new(opts).expect("generated options are valid");

    let mut t = 0;
    while t < duration_ms && world.violation().is_none() {
        t += rng.range(50, 400);
        world.advance_to(t);
        if let Some(a) = random_action(&mut rng, &world, faults) {
            // Refused actions (e.g. transfer without a leader) change nothing; that is fine here.
            let _ = world.act(a);
        }
    }
    // Heal, restart everyone, and require progress: liveness after faults end.
    let _ = world.act(Action::Heal);
    let _ = world.act(Action::Network {
        config: NetConfig {
            drop_ppm: 0,
            dup_ppm: 0,
            reorder_ppm: 0,
            ..net
        },
    });
    let all: Vec<NodeId> = world.nodes().keys().copied().collect();
    for id in all {
        if world.node(id).is_none() {
            let _ = world.act(Action::Restart { node: id });
        }
    }
    let before = world.checker().committed_len();
    let deadline = world.now() + 5_000;
    let recovered = world.run_until(deadline, |w| w.checker().committed_len() > before + 1);
    let stats = world.stats().clone();
    CheckOutcome {
        seed,
        events: stats.events,
        completed: stats.completed,
        committed: world.checker().committed_len(),
        elections: stats.elections,
        violation: world.violation().cloned(),
        recovered,
        world,
    }
}

fn random_action(rng: &mut SimRng, world: &World, f: Faults) -> Option<Action> {
    let ids: Vec<NodeId> = world.nodes().keys().copied().collect();
    let pick = |rng: &mut SimRng| ids[rng.range(0, ids.len() as u64 - 1) as usize];
    let down: Vec<NodeId> = ids
        .iter()
        .copied()
        .filter(|&i| world.node(i).is_none())
        .collect();
    match rng.range(0, 12) {
        0 | 1 if f.crash => {
            // Keep a majority up most of the time, but sometimes crash more.
            if down.len() * 2 + 2 < ids.len() || rng.range(0, 9) == 0 {
                let target = if rng.range(0, 1) == 0 {
                    world.leader().unwrap_or_else(|| pick(rng))
                } else {
                    pick(rng)
                };
                Some(Action::Crash { node: target })
            } else {
                down.first().map(|&node| Action::Restart { node })
            }
        }
        2 if f.crash => down.first().map(|&node| Action::Restart { node }),
        3 if f.partition => {
            let mut a = Vec::new();
            let mut b = Vec::new();
            for &id in &ids {
                if rng.range(0, 1) == 0 {
                    a.push(id)
                } else {
                    b.push(id)
                }
            }
            Some(Action::Partition {
                groups: alloc::vec![a, b],
            })
        }
        4 if f.partition => match rng.range(0, 3) {
            0 => Some(Action::Isolate { node: pick(rng) }),
            1 => Some(Action::Cut {
                from: pick(rng),
                to: pick(rng),
            }),
            2 => Some(Action::Hold {
                from: pick(rng),
                to: pick(rng),
            }),
            _ => Some(Action::Heal),
        },
        5 | 6 if f.partition => Some(Action::Heal),
        7 if f.transfer => Some(Action::TransferLeader { to: pick(rng) }),
        8 if f.transfer => Some(Action::Campaign { node: pick(rng) }),
        9 | 11 if f.membership => {
            let leader = world.leader().and_then(|l| world.node(l))?;
            let m = leader.membership().clone();
            match rng.range(0, 3) {
                0 if ids.len() < 8 => Some(Action::AddNode),
                1 => m
                    .learners
                    .iter()
                    .next()
                    .map(|&node| Action::Promote { node }),
                2 if m.voters.len() > 3 => Some(Action::Remove { node: pick(rng) }),
                _ => {
                    // Joint consensus towards a random subset of at least three members.
                    let voters: Vec<NodeId> = m
                        .members()
                        .into_iter()
                        .filter(|_| rng.range(0, 3) != 0)
                        .collect();
                    (voters.len() >= 3).then_some(Action::Reconfigure { voters })
                }
            }
        }
        10 if f.snapshot => Some(Action::Compact { node: pick(rng) }),
        _ => None,
    }
}
