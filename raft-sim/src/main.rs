//! `raft-sim`: headless runs of the raft-core simulator.
//!
//! Every command prints progress on stderr and one JSON object as the last line of stdout.
//! Exit status: 0 passed, 1 failed (a violated property, a missed expectation, a replay that
//! does not match, a client history that is not linearizable), 2 bad usage or a malformed file
//! (nothing ran), 3 undecided (the linearizability search ran out of budget: not a pass). Every
//! command that runs a client history judges it with [`raft_sim::judge`].

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use lexopt::prelude::*;
use raft_core::{ElectionPolicy, Role};
use raft_sim::judge::{history_verdict, judge, Outcome};
use raft_sim::limits;
use raft_sim::linearizability::{Verdict, CLI_MAX_STEPS};
use raft_sim::schedule::{CheckRun, Faults, Schedule};
use raft_sim::{Action, ClientOptions, SimOptions, TraceEvent, TraceRecord, Workload, World};
use serde_json::{json, Value};

/// `println!` for the commands' output, except that a closed stdout (`raft-sim grade | head -1`)
/// ends the process quietly with status 141, as a shell reports a program stopped by SIGPIPE,
/// instead of a panic ("failed printing to stdout"). Rust ignores SIGPIPE, so the write fails.
macro_rules! out {
    () => { out!("") };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(141);
            }
            panic!("failed printing to stdout: {e}");
        }
    }};
}

#[cfg(not(target_arch = "wasm32"))]
mod grade_cmd;
/// The grader runs child processes and reads the wall clock: native only. This binary is built
/// for wasm32 only as a by-product of running the determinism test there.
#[cfg(target_arch = "wasm32")]
mod grade_cmd {
    use std::process::ExitCode;
    pub const GRADE_USAGE: &str = "raft-sim grade: native builds only";
    pub const NODE_USAGE: &str = "raft-sim byo-node: native builds only";
    pub fn grade(_: lexopt::Parser) -> Result<ExitCode, String> {
        Err(GRADE_USAGE.into())
    }
    pub fn byo_node() -> Result<ExitCode, String> {
        Err(NODE_USAGE.into())
    }
}
mod groups_cmd;
#[cfg(feature = "planted-bugs")]
mod mutants_cmd;
mod trace_file;

const USAGE: &str = "usage: raft-sim <command> [options]   (raft-sim <command> --help for one command)
  raft-sim check --seeds A..B [--nodes N] [--duration-ms T] [--faults LIST] [--schedule NAME] [--policy NAME] [--trace PATH] [--max-steps N] [--groups N [--machines N]]
  raft-sim mutants [--seeds N] [--jobs J] [--bugs LIST]   (a build with the planted-bugs feature: ./x mutants)
  raft-sim failover --seeds A..B [--nodes N] [--pre-vote on|off] [--policy NAME|all] [--trace PATH]
  raft-sim taskqueue [--tasks N] [--nodes N] [--clients N] [--crash-leader-after N] [--seed S] [--trace FILE] [--max-steps N] [--groups]
  raft-sim run SCENARIO.json [--trace FILE] [--max-steps N]
  raft-sim replay TRACE.jsonl [--max-steps N]
  raft-sim grade (--node CMD | --reference) [--test NAME]... [--tests FILE.json]... [--seed S] [--once] [--trace DIR]
  raft-sim byo-node   (the reference node over the classroom protocol, for grade --node)
  raft-sim groups [--machines N] [--groups N] [--replicas N] [--tasks N] [--balance] [--heartbeat-cost] [--coalesce-ms N] [--seed S]

Seed ranges are inclusive: --seeds 1..1000 runs 1000 seeds. Faults: crash, partition, drop,
duplicate, reorder, transfer, membership, snapshot, pause, disk, drift, all (default; every kind but
reads and replies), reads (disk reads that cannot answer yet: opt-in, e.g. all,reads), replies
(replies held back by up to seconds: opt-in, e.g. all,replies) or none, comma-separated.";

const CHECK_USAGE: &str = "usage: raft-sim check --seeds A..B [--nodes N] [--duration-ms T] [--faults LIST] [--schedule NAME] [--policy NAME] [--trace PATH] [--max-steps N] [--jobs N] [--groups N [--machines N]]

Randomized fault schedules, one per seed, with every safety checker on after every event, then
a healed tail that must make progress; each seed's client history is checked for
linearizability.
  --seeds A..B      inclusive range of seeds (any u64), at most 1000000 seeds
  --nodes N         cluster size, 1 to 64 (default 5)
  --duration-ms T   faults for this long, 0 to 86400000 ms (default 3000)
  --faults LIST     comma-separated: crash, partition, drop, duplicate, reorder, transfer,
                    membership, snapshot, pause (process pauses), disk (slow disks), drift
                    (clock drift), all (default) or none; opt-in beyond all: reads (disk
                    reads that cannot answer yet), replies (replies held back by up to
                    2.3 s: votes that arrive after the candidate's timer fired)
  --schedule NAME   mixed (default: seed % 3 picks swarm, targeted, classic), classic (one
                    mix of every fault), swarm (each seed draws its own faults and their
                    intensities), targeted (membership changes around crashes, partitions and
                    snapshots; leases around transfers and restarts)
  --policy NAME     election timeout policy of the classic schedule: uniform, backoff, spread
                    or up_to_date_first (default: raft-core's default); the others draw theirs
  --trace PATH      one JSONL trace per seed: a directory (PATH/seed<S>.jsonl), a name
                    containing {seed}, or a plain file when the range holds one seed
  --max-steps N     linearizability search budget per key, 1 to 1000000000 (default 10000000)
  --jobs N          seeds run on N threads, 1 to 1024 (default: the available cores); the
                    results and the output are the same as on one thread, in seed order
  --groups N        1 to 256 Raft groups of --nodes replicas sharing --machines machines
                    (default 1: the single-group check above). With more, each seed runs
                    machine faults (crash, restart, partition, the machine leading the most
                    groups crashing; transfers in single groups), heartbeats coalesced or not
                    by the seed, every checker and the linearizability check in every group;
                    no membership changes, no pauses, --schedule ignored; --trace writes
                    multi-group traces (version 4)
  --machines N      1 to 64 machines for --groups (default 5)";

const MUTANTS_USAGE: &str = "usage: raft-sim mutants [--seeds N|A..B] [--jobs J] [--bugs LIST] [--nodes N] [--duration-ms T] [--faults LIST] [--schedule NAME] [--max-steps N]

The mutation score: for each bug planted on purpose (raft-core's planted-bugs feature, and the
break-it switches forget_vote_on_restart and stale_reads), how many of the seeds catch it (a
safety property broken or a client history that is not linearizable, the same judgement as
check) and the first seed that does, with the property; and the baseline, the same seeds with
no bug, which must catch nothing. Needs a build with the planted-bugs feature (./x mutants).
  --seeds N|A..B    seeds 1..N, or an inclusive range (default 1..1000), at most 1000000
  --jobs J          runs on J threads, 1 to 1024 (default: the available cores)
  --bugs LIST       comma-separated bug names (default: all)
  other options as for check (default schedule mixed)
Exit 1 if the baseline catches anything or some bug is never caught.";

const FAILOVER_USAGE: &str =
    "usage: raft-sim failover --seeds A..B [--nodes N] [--pre-vote on|off] [--policy NAME|all] [--trace PATH]

Crashes a stable leader once per seed and times crash -> new leader and crash -> first commit of
the new term; per election policy, a table (on stderr) of p50/p90/p99/max of both, the share of
failovers that needed more than one term (split votes), the elections started per failover, and
an ideal model of the same timers beside them (no split votes; the first follower to time out
wins).
  --seeds A..B      inclusive range of seeds (any u64), at most 1000000 seeds
  --nodes N         cluster size, 1 to 64 (default 5)
  --pre-vote on|off PreVote (default on)
  --policy NAME|all election timeout policy: uniform, backoff, spread, up_to_date_first, or
                    all of them in turn (default: raft-core's default)
  --trace PATH      one JSONL trace per seed: a directory (PATH/seed<S>.jsonl), a name
                    containing {seed}, or a plain file when the range holds one seed";

const TASKQUEUE_USAGE: &str = "usage: raft-sim taskqueue [--tasks N] [--nodes N] [--clients N] [--crash-leader-after N] [--seed S] [--trace FILE] [--max-steps N] [--groups]

The reference task queue: N tasks, each to run exactly once, through a leader crash; the client
history is checked for linearizability.
  --tasks N               0 to 1000000 tasks (default 1000)
  --nodes N               cluster size, 1 to 64 (default 5)
  --clients N             1 to 1000 clients, one request in flight each (default 100)
  --crash-leader-after N  crash the leader after this many tasks, 0 to 1000000 (default 500)
  --seed S                any u64 (default 1)
  --trace FILE            write the run's JSONL trace
  --max-steps N           linearizability search budget per key, 1 to 1000000000 (default 10000000)
  --groups                multi-group Raft: a critical queue (a group of 5 replicas) and a
                          background queue (3 replicas) on 5 machines, --tasks each with
                          --clients each; the critical group's leader's machine crashes after
                          --crash-leader-after critical tasks; figures per group (--nodes does
                          not apply; --trace writes a version-4 multi-group trace)";

const RUN_USAGE: &str = "usage: raft-sim run SCENARIO.json [--trace FILE] [--max-steps N]

Runs a scenario file (docs/formats.md): passes when every expectation is met, no safety property
broke (unless a violation is expected) and the client history is proven linearizable. A
version-2 file runs several groups on machines, and each group is judged so.
  --trace FILE      write the run's JSONL trace
  --max-steps N     linearizability search budget per key, 1 to 1000000000 (default 10000000)";

const REPLAY_USAGE: &str = "usage: raft-sim replay TRACE.jsonl [--max-steps N]

Re-derives a trace from its header's options and its action records and compares the record
count and hash with the footer's; the replayed client history is checked for linearizability.
A version-4 (multi-group) trace is re-run from its actions and every group's hash compared.
  --max-steps N     linearizability search budget per key, 1 to 1000000000 (default 10000000)";

const GROUPS_USAGE: &str = "usage: raft-sim groups [--machines N] [--groups N] [--replicas N] [--tasks N] [--balance] [--heartbeat-cost] [--coalesce-ms N] [--seed S]

Several Raft groups whose replicas share machines (multi-group Raft): prints where each group's
replicas and leader are, crashes the machine leading the most groups, and shows every group it
touched re-electing on its own while the others keep their leaders; every group's safety
checkers run throughout.
  --machines N      1 to 64 machines (default 5)
  --groups N        1 to 256 groups (default 3)
  --replicas N      replicas per group, 1 to the machines (default 3)
  --tasks N         instead: the reference use case's two task queues, a critical group of 5
                    and a background group of 3 on 5 machines, N tasks each (0 to 1000000) to
                    run exactly once through the crash
  --balance         spread leadership over the machines first (leader transfers), so that one
                    machine's failure costs fewer groups their leader
  --heartbeat-cost  instead: messages per second per machine for 1, 4, 16 and 64 idle groups,
                    each group's heartbeats sent on their own beside heartbeats coalesced per
                    machine pair (both measured runs; the older trace-counted model beside),
                    then failover with and without coalescing (16 groups, 10 seeds)
  --coalesce-ms N   coalesce heartbeats: every N ms (1 to 10000) each machine sends one batch
                    per other machine with every group's heartbeats and answers
  --seed S          any u64 (default 1)";

const FOOTER: &str = "
Every command prints progress on stderr and one JSON object as its last stdout line.
Exit status:
  0  passed
  1  failed: a safety property, an expectation, a replay's hash or records, or linearizability
  2  bad usage or a malformed file (nothing ran); the JSON has an \"error\"
  3  undecided: the linearizability search ran out of budget; not a pass (raise --max-steps)
Limits: times in scenarios and traces at most 86400000 ms (a day; the simulator's clock stops
there), delays (election timeouts, heartbeat, client think time and timeout) at most 3600000 ms;
see docs/formats.md.";

/// The commands, with their usage and the options each one takes.
const COMMANDS: &[(&str, &str, &[&str])] = &[
    ("grade", grade_cmd::GRADE_USAGE, &[]),
    ("byo-node", grade_cmd::NODE_USAGE, &[]),
    (
        "check",
        CHECK_USAGE,
        &[
            "seeds",
            "nodes",
            "duration-ms",
            "faults",
            "schedule",
            "policy",
            "trace",
            "max-steps",
            "jobs",
            "groups",
            "machines",
        ],
    ),
    (
        "mutants",
        MUTANTS_USAGE,
        &[
            "seeds",
            "nodes",
            "duration-ms",
            "faults",
            "schedule",
            "max-steps",
            "jobs",
            "bugs",
        ],
    ),
    (
        "failover",
        FAILOVER_USAGE,
        &["seeds", "nodes", "pre-vote", "policy", "trace"],
    ),
    (
        "taskqueue",
        TASKQUEUE_USAGE,
        &[
            "tasks",
            "nodes",
            "clients",
            "crash-leader-after",
            "seed",
            "trace",
            "max-steps",
            "groups",
        ],
    ),
    ("run", RUN_USAGE, &["trace", "max-steps"]),
    ("replay", REPLAY_USAGE, &["max-steps"]),
    (
        "groups",
        GROUPS_USAGE,
        &[
            "machines",
            "groups",
            "replicas",
            "tasks",
            "heartbeat-cost",
            "balance",
            "coalesce-ms",
            "seed",
        ],
    ),
];

/// Exit code for bad usage or a malformed file (see [`Outcome::exit_code`] for the others).
const EXIT_USAGE: u8 = 2;

/// A failure to report: exit code 2 for usage and input errors.
struct UsageError(String);

impl<T: std::fmt::Display> From<T> for UsageError {
    fn from(e: T) -> Self {
        UsageError(e.to_string())
    }
}

/// The runner's allocator: see the note beside the dependency in `Cargo.toml` (native only).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut command = None;
    match run(&mut command) {
        Ok(code) => code,
        Err(UsageError(msg)) => {
            eprintln!("raft-sim: {msg}");
            let usage = COMMANDS
                .iter()
                .find(|(name, _, _)| Some(*name) == command.as_deref())
                .map_or(USAGE, |(_, usage, _)| usage);
            eprintln!("{usage}");
            eprintln!("(raft-sim --help for exit codes and limits)");
            out!("{}", json!({"error": msg}));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn run(command: &mut Option<String>) -> Result<ExitCode, UsageError> {
    let mut args = lexopt::Parser::from_env();
    let cmd = match args.next()? {
        Some(lexopt::Arg::Value(v)) => v.string()?,
        Some(lexopt::Arg::Long("help")) | Some(lexopt::Arg::Short('h')) => {
            out!("{USAGE}\n{FOOTER}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(other.unexpected().into()),
        None => return Err(UsageError("missing command".into())),
    };
    if cmd == "help" {
        let about = match args.next()? {
            Some(lexopt::Arg::Value(v)) => Some(v.string()?),
            _ => None,
        };
        let usage = match &about {
            None => USAGE,
            Some(c) => COMMANDS
                .iter()
                .find(|(name, _, _)| name == c)
                .map(|(_, usage, _)| *usage)
                .ok_or_else(|| UsageError(format!("unknown command '{c}'")))?,
        };
        out!("{usage}\n{FOOTER}");
        return Ok(ExitCode::SUCCESS);
    }
    let (_, usage, takes) = COMMANDS
        .iter()
        .find(|(name, _, _)| *name == cmd)
        .ok_or_else(|| UsageError(format!("unknown command '{cmd}'")))?;
    *command = Some(cmd.clone());
    match cmd.as_str() {
        "grade" => return grade_cmd::grade(args).map_err(UsageError),
        "byo-node" => return grade_cmd::byo_node().map_err(UsageError),
        _ => {}
    }
    let mut o = Opts::default();
    while let Some(arg) = args.next()? {
        use lexopt::Arg::*;
        if let Long(flag) = arg {
            if flag != "help" && !takes.contains(&flag) {
                return Err(UsageError(format!("{cmd} does not take --{flag}")));
            }
        }
        match arg {
            Long("help") | Short('h') => {
                out!("{usage}\n{FOOTER}");
                return Ok(ExitCode::SUCCESS);
            }
            Long("seeds") => {
                let v = args.value()?.string()?;
                o.seeds = Some(if cmd == "mutants" && !v.contains("..") {
                    let n: u64 = v
                        .trim()
                        .parse()
                        .ok()
                        .filter(|n| (1..=limits::MAX_SEEDS).contains(n))
                        .ok_or_else(|| {
                            UsageError(format!(
                                "--seeds takes N (1 to {}) or A..B, not '{v}'",
                                limits::MAX_SEEDS
                            ))
                        })?;
                    (1, n)
                } else {
                    parse_range(&v)?
                })
            }
            Long("schedule") => {
                let v = args.value()?.string()?;
                o.schedule = Schedule::from_name(&v).ok_or_else(|| {
                    UsageError(format!(
                        "--schedule takes mixed, classic, swarm or targeted, not '{v}'"
                    ))
                })?
            }
            Long("bugs") => o.bugs = Some(args.value()?.string()?),
            Long("seed") => o.seed = number(&mut args, "--seed", 0, u64::MAX)?,
            Long("nodes") => o.nodes = number(&mut args, "--nodes", 1, 64)? as u32,
            Long("duration-ms") => {
                o.duration = number(&mut args, "--duration-ms", 0, limits::MAX_TIME_MS)?
            }
            Long("faults") => o.faults = Faults::parse(&args.value()?.string()?)?,
            Long("trace") => o.trace = Some(args.value()?.string()?),
            Long("pre-vote") => {
                o.pre_vote = match args.value()?.string()?.as_str() {
                    "on" => true,
                    "off" => false,
                    other => {
                        return Err(UsageError(format!(
                            "--pre-vote takes on or off, not '{other}'"
                        )))
                    }
                }
            }
            Long("policy") => {
                let v = args.value()?.string()?;
                o.policies = if v == "all" {
                    ElectionPolicy::ALL.to_vec()
                } else {
                    vec![ElectionPolicy::from_name(&v).ok_or_else(|| {
                        UsageError(format!(
                            "--policy takes uniform, backoff, spread, up_to_date_first or all, not '{v}'"
                        ))
                    })?]
                };
                if cmd == "check" && o.policies.len() != 1 {
                    return Err(UsageError("check takes one --policy at a time".into()));
                }
            }
            Long("tasks") => {
                o.tasks = number(&mut args, "--tasks", 0, limits::MAX_TASKS)?;
                o.tasks_given = true;
            }
            Long("clients") => o.clients = number(&mut args, "--clients", 1, 1000)? as u32,
            Long("crash-leader-after") => {
                o.crash_after = number(&mut args, "--crash-leader-after", 0, limits::MAX_TASKS)?
            }
            Long("jobs") => o.jobs = Some(number(&mut args, "--jobs", 1, 1024)? as usize),
            Long("machines") => {
                o.machines = number(
                    &mut args,
                    "--machines",
                    1,
                    u64::from(raft_sim::groups::MAX_MACHINES),
                )? as u32
            }
            // taskqueue's --groups is a switch (the critical and background queues).
            Long("groups") if cmd == "taskqueue" => o.groups_given = true,
            Long("groups") => {
                o.groups = number(
                    &mut args,
                    "--groups",
                    1,
                    u64::from(raft_sim::groups::MAX_GROUPS),
                )? as u32;
                o.groups_given = true;
            }
            Long("coalesce-ms") => {
                o.coalesce_ms = Some(number(
                    &mut args,
                    "--coalesce-ms",
                    1,
                    raft_sim::groups::MAX_COALESCE_MS,
                )?)
            }
            Long("replicas") => o.replicas = number(&mut args, "--replicas", 1, 64)? as u32,
            Long("heartbeat-cost") => o.heartbeat_cost = true,
            Long("balance") => o.balance = true,
            Long("max-steps") => {
                o.max_steps = number(&mut args, "--max-steps", 1, limits::MAX_STEPS)?
            }
            Value(v) if o.file.is_none() && matches!(cmd.as_str(), "run" | "replay") => {
                o.file = Some(v.string()?)
            }
            other => return Err(other.unexpected().into()),
        }
    }
    match cmd.as_str() {
        "check" => check(&o),
        "mutants" => mutants(&o),
        "failover" => failover(&o),
        "taskqueue" => taskqueue(&o),
        "groups" => groups(&o),
        "run" => run_scenario(&o),
        _ => replay(&o),
    }
}

struct Opts {
    seeds: Option<(u64, u64)>,
    seed: u64,
    nodes: u32,
    duration: u64,
    faults: Faults,
    trace: Option<String>,
    pre_vote: bool,
    /// Election timeout policies to run (one for `check`).
    policies: Vec<ElectionPolicy>,
    tasks: u64,
    clients: u32,
    crash_after: u64,
    max_steps: u64,
    /// Threads for `check`; `None`: the available parallelism.
    jobs: Option<usize>,
    /// `groups`: machines, groups, replicas per group, heartbeat cost table.
    machines: u32,
    groups: u32,
    replicas: u32,
    heartbeat_cost: bool,
    balance: bool,
    /// Whether `--groups` was given (`check --groups N`, `taskqueue --groups`).
    groups_given: bool,
    /// `groups --coalesce-ms`.
    coalesce_ms: Option<u64>,
    /// Whether `--tasks` was given (`groups` then runs the task queues).
    tasks_given: bool,
    /// Fault schedule of `check` and `mutants`.
    schedule: Schedule,
    /// `mutants --bugs`: the comma-separated names; `None`: every bug.
    bugs: Option<String>,
    file: Option<String>,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            seeds: None,
            seed: 1,
            nodes: 5,
            duration: 3_000,
            faults: Faults::ALL,
            trace: None,
            pre_vote: true,
            policies: vec![ElectionPolicy::default()],
            tasks: 1_000,
            clients: 100,
            crash_after: 500,
            max_steps: CLI_MAX_STEPS,
            jobs: None,
            machines: 5,
            groups: 3,
            replicas: 3,
            heartbeat_cost: false,
            balance: false,
            groups_given: false,
            coalesce_ms: None,
            tasks_given: false,
            schedule: Schedule::Mixed,
            bugs: None,
            file: None,
        }
    }
}

/// The next value as a whole number from `min` to `max`, or an error naming the flag.
fn number(args: &mut lexopt::Parser, flag: &str, min: u64, max: u64) -> Result<u64, UsageError> {
    let v = args.value()?.string()?;
    let n: u64 = v.trim().parse().map_err(|_| {
        UsageError(format!(
            "{flag} takes a whole number from {min} to {max}, not '{v}'"
        ))
    })?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(UsageError(format!(
            "{flag} is {n}, but must be between {min} and {max}"
        )))
    }
}

fn parse_range(s: &str) -> Result<(u64, u64), UsageError> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| UsageError(format!("--seeds takes A..B, not '{s}'")))?;
    let a: u64 = a
        .parse()
        .map_err(|_| UsageError(format!("bad seed '{a}' (seeds are 0 to {})", u64::MAX)))?;
    let b: u64 = b
        .trim_start_matches('=')
        .parse()
        .map_err(|_| UsageError(format!("bad seed '{b}' (seeds are 0 to {})", u64::MAX)))?;
    if b < a {
        return Err(UsageError(format!("empty seed range {s}")));
    }
    if b - a >= limits::MAX_SEEDS {
        return Err(UsageError(format!(
            "--seeds {s} holds {} seeds, but at most {} may run at once",
            u128::from(b - a) + 1,
            limits::MAX_SEEDS
        )));
    }
    Ok((a, b))
}

/// Percentiles of a sample (nearest-rank).
fn percentiles(mut v: Vec<u64>) -> Value {
    if v.is_empty() {
        return json!(null);
    }
    v.sort_unstable();
    let at = |p: f64| v[(((p / 100.0) * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    let mean = v.iter().sum::<u64>() as f64 / v.len() as f64;
    json!({"p50": at(50.0), "p90": at(90.0), "p99": at(99.0), "max": v[v.len() - 1], "min": v[0], "mean": (mean * 10.0).round() / 10.0, "n": v.len()})
}

fn check(o: &Opts) -> Result<ExitCode, UsageError> {
    if o.groups_given && o.groups > 1 {
        return groups_cmd::check(o);
    }
    let (a, b) = o
        .seeds
        .ok_or_else(|| UsageError("check needs --seeds A..B".into()))?;
    let trace = o
        .trace
        .as_deref()
        .map(|t| trace_file::Target::parse(t, b - a + 1, a))
        .transpose()?;
    let mut outcome = Outcome::Passed;
    let (mut events, mut committed, mut completed, mut elections) = (0u64, 0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    let mut stuck = Vec::new();
    let mut undecided = Vec::new();
    let started = std::time::Instant::now();
    let policy = o.policies[0];
    let replay = |seed: u64| {
        format!(
            "  replay: raft-sim check --seeds {seed}..{seed} --nodes {} --duration-ms {} --faults {} --schedule {} --policy {} --trace seed{seed}.jsonl",
            o.nodes, o.duration, o.faults.names(), o.schedule.name(), policy.name()
        )
    };
    let jobs = o.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let work = |seed: u64| {
        let out = CheckRun {
            seed,
            nodes: o.nodes,
            duration_ms: o.duration,
            faults: o.faults,
            keep_trace: trace.is_some(),
            // Only a written trace carries its hash.
            hash: false,
            policy,
            schedule: o.schedule,
        }
        .run(&|_| {});
        let judgement = judge(&out.world, false, o.max_steps);
        let written = trace.as_ref().map(|t| {
            let path = t.path(seed);
            trace_file::write(&path, &out.world).map(|()| path)
        });
        SeedResult {
            events: out.events,
            committed: out.committed,
            completed: out.completed,
            elections: out.elections,
            violation: out.violation,
            recovered: out.recovered,
            exhausted: out.exhausted,
            judgement,
            written,
        }
    };
    for_each_seed(a, b, jobs, work, |seed, out| -> Result<(), UsageError> {
        events += out.events;
        committed += out.committed;
        completed += out.completed;
        elections += out.elections;
        if let Some(v) = &out.violation {
            eprintln!(
                "seed {seed}: {} violated at {} ms (event {}), nodes {:?}: {}\n{}",
                v.property,
                v.time,
                v.event,
                v.nodes,
                v.detail,
                replay(seed)
            );
            failures.push(json!({"seed": seed, "property": v.property, "time": v.time, "event": v.event, "nodes": v.nodes, "detail": v.detail}));
        }
        if out.exhausted && out.violation.is_none() {
            eprintln!(
                "seed {seed}: stopped at its budget of {} events (raft_sim::schedule::MAX_EVENTS_PER_MS per ms)",
                raft_sim::schedule::event_budget(o.duration)
            );
            stuck.push(seed);
        } else if !out.recovered && out.violation.is_none() {
            eprintln!("seed {seed}: no progress within 5 s after healing every fault");
            stuck.push(seed);
        }
        let j = out.judgement;
        outcome = outcome.and(j.outcome).and(Outcome::from_ok(out.recovered));
        match &j.linearizability {
            Verdict::Linearizable(_) => {}
            Verdict::Undecided(_) => {
                eprintln!(
                    "seed {seed}: {} (not a pass)\n{}",
                    j.linearizability,
                    replay(seed)
                );
                undecided.push(seed);
            }
            Verdict::NotLinearizable(e) => {
                eprintln!(
                    "seed {seed}: client history is not linearizable: {e}\n{}",
                    replay(seed)
                );
                failures.push(
                    json!({"seed": seed, "property": "Linearizability", "detail": e.to_string()}),
                );
            }
        }
        if let Some(written) = out.written {
            eprintln!("trace written to {}", written?.display());
        }
        if (seed - a + 1) % 500 == 0 {
            eprintln!(
                "{} seeds, {} events, {:.1} s",
                seed - a + 1,
                events,
                started.elapsed().as_secs_f64()
            );
        }
        Ok(())
    })?;
    let linearizable =
        failures.iter().all(|f| f["property"] != "Linearizability") && undecided.is_empty();
    out!(
        "{}",
        json!({
            "command": "check", "seeds": b - a + 1, "nodes": o.nodes, "duration_ms": o.duration,
            "policy": policy.name(), "schedule": o.schedule.name(),
            "events": events, "commands_committed": committed, "client_ops_completed": completed,
            "elections": elections, "violations": failures.len(), "stuck": stuck,
            "linearizable": linearizable, "linearizability_undecided": undecided, "failures": failures,
            "outcome": outcome.name(),
            "wall_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        })
    );
    Ok(ExitCode::from(outcome.exit_code()))
}

/// `raft-sim mutants`: in a build without the planted-bugs feature, a clear refusal.
#[cfg(not(feature = "planted-bugs"))]
fn mutants(_: &Opts) -> Result<ExitCode, UsageError> {
    Err(UsageError(
        "mutants needs a build with the planted-bugs feature: ./x mutants, or cargo run --release -p raft-sim --features planted-bugs -- mutants".into(),
    ))
}

#[cfg(feature = "planted-bugs")]
fn mutants(o: &Opts) -> Result<ExitCode, UsageError> {
    mutants_cmd::mutants(o)
}

/// What `check` learns from one seed, computed on a worker thread.
struct SeedResult {
    events: u64,
    committed: u64,
    completed: u64,
    elections: u64,
    violation: Option<raft_sim::checker::Violation>,
    recovered: bool,
    exhausted: bool,
    judgement: raft_sim::judge::Judgement,
    /// Where the seed's trace went, if one was asked for.
    written: Option<Result<std::path::PathBuf, String>>,
}

/// Runs `work` for every seed from `a` to `b` (at most [`limits`]' seed count) on `jobs`
/// threads, and hands each result to `each` in seed order, on this thread: the same calls, in
/// the same order, as a single-threaded loop, whatever finishes first. Each seed's run is
/// independent (its own world and generators), so which thread runs it changes nothing. If
/// `each` fails, the threads stop taking seeds and the error is returned.
fn for_each_seed<R: Send, E>(
    a: u64,
    b: u64,
    jobs: usize,
    work: impl Fn(u64) -> R + Sync,
    mut each: impl FnMut(u64, R) -> Result<(), E>,
) -> Result<(), E> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
    let count = b - a + 1;
    let jobs = (jobs as u64).clamp(1, count) as usize;
    let next = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..jobs {
            let tx = tx.clone();
            let (next, stop, work) = (&next, &stop, &work);
            scope.spawn(move || {
                while !stop.load(Relaxed) {
                    let k = next.fetch_add(1, Relaxed);
                    if k >= count || tx.send((a + k, work(a + k))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Results that arrived before an earlier seed's.
        let mut early = std::collections::BTreeMap::new();
        let mut result = Ok(());
        for seed in a..=b {
            let r = loop {
                if let Some(r) = early.remove(&seed) {
                    break r;
                }
                let (s, r) = rx.recv().expect("a worker thread panicked");
                early.insert(s, r);
            };
            if let Err(e) = each(seed, r) {
                result = Err(e);
                break;
            }
        }
        stop.store(true, Relaxed);
        drop(rx);
        result
    })
}

/// Reference timings: election timeout 150–300 ms, heartbeat 50 ms, one-way latency 10–18 ms.
fn reference_options(nodes: u32, seed: u64, pre_vote: bool) -> SimOptions {
    SimOptions {
        nodes,
        seed,
        pre_vote,
        keep_trace: false,
        ..Default::default()
    }
}

/// One failover's figures.
struct Failover {
    /// Crash to a leader of a later term, ms.
    elected_ms: u64,
    /// Crash to that leader's first commit in its term, ms.
    commit_ms: u64,
    /// Terms between the crashed leader's and the new one's (1: the first election won).
    terms: u64,
    /// Real elections started (by any node) from the crash to the new leader.
    elections: u64,
}

/// Crashes a stable leader and times the recovery.
fn one_failover(w: &mut World, offset: u64) -> Option<Failover> {
    if !w.run_until(10_000, |w| w.leader().is_some()) {
        return None;
    }
    let settle = w.now() + 500 + offset;
    w.advance_to(settle);
    let old = w.leader()?;
    let old_term = w.node(old)?.term();
    let (t0, e0) = (w.now(), w.stats().elections);
    w.act(Action::Crash { node: old }).ok()?;
    let new_leader = |w: &World| {
        w.leader()
            .and_then(|l| w.node(l))
            .filter(|n| n.term() > old_term)
            .map(|n| n.id())
    };
    if !w.run_until(t0 + 20_000, |w| new_leader(w).is_some()) {
        return None;
    }
    let t1 = w.now();
    let term = new_leader(w).and_then(|l| w.node(l))?.term();
    let elections = w.stats().elections - e0;
    let committed_in_term = |w: &World| {
        new_leader(w)
            .and_then(|l| w.node(l))
            .is_some_and(|n| n.log().term(n.log().committed()) == Some(n.term()))
    };
    if !w.run_until(t0 + 20_000, committed_in_term) {
        return None;
    }
    Some(Failover {
        elected_ms: t1 - t0,
        commit_ms: w.now() - t0,
        terms: term - old_term,
        elections,
    })
}

/// p50 / p90 / p99 / max of a sample, as one table cell.
fn cell(v: &Value) -> String {
    format!("{} / {} / {} / {}", v["p50"], v["p90"], v["p99"], v["max"])
}

fn failover(o: &Opts) -> Result<ExitCode, UsageError> {
    let (a, b) = o
        .seeds
        .ok_or_else(|| UsageError("failover needs --seeds A..B".into()))?;
    let trace = o
        .trace
        .as_deref()
        .map(|t| trace_file::Target::parse(t, b - a + 1, a))
        .transpose()?;
    let mut failed = Vec::new();
    let mut results = Vec::new();
    let mut table = format!(
        "failover, {} seeds ({a}..{b}), {} nodes, PreVote {}; ms p50 / p90 / p99 / max\n\
         | policy | crash -> leader | ideal model | crash -> first commit | ideal model | more than one term | elections per failover |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
        b - a + 1,
        o.nodes,
        if o.pre_vote { "on" } else { "off" }
    );
    for &policy in &o.policies {
        let (mut elect, mut commit) = (Vec::new(), Vec::new());
        let (mut multi_term, mut elections, mut runs) = (0u64, 0u64, 0u64);
        for seed in a..=b {
            let mut w = World::new(SimOptions {
                keep_trace: trace.is_some(),
                election_policy: policy,
                ..reference_options(o.nodes, seed, o.pre_vote)
            })?;
            // Crash at a different phase of the heartbeat cycle for each seed.
            match one_failover(&mut w, seed % 50) {
                Some(f) => {
                    elect.push(f.elected_ms);
                    commit.push(f.commit_ms);
                    multi_term += u64::from(f.terms > 1);
                    elections += f.elections;
                    runs += 1;
                }
                None => failed.push(json!({"seed": seed, "policy": policy.name()})),
            }
            if let Some(v) = w.violation() {
                eprintln!(
                    "seed {seed}, policy {}: {} violated: {}",
                    policy.name(),
                    v.property,
                    v.detail
                );
                failed.push(json!({"seed": seed, "policy": policy.name()}));
            }
            if let Some(t) = &trace {
                trace_file::write(&t.path(seed), &w)?;
            }
        }
        let (e, c) = (percentiles(elect), percentiles(commit));
        let (model_e, model_c) = raft_sim::failover_model::samples(
            &raft_sim::failover_model::Timings::default(),
            policy,
            o.pre_vote,
            o.nodes,
            100_000,
            1,
        );
        let (model_e, model_c) = (percentiles(model_e), percentiles(model_c));
        let split = multi_term as f64 / runs.max(1) as f64;
        let per = elections as f64 / runs.max(1) as f64;
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {:.2}% | {:.3} |",
            policy.name(),
            cell(&e),
            cell(&model_e),
            cell(&c),
            cell(&model_c),
            split * 100.0,
            per
        );
        results.push(
            json!({"policy": policy.name(), "crash_to_leader_ms": e, "crash_to_commit_ms": c,
            "more_than_one_term": multi_term, "more_than_one_term_rate": split,
            "elections_per_failover": per,
            "ideal_model": {"crash_to_leader_ms": model_e, "crash_to_commit_ms": model_c}}),
        );
    }
    eprint!("{table}");
    let mut out = json!({"command": "failover", "seeds": b - a + 1, "nodes": o.nodes, "pre_vote": o.pre_vote,
           "election_timeout_ms": [150, 300], "heartbeat_ms": 50, "latency_ms": [10, 18],
           "policies": results, "failed": failed});
    // One policy: its figures at the top level too, as before policies existed.
    if let [one] = &out["policies"].as_array().cloned().unwrap_or_default()[..] {
        out["crash_to_leader_ms"] = one["crash_to_leader_ms"].clone();
        out["crash_to_commit_ms"] = one["crash_to_commit_ms"].clone();
    }
    out!("{out}");
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn taskqueue(o: &Opts) -> Result<ExitCode, UsageError> {
    if o.groups_given {
        return groups_cmd::taskqueue(o);
    }
    let trace = o
        .trace
        .as_deref()
        .map(|t| trace_file::Target::parse(t, 1, o.seed))
        .transpose()?;
    let opts = SimOptions {
        clients: ClientOptions {
            enabled: true,
            count: o.clients,
            think_ms: 0,
            timeout_ms: 300,
            workload: Workload::Tasks { total: o.tasks },
            read_index: true,
        },
        keep_trace: trace.is_some(),
        ..reference_options(o.nodes, o.seed, true)
    };
    let wall = std::time::Instant::now();
    let mut w = World::new(opts)?;
    let crash_after = o.crash_after.min(o.tasks);
    w.run_until(600_000, |w| w.stats().completed >= crash_after);
    let mut failover_ms = None;
    let mut leader_failures = 0;
    // Steady-state throughput: tasks completed before the crash, from the first completion (so
    // the first election is not counted) to the crash.
    let steady_done = w.stats().completed.saturating_sub(1);
    let first_done = w
        .history()
        .iter()
        .filter_map(|h| h.complete)
        .min()
        .unwrap_or(0);
    let steady_s = w.now().saturating_sub(first_done) as f64 / 1000.0;
    let steady = if steady_s > 0.0 {
        steady_done as f64 / steady_s
    } else {
        0.0
    };
    if let Some(old) = w.leader() {
        let old_term = w.node(old).map_or(0, |n| n.term());
        let t0 = w.now();
        w.act(Action::Crash { node: old })?;
        leader_failures += 1;
        eprintln!(
            "crashed leader S{old} at {t0} ms after {} tasks",
            w.stats().completed
        );
        if w.run_until(t0 + 60_000, |w| {
            w.leader()
                .and_then(|l| w.node(l))
                .is_some_and(|n| n.term() > old_term)
        }) {
            failover_ms = Some(w.now() - t0);
        }
    }
    w.run_until(w.now() + 600_000, |w| w.stats().completed >= o.tasks);
    // Let every live node apply what was committed.
    let settle = w.now() + 1_000;
    w.advance_to(settle);
    // Exactly once: tasks acknowledged, run twice, acknowledged but never run.
    let report = raft_sim::groups::TaskReport::of(&w);
    let (duplicates, lost) = (report.duplicated, report.lost);
    let first = w.history().iter().map(|h| h.invoke).min().unwrap_or(0);
    let last = w
        .history()
        .iter()
        .filter_map(|h| h.complete)
        .max()
        .unwrap_or(0);
    let secs = (last.saturating_sub(first)) as f64 / 1000.0;
    let completed = report.completed;
    let throughput = if secs > 0.0 {
        completed as f64 / secs
    } else {
        0.0
    };
    let lat = percentiles(w.stats().latencies.clone());
    let j = judge(&w, false, o.max_steps);
    let outcome =
        Outcome::from_ok(completed == o.tasks && duplicates == 0 && lost == 0).and(j.outcome);
    if !j.linearizability.is_linearizable() {
        eprintln!("client history: {}", j.linearizability);
    }
    if let Some(t) = &trace {
        let path = t.path(o.seed);
        trace_file::write(&path, &w)?;
        eprintln!("trace written to {}", path.display());
    }
    eprintln!(
        "{completed}/{} tasks, {duplicates} duplicated, {lost} lost, {:.0} tasks/s overall ({:.0} before the crash), failover {:?} ms, wall {:.2} s",
        o.tasks, throughput, steady, failover_ms, wall.elapsed().as_secs_f64()
    );
    out!(
        "{}",
        json!({"command": "taskqueue", "seed": o.seed, "nodes": o.nodes, "clients": o.clients,
               "total_tasks": o.tasks, "completed": completed, "failed": o.tasks - completed.min(o.tasks),
               "duplicates": duplicates, "lost": lost, "leader_failures": leader_failures,
               "elections": w.stats().elections, "failover_ms": failover_ms,
               "throughput_tasks_per_s": throughput.round(), "steady_tasks_per_s": steady.round(),
               "commit_latency_ms": lat,
               "client_retries": w.stats().retries, "simulated_s": secs,
               "wall_s": (wall.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
               "violation": j.violation.map(|v| v.property),
               "linearizability": verdict_json(&j.linearizability), "outcome": outcome.name()})
    );
    Ok(ExitCode::from(outcome.exit_code()))
}

/// `raft-sim groups`: see [`GROUPS_USAGE`].
fn groups(o: &Opts) -> Result<ExitCode, UsageError> {
    if o.replicas > o.machines && !o.tasks_given && !o.heartbeat_cost {
        return Err(UsageError(format!(
            "--replicas {} is more than the {} machines (one replica per machine)",
            o.replicas, o.machines
        )));
    }
    let args = groups_cmd::GroupsArgs {
        machines: if o.tasks_given { 5 } else { o.machines },
        groups: o.groups,
        replicas: o.replicas.min(o.machines),
        tasks: o.tasks_given.then_some(o.tasks),
        heartbeat_cost: o.heartbeat_cost,
        balance: o.balance,
        coalesce_ms: o.coalesce_ms,
        seed: o.seed,
    };
    let (json, ok) = groups_cmd::run(&args)?;
    out!("{json}");
    Ok(ExitCode::from(if ok { 0 } else { 1 }))
}

/// A linearizability verdict as JSON: its name, its sentence, and its figures.
fn verdict_json(v: &Verdict) -> Value {
    let mut j = json!({"verdict": v.name(), "detail": v.to_string()});
    match v {
        Verdict::Linearizable(s) | Verdict::Undecided(s) => {
            j["ops"] = json!(s.ops);
            j["keys"] = json!(s.keys);
            j["steps"] = json!(s.steps);
            j["unknown_keys"] = json!(s
                .unknown_keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>());
        }
        Verdict::NotLinearizable(e) => j["key"] = json!(e.key.to_string()),
    }
    j
}

fn read(path: &Option<String>, what: &str) -> Result<(String, String), UsageError> {
    let path = path
        .clone()
        .ok_or_else(|| UsageError(format!("missing {what} file")))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| UsageError(format!("cannot read {path}: {e}")))?;
    // Some editors start UTF-8 files with a byte-order mark.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    Ok((path, text))
}

fn run_scenario(o: &Opts) -> Result<ExitCode, UsageError> {
    let (path, text) = read(&o.file, "scenario")?;
    let any = raft_sim::groups_scenario::AnyScenario::from_json(&text)
        .map_err(|e| UsageError(format!("{path}: {e}")))?;
    let mut scenario = match any {
        raft_sim::groups_scenario::AnyScenario::Single(s) => s,
        raft_sim::groups_scenario::AnyScenario::Groups(g) => {
            return groups_cmd::run_scenario(o, &g)
        }
    };
    let trace = o
        .trace
        .as_deref()
        .map(|t| trace_file::Target::parse(t, 1, scenario.options.seed))
        .transpose()?;
    scenario.options.keep_trace = trace.is_some();
    let run = scenario.run_with_budget(o.max_steps)?;
    for r in &run.results {
        eprintln!(
            "[{}] {}{}",
            if r.ok { "ok" } else { "FAILED" },
            r.what,
            r.at.map(|t| format!(" (at {t} ms)")).unwrap_or_default()
        );
    }
    for (t, why) in &run.refused {
        eprintln!("action at {t} ms refused: {why}");
    }
    if let Some(v) = run.world.violation() {
        eprintln!(
            "safety monitor: {} violated at {} ms: {}",
            v.property, v.time, v.detail
        );
    }
    let lin = &run.judgement.linearizability;
    match lin {
        Verdict::Linearizable(_) => eprintln!("[ok] client history: {lin}"),
        _ if scenario.expects_violation() => {
            eprintln!("client history: {lin} (not judged: the scenario expects a violation)")
        }
        Verdict::NotLinearizable(_) => eprintln!("[FAILED] client history: {lin}"),
        Verdict::Undecided(_) => {
            eprintln!("[UNDECIDED] client history: {lin}; not a pass (exit 3), raise --max-steps")
        }
    }
    if let Some(t) = &trace {
        let path = t.path(scenario.options.seed);
        trace_file::write(&path, &run.world)?;
        eprintln!("trace written to {}", path.display());
    }
    let outcome = run.outcome();
    out!(
        "{}",
        json!({"command": "run", "scenario": scenario.name, "passed": outcome == Outcome::Passed,
               "outcome": outcome.name(), "linearizability": verdict_json(lin),
               "expectations": run.results, "refused": run.refused.iter().map(|(t, w)| json!({"at": t, "why": w})).collect::<Vec<_>>(),
               "violation": run.world.violation(), "events": run.world.stats().events,
               "end_ms": run.world.now(), "trace_hash": format!("{:016x}", run.world.trace_hash())})
    );
    Ok(ExitCode::from(outcome.exit_code()))
}

fn replay(o: &Opts) -> Result<ExitCode, UsageError> {
    let (path, text) = read(&o.file, "trace")?;
    if raft_sim::groups_trace::is_group_trace(&text) {
        return groups_cmd::replay(o, &path, &text);
    }
    let t = trace_file::parse(&text).map_err(|e| UsageError(format!("{path}: {e}")))?;
    t.options
        .validate()
        .map_err(|e| UsageError(format!("{path}: line 1: invalid options: {e}")))?;
    limits::at_most("the footer's end", t.end, limits::MAX_TIME_MS)
        .map_err(|e| UsageError(format!("{path}: {e}")))?;
    let w = match t.replay() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("cannot replay {path} (trace version {}): {e}", t.version);
            out!(
                "{}",
                json!({"command": "replay", "version": t.version, "matches": false, "error": e.to_string()})
            );
            return Ok(ExitCode::from(1));
        }
    };
    let hash = format!("{:016x}", w.trace_hash());
    // The footer's hash covers the records the run made; the file's records are compared
    // too, so an edited record is found even when the footer was left as it was.
    let divergence = raft_sim::trace::first_divergence(&text, &w);
    let hash_matches = hash == t.hash && w.trace().len() as u64 == t.records;
    let matches = hash_matches && divergence.is_none();
    let mut summary = String::new();
    let leaders = w
        .trace()
        .iter()
        .filter(|r: &&TraceRecord| {
            matches!(
                r.event,
                TraceEvent::Role {
                    role: Role::Leader,
                    ..
                }
            )
        })
        .count();
    let _ = write!(
        summary,
        "{} records, {} leaders elected",
        w.trace().len(),
        leaders
    );
    eprintln!(
        "replayed {path}: {summary}; hash {hash} {} the recorded {}",
        if hash_matches {
            "matches"
        } else {
            "DIFFERS from"
        },
        t.hash
    );
    // Where the replay parts from the file: what someone needs to tell a trace written by a
    // simulator that behaves differently from one edited by hand.
    if let Some(d) = &divergence {
        let edited = "the file's records are not those its footer's hash covers (edited?): ";
        eprintln!("{}{d}", if hash_matches { edited } else { "" });
    }
    let first_difference = divergence.map(|d| {
        let json = |l: Option<String>| {
            l.and_then(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
                .unwrap_or(serde_json::Value::Null)
        };
        json!({"line": d.line, "t": d.t, "recorded": json(d.recorded), "replayed": json(d.replayed)})
    });
    let lin = history_verdict(&w, o.max_steps);
    eprintln!("client history: {lin}");
    let outcome = Outcome::from_ok(matches).and(Outcome::of_verdict(&lin));
    out!(
        "{}",
        json!({"command": "replay", "records": w.trace().len(), "recorded_records": t.records,
               "hash": hash, "recorded_hash": t.hash, "hash_matches": hash_matches, "matches": matches,
               "first_difference": first_difference,
               "linearizability": verdict_json(&lin), "outcome": outcome.name()})
    );
    std::io::stdout().flush().ok();
    Ok(ExitCode::from(outcome.exit_code()))
}
