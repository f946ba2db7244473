//! `raft-sim groups`, `raft-sim check --groups N` and `raft-sim taskqueue --groups`: several
//! Raft groups on shared machines ([`raft_sim::groups`], issue 17).

use std::process::ExitCode;

use raft_sim::groups::{crash_and_recover, MachineId, MultiOptions, MultiWorld, TaskReport};
use raft_sim::groups_check::{replay_line, GroupCheck, GroupCheckOutcome};
use raft_sim::judge::{judge, Outcome};
use raft_sim::linearizability::Verdict;
use raft_sim::SimError;
use serde_json::{json, Value};

use super::{for_each_seed, percentiles, verdict_json, Opts, UsageError};

/// What `raft-sim groups` runs.
pub struct GroupsArgs {
    /// Machines.
    pub machines: u32,
    /// Groups (ignored with `tasks`: the task queues are two groups).
    pub groups: u32,
    /// Replicas per group.
    pub replicas: u32,
    /// With tasks: the critical (5 replicas) and background (3) task queues, this many each.
    pub tasks: Option<u64>,
    /// Print the heartbeat cost table for 1, 4, 16 and 64 groups instead.
    pub heartbeat_cost: bool,
    /// Spread leadership over the machines before the crash.
    pub balance: bool,
    /// Coalesce heartbeats every this many ms.
    pub coalesce_ms: Option<u64>,
    /// Seed.
    pub seed: u64,
}

/// Runs the command: the JSON line for stdout and whether it passed.
pub fn run(a: &GroupsArgs) -> Result<(Value, bool), SimError> {
    if a.heartbeat_cost {
        return heartbeat_cost(a);
    }
    let mut opts = match a.tasks {
        Some(tasks) => MultiOptions::task_queues(tasks, 20, a.seed),
        None => MultiOptions::uniform(a.machines, a.groups, a.replicas, 3, a.seed),
    };
    opts.coalesce_ms = a.coalesce_ms;
    let mut mw = MultiWorld::new(opts)?;
    mw.advance_to(3_000);
    let leaders = mw.leader_machines();
    eprintln!("{} groups on {} machines:", mw.groups().len(), a.machines);
    for (g, spec) in mw.options().groups.iter().enumerate() {
        let hosts: Vec<String> = (1..=u64::from(spec.replicas))
            .map(|r| format!("M{}", mw.machine_of(g, r).unwrap_or(0)))
            .collect();
        eprintln!(
            "  {:<11} replicas on {:<20} leader on {}",
            spec.name,
            hosts.join(" "),
            leaders[g].map_or("-".into(), |m| format!("M{m}"))
        );
    }
    if a.balance {
        let asked = mw.balance_leaders(500)?;
        let leaders = mw.leader_machines();
        eprintln!(
            "balanced leadership with {asked} transfers: leaders on {}",
            leaders
                .iter()
                .map(|l| l.map_or("-".into(), |m| format!("M{m}")))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let leaders = mw.leader_machines();
    // The machine leading the most groups fails.
    let busiest: MachineId = (1..=mw.options().machines)
        .max_by_key(|&m| {
            (
                leaders.iter().filter(|&&l| l == Some(m)).count(),
                u32::MAX - m,
            )
        })
        .unwrap_or(1);
    eprintln!(
        "crashing M{busiest} (hosts {} replicas, leads {} groups)",
        mw.replicas_on(busiest).len(),
        leaders.iter().filter(|&&l| l == Some(busiest)).count()
    );
    let rec = crash_and_recover(&mut mw, busiest, 10_000)?;
    for r in &rec {
        match (r.leader_before == Some(busiest), r.reelected_ms) {
            (true, Some(ms)) => eprintln!(
                "  {:<11} lost its leader: new leader on M{} after {ms} ms",
                r.name,
                r.leader_after.unwrap_or(0)
            ),
            (true, None) => eprintln!("  {:<11} lost its leader: NONE within 10 s", r.name),
            (false, _) => eprintln!(
                "  {:<11} kept its leader on {}",
                r.name,
                r.leader_before.map_or("-".into(), |m| format!("M{m}"))
            ),
        }
    }
    let mut ok = rec
        .iter()
        .all(|r| r.leader_before != Some(busiest) || r.reelected_ms.is_some());
    let mut tasks_json = Vec::new();
    if let Some(total) = a.tasks {
        let limit = mw.now() + 600_000;
        while mw.now() < limit
            && !mw
                .groups()
                .iter()
                .all(|w| TaskReport::of(w).completed >= total)
        {
            mw.advance_by(100);
        }
        mw.advance_by(1_000);
        for (w, spec) in mw.groups().iter().zip(&mw.options().groups) {
            let r = TaskReport::of(w);
            eprintln!(
                "  {:<11} {}/{total} tasks, {} duplicated, {} lost",
                spec.name, r.completed, r.duplicated, r.lost
            );
            ok &= r.completed == total && r.duplicated == 0 && r.lost == 0;
            tasks_json.push(json!({"group": spec.name, "completed": r.completed,
                "duplicated": r.duplicated, "lost": r.lost}));
        }
    }
    let violations = mw.violations();
    for (g, v) in &violations {
        eprintln!("  {g}: VIOLATION {v}");
    }
    ok &= violations.is_empty();
    let groups: Vec<Value> = rec
        .iter()
        .map(|r| {
            json!({"group": r.name, "leader_before": r.leader_before,
                   "leader_after": r.leader_after, "reelected_ms": r.reelected_ms})
        })
        .collect();
    Ok((
        json!({"command": "groups", "machines": mw.options().machines, "seed": a.seed,
               "crashed_machine": busiest, "groups": groups, "tasks": tasks_json,
               "violations": violations.len(), "outcome": if ok { "passed" } else { "failed" }}),
        ok,
    ))
}

/// Messages per second per machine for 1, 4, 16 and 64 idle groups on the machines: every
/// group's heartbeats sent on their own, and coalesced per machine pair (one batch per pair per
/// heartbeat interval, [`MultiOptions::coalesce_ms`]); both are runs, measured from what each
/// machine sent. The trace-counted model of the coalesced figure is printed beside them.
fn heartbeat_cost(a: &GroupsArgs) -> Result<(Value, bool), SimError> {
    let seconds = 10_000;
    eprintln!(
        "heartbeat cost on {} machines, {} replicas per group, {} s idle, seed {} (messages/s per machine)\n",
        a.machines,
        a.replicas,
        seconds / 1000,
        a.seed
    );
    eprintln!(
        "| groups | uncoalesced | coalesced | reduction | heartbeats per batch | leaders elected (uncoalesced / coalesced) | model |"
    );
    eprintln!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut rows = Vec::new();
    let mut ok = true;
    for groups in [1, 4, 16, 64] {
        let mut o = MultiOptions::uniform(a.machines, groups, a.replicas, 0, a.seed);
        o.base.keep_trace = true;
        let interval = a.coalesce_ms.unwrap_or(o.base.heartbeat_ms);
        let mut plain = MultiWorld::new(o.clone())?;
        plain.advance_to(seconds);
        o.base.keep_trace = false;
        let mut coalesced = MultiWorld::new(o.coalesced(interval))?;
        coalesced.advance_to(seconds);
        let (p, c) = (plain.traffic(), coalesced.traffic());
        // The model counted over every machine, as the measured figures are.
        let model = plain.heartbeat_cost().coalesced_total as f64
            / f64::from(a.machines)
            / (seconds as f64 / 1000.0);
        let (ps, cs) = (p.per_machine_per_s(), c.per_machine_per_s());
        let leaders =
            |mw: &MultiWorld| -> u64 { mw.groups().iter().map(|w| w.stats().leaders).sum() };
        let per_batch = c.heartbeats as f64 / c.batches.max(1) as f64;
        eprintln!(
            "| {groups} | {ps:.0} | {cs:.0} | {:.1}x | {per_batch:.1} | {} / {} | {model:.0} |",
            ps / cs.max(f64::MIN_POSITIVE),
            leaders(&plain),
            leaders(&coalesced)
        );
        ok &= plain.violations().is_empty() && coalesced.violations().is_empty();
        rows.push(
            json!({"groups": groups, "uncoalesced_per_machine_per_s": ps.round(),
                         "coalesced_per_machine_per_s": cs.round(),
                         "heartbeats_per_batch": (per_batch * 10.0).round() / 10.0,
                         "leaders_elected": [leaders(&plain), leaders(&coalesced)],
                         "model_coalesced_per_machine_per_s": model.round()}),
        );
    }
    // Does coalescing slow failover? The machine leading the most of 16 groups crashes, over
    // ten seeds; every group it led must elect again.
    let seeds = a.seed..a.seed + 10;
    let mut failover = Vec::new();
    for coalesce in [None, Some(a.coalesce_ms.unwrap_or(50))] {
        let mut times = Vec::new();
        for seed in seeds.clone() {
            let mut o = MultiOptions::uniform(a.machines, 16, a.replicas, 0, seed);
            o.coalesce_ms = coalesce;
            let mut mw = MultiWorld::new(o)?;
            mw.advance_to(3_000);
            let leaders = mw.leader_machines();
            let m = (1..=a.machines)
                .max_by_key(|&m| leaders.iter().filter(|&&l| l == Some(m)).count())
                .unwrap_or(1);
            for r in crash_and_recover(&mut mw, m, 10_000)? {
                if r.leader_before == Some(m) {
                    ok &= r.reelected_ms.is_some();
                    times.push(r.reelected_ms.unwrap_or(10_000));
                }
            }
            ok &= mw.violations().is_empty();
        }
        times.sort_unstable();
        failover.push(times);
    }
    let at = |v: &[u64], q: usize| v.get((v.len() * q).div_ceil(100).max(1) - 1).copied();
    eprintln!(
        "\nfailover when the machine leading the most of 16 groups crashes (seeds {}..{}, {} groups re-elected each way): uncoalesced p50 {:?} max {:?} ms, coalesced p50 {:?} max {:?} ms",
        seeds.start,
        seeds.end - 1,
        failover[0].len(),
        at(&failover[0], 50).unwrap_or(0),
        failover[0].last().copied().unwrap_or(0),
        at(&failover[1], 50).unwrap_or(0),
        failover[1].last().copied().unwrap_or(0),
    );
    let stats = |v: &[u64]| json!({"n": v.len(), "p50": at(v, 50), "max": v.last()});
    Ok((
        json!({"command": "groups", "heartbeat_cost": rows, "machines": a.machines,
               "replicas": a.replicas, "seed": a.seed, "coalesce_ms": a.coalesce_ms.unwrap_or(50),
               "failover_ms": {"uncoalesced": stats(&failover[0]), "coalesced": stats(&failover[1])},
               "outcome": if ok { "passed" } else { "failed" }}),
        ok,
    ))
}

/// `raft-sim check --groups N` (N > 1): [`GroupCheck`] for every seed, each group judged as
/// `check` judges its one group.
pub fn check(o: &Opts) -> Result<ExitCode, UsageError> {
    let (a, b) = o
        .seeds
        .ok_or_else(|| UsageError("check needs --seeds A..B".into()))?;
    let trace = o
        .trace
        .as_deref()
        .map(|t| super::trace_file::Target::parse(t, b - a + 1, a))
        .transpose()?;
    if o.nodes > o.machines {
        return Err(UsageError(format!(
            "--nodes {} is more than the {} machines (one replica of a group per machine)",
            o.nodes, o.machines
        )));
    }
    let jobs = o.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let def = |seed| GroupCheck {
        seed,
        machines: o.machines,
        groups: o.groups,
        replicas: o.nodes,
        duration_ms: o.duration,
        faults: o.faults,
        policy: o.policies[0],
        keep_trace: trace.is_some(),
        break_it: Default::default(),
    };
    let started = std::time::Instant::now();
    type Judged = (
        GroupCheckOutcome,
        Vec<raft_sim::judge::Judgement>,
        Option<std::path::PathBuf>,
    );
    let work = |seed: u64| -> Result<Judged, String> {
        let out = def(seed).run().map_err(|e| e.to_string())?;
        let judged = out
            .world
            .groups()
            .iter()
            .map(|w| judge(w, false, o.max_steps))
            .collect();
        let written = match &trace {
            Some(t) => {
                let path = t.path(seed);
                std::fs::write(&path, raft_sim::groups_trace::write_jsonl(&out.world))
                    .map_err(|e| format!("cannot write the trace to {}: {e}", path.display()))?;
                Some(path)
            }
            None => None,
        };
        Ok((out, judged, written))
    };
    let mut outcome = Outcome::Passed;
    let (mut failures, mut stuck, mut undecided) = (Vec::new(), Vec::new(), Vec::new());
    let (mut events, mut committed, mut completed, mut elections, mut coalesced) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    for_each_seed(a, b, jobs, work, |seed, r| -> Result<(), UsageError> {
        let (out, judged, written) = r?;
        if let Some(p) = written {
            eprintln!("trace written to {}", p.display());
        }
        coalesced += u64::from(out.coalesced);
        let replay = replay_line(&def(seed));
        for (g, j) in out.groups.iter().zip(judged) {
            events += g.events;
            committed += g.committed;
            completed += g.completed;
            elections += g.elections;
            if let Some(v) = &g.violation {
                eprintln!(
                    "seed {seed} group {}: {} violated at {} ms: {}\n  replay: {replay}",
                    g.name, v.property, v.time, v.detail
                );
                failures.push(
                    json!({"seed": seed, "group": g.name, "property": v.property,
                    "time": v.time, "detail": v.detail}),
                );
            } else if !g.recovered {
                eprintln!(
                    "seed {seed} group {}: no progress within 5 s after healing every fault{}\n  replay: {replay}",
                    g.name,
                    if g.exhausted { " (event budget spent)" } else { "" }
                );
                stuck.push(json!({"seed": seed, "group": g.name}));
            }
            outcome = outcome.and(j.outcome).and(Outcome::from_ok(g.recovered));
            match &j.linearizability {
                Verdict::Linearizable(_) => {}
                Verdict::Undecided(_) => {
                    eprintln!(
                        "seed {seed} group {}: {} (not a pass)",
                        g.name, j.linearizability
                    );
                    undecided.push(json!({"seed": seed, "group": g.name}));
                }
                Verdict::NotLinearizable(e) => {
                    eprintln!(
                        "seed {seed} group {}: client history is not linearizable: {e}\n  replay: {replay}",
                        g.name
                    );
                    failures.push(json!({"seed": seed, "group": g.name,
                        "property": "Linearizability", "detail": e.to_string()}));
                }
            }
        }
        if (seed - a + 1) % 100 == 0 {
            eprintln!(
                "{} seeds, {:.1} s",
                seed - a + 1,
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
            "command": "check", "seeds": b - a + 1, "groups": o.groups, "machines": o.machines,
            "nodes": o.nodes, "duration_ms": o.duration, "policy": o.policies[0].name(),
            "coalesced_seeds": coalesced,
            "events": events, "commands_committed": committed, "client_ops_completed": completed,
            "elections": elections, "violations": failures.len(), "stuck": stuck,
            "linearizable": linearizable, "linearizability_undecided": undecided,
            "failures": failures, "outcome": outcome.name(),
            "wall_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        })
    );
    Ok(ExitCode::from(outcome.exit_code()))
}

/// `raft-sim taskqueue --groups`: the critical (5 replicas) and background (3) task queues on 5
/// machines, `--tasks` each with `--clients` clients each; once the critical queue has done
/// `--crash-leader-after` tasks, the machine of its leader crashes (and with it the background
/// group's replica there, if it has one). Per group: tasks done, run twice, lost, failover,
/// throughput, latency and linearizability. `--nodes` does not apply (the groups' sizes are fixed).
pub fn taskqueue(o: &Opts) -> Result<ExitCode, UsageError> {
    let trace = o
        .trace
        .as_deref()
        .map(|t| super::trace_file::Target::parse(t, 1, o.seed))
        .transpose()?;
    let wall = std::time::Instant::now();
    let mut opts = MultiOptions::task_queues(o.tasks, o.clients, o.seed);
    opts.base.keep_trace = trace.is_some();
    let mut mw = MultiWorld::new(opts)?;
    let crash_after = o.crash_after.min(o.tasks);
    let limit = 600_000;
    while mw.now() < limit && mw.group(0).stats().completed < crash_after {
        mw.advance_by(10);
    }
    let crashed = mw.leader_machines()[0];
    let rec = match crashed {
        Some(m) => {
            eprintln!(
                "crashing M{m}, the critical group's leader's machine, at {} ms after {} critical tasks",
                mw.now(),
                mw.group(0).stats().completed
            );
            crash_and_recover(&mut mw, m, 60_000)?
        }
        None => Vec::new(),
    };
    let done = |mw: &MultiWorld| {
        mw.groups()
            .iter()
            .all(|w| TaskReport::of(w).completed >= o.tasks)
    };
    while mw.now() < limit + 60_000 && !done(&mw) {
        mw.advance_by(50);
    }
    mw.advance_by(1_000);
    let mut outcome = Outcome::Passed;
    let mut groups = Vec::new();
    for (g, (w, spec)) in mw.groups().iter().zip(&mw.options().groups).enumerate() {
        let r = TaskReport::of(w);
        let first = w.history().iter().map(|h| h.invoke).min().unwrap_or(0);
        let last = w
            .history()
            .iter()
            .filter_map(|h| h.complete)
            .max()
            .unwrap_or(0);
        let secs = last.saturating_sub(first) as f64 / 1000.0;
        let throughput = if secs > 0.0 {
            r.completed as f64 / secs
        } else {
            0.0
        };
        let failover = rec.get(g).and_then(|x| x.reelected_ms);
        let lost_leader = rec.get(g).is_some_and(|x| x.leader_before == crashed);
        let hosted = crashed.is_some_and(|m| mw.replicas_on(m).iter().any(|&(h, _)| h == g));
        let j = judge(w, false, o.max_steps);
        if !j.linearizability.is_linearizable() {
            eprintln!("{}: client history: {}", spec.name, j.linearizability);
        }
        eprintln!(
            "  {:<11} {} replicas: {}/{} tasks, {} duplicated, {} lost, {:.0} tasks/s, {}",
            spec.name,
            spec.replicas,
            r.completed,
            o.tasks,
            r.duplicated,
            r.lost,
            throughput,
            match (lost_leader, failover) {
                (true, Some(ms)) => format!("lost its leader, new one after {ms} ms"),
                (true, None) => "lost its leader, NONE within 60 s".into(),
                (false, _) if hosted => "lost a follower, kept its leader".into(),
                (false, _) => "no replica on the crashed machine".into(),
            }
        );
        let ok = r.completed == o.tasks
            && r.duplicated == 0
            && r.lost == 0
            && (!lost_leader || failover.is_some());
        outcome = outcome.and(Outcome::from_ok(ok)).and(j.outcome);
        groups.push(json!({"group": spec.name, "replicas": spec.replicas,
            "total_tasks": o.tasks, "completed": r.completed, "duplicates": r.duplicated,
            "lost": r.lost, "on_crashed_machine": hosted, "lost_leader": lost_leader,
            "failover_ms": failover,
            "elections": w.stats().elections, "throughput_tasks_per_s": throughput.round(),
            "commit_latency_ms": percentiles(w.stats().latencies.clone()),
            "client_retries": w.stats().retries, "violation": j.violation.map(|v| v.property),
            "linearizability": verdict_json(&j.linearizability)}));
    }
    if let Some(t) = &trace {
        let path = t.path(o.seed);
        std::fs::write(&path, raft_sim::groups_trace::write_jsonl(&mw)).map_err(|e| {
            UsageError(format!("cannot write the trace to {}: {e}", path.display()))
        })?;
        eprintln!("trace written to {}", path.display());
    }
    out!(
        "{}",
        json!({"command": "taskqueue", "seed": o.seed, "machines": 5, "clients": o.clients,
               "crashed_machine": crashed, "groups": groups,
               "wall_s": (wall.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
               "outcome": outcome.name()})
    );
    Ok(ExitCode::from(outcome.exit_code()))
}

/// `raft-sim run FILE` for a version-2 (multi-group) scenario: each expectation, each group's
/// safety and linearizability verdicts, and each group's trace hash.
pub fn run_scenario(
    o: &Opts,
    s: &raft_sim::groups_scenario::GroupScenario,
) -> Result<ExitCode, UsageError> {
    let trace = o
        .trace
        .as_deref()
        .map(|t| super::trace_file::Target::parse(t, 1, s.options.seed))
        .transpose()?;
    let mut s = s.clone();
    s.options.keep_trace = trace.is_some();
    let run = s.run(o.max_steps)?;
    if let Some(t) = &trace {
        let path = t.path(s.options.seed);
        std::fs::write(&path, raft_sim::groups_trace::write_jsonl(&run.world)).map_err(|e| {
            UsageError(format!("cannot write the trace to {}: {e}", path.display()))
        })?;
        eprintln!("trace written to {}", path.display());
    }
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
    let mut groups = Vec::new();
    for ((w, def), j) in run
        .world
        .groups()
        .iter()
        .zip(&s.groups)
        .zip(&run.judgements)
    {
        if let Some(v) = &j.violation {
            eprintln!(
                "{}: safety monitor: {} violated at {} ms: {}",
                def.name, v.property, v.time, v.detail
            );
        }
        eprintln!("{}: client history: {}", def.name, j.linearizability);
        groups.push(json!({"group": def.name, "outcome": j.outcome.name(),
            "violation": j.violation, "linearizability": verdict_json(&j.linearizability),
            "events": w.stats().events, "trace_hash": format!("{:016x}", w.trace_hash())}));
    }
    let outcome = run.outcome();
    out!(
        "{}",
        json!({"command": "run", "scenario": s.name, "version": 2, "machines": s.machines,
               "passed": outcome == Outcome::Passed, "outcome": outcome.name(),
               "expectations": run.results,
               "refused": run.refused.iter().map(|(t, w)| json!({"at": t, "why": w})).collect::<Vec<_>>(),
               "groups": groups, "end_ms": run.world.now()})
    );
    Ok(ExitCode::from(outcome.exit_code()))
}

/// `raft-sim replay FILE` for a version-4 (multi-group) trace: re-runs its definition with its
/// actions and compares every group's hash; each group's replayed history is judged.
pub fn replay(o: &Opts, path: &str, text: &str) -> Result<ExitCode, UsageError> {
    let t = raft_sim::groups_trace::parse_jsonl(text)
        .map_err(|e| UsageError(format!("{path}: {e}")))?;
    let mw = t.replay()?;
    let bad = t.mismatches(&mw);
    for (g, file, got) in &bad {
        eprintln!("{g}: the file's hash {file} differs from the replay's {got}");
    }
    // The file's records against the replay's, as for one group (main.rs `replay`): an edited
    // record fails even when every hash matches.
    let divergence =
        raft_sim::trace::divergence_between(text, &raft_sim::groups_trace::write_jsonl(&mw));
    if let Some(d) = &divergence {
        eprintln!("{d}");
    }
    let matches = bad.is_empty() && divergence.is_none();
    let mut outcome = Outcome::from_ok(matches);
    let mut groups = Vec::new();
    for (w, spec) in mw.groups().iter().zip(&mw.options().groups) {
        let j = judge(w, w.options().break_it.any(), o.max_steps);
        eprintln!("{}: client history: {}", spec.name, j.linearizability);
        outcome = outcome.and(j.outcome);
        groups.push(
            json!({"group": spec.name, "hash": format!("{:016x}", w.trace_hash()),
            "linearizability": verdict_json(&j.linearizability)}),
        );
    }
    eprintln!(
        "{} groups on {} machines, {} actions, {} records: {}",
        t.options.groups.len(),
        t.options.machines,
        t.actions.len(),
        t.records,
        match (bad.is_empty(), divergence.is_none()) {
            (true, true) => "every group's hash and every record match",
            (true, false) => "every group's hash matches, but a record differs (edited?)",
            _ => "MISMATCH",
        }
    );
    out!(
        "{}",
        json!({"command": "replay", "version": raft_sim::groups_trace::GROUP_TRACE_VERSION,
               "matches": matches, "hash_matches": bad.is_empty(),
               "first_difference": divergence.map(|d| json!({"line": d.line, "t": d.t})),
               "groups": groups, "end_ms": t.end,
               "outcome": outcome.name()})
    );
    Ok(ExitCode::from(outcome.exit_code()))
}
