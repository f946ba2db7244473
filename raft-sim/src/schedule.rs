//! Randomized fault schedules: the `raft-sim check` workload. From one seed, a run draws a
//! cluster and a timeline of faults (crashes and restarts, partitions, one-way cuts, held
//! links, loss, duplication, reordering, leadership transfers, forced elections, process
//! pauses, slow disks, clock drift) under a steady client load, with every checker on after
//! every event, and then heals everything and requires the cluster to make progress again.
//!
//! Three kinds of schedule ([`Schedule`]): the classic one (one fixed mix of faults for every
//! seed), swarm schedules ([`crate::swarm`]: each seed draws its own subset of faults and their
//! intensities, so that some seeds meet a few faults often instead of every fault rarely), and
//! targeted schedules ([`crate::targeted`]: membership changes overlapping crashes, partitions
//! and snapshots; leases around transfers and restarts). `raft-sim check` runs a mix of all
//! three by default.

use alloc::string::String;
use alloc::vec::Vec;

use crate::actions::Action;
use crate::checker::Violation;
use crate::network::NetConfig;
use crate::rng::SimRng;
use crate::world::{ClientOptions, SimOptions, Workload, World};
use raft_core::config::ElectionPolicy;
use raft_core::types::NodeId;

/// Salt of the classic schedule's generator for pauses, slow disks and clock drift.
const CLASSIC_MACHINE_SALT: u64 = 0x5EED_3AC4_1E5E_0001;
/// Salt of the generator of the `reads` nemesis' intensities (see [`Faults::reads`]).
const READS_SALT: u64 = 0x5EED_4EAD_5000_0001;
/// Salt of the generator of the `replies` nemesis' intensities (see [`Faults::replies`]).
const REPLIES_SALT: u64 = 0x5EED_4E91_1E50_0001;

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
    /// Process pauses: a node freezes (no ticks, no delivery) and resumes later with its stale
    /// view, as in a long GC pause or SIGSTOP.
    pub pause: bool,
    /// Slow disks: every write takes 1 to 30 ms, and a node sends nothing that depends on a
    /// write before it completes.
    pub disk: bool,
    /// Clock drift: each machine's clock runs at its own rate, up to 10% off real time (within
    /// the lease's claimed bound on seeds that read from a lease).
    pub drift: bool,
    /// Disk reads that cannot answer yet: at 10–60% of a node's steps its storage answers every
    /// read "not ready", and each node keeps only 2–16 stable entries in memory, so that it
    /// reads older ones back often ([`SimOptions::stalled_reads_ppm`]). Not part of `all` (the
    /// runs of `all` stay what they were): ask for it, `--faults all,reads`.
    pub reads: bool,
    /// Slow replies: 5–50% of the replies (`*_resp`) of every seed that asks for it are held
    /// back a further 50–2,300 ms, so that votes and acknowledgements arrive long after the
    /// timer that waited for them fired (issue 13; the MIT 6.824 labs' "long reordering" delays
    /// replies by 200–2,200 ms). This is what the late-vote rule exists for (a vote binds its
    /// voter for the whole term, so a grant that arrives in the candidate's next pre-vote round
    /// still counts: raft-core's `Node::campaigned_term`). The healed tail runs without it. Not
    /// part of `all` (its runs stay what they were): `--faults all,replies`.
    pub replies: bool,
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
        pause: true,
        disk: true,
        drift: true,
        reads: false,
        replies: false,
    };

    /// The list [`Faults::parse`] reads back: `all`, `none`, or the kinds comma-separated.
    pub fn names(&self) -> String {
        if *self == Faults::ALL {
            return "all".into();
        }
        for (extra, name) in [
            (
                Faults {
                    reads: true,
                    ..Faults::ALL
                },
                "all,reads",
            ),
            (
                Faults {
                    replies: true,
                    ..Faults::ALL
                },
                "all,replies",
            ),
            (
                Faults {
                    reads: true,
                    replies: true,
                    ..Faults::ALL
                },
                "all,reads,replies",
            ),
        ] {
            if *self == extra {
                return name.into();
            }
        }
        let kinds = [
            (self.crash, "crash"),
            (self.partition, "partition"),
            (self.drop, "drop"),
            (self.duplicate, "duplicate"),
            (self.reorder, "reorder"),
            (self.transfer, "transfer"),
            (self.membership, "membership"),
            (self.snapshot, "snapshot"),
            (self.pause, "pause"),
            (self.disk, "disk"),
            (self.drift, "drift"),
            (self.reads, "reads"),
            (self.replies, "replies"),
        ];
        let on: Vec<&str> = kinds.iter().filter(|k| k.0).map(|k| k.1).collect();
        if on.is_empty() {
            "none".into()
        } else {
            on.join(",")
        }
    }

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
            pause: false,
            disk: false,
            drift: false,
            reads: false,
            replies: false,
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
                "pause" => f.pause = true,
                "disk" => f.disk = true,
                "drift" => f.drift = true,
                "reads" => f.reads = true,
                "replies" => f.replies = true,
                other => {
                    return Err(alloc::format!(
                        "unknown fault '{other}' (expected crash, partition, drop, duplicate, reorder, transfer, membership, snapshot, pause, disk, drift, reads, replies, all or none)"
                    ))
                }
            }
        }
        Ok(f)
    }
}

/// The most events a seed may process per millisecond of its schedule (faults and the 5 s
/// healed tail together): a bound on the work of a run whatever it meets (a planted bug may
/// make nodes exchange messages without end). Runs without a planted bug take about one event
/// per millisecond; a run that reaches the bound stops there and counts as one that did not
/// recover.
pub const MAX_EVENTS_PER_MS: u64 = 100;

/// How long the healed tail of every schedule may wait for progress, ms.
pub const TAIL_MS: u64 = 5_000;

/// The event budget of a seed whose faults last `duration_ms` (see [`MAX_EVENTS_PER_MS`]).
pub fn event_budget(duration_ms: u64) -> u64 {
    duration_ms
        .saturating_add(TAIL_MS)
        .saturating_mul(MAX_EVENTS_PER_MS)
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
    /// Whether the run stopped at its [`event_budget`] (then `recovered` is false).
    pub exhausted: bool,
    /// The world at the end (for linearizability checks and traces).
    pub world: World,
}

/// Which fault schedule a seed runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// The same mix of faults for every seed ([`run_check`]).
    Classic,
    /// Each seed draws its own subset of faults and intensities ([`crate::swarm`]).
    Swarm,
    /// Membership changes around crashes, partitions and snapshots, or leases around transfers
    /// and restarts ([`crate::targeted`]).
    Targeted,
    /// Seed by seed, in turn: swarm, targeted, classic (`seed % 3` = 0, 1, 2).
    Mixed,
}

impl Schedule {
    /// Every schedule, in the order the help text lists them.
    pub const ALL: [Schedule; 4] = [
        Schedule::Mixed,
        Schedule::Classic,
        Schedule::Swarm,
        Schedule::Targeted,
    ];

    /// The name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Classic => "classic",
            Schedule::Swarm => "swarm",
            Schedule::Targeted => "targeted",
            Schedule::Mixed => "mixed",
        }
    }

    /// The schedule named `name`, if any.
    pub fn from_name(name: &str) -> Option<Schedule> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The schedule seed `seed` runs: itself, or for [`Schedule::Mixed`] one of the others.
    pub fn for_seed(self, seed: u64) -> Schedule {
        match (self, seed % 3) {
            (Schedule::Mixed, 0) => Schedule::Swarm,
            (Schedule::Mixed, 1) => Schedule::Targeted,
            (Schedule::Mixed, _) => Schedule::Classic,
            (s, _) => s,
        }
    }
}

/// One seed's run of `raft-sim check`: what [`CheckRun::run`] needs.
#[derive(Debug, Clone, Copy)]
pub struct CheckRun {
    /// The seed: every draw of the schedule and of the world derives from it.
    pub seed: u64,
    /// Cluster size at the start (targeted schedules start smaller: 3 to this many).
    pub nodes: u32,
    /// How long faults go on, ms (at most [`crate::limits::MAX_TIME_MS`]); a healed tail of up
    /// to 5 s follows.
    pub duration_ms: u64,
    /// The kinds of fault allowed (swarm and targeted schedules use a subset).
    pub faults: Faults,
    /// Keep the trace records in memory.
    pub keep_trace: bool,
    /// Hash the trace ([`World::trace_hash`]); `false` when nobody reads the hash, as in
    /// `raft-sim check` without `--trace` ([`World::stop_hashing`]: the same run, faster).
    /// A kept trace is always hashed.
    pub hash: bool,
    /// Election policy of the classic schedule (swarm and targeted ones draw theirs).
    pub policy: ElectionPolicy,
    /// Which schedule.
    pub schedule: Schedule,
}

impl CheckRun {
    /// The seed's world, made with `opts`, hashing its trace only if [`CheckRun::hash`].
    pub(crate) fn world(&self, mut opts: SimOptions) -> World {
        if self.faults.reads {
            // From a generator of its own: no other draw of the seed moves with it.
            let mut reads = SimRng::new(self.seed ^ READS_SALT);
            opts.stalled_reads_ppm = reads.range(100_000, 600_000) as u32;
            opts.log_cache_entries = reads.range(2, 16) as u32;
        }
        if self.faults.replies {
            // From a generator of its own, as for `reads`. The schedule's own copy of the
            // network settings, which its healed tail restores, keeps replies on time.
            let mut replies = SimRng::new(self.seed ^ REPLIES_SALT);
            opts.net.reply_delay_ppm = replies.range(50_000, 500_000) as u32;
            opts.net.reply_delay_min = replies.range(50, 300);
            opts.net.reply_delay_max = opts.net.reply_delay_min + replies.range(0, 2_000);
        }
        let mut world = World::new(opts).expect("generated options are valid");
        if !self.hash {
            world.stop_hashing();
        }
        world
    }

    /// Runs the seed's schedule. `plant` may change the options before the world is made (the
    /// mutation score plants a bug with it); it must draw nothing, so the schedule is the same
    /// with or without it.
    pub fn run(&self, plant: &dyn Fn(&mut SimOptions)) -> CheckOutcome {
        match self.schedule.for_seed(self.seed) {
            Schedule::Swarm => crate::swarm::run(self, plant),
            Schedule::Targeted => crate::targeted::run(self, plant),
            _ => classic(self, plant),
        }
    }
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
    let spec = CheckRun {
        seed,
        nodes,
        duration_ms,
        faults,
        keep_trace,
        hash: true,
        policy,
        schedule: Schedule::Classic,
    };
    classic(&spec, &|_| {})
}

/// The classic schedule of `spec` (its `schedule` is not read).
fn classic(spec: &CheckRun, plant: &dyn Fn(&mut SimOptions)) -> CheckOutcome {
    let CheckRun {
        seed,
        nodes,
        duration_ms,
        faults,
        keep_trace,
        policy,
        ..
    } = *spec;
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
    // The machine nemeses beyond crashes, drawn as the swarm schedules draw them, from one
    // generator of their own so that no other draw of the seed moves with them.
    let mut machine = SimRng::new(seed ^ CLASSIC_MACHINE_SALT);
    crate::swarm::draw_drift(&mut machine, faults.drift, &mut opts);
    crate::swarm::draw_disk(&mut machine, faults.disk, &mut opts);
    let pausing = crate::swarm::draw_pausing(&mut machine, faults.pause);
    plant(&mut opts);
    let mut world = spec.world(opts);

    let mut t = 0;
    let budget = event_budget(duration_ms);
    while t < duration_ms && world.violation().is_none() && world.stats().events < budget {
        t += rng.range(50, 400);
        world.advance_to_step(t, budget);
        if let Some(a) = random_action(&mut rng, &world, faults) {
            // Refused actions (e.g. transfer without a leader) change nothing; that is fine here.
            let _ = world.act(a);
        }
        crate::swarm::maybe_pause(&mut machine, pausing, &mut world);
    }
    finish(world, seed, net, budget, false)
}

/// Shuts down every node that no possible future leader counts as a member, as an operator
/// shuts down removed servers (dissertation §4.2.3), and returns them. Left running, two
/// removed nodes may each name the other as leader (one knows no leader, the other last
/// followed it), and the simulated clients, which ask the next node when one knows no leader,
/// can be sent back and forth between them for ever.
///
/// A possible future leader is a node, up or down (a node that is down by the log on its
/// disk), whose log holds the newest committed entry: by Leader Completeness (§5.4) no other
/// can ever be elected. Every member of every such node's configuration is kept, so whichever
/// of them is elected finds its whole configuration running. Removed nodes that never learned
/// of their removal lack the committed entry that removed them, and are shut down. (Judged by
/// the configuration of the most advanced *live* node, as before, a single survivor that had
/// missed a reconfiguration spoke for the cluster, and its old configuration shut down the new
/// voters that the others' joint configuration needed: no leader could ever be elected again;
/// seed 7023206 of the swarm schedule with 8 s of faults.)
pub(crate) fn decommission(world: &mut World) -> Vec<NodeId> {
    let newest = world.checker().last_committed();
    let holds_newest = |n: &crate::world::Node| match newest {
        None => true,
        Some((index, term)) => n.log().snapshot_index() >= index || n.log().matches(index, term),
    };
    let mut members: Vec<NodeId> = Vec::new();
    let mut any = false;
    for &id in world.nodes().keys() {
        if let Some(n) = world.recovered_node(id).filter(|n| holds_newest(n)) {
            any = true;
            members.extend(n.membership().members());
        }
    }
    if !any {
        return Vec::new();
    }
    let retired: Vec<NodeId> = world
        .nodes()
        .keys()
        .copied()
        .filter(|id| !members.contains(id))
        .collect();
    for &node in &retired {
        if world.node(node).is_some() {
            let _ = world.act(Action::Crash { node });
        }
    }
    retired
}

/// The end of every schedule: heal, restart everyone, and require progress within
/// [`TAIL_MS`] (liveness after faults end); `net` is the network's timing, kept without its
/// faults; no more than `budget` events in all.
/// With `decommission`, nodes outside the configuration are shut down first and stay down
/// ([`decommission`]).
pub(crate) fn finish(
    mut world: World,
    seed: u64,
    net: NetConfig,
    budget: u64,
    retire: bool,
) -> CheckOutcome {
    let exhausted = |w: &World| w.stats().events >= budget;
    let retired = if retire {
        decommission(&mut world)
    } else {
        Vec::new()
    };
    let paused: Vec<NodeId> = world
        .nodes()
        .iter()
        .filter(|(_, s)| s.paused())
        .map(|(&id, _)| id)
        .collect();
    for node in paused {
        let _ = world.act(Action::Resume { node });
    }
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
        if world.node(id).is_none() && !retired.contains(&id) {
            let _ = world.act(Action::Restart { node: id });
        }
    }
    let before = world.checker().committed_len();
    let deadline = world.now() + TAIL_MS;
    let recovered = world.run_until(deadline, |w| {
        w.checker().committed_len() > before + 1 || exhausted(w)
    }) && !exhausted(&world);
    let stats = world.stats().clone();
    CheckOutcome {
        seed,
        events: stats.events,
        completed: stats.completed,
        committed: world.checker().committed_len(),
        elections: stats.elections,
        violation: world.violation().cloned(),
        recovered,
        exhausted: exhausted(&world),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashing off ([`CheckRun::hash`]) changes nothing but the hash: the same events, counters,
    /// verdicts and client history, on seeds of every schedule (mixed: swarm, targeted, classic).
    #[test]
    fn a_run_without_its_hash_is_the_same_run() {
        for seed in 1..=6 {
            let spec = |hash| CheckRun {
                seed,
                nodes: 5,
                duration_ms: 2_000,
                faults: Faults::ALL,
                keep_trace: false,
                hash,
                policy: ElectionPolicy::default(),
                schedule: Schedule::Mixed,
            };
            let (on, off) = (spec(true).run(&|_| {}), spec(false).run(&|_| {}));
            let figures = |o: &CheckOutcome| {
                (
                    o.events,
                    o.completed,
                    o.committed,
                    o.elections,
                    o.violation.clone(),
                    o.recovered,
                    o.exhausted,
                )
            };
            assert_eq!(figures(&on), figures(&off), "seed {seed}");
            assert_eq!(on.world.stats(), off.world.stats(), "seed {seed}");
            assert_eq!(on.world.history(), off.world.history(), "seed {seed}");
            assert_ne!(on.world.trace_hash(), off.world.trace_hash(), "seed {seed}");
            assert_eq!(
                off.world.trace_hash(),
                crate::trace::TraceHash::default().value(),
                "seed {seed}: nothing hashed"
            );
        }
    }
}

#[cfg(test)]
mod machine_fault_tests {
    use super::*;

    /// `reads` (opt-in, not in `all`): every seed that asks for it, in every schedule, has its
    /// nodes read older entries back often and finds their disks unable to answer at some steps,
    /// and stays safe and live (a healed tail that makes progress). A seed that does not ask
    /// draws nothing: no stalled step, and the run is the same as before the nemesis existed
    /// (the `check` output for seeds 1..500 was compared byte for byte when it was added).
    #[test]
    fn stalled_disk_reads_are_an_opt_in_fault_kind_that_stays_safe() {
        assert_eq!(Faults::parse("all").unwrap(), Faults::ALL);
        let with = Faults::parse("all,reads").unwrap();
        assert!(with.reads && !Faults::ALL.reads);
        assert_eq!(with.names(), "all,reads");
        for seed in 1..=9 {
            let spec = |faults| CheckRun {
                seed,
                nodes: 5,
                duration_ms: 2_000,
                faults,
                keep_trace: false,
                hash: false,
                policy: ElectionPolicy::default(),
                schedule: Schedule::Mixed,
            };
            let on = spec(with).run(&|_| {});
            assert_eq!(on.violation, None, "seed {seed}");
            assert!(on.recovered, "seed {seed}: no progress after healing");
            assert!(
                on.world.stats().stalled_steps > 0,
                "seed {seed}: never stalled"
            );
            let o = on.world.options();
            assert!(
                o.stalled_reads_ppm >= 100_000 && (2..=16).contains(&o.log_cache_entries),
                "seed {seed}: {} ppm, {} entries",
                o.stalled_reads_ppm,
                o.log_cache_entries
            );
            let off = spec(Faults::ALL).run(&|_| {});
            assert_eq!(off.world.stats().stalled_steps, 0, "seed {seed}");
            assert_eq!(off.world.options().stalled_reads_ppm, 0, "seed {seed}");
        }
    }

    /// `replies` (opt-in, not in `all`): every seed that asks for it, in every schedule, holds
    /// back a share of its replies by up to seconds, stays safe and recovers once healed (the
    /// healed tail restores the schedule's own network settings, replies on time). A seed that
    /// does not ask has no reply delayed and runs as before the nemesis existed.
    #[test]
    fn slow_replies_are_an_opt_in_fault_kind_that_stays_safe() {
        let with = Faults::parse("all,replies").unwrap();
        assert!(with.replies && !Faults::ALL.replies);
        assert_eq!(with.names(), "all,replies");
        assert_eq!(
            Faults::parse("all,reads,replies").unwrap().names(),
            "all,reads,replies"
        );
        assert_eq!(
            Faults::parse("crash,replies").unwrap().names(),
            "crash,replies"
        );
        for schedule in [Schedule::Mixed, Schedule::Swarm, Schedule::Targeted] {
            for seed in 1..=6 {
                let spec = |faults| CheckRun {
                    seed,
                    nodes: 5,
                    duration_ms: 3_000,
                    faults,
                    keep_trace: false,
                    hash: false,
                    policy: ElectionPolicy::default(),
                    schedule,
                };
                let on = spec(with).run(&|_| {});
                assert_eq!(on.violation, None, "{schedule:?} seed {seed}");
                assert!(
                    on.recovered,
                    "{schedule:?} seed {seed}: no progress after healing"
                );
                let held = on.world.network().held_replies();
                assert!(held > 0, "{schedule:?} seed {seed}: no reply held back");
                // The healed tail's network holds nothing back.
                assert_eq!(on.world.network().config.reply_delay_ppm, 0);
                let off = spec(Faults::ALL).run(&|_| {});
                assert_eq!(off.world.network().held_replies(), 0, "seed {seed}");
            }
        }
    }

    /// `pause`, `disk` and `drift` are kinds of `--faults` of their own, in the classic schedule
    /// and in swarms: allowed, some seeds pause nodes, slow their disks or drift their clocks
    /// (and stay safe); not allowed, no seed does, whatever else is allowed.
    #[test]
    fn pauses_slow_disks_and_drift_are_fault_kinds_of_their_own() {
        let others = Faults::parse("crash,partition,drop,transfer").unwrap();
        for schedule in [Schedule::Classic, Schedule::Swarm] {
            for (kind, on) in [
                ("pause", true),
                ("disk", true),
                ("drift", true),
                ("", false),
            ] {
                let faults = Faults {
                    pause: kind == "pause",
                    disk: kind == "disk",
                    drift: kind == "drift",
                    ..others
                };
                let (mut paused, mut slow, mut drifted) = (0, 0, 0);
                for seed in 1..=12 {
                    let out = CheckRun {
                        seed,
                        nodes: 5,
                        duration_ms: 2_000,
                        faults,
                        keep_trace: false,
                        hash: false,
                        policy: ElectionPolicy::default(),
                        schedule,
                    }
                    .run(&|_| {});
                    assert_eq!(out.violation, None, "{schedule:?} {kind} seed {seed}");
                    let o = out.world.options();
                    let lease = o.read_mode == raft_core::config::ReadMode::Lease;
                    paused += usize::from(
                        out.world
                            .actions()
                            .iter()
                            .any(|(_, a)| matches!(a, Action::Pause { .. })),
                    );
                    slow += usize::from(o.disk_ms > 0);
                    drifted += usize::from(!lease && o.clock_drift_ppm > 0);
                }
                let counts = (paused, slow, drifted);
                // Seeds that must show the kind: some when allowed, none when not.
                let fits = |k: &str, n: usize| (on && kind == k) == (n > 0);
                assert!(
                    fits("pause", paused) && fits("disk", slow) && fits("drift", drifted),
                    "{schedule:?} with {:?}: (paused, slow, drifted) seeds = {counts:?}",
                    faults.names()
                );
            }
        }
    }
}
