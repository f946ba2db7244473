//! Swarm schedules (Groce et al., "Swarm Testing", ISSTA 2012): instead of every seed running
//! the same mix of every fault, each seed draws its own subset of fault kinds and a weight for
//! each, the pace of its actions, the network's faults, the cluster's switches (PreVote,
//! CheckQuorum, lease reads, election policy, slow disks, process pauses, clock drift) and the
//! client load. A seed that draws only
//! crashes and membership churn meets them far more often than the classic mix allows, and two
//! faults that mask each other (a partition that heals before a crash matters) are often drawn
//! apart.
//!
//! Every draw comes from one generator seeded from the run's seed, in a fixed order, so a seed
//! is the same run on every platform.

use alloc::vec::Vec;

use crate::actions::Action;
use crate::network::NetConfig;
use crate::rng::SimRng;
use crate::schedule::{event_budget, finish, CheckOutcome, CheckRun};
use crate::world::{ClientOptions, SimOptions, Workload, World};
use raft_core::config::{
    ElectionPolicy, ReadMode, DEFAULT_MAX_CLOCK_DRIFT_PPM, MAX_CLOCK_DRIFT_PPM,
};
use raft_core::types::NodeId;

/// Salt of the swarm generator, so that a swarm seed and a classic seed of the same number
/// draw differently.
const SALT: u64 = 0x5A4A_7E57_0000_0001;

/// Salt of the generator of process pauses, apart from the main one so that a seed that draws
/// no pauses runs as it did before pauses existed.
const PAUSE_SALT: u64 = 0x5A4A_7E57_0000_0002;

/// Salt of the generator of slow disks (apart from the main one, as for pauses).
const DISK_SALT: u64 = 0x5A4A_7E57_0000_0003;

/// Salt of the generator of clock drift (apart from the main one, as for pauses).
const DRIFT_SALT: u64 = 0x5A4A_7E57_0000_0004;

/// The kinds of action a swarm seed may weigh, in the order their weights are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CrashLeader,
    CrashAny,
    Restart,
    Partition,
    Isolate,
    OneWay,
    Heal,
    Transfer,
    Campaign,
    Churn,
    Compact,
}

const KINDS: [Kind; 11] = [
    Kind::CrashLeader,
    Kind::CrashAny,
    Kind::Restart,
    Kind::Partition,
    Kind::Isolate,
    Kind::OneWay,
    Kind::Heal,
    Kind::Transfer,
    Kind::Campaign,
    Kind::Churn,
    Kind::Compact,
];

/// Runs one swarm schedule (see the module doc), then [`finish`]'s healed tail.
pub(crate) fn run(spec: &CheckRun, plant: &dyn Fn(&mut SimOptions)) -> CheckOutcome {
    let f = spec.faults;
    let mut rng = SimRng::new(spec.seed ^ SALT);
    // The subset: each allowed kind is on with probability 1/2, with a weight of 1 to 4.
    let mut weights = [0u64; KINDS.len()];
    for (w, kind) in weights.iter_mut().zip(KINDS) {
        let allowed = match kind {
            Kind::CrashLeader | Kind::CrashAny | Kind::Restart => f.crash,
            Kind::Partition | Kind::Isolate | Kind::OneWay | Kind::Heal => f.partition,
            Kind::Transfer | Kind::Campaign => f.transfer,
            Kind::Churn => f.membership,
            Kind::Compact => f.snapshot,
        };
        let on = rng.range(0, 1) == 1;
        let weight = rng.range(1, 4);
        if allowed && on {
            *w = weight;
        }
    }
    // Whatever crashes must be able to come back, and whatever is cut must heal.
    let crashes = weights[0] + weights[1] > 0;
    if crashes && weights[2] == 0 {
        weights[2] = 1;
    }
    if weights[3] + weights[4] + weights[5] > 0 && weights[6] == 0 {
        weights[6] = 1;
    }
    // The pace: a gap between actions drawn from `gap_min..=gap_max` ms.
    let gap_max = rng.range(20, 500);
    let gap_min = rng.range(0, gap_max / 2);
    let latency_min = rng.range(1, 10);
    let net = NetConfig {
        latency_min,
        latency_max: latency_min + rng.range(0, 40),
        drop_ppm: pick_ppm(&mut rng, f.drop, 200_000),
        dup_ppm: pick_ppm(&mut rng, f.duplicate, 100_000),
        reorder_ppm: pick_ppm(&mut rng, f.reorder, 300_000),
        ..NetConfig::default()
    };
    let pre_vote = rng.range(0, 1) == 1;
    let check_quorum = rng.range(0, 2) != 0;
    let lease = check_quorum && rng.range(0, 1) == 1;
    let policy = match rng.range(0, 4) {
        k @ 0..=3 => ElectionPolicy::ALL[k as usize],
        _ => spec.policy,
    };
    let snapshot_every = if weights[10] > 0 { rng.range(2, 30) } else { 0 };
    let max_msg_bytes = if snapshot_every > 0 {
        rng.range(16, 256)
    } else {
        64 * 1024
    };
    let clients = ClientOptions {
        enabled: true,
        count: rng.range(1, 6) as u32,
        think_ms: rng.range(0, 30),
        timeout_ms: rng.range(100, 400),
        workload: Workload::Kv {
            keys: rng.range(1, 4) as u32,
        },
        read_index: true,
    };
    let mut opts = SimOptions {
        nodes: spec.nodes,
        seed: spec.seed,
        pre_vote,
        check_quorum,
        net: net.clone(),
        clients,
        keep_trace: spec.keep_trace,
        election_policy: policy,
        snapshot_every,
        max_msg_bytes,
        ..Default::default()
    };
    if lease {
        opts.read_mode = ReadMode::Lease;
        opts.clock_drift_ppm = DEFAULT_MAX_CLOCK_DRIFT_PPM;
    }
    // The machine nemeses, each from a generator of its own (see `draw_drift` and the others).
    draw_drift(&mut SimRng::new(spec.seed ^ DRIFT_SALT), f.drift, &mut opts);
    draw_disk(&mut SimRng::new(spec.seed ^ DISK_SALT), f.disk, &mut opts);
    plant(&mut opts);
    let mut world = spec.world(opts);
    let mut pauses = SimRng::new(spec.seed ^ PAUSE_SALT);
    let pausing = draw_pausing(&mut pauses, f.pause);
    let total: u64 = weights.iter().sum();
    let mut t = 0;
    let budget = event_budget(spec.duration_ms);
    while t < spec.duration_ms && world.violation().is_none() && world.stats().events < budget {
        t += rng.range(gap_min, gap_max);
        world.advance_to_step(t, budget);
        if total == 0 {
            continue;
        }
        let mut k = rng.range(0, total - 1);
        let kind = KINDS
            .iter()
            .zip(weights)
            .find(|&(_, w)| {
                let hit = k < w;
                k = k.saturating_sub(w);
                hit
            })
            .map_or(Kind::Heal, |(&kind, _)| kind);
        if let Some(a) = action(&mut rng, &world, kind) {
            // Refused actions change nothing; that is fine here.
            let _ = world.act(a);
        }
        maybe_pause(&mut pauses, pausing, &mut world);
    }
    finish(world, spec.seed, net, budget, true)
}

// The machine nemeses beyond crashes, drawn alike by the swarm and the classic schedules, each
// from the generator the schedule hands in (one apart from its main generator, so that a seed
// that draws none of them runs as it did before they existed).

/// Clock drift: a quarter of the seeds that may drift clocks and whose reads rest on no lease
/// run each machine's clock at its own rate, up to 10% off real time. Raft's safety must not
/// depend on clocks at all (timeouts only decide when elections happen, §5.2, §9.3); only a
/// lease's does, and lease seeds run at the drift it claims to tolerate (set by the caller).
pub(crate) fn draw_drift(rng: &mut SimRng, allowed: bool, opts: &mut SimOptions) {
    if allowed && opts.read_mode != ReadMode::Lease && rng.range(0, 3) == 0 {
        opts.clock_drift_ppm = rng.range(1, u64::from(MAX_CLOCK_DRIFT_PPM)) as u32;
    }
}

/// Slow disks: a quarter of the seeds that may have them give every disk a write time of 1 to
/// 30 ms.
pub(crate) fn draw_disk(rng: &mut SimRng, allowed: bool, opts: &mut SimOptions) {
    if allowed && rng.range(0, 3) == 0 {
        opts.disk_ms = rng.range(1, 30);
    }
}

/// Process pauses: whether this seed pauses nodes (a third of the seeds that may).
pub(crate) fn draw_pausing(rng: &mut SimRng, allowed: bool) -> bool {
    allowed && rng.range(0, 2) == 0
}

/// After each action of a pausing seed: one time in four, a paused node resumes, or, if none
/// is paused, one pauses (the leader half the time).
pub(crate) fn maybe_pause(rng: &mut SimRng, pausing: bool, world: &mut World) {
    if pausing && rng.range(0, 3) == 0 {
        let a = pause_or_resume(rng, world);
        let _ = world.act(a);
    }
}

/// A fault rate: off, or with probability 1/2 up to `max` parts per million.
fn pick_ppm(rng: &mut SimRng, allowed: bool, max: u64) -> u32 {
    let on = rng.range(0, 1) == 1;
    let ppm = rng.range(0, max) as u32;
    if allowed && on {
        ppm
    } else {
        0
    }
}

/// Every node id, ascending.
pub(crate) fn ids(world: &World) -> Vec<NodeId> {
    world.nodes().keys().copied().collect()
}

/// A node id drawn uniformly from `ids` (which is never empty: nodes are never forgotten).
pub(crate) fn pick(rng: &mut SimRng, ids: &[NodeId]) -> NodeId {
    ids[rng.range(0, ids.len() as u64 - 1) as usize]
}

/// The nodes that are down, ascending.
pub(crate) fn down(world: &World) -> Vec<NodeId> {
    ids(world)
        .into_iter()
        .filter(|&i| world.node(i).is_none())
        .collect()
}

/// Resumes the paused node, if there is one; else pauses the leader or a node drawn at random.
fn pause_or_resume(rng: &mut SimRng, world: &World) -> Action {
    if let Some((&node, _)) = world.nodes().iter().find(|(_, s)| s.paused()) {
        return Action::Resume { node };
    }
    let ids = ids(world);
    let node = match world.leader() {
        Some(l) if rng.range(0, 1) == 0 => l,
        _ => pick(rng, &ids),
    };
    Action::Pause { node }
}

fn action(rng: &mut SimRng, world: &World, kind: Kind) -> Option<Action> {
    let ids = ids(world);
    match kind {
        Kind::CrashLeader => world.leader().map(|node| Action::Crash { node }),
        Kind::CrashAny => Some(Action::Crash {
            node: pick(rng, &ids),
        }),
        Kind::Restart => down(world).first().map(|&node| Action::Restart { node }),
        Kind::Partition => {
            let mut groups = alloc::vec![Vec::new(), Vec::new()];
            for &id in &ids {
                groups[rng.range(0, 1) as usize].push(id);
            }
            Some(Action::Partition { groups })
        }
        Kind::Isolate => Some(Action::Isolate {
            node: world.leader().unwrap_or_else(|| pick(rng, &ids)),
        }),
        Kind::OneWay => {
            let (from, to) = (pick(rng, &ids), pick(rng, &ids));
            Some(if rng.range(0, 1) == 0 {
                Action::Cut { from, to }
            } else {
                Action::Hold { from, to }
            })
        }
        Kind::Heal => Some(Action::Heal),
        Kind::Transfer => Some(Action::TransferLeader {
            to: pick(rng, &ids),
        }),
        Kind::Campaign => Some(Action::Campaign {
            node: pick(rng, &ids),
        }),
        Kind::Churn => churn(rng, world),
        Kind::Compact => Some(Action::Compact {
            node: pick(rng, &ids),
        }),
    }
}

/// One membership change at the leader, if there is one: a learner added, a learner promoted, a
/// member removed, or a joint change towards a random subset of the members (learners
/// included). Refused changes (one already pending, say) change nothing.
pub(crate) fn churn(rng: &mut SimRng, world: &World) -> Option<Action> {
    let leader = world.leader().and_then(|l| world.node(l))?;
    let m = leader.membership().clone();
    let members = m.members();
    match rng.range(0, 3) {
        0 if world.nodes().len() < 9 => Some(Action::AddNode),
        1 => {
            let learners: Vec<NodeId> = m.learners.iter().copied().collect();
            (!learners.is_empty()).then(|| Action::Promote {
                node: pick(rng, &learners),
            })
        }
        // At least three voters stay: two can elect no one while either is away, and a pair
        // whose timers keep firing together can split its votes for seconds.
        2 if m.voters.len() > 3 => Some(Action::Remove {
            node: pick(rng, &members),
        }),
        _ => {
            let voters: Vec<NodeId> = members
                .into_iter()
                .filter(|_| rng.range(0, 2) != 0)
                .collect();
            (voters.len() >= 3).then_some(Action::Reconfigure { voters })
        }
    }
}

#[cfg(test)]
mod drift_tests {
    use super::*;
    use crate::schedule::{Faults, Schedule};

    /// Clock drift is a swarm dimension: some seeds without lease reads run clocks far beyond
    /// the lease's bound (safety must not care), lease seeds never go past it, and a seed that
    /// may not drift clocks (`--faults` without `drift`) draws none. Every run stays safe.
    #[test]
    fn swarm_seeds_draw_clock_drift_and_stay_safe() {
        let mut beyond = 0;
        for seed in 1..=24 {
            for faults in [
                Faults::ALL,
                Faults {
                    drift: false,
                    ..Faults::ALL
                },
            ] {
                let spec = CheckRun {
                    seed,
                    nodes: 5,
                    duration_ms: 1_000,
                    faults,
                    keep_trace: false,
                    hash: false,
                    policy: ElectionPolicy::default(),
                    schedule: Schedule::Swarm,
                };
                let out = spec.run(&|_| {});
                let o = out.world.options();
                assert_eq!(out.violation, None, "seed {seed}");
                if o.read_mode == ReadMode::Lease {
                    assert_eq!(
                        o.clock_drift_ppm, DEFAULT_MAX_CLOCK_DRIFT_PPM,
                        "seed {seed}"
                    );
                } else if !faults.drift {
                    assert_eq!(o.clock_drift_ppm, 0, "seed {seed}");
                } else if o.clock_drift_ppm > DEFAULT_MAX_CLOCK_DRIFT_PPM {
                    beyond += 1;
                }
            }
        }
        assert!(
            beyond >= 2,
            "{beyond} seeds ran clocks beyond the lease's bound"
        );
    }
}
