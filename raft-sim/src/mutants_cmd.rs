//! `raft-sim mutants`: the mutation score of `check`'s schedules ([`raft_sim::mutants`]).
//! Every (bug, seed) pair is one independent run; they are spread over threads with
//! `for_each_seed`, so the table is the same whatever the thread count.

use std::process::ExitCode;

use raft_sim::mutants::{caught, Catch, Mutant};
use raft_sim::schedule::CheckRun;
use serde_json::json;

use super::{for_each_seed, Opts, UsageError};

/// Seeds when `--seeds` is not given.
const DEFAULT_SEEDS: u64 = 1_000;

/// One row of the table: a bug (or the baseline, `None`) and what its seeds caught.
struct Row {
    mutant: Option<Mutant>,
    caught: u64,
    first: Option<(u64, Catch)>,
}

pub(super) fn mutants(o: &Opts) -> Result<ExitCode, UsageError> {
    let (a, b) = o.seeds.unwrap_or((1, DEFAULT_SEEDS));
    let chosen: Vec<Mutant> = match &o.bugs {
        None => Mutant::all(),
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(|w| {
                Mutant::from_name(w).ok_or_else(|| {
                    let names: Vec<&str> = Mutant::all().into_iter().map(Mutant::name).collect();
                    UsageError(format!(
                        "unknown bug '{w}' (expected one of {})",
                        names.join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let mut rows: Vec<Row> = std::iter::once(None)
        .chain(chosen.into_iter().map(Some))
        .map(|mutant| Row {
            mutant,
            caught: 0,
            first: None,
        })
        .collect();
    let seeds = b - a + 1;
    let runs = seeds
        .checked_mul(rows.len() as u64)
        .filter(|&n| n <= raft_sim::limits::MAX_SEEDS * 16)
        .ok_or_else(|| UsageError("too many runs: fewer seeds or fewer bugs".into()))?;
    let jobs = o.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let started = std::time::Instant::now();
    let mutant_of = |k: u64| rows[(k / seeds) as usize].mutant;
    let work = |k: u64| {
        let run = CheckRun {
            seed: a + k % seeds,
            nodes: o.nodes,
            duration_ms: o.duration,
            faults: o.faults,
            keep_trace: false,
            hash: false,
            policy: o.policies[0],
            schedule: o.schedule,
        };
        caught(mutant_of(k), &run, o.max_steps)
    };
    let mut results: Vec<Option<Catch>> = Vec::with_capacity(runs as usize);
    for_each_seed(0, runs - 1, jobs, work, |k, c| -> Result<(), UsageError> {
        results.push(c);
        if (k + 1) % seeds == 0 {
            let name = mutant_of(k).map_or("baseline (no bug)", Mutant::name);
            eprintln!("{name}: done, {:.1} s", started.elapsed().as_secs_f64());
        }
        Ok(())
    })?;
    for (k, c) in results.into_iter().enumerate() {
        let row = &mut rows[k / seeds as usize];
        if let Some(c) = c {
            row.caught += 1;
            if row.first.is_none() {
                row.first = Some((a + k as u64 % seeds, c));
            }
        }
    }
    eprintln!(
        "\n{:<32} {:<20} {:>9} {:>10}  property (first catch)",
        "bug", "rule", "caught", "first seed"
    );
    for r in &rows {
        let (name, section) = r
            .mutant
            .map_or(("baseline (no bug)", "-"), |m| (m.name(), m.section()));
        let (first, property) = r.first.as_ref().map_or(("-".to_string(), "-"), |(s, c)| {
            (s.to_string(), c.property.as_str())
        });
        eprintln!(
            "{name:<32} {section:<20} {:>9} {first:>10}  {property}",
            format!("{}/{}", r.caught, seeds)
        );
    }
    let baseline_clean = rows[0].caught == 0;
    let never: Vec<&str> = rows[1..]
        .iter()
        .filter(|r| r.caught == 0)
        .filter_map(|r| r.mutant.map(Mutant::name))
        .collect();
    let table: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "bug": r.mutant.map(Mutant::name),
                "rule": r.mutant.map(Mutant::section),
                "caught": r.caught,
                "first_seed": r.first.as_ref().map(|(s, _)| *s),
                "property": r.first.as_ref().map(|(_, c)| c.property.clone()),
                "detail": r.first.as_ref().map(|(_, c)| c.detail.clone()),
            })
        })
        .collect();
    let killed = rows.len() - 1 - never.len();
    out!(
        "{}",
        json!({
            "command": "mutants", "seeds": seeds, "first_seed": a, "nodes": o.nodes,
            "duration_ms": o.duration, "schedule": o.schedule.name(), "faults": o.faults.names(),
            "bugs": rows.len() - 1, "caught_bugs": killed, "never_caught": never,
            "baseline_clean": baseline_clean, "rows": table,
            "wall_s": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        })
    );
    Ok(if baseline_clean && never.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
