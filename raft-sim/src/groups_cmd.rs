//! `raft-sim groups`: several Raft groups on shared machines ([`raft_sim::groups`], issue 17).

use raft_sim::groups::{crash_and_recover, MachineId, MultiOptions, MultiWorld, TaskReport};
use raft_sim::SimError;
use serde_json::{json, Value};

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
    /// Seed.
    pub seed: u64,
}

/// Runs the command: the JSON line for stdout and whether it passed.
pub fn run(a: &GroupsArgs) -> Result<(Value, bool), SimError> {
    if a.heartbeat_cost {
        return heartbeat_cost(a);
    }
    let opts = match a.tasks {
        Some(tasks) => MultiOptions::task_queues(tasks, 20, a.seed),
        None => MultiOptions::uniform(a.machines, a.groups, a.replicas, 3, a.seed),
    };
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

/// Messages per second per machine for 1, 4, 16 and 64 idle groups on the machines, as sent
/// and with heartbeats coalesced per machine pair and heartbeat interval.
fn heartbeat_cost(a: &GroupsArgs) -> Result<(Value, bool), SimError> {
    eprintln!(
        "heartbeat cost on {} machines, {} replicas per group, 10 s idle (messages/s per machine)",
        a.machines, a.replicas
    );
    eprintln!("| groups | as sent | coalesced | ratio |");
    eprintln!("| --- | --- | --- | --- |");
    let mut rows = Vec::new();
    for groups in [1, 4, 16, 64] {
        let mut o = MultiOptions::uniform(a.machines, groups, a.replicas, 0, a.seed);
        o.base.keep_trace = true;
        let mut mw = MultiWorld::new(o)?;
        mw.advance_to(10_000);
        let c = mw.heartbeat_cost();
        let (sent, coalesced) = (c.per_machine_per_s(), c.coalesced_per_machine_per_s());
        eprintln!(
            "| {groups} | {sent:.0} | {coalesced:.0} | {:.1}x |",
            sent / coalesced.max(f64::MIN_POSITIVE)
        );
        rows.push(json!({"groups": groups, "per_machine_per_s": sent.round(),
                         "coalesced_per_machine_per_s": coalesced.round()}));
    }
    Ok((
        json!({"command": "groups", "heartbeat_cost": rows, "machines": a.machines,
               "replicas": a.replicas, "outcome": "passed"}),
        true,
    ))
}
