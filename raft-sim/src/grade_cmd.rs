//! `raft-sim grade` (grade a node written against the classroom protocol) and `raft-sim
//! byo-node` (the reference node, raft-core, served over the protocol on stdin/stdout).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use raft_sim::byo::{NodeFactory, Reference};
use raft_sim::byo_process::Process;
use raft_sim::grade::{self, GradeOptions, TestReport};
use serde_json::json;

/// Usage of `raft-sim grade`.
pub const GRADE_USAGE: &str = "usage: raft-sim grade (--node CMD | --reference) [--test NAME]... [--tests FILE.json]... [--seed S] [--seeds N] [--once] [--trace DIR] [--step-timeout-ms MS] [--wall-limit-s S] [--show-stderr] [--list]

Runs a Raft node that speaks the classroom protocol (docs/classroom.md) through the graded suite:
elections, re-election, agreement, failures, partitions, persistence, Figure 8, unreliable
networks; safety checkers after every answer, linearizability of the clients' history at the end.
Prints a line per test (PASS, or the first violated property with the seed, the time and a
command that replays it) and a JSON summary as the last line. Exit 0 all passed, 1 a test
failed, 2 bad usage or a malformed test file.
  --node CMD            the node: a command run as sh -c 'exec CMD', one process per node and restart
                        (e.g. --node \"python3 classroom/python/skeleton.py\")
  --reference           the reference node (raft-core behind the protocol), in this process
  --test NAME           run only this test (repeatable; default: all)
  --tests FILE.json     add the tests of this file (one test object or an array; repeatable)
  --seed S              seed of every test (default 1)
  --seeds N             run each test with seeds S, S+1, ... S+N-1 (1 to 1000; default 1) until
                        one fails; the report is the failing seed's
  --once                run each test once (default: twice, comparing the node's answers, to
                        catch a node that is not deterministic)
  --trace DIR           write each failing test's trace to DIR/TEST-seedS.jsonl
  --step-timeout-ms MS  wall-clock limit of one answer, 1 to 60000 (default 2000; the answer to
                        init, which includes starting the program, may take 5 times as long)
  --wall-limit-s S      wall-clock limit of the whole grading, 1 to 86400 (default 600)
  --show-stderr         show the node's stderr (default: discarded)
  --list                list the tests and exit";

/// Usage of `raft-sim byo-node`.
pub const NODE_USAGE: &str = "usage: raft-sim byo-node

The reference node (raft-core with the simulator's key-value store) speaking the classroom
protocol on stdin/stdout, as a student's node would: raft-sim grade --node \"raft-sim byo-node\".";

/// Runs `raft-sim byo-node`.
pub fn byo_node() -> Result<ExitCode, String> {
    raft_sim::byo::serve(Reference::new).map_err(|e| format!("byo-node: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Quotes `s` for a POSIX shell.
fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Runs `raft-sim grade` with its arguments (after the command name).
pub fn grade(mut args: lexopt::Parser) -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let mut node: Option<String> = None;
    let mut reference = false;
    let mut names: Vec<String> = Vec::new();
    let mut files: Vec<String> = Vec::new();
    let mut seed = 1u64;
    let mut seeds = 1u64;
    let mut once = false;
    let mut trace: Option<PathBuf> = None;
    let mut step_ms = 2_000u64;
    let mut wall_s = 600u64;
    let mut show_stderr = false;
    let mut list = false;
    let num = |v: String, flag: &str, lo: u64, hi: u64| -> Result<u64, String> {
        v.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
            .ok_or_else(|| format!("{flag} takes a number from {lo} to {hi}, not '{v}'"))
    };
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        let value = |args: &mut lexopt::Parser| -> Result<String, String> {
            args.value()
                .map_err(|e| e.to_string())?
                .string()
                .map_err(|e| e.to_string())
        };
        match arg {
            Long("help") | Short('h') => {
                out!("{GRADE_USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            Long("node") => node = Some(value(&mut args)?),
            Long("reference") => reference = true,
            Long("test") => names.push(value(&mut args)?),
            Long("tests") => files.push(value(&mut args)?),
            Long("seed") => seed = num(value(&mut args)?, "--seed", 0, (1 << 53) - 1 - 1_000)?,
            Long("seeds") => seeds = num(value(&mut args)?, "--seeds", 1, 1_000)?,
            Long("once") => once = true,
            Long("trace") => trace = Some(PathBuf::from(value(&mut args)?)),
            Long("step-timeout-ms") => {
                step_ms = num(value(&mut args)?, "--step-timeout-ms", 1, 60_000)?
            }
            Long("wall-limit-s") => wall_s = num(value(&mut args)?, "--wall-limit-s", 1, 86_400)?,
            Long("show-stderr") => show_stderr = true,
            Long("list") => list = true,
            other => return Err(other.unexpected().to_string()),
        }
    }
    let mut tests = grade::suite();
    for f in &files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the tests file {f}: {e}"))?;
        raft_sim::grade_suite::add_tests_file(&mut tests, f, &text)?;
    }
    if list {
        for t in &tests {
            out!("{:<20} {}", t.name, t.about);
        }
        return Ok(ExitCode::SUCCESS);
    }
    for n in &names {
        if !tests.iter().any(|t| &t.name == n) {
            let all: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
            return Err(format!("no test named {n} (tests: {})", all.join(", ")));
        }
    }
    if !names.is_empty() {
        tests.retain(|t| names.contains(&t.name));
    }
    let (mut factory, node_arg): (NodeFactory, String) = match (&node, reference) {
        (Some(_), true) => return Err("give --node CMD or --reference, not both".into()),
        (None, false) => return Err("which node? give --node CMD or --reference".into()),
        (None, true) => (Reference::factory(), "--reference".into()),
        (Some(cmd), false) => (
            Process::factory(cmd.clone(), Duration::from_millis(step_ms), show_stderr),
            format!("--node {}", shell_quote(cmd)),
        ),
    };
    if let Some(dir) = &trace {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the trace directory {}: {e}", dir.display()))?;
    }
    let opts = GradeOptions {
        seed,
        twice: !once,
        keep_trace: trace.is_some(),
        wall_limit: Duration::from_secs(wall_s),
        clock: grade::system_clock,
        grader: grade::CLI_GRADER,
    };
    let mut reports: Vec<TestReport> = Vec::new();
    let started = (opts.clock)();
    for t in &tests {
        // Seeds in order until one fails: the report is that seed's, or the last seed's.
        let r = grade::run_over_seeds(t, &mut factory, &opts, seeds, started);
        let Some(mut r) = r else { continue };
        let mut extra = String::new();
        for f in &files {
            extra.push_str(&format!(" --tests {}", shell_quote(f)));
        }
        if step_ms != 2_000 {
            extra.push_str(&format!(" --step-timeout-ms {step_ms}"));
        }
        match &r.failure {
            None if seeds > 1 => out!(
                "PASS  {:<20} seeds {}..{}, the last: {} ms virtual, {} inputs{}",
                r.name,
                seed,
                seed + seeds - 1,
                r.end_ms,
                r.steps,
                match r.ops {
                    (0, _) => String::new(),
                    (sent, answered) => format!(", {answered}/{sent} requests answered"),
                }
            ),
            None => out!(
                "PASS  {:<20} {:>6} ms virtual, {} inputs{}{}",
                r.name,
                r.end_ms,
                r.steps,
                match r.ops {
                    (0, _) => String::new(),
                    (sent, answered) => format!(", {answered}/{sent} requests answered"),
                },
                match r.snapshots {
                    (0, 0) => String::new(),
                    (taken, installed) =>
                        format!(", {taken} snapshots taken, {installed} installed"),
                } + &match r.resends {
                    (0, 0) => String::new(),
                    (sent, dup) =>
                        format!(", {sent} requests resent, {dup} duplicates not run again"),
                }
            ),
            Some(f) => {
                let nodes: Vec<String> = f.nodes.iter().map(|n| format!("S{n}")).collect();
                out!(
                    "FAIL  {:<20} {} at {} ms{}: {}",
                    r.name,
                    f.property,
                    f.time,
                    if nodes.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", nodes.join(", "))
                    },
                    f.detail
                );
                let file = format!("{}-seed{}.jsonl", r.name, r.seed);
                let trace_arg = match &trace {
                    Some(dir) => {
                        let path = dir.join(&file);
                        if let Some(text) = r.trace.take() {
                            std::fs::write(&path, text).map_err(|e| {
                                format!("cannot write the trace to {}: {e}", path.display())
                            })?;
                            out!(
                                "      trace: {} (open it in the playground, ./x serve then Open…, to see the run)",
                                path.display()
                            );
                        }
                        format!(" --trace {}", shell_quote(&dir.to_string_lossy()))
                    }
                    None => format!(" --trace {}", shell_quote("traces")),
                };
                out!(
                    "      replay: raft-sim grade {node_arg}{extra} --test {} --seed {}{}",
                    r.name,
                    r.seed,
                    trace_arg
                );
            }
        }
        reports.push(r);
    }
    let failed = reports.iter().filter(|r| !r.passed()).count();
    out!(
        "{}",
        json!({
            "passed": reports.len() - failed,
            "failed": failed,
            "tests": reports,
        })
    );
    Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }))
}
