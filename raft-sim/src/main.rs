//! `raft-sim`: headless runs of the raft-core simulator.
//!
//! Every subcommand prints progress on stderr and one JSON object as the last line of stdout.
//! Exit status: 0 success, 1 a violated property or failed expectation, 2 bad usage or a
//! malformed file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use lexopt::prelude::*;
use raft_core::sim::scenario::Scenario;
use raft_core::sim::schedule::{run_check, Faults};
use raft_core::sim::{Action, ClientOptions, SimOptions, TraceEvent, TraceRecord, Workload, World};
use raft_core::Role;
use serde_json::{json, Value};

mod trace_file;

const USAGE: &str = "usage:
  raft-sim check --seeds A..B [--nodes N] [--duration-ms T] [--faults LIST] [--trace FILE]
  raft-sim failover --seeds A..B [--nodes N] [--pre-vote on|off]
  raft-sim taskqueue [--tasks N] [--nodes N] [--clients N (default 100, one request in flight each)] [--crash-leader-after N] [--seed S]
  raft-sim run SCENARIO.json [--trace FILE]
  raft-sim replay TRACE.jsonl

Seed ranges are inclusive: --seeds 1..1000 runs 1000 seeds. Faults: crash, partition, drop,
duplicate, reorder, transfer, all (default) or none, comma-separated.";

/// A failure to report: exit code 2 for usage and input errors.
struct UsageError(String);

impl<T: std::fmt::Display> From<T> for UsageError {
    fn from(e: T) -> Self {
        UsageError(e.to_string())
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(UsageError(msg)) => {
            eprintln!("raft-sim: {msg}");
            eprintln!("{USAGE}");
            println!("{}", json!({"error": msg}));
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, UsageError> {
    let mut args = lexopt::Parser::from_env();
    let cmd = match args.next()? {
        Some(lexopt::Arg::Value(v)) => v.string()?,
        Some(lexopt::Arg::Long("help")) | Some(lexopt::Arg::Short('h')) => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        _ => return Err(UsageError("missing subcommand".into())),
    };
    let mut o = Opts::default();
    while let Some(arg) = args.next()? {
        use lexopt::Arg::*;
        match arg {
            Long("seeds") => o.seeds = Some(parse_range(&args.value()?.string()?)?),
            Long("seed") => o.seed = args.value()?.parse()?,
            Long("nodes") => o.nodes = args.value()?.parse()?,
            Long("duration-ms") => o.duration = args.value()?.parse()?,
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
            Long("tasks") => o.tasks = args.value()?.parse()?,
            Long("clients") => o.clients = args.value()?.parse()?,
            Long("crash-leader-after") => o.crash_after = args.value()?.parse()?,
            Value(v) if o.file.is_none() => o.file = Some(v.string()?),
            other => return Err(other.unexpected().into()),
        }
    }
    if !(1..=64).contains(&o.nodes) {
        return Err(UsageError("--nodes must be between 1 and 64".into()));
    }
    match cmd.as_str() {
        "check" => check(&o),
        "failover" => failover(&o),
        "taskqueue" => taskqueue(&o),
        "run" => run_scenario(&o),
        "replay" => replay(&o),
        other => Err(UsageError(format!("unknown subcommand '{other}'"))),
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
    tasks: u64,
    clients: u32,
    crash_after: u64,
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
            tasks: 1_000,
            clients: 100,
            crash_after: 500,
            file: None,
        }
    }
}

fn parse_range(s: &str) -> Result<(u64, u64), UsageError> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| UsageError(format!("--seeds takes A..B, not '{s}'")))?;
    let a: u64 = a
        .parse()
        .map_err(|_| UsageError(format!("bad seed '{a}'")))?;
    let b: u64 = b
        .trim_start_matches('=')
        .parse()
        .map_err(|_| UsageError(format!("bad seed '{b}'")))?;
    if b < a {
        return Err(UsageError(format!("empty seed range {s}")));
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
    let (a, b) = o
        .seeds
        .ok_or_else(|| UsageError("check needs --seeds A..B".into()))?;
    let (mut events, mut committed, mut completed, mut elections) = (0u64, 0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    let mut stuck = Vec::new();
    let mut linearizable = true;
    let mut undecided = Vec::new();
    let started = std::time::Instant::now();
    for seed in a..=b {
        let out = run_check(seed, o.nodes, o.duration, o.faults, o.trace.is_some());
        events += out.events;
        committed += out.committed;
        completed += out.completed;
        elections += out.elections;
        if let Some(v) = &out.violation {
            eprintln!(
                "seed {seed}: {} violated at {} ms (event {}), nodes {:?}: {}\n  replay: raft-sim check --seeds {seed}..{seed} --nodes {} --duration-ms {} --trace seed{seed}.jsonl",
                v.property, v.time, v.event, v.nodes, v.detail, o.nodes, o.duration
            );
            failures.push(json!({"seed": seed, "property": v.property, "time": v.time, "event": v.event, "nodes": v.nodes, "detail": v.detail}));
        }
        if !out.recovered && out.violation.is_none() {
            eprintln!("seed {seed}: no progress within 5 s after healing every fault");
            stuck.push(seed);
        }
        match raft_core::sim::linearizability::check(out.world.history()) {
            Ok(stats) if stats.is_proven() => {}
            Ok(stats) => {
                eprintln!(
                    "seed {seed}: linearizability undecided for keys {:?} (search budget)",
                    stats.unknown_keys
                );
                undecided.push(seed);
            }
            Err(e) => {
                linearizable = false;
                eprintln!("seed {seed}: client history is not linearizable: {e}");
                failures.push(
                    json!({"seed": seed, "property": "Linearizability", "detail": e.to_string()}),
                );
            }
        }
        if let Some(path) = &o.trace {
            trace_file::write(path, &out.world)?;
            eprintln!("trace written to {path}");
        }
        if (seed - a + 1) % 500 == 0 {
            eprintln!(
                "{} seeds, {} events, {:.1} s",
                seed - a + 1,
                events,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let ok = failures.is_empty() && stuck.is_empty();
    println!(
        "{}",
        json!({
            "command": "check", "seeds": b - a + 1, "nodes": o.nodes, "duration_ms": o.duration,
            "events": events, "commands_committed": committed, "client_ops_completed": completed,
            "elections": elections, "violations": failures.len(), "stuck": stuck,
            "linearizable": linearizable && undecided.is_empty(), "linearizability_undecided": undecided, "failures": failures,
            "wall_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        })
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
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

/// Crashes a stable leader; returns (crash → new leader, crash → first commit of the new term).
fn one_failover(w: &mut World, offset: u64) -> Option<(u64, u64)> {
    if !w.run_until(10_000, |w| w.leader().is_some()) {
        return None;
    }
    let settle = w.now() + 500 + offset;
    w.advance_to(settle);
    let old = w.leader()?;
    let old_term = w.node(old)?.term();
    let t0 = w.now();
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
    let committed_in_term = |w: &World| {
        new_leader(w)
            .and_then(|l| w.node(l))
            .is_some_and(|n| n.log().term(n.log().committed()) == Some(n.term()))
    };
    if !w.run_until(t0 + 20_000, committed_in_term) {
        return None;
    }
    Some((t1 - t0, w.now() - t0))
}

fn failover(o: &Opts) -> Result<ExitCode, UsageError> {
    let (a, b) = o
        .seeds
        .ok_or_else(|| UsageError("failover needs --seeds A..B".into()))?;
    let mut elect = Vec::new();
    let mut commit = Vec::new();
    let mut failed = Vec::new();
    for seed in a..=b {
        let mut w = World::new(reference_options(o.nodes, seed, o.pre_vote))?;
        // Crash at a different phase of the heartbeat cycle for each seed.
        match one_failover(&mut w, seed % 50) {
            Some((e, c)) => {
                elect.push(e);
                commit.push(c);
            }
            None => failed.push(seed),
        }
        if let Some(v) = w.violation() {
            eprintln!("seed {seed}: {} violated: {}", v.property, v.detail);
            failed.push(seed);
        }
    }
    let e = percentiles(elect);
    eprintln!("crash -> new leader (ms): {e}");
    let c = percentiles(commit);
    eprintln!("crash -> first commit of the new term (ms): {c}");
    println!(
        "{}",
        json!({"command": "failover", "seeds": b - a + 1, "nodes": o.nodes, "pre_vote": o.pre_vote,
               "election_timeout_ms": [150, 300], "heartbeat_ms": 50, "latency_ms": [10, 18],
               "crash_to_leader_ms": e, "crash_to_commit_ms": c, "failed": failed})
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn taskqueue(o: &Opts) -> Result<ExitCode, UsageError> {
    let opts = SimOptions {
        clients: ClientOptions {
            enabled: true,
            count: o.clients,
            think_ms: 0,
            timeout_ms: 300,
            workload: Workload::Tasks { total: o.tasks },
            read_index: true,
        },
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
    let leader = w.leader();
    let executed = leader
        .map(|l| w.nodes()[&l].kv.tasks().clone())
        .unwrap_or_default();
    let duplicates = w
        .nodes()
        .values()
        .flat_map(|s| s.kv.tasks().values())
        .filter(|&&n| n > 1)
        .count();
    let done_ops: Vec<u64> = w
        .history()
        .iter()
        .filter(|h| h.complete.is_some())
        .filter_map(|h| match h.op {
            raft_core::sim::Op::Task { id } => Some(id),
            _ => None,
        })
        .collect();
    let lost = done_ops
        .iter()
        .filter(|id| !executed.contains_key(id))
        .count();
    let first = w.history().iter().map(|h| h.invoke).min().unwrap_or(0);
    let last = w
        .history()
        .iter()
        .filter_map(|h| h.complete)
        .max()
        .unwrap_or(0);
    let secs = (last.saturating_sub(first)) as f64 / 1000.0;
    let completed = done_ops.len() as u64;
    let throughput = if secs > 0.0 {
        completed as f64 / secs
    } else {
        0.0
    };
    let lat = percentiles(w.stats().latencies.clone());
    let violation = w.violation().cloned();
    let ok = completed == o.tasks && duplicates == 0 && lost == 0 && violation.is_none();
    eprintln!(
        "{completed}/{} tasks, {duplicates} duplicated, {lost} lost, {:.0} tasks/s overall ({:.0} before the crash), failover {:?} ms, wall {:.2} s",
        o.tasks, throughput, steady, failover_ms, wall.elapsed().as_secs_f64()
    );
    println!(
        "{}",
        json!({"command": "taskqueue", "seed": o.seed, "nodes": o.nodes, "clients": o.clients,
               "total_tasks": o.tasks, "completed": completed, "failed": o.tasks - completed.min(o.tasks),
               "duplicates": duplicates, "lost": lost, "leader_failures": leader_failures,
               "elections": w.stats().elections, "failover_ms": failover_ms,
               "throughput_tasks_per_s": throughput.round(), "steady_tasks_per_s": steady.round(),
               "commit_latency_ms": lat,
               "client_retries": w.stats().retries, "simulated_s": secs,
               "wall_s": (wall.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
               "violation": violation.map(|v| v.property)})
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read(path: &Option<String>, what: &str) -> Result<(String, String), UsageError> {
    let path = path
        .clone()
        .ok_or_else(|| UsageError(format!("missing {what} file")))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| UsageError(format!("cannot read {path}: {e}")))?;
    Ok((path, text))
}

fn run_scenario(o: &Opts) -> Result<ExitCode, UsageError> {
    let (path, text) = read(&o.file, "scenario")?;
    let mut scenario =
        Scenario::from_json(&text).map_err(|e| UsageError(format!("{path}: {e}")))?;
    scenario.options.keep_trace = o.trace.is_some();
    let run = scenario.run()?;
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
    if let Some(tp) = &o.trace {
        trace_file::write(tp, &run.world)?;
        eprintln!("trace written to {tp}");
    }
    let passed = run.passed();
    println!(
        "{}",
        json!({"command": "run", "scenario": scenario.name, "passed": passed,
               "expectations": run.results, "refused": run.refused.iter().map(|(t, w)| json!({"at": t, "why": w})).collect::<Vec<_>>(),
               "violation": run.world.violation(), "events": run.world.stats().events,
               "end_ms": run.world.now(), "trace_hash": format!("{:016x}", run.world.trace_hash())})
    );
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn replay(o: &Opts) -> Result<ExitCode, UsageError> {
    let (path, text) = read(&o.file, "trace")?;
    let t = trace_file::parse(&text).map_err(|e| UsageError(format!("{path}: {e}")))?;
    let w = match t.replay() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("cannot replay {path} (trace version {}): {e}", t.version);
            println!(
                "{}",
                json!({"command": "replay", "version": t.version, "matches": false, "error": e.to_string()})
            );
            return Ok(ExitCode::from(1));
        }
    };
    let hash = format!("{:016x}", w.trace_hash());
    let matches = hash == t.hash && w.trace().len() as u64 == t.records;
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
        if matches { "matches" } else { "DIFFERS from" },
        t.hash
    );
    println!(
        "{}",
        json!({"command": "replay", "records": w.trace().len(), "recorded_records": t.records,
               "hash": hash, "recorded_hash": t.hash, "matches": matches})
    );
    std::io::stdout().flush().ok();
    Ok(if matches {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
