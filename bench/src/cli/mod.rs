//! The native command line (see the binary's doc).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use raft_bench::floor::{failover_model, Floors, Timings};
use raft_bench::raftrs::{RaftRs, RaftRsBatched};
use raft_bench::stats::{median, summary};
use raft_bench::steady;
use raft_bench::throughput::{self, Cluster, Limits, RaftCore, Workload};
use serde_json::{json, Value};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

mod machine;
mod page;
mod profile;
mod table;

use table::Row;

/// Counts every allocation of this process (the `stats_alloc` crate wraps the system allocator),
/// for the allocations-per-entry figure. Both libraries pay the same small counting cost.
#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Runs the command line.
pub fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("throughput") => throughput_child(&args[1..]),
        Some("node-memory") => node_memory_child(&args[1..]),
        Some("steady") => steady_child(&args[1..]),
        Some("-h") | Some("--help") => {
            println!("{}", USAGE);
            Ok(())
        }
        _ => run_all(&args),
    };
    if let Err(e) = result {
        eprintln!("raft-bench: {e}");
        std::process::exit(2);
    }
}

const USAGE: &str = "usage:
  raft-bench [--runs N] [--entries N] [--raft-sim PATH] [--dist DIR] [--wasm-json FILE]
             [--browser-json FILE] [--out FILE] [--no-profile] [--core-only] [--page-only]
             [--speed-only [--bench-before PATH] [--raft-sim-before PATH]]
  raft-bench throughput --impl raft-core|raft-rs|raft-rs-batched [--entry-bytes N] [--entries N] [--batch N]
  raft-bench node-memory --impl raft-core|raft-rs [--entry-bytes N] [--entries N] [--log-cache-entries N]
  raft-bench steady [--clients N] [--think-ms N] [--seconds N] [--seed N]";

type Res<T> = Result<T, String>;

/// `--name value`, `--name=value` and the value-less `switches`, in order.
fn flags(args: &[String], switches: &[&str]) -> Res<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let name = a
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument '{a}'\n{USAGE}"))?;
        if switches.contains(&name) {
            out.push((name.to_string(), String::new()));
        } else if let Some((n, v)) = name.split_once('=') {
            out.push((n.to_string(), v.to_string()));
        } else {
            let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            out.push((name.to_string(), v.clone()));
        }
    }
    Ok(out)
}

// ----- one throughput run (child process) ---------------------------------------------------

fn throughput_child(args: &[String]) -> Res<()> {
    let mut w = Workload::default();
    let mut which = String::from("raft-core");
    for (k, v) in flags(args, &[])? {
        let num = |v: &str| v.parse().map_err(|e| format!("--{k}: {e}"));
        match k.as_str() {
            "impl" => which = v,
            "entry-bytes" => w.entry_bytes = num(&v)? as usize,
            "entries" => w.entries = num(&v)?,
            "batch" => w.batch = num(&v)?,
            _ => return Err(format!("unknown option --{k}\n{USAGE}")),
        }
    }
    let v = match which.as_str() {
        "raft-core" => measure::<RaftCore>(&w),
        "raft-rs" => measure::<RaftRs>(&w),
        "raft-rs-batched" => measure::<RaftRsBatched>(&w),
        other => return Err(format!("unknown --impl {other}")),
    };
    println!("{v}");
    // Exit without freeing the clusters: teardown is not part of the measurement.
    std::process::exit(0);
}

// ----- node memory after a long log (child process) ------------------------------------------

/// One node alone (it commits on its own) takes `--entries` proposals of `--entry-bytes`, 64 per
/// Ready, persisting each to its in-memory storage and applying it, without compaction. Then the
/// node is dropped and its storage kept: the bytes that frees are what the node itself held.
fn node_memory_child(args: &[String]) -> Res<()> {
    let mut w = Workload {
        entries: 1_000_000,
        entry_bytes: 1024,
        nodes: 1,
        ..Workload::default()
    };
    let mut which = String::from("raft-core");
    let mut limits = Limits::default();
    for (k, v) in flags(args, &[])? {
        let num = |v: &str| v.parse().map_err(|e| format!("--{k}: {e}"));
        match k.as_str() {
            "impl" => which = v,
            "entry-bytes" => w.entry_bytes = num(&v)? as usize,
            "entries" => w.entries = num(&v)?,
            "log-cache-entries" => {
                limits.log_cache_entries = num(&v)? as usize;
                if !(1..=raft_core::MAX_LOG_CACHE_ENTRIES).contains(&limits.log_cache_entries) {
                    return Err(format!(
                        "--log-cache-entries must be between 1 and {}",
                        raft_core::MAX_LOG_CACHE_ENTRIES
                    ));
                }
            }
            _ => return Err(format!("unknown option --{k}\n{USAGE}")),
        }
    }
    let v = match which.as_str() {
        "raft-core" => node_memory::<RaftCore>(&w, limits),
        "raft-rs" => node_memory::<RaftRs>(&w, limits),
        other => return Err(format!("unknown --impl {other}")),
    };
    println!("{v}");
    std::process::exit(0);
}

fn node_memory<C: Cluster>(w: &Workload, limits: Limits) -> Value {
    let mut c: C = throughput::setup(w, limits);
    let region = Region::new(GLOBAL);
    throughput::run(&mut c, w);
    let grown = region.change();
    let live = grown.bytes_allocated as i64 - grown.bytes_deallocated as i64;
    let region = Region::new(GLOBAL);
    c.drop_nodes();
    let freed = region.change();
    let node = freed.bytes_deallocated as i64 - freed.bytes_allocated as i64;
    let v = json!({
        "impl": C::NAME, "entries": w.entries, "entry_bytes": w.entry_bytes,
        "live_heap_bytes": live, "node_bytes": node, "peak_rss_kib": machine::rss_kib("VmHWM"),
        "checksum": c.checksum(),
    });
    std::mem::forget(c);
    v
}

fn measure<C: Cluster>(w: &Workload) -> Value {
    let mut c: C = throughput::setup(w, Limits::default());
    let rss_before = machine::rss_kib("VmRSS");
    let region = Region::new(GLOBAL);
    let t = Instant::now();
    let out = throughput::run(&mut c, w);
    let wall = t.elapsed().as_secs_f64();
    let a = region.change();
    let v = json!({
        "impl": C::NAME, "entries": w.entries, "entry_bytes": w.entry_bytes, "batch": w.batch,
        "wall_s": wall, "entries_per_s": w.entries as f64 / wall,
        "allocs": a.allocations + a.reallocations, "alloc_bytes": a.bytes_allocated,
        "live_heap_bytes": a.bytes_allocated as i64 - a.bytes_deallocated as i64,
        "rss_before_kib": rss_before, "peak_rss_kib": machine::rss_kib("VmHWM"),
        "rounds": out.rounds, "messages": out.messages, "stalls": out.stalls,
        "checksum": out.checksum,
    });
    std::mem::forget(c);
    v
}

// ----- the whole benchmark ------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Opts {
    runs: usize,
    entries: u64,
    raft_sim: PathBuf,
    dist: PathBuf,
    wasm_json: Option<PathBuf>,
    browser_json: Option<PathBuf>,
    out: Option<PathBuf>,
    profile: bool,
    /// Only section 1 (raft-core against raft-rs, and its profile): a quick side-by-side run.
    core_only: bool,
    /// Only section 5 (the page: size from dist/, figures from the browser benchmark's JSON),
    /// so the page's rows can be refreshed without the minutes of native runs.
    page_only: bool,
    /// Only the simulator's speed (section 4, with the commit latencies of section 3, which come
    /// from the same runs) and its profile: a quick run to measure a change to the simulator.
    speed_only: bool,
    /// An older `raft-bench` binary whose steady-load runs (`raft-bench steady`, the same seeds
    /// and loads) are timed beside ours, in the same sitting: a before/after on equal terms.
    bench_before: Option<PathBuf>,
    /// An older `raft-sim` binary whose `check` is timed beside ours.
    raft_sim_before: Option<PathBuf>,
}

fn parse_opts(args: &[String]) -> Res<Opts> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let mut o = Opts {
        runs: 5,
        entries: 100_000,
        raft_sim: Path::new(&target).join("release/raft-sim"),
        dist: "dist".into(),
        wasm_json: None,
        browser_json: None,
        out: None,
        profile: true,
        core_only: false,
        page_only: false,
        speed_only: false,
        bench_before: None,
        raft_sim_before: None,
    };
    for (k, v) in flags(
        args,
        &["no-profile", "core-only", "page-only", "speed-only"],
    )? {
        let num = |v: &str| v.parse::<u64>().map_err(|e| format!("--{k}: {e}"));
        match k.as_str() {
            "runs" => o.runs = num(&v)? as usize,
            "entries" => o.entries = num(&v)?,
            "raft-sim" => o.raft_sim = v.into(),
            "dist" => o.dist = v.into(),
            "wasm-json" => o.wasm_json = Some(v.into()),
            "browser-json" => o.browser_json = Some(v.into()),
            "out" => o.out = Some(v.into()),
            "no-profile" => o.profile = false,
            "core-only" => o.core_only = true,
            "page-only" => o.page_only = true,
            "speed-only" => o.speed_only = true,
            "bench-before" => o.bench_before = Some(v.into()),
            "raft-sim-before" => o.raft_sim_before = Some(v.into()),
            _ => return Err(format!("unknown option --{k}\n{USAGE}")),
        }
    }
    if o.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    if o.core_only && o.speed_only {
        return Err("--core-only and --speed-only exclude each other".into());
    }
    if !o.speed_only && (o.bench_before.is_some() || o.raft_sim_before.is_some()) {
        return Err("--bench-before and --raft-sim-before go with --speed-only".into());
    }
    Ok(o)
}

fn run_all(args: &[String]) -> Res<()> {
    let o = parse_opts(args)?;
    let started = Instant::now();
    let m = machine::Machine::detect();
    eprintln!("raft-bench: {}", m.one_line());
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut profiles = Vec::new();

    if o.page_only {
        page::page(&o, &mut rows, &mut notes)?;
    } else if o.speed_only {
        speed_section(&o, &m, &mut rows, &mut notes, &mut profiles)?;
    } else {
        core_sections(&o, &m, &mut rows, &mut notes, &mut profiles)?;
    }
    write_doc(&o, m, rows, notes, profiles, started)
}

/// Every section but the page's alone: section 1 and, unless `--core-only`, the others.
fn core_sections(
    o: &Opts,
    m: &machine::Machine,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
    profiles: &mut Vec<profile::Profile>,
) -> Res<()> {
    core_throughput(o, rows, notes)?;
    let n = PROFILE_ENTRIES.min(o.entries);
    let args = |imp: &str| {
        ["throughput", "--impl", imp, "--entries"]
            .map(String::from)
            .into_iter()
            .chain([n.to_string()])
            .collect::<Vec<_>>()
    };
    let core = take_profile(
        o,
        &args("raft-core"),
        format!("raft-core throughput run, {} entries of 16 B", group(n)),
        notes,
    );
    let rs = take_profile(
        o,
        &args("raft-rs"),
        format!("raft-rs throughput run, {} entries of 16 B", group(n)),
        notes,
    );
    let batched = take_profile(
        o,
        &args("raft-rs-batched"),
        format!(
            "raft-rs throughput run, {} entries of 16 B, 64 per MsgPropose",
            group(n)
        ),
        notes,
    );
    if let (Some(c), Some(r)) = (&core, &rs) {
        // Instructions do not depend on the machine's load: a steadier comparison than time.
        let (ci, ri) = (c.total_ir as f64 / n as f64, r.total_ir as f64 / n as f64);
        let vs_batched = batched.as_ref().map_or(String::new(), |b| {
            let bi = b.total_ir as f64 / n as f64;
            format!(
                "; raft-rs given 64 per MsgPropose {}: raft-core executes {}",
                si(bi),
                ratio(ci / bi)
            )
        });
        rows.push(Row::new(
            "1 core",
            &format!(
                "instructions per committed entry (callgrind, {} × 16 B, whole process)",
                group(n)
            ),
            format!("raft-core {}", si(ci)),
            format!(
                "raft-rs {}: raft-core executes {:.1}× as many{vs_batched}",
                si(ri),
                ci / ri
            ),
        ));
    }
    if let Some(p) = core {
        rows.push(Row::new(
            "1 core",
            "where raft-core's time goes (callgrind, self cost)",
            p.top_self_summary(4),
            "inclusive costs in the profile below".into(),
        ));
        profiles.push(p);
    }
    if !o.core_only {
        other_sections(o, m, rows, notes, profiles)?;
    }
    Ok(())
}

/// Prints the table and writes it to `--out`.
fn write_doc(
    o: &Opts,
    m: machine::Machine,
    rows: Vec<Row>,
    notes: Vec<String>,
    profiles: Vec<profile::Profile>,
    started: Instant,
) -> Res<()> {
    let wall = started.elapsed().as_secs_f64();
    let doc = table::Document {
        machine: m,
        rows,
        notes,
        profiles,
        wall_s: wall,
    };
    println!("{}", doc.plain());
    if let Some(out) = &o.out {
        std::fs::write(out, doc.markdown()).map_err(|e| format!("{}: {e}", out.display()))?;
        eprintln!("raft-bench: wrote {}", out.display());
    }
    Ok(())
}

/// Sections 2 to 5: failover, commit latency, simulation speed, the page.
fn other_sections(
    o: &Opts,
    m: &machine::Machine,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
    profiles: &mut Vec<profile::Profile>,
) -> Res<()> {
    failover(o, rows, notes)?;
    speed_section(o, m, rows, notes, profiles)?;
    page::page(o, rows, notes)?;
    Ok(())
}

/// Sections 3 and 4: the steady-load runs (commit latency, simulation speed), `check`'s seeds
/// per second, and the simulator's profile.
fn speed_section(
    o: &Opts,
    m: &machine::Machine,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
    profiles: &mut Vec<profile::Profile>,
) -> Res<()> {
    let speeds = commit_latency_and_sim_speed(rows, notes);
    let before = match &o.bench_before {
        Some(b) => Some(speeds_before(b)?),
        None => None,
    };
    sim_speed(o, &m.node, speeds, before, rows, notes)?;
    check_speed(o, rows, notes)?;
    let sim_args = [
        "steady",
        "--clients",
        "50",
        "--think-ms",
        "0",
        "--seconds",
        "10",
    ]
    .map(String::from);
    let sim_what = "simulator, heavy load (50 clients), 10 s of virtual time".to_string();
    if let Some(p) = take_profile(o, &sim_args, sim_what, notes) {
        rows.push(Row::new(
            "4 speed",
            "where the simulator's time goes, heavy load (callgrind, self cost)",
            p.top_self_summary(4),
            "inclusive costs in the profile below".into(),
        ));
        profiles.push(p);
    }
    Ok(())
}

/// Entries proposed in the profiled throughput run (fewer than the timed runs: callgrind is ~50×
/// slower, and raft-core's cost per entry grows with the log).
const PROFILE_ENTRIES: u64 = 20_000;

fn take_profile(
    o: &Opts,
    args: &[String],
    what: String,
    notes: &mut Vec<String>,
) -> Option<profile::Profile> {
    if !o.profile {
        return None;
    }
    eprintln!("raft-bench: callgrind: {what}");
    match profile::callgrind(args, what.clone()) {
        Ok(p) => Some(p),
        Err(e) => {
            notes.push(format!("Profile of the {what} not taken: {e}."));
            None
        }
    }
}

// ----- a steady-load run (child process, for the profile) ------------------------------------

fn steady_child(args: &[String]) -> Res<()> {
    let (mut load, mut secs, mut seed) = (steady::HEAVY, 10u64, 1u64);
    for (k, v) in flags(args, &[])? {
        let num = |v: &str| v.parse::<u64>().map_err(|e| format!("--{k}: {e}"));
        match k.as_str() {
            "clients" => load.clients = num(&v)? as u32,
            "think-ms" => load.think_ms = num(&v)?,
            "seconds" => secs = num(&v)?,
            "seed" => seed = num(&v)?,
            _ => return Err(format!("unknown option --{k}\n{USAGE}")),
        }
    }
    let t = Instant::now();
    let r = steady::run(seed, load, 1_000, secs.max(2) * 1_000 - 1_000);
    let wall = t.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"virtual_ms": r.virtual_ms, "events": r.events, "completed": r.completed,
               "log_len": r.log_len, "wall_s": wall, "speed": r.virtual_ms as f64 / 1000.0 / wall})
    );
    Ok(())
}

// ----- 1. core throughput -------------------------------------------------------------------

fn child(imp: &str, entry_bytes: usize, entries: u64) -> Res<Value> {
    let (bytes, n) = (entry_bytes.to_string(), entries.to_string());
    run_self(
        &[
            "throughput",
            "--impl",
            imp,
            "--entry-bytes",
            &bytes,
            "--entries",
            &n,
        ],
        &format!("throughput run {imp} {entry_bytes} B"),
    )
}

/// Runs this benchmark binary again with `args` (a measurement in a fresh process) and reads
/// the JSON line it prints; `what` names the run in errors.
fn run_self(args: &[&str], what: &str) -> Res<Value> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let line = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(line.trim()).map_err(|e| format!("{what}: child output: {e}"))
}

fn f(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(f64::NAN)
}

fn core_throughput(o: &Opts, rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Res<()> {
    let imps = ["raft-core", "raft-rs", "raft-rs-batched"];
    for size in [16usize, 1024] {
        let mut runs: [Vec<Value>; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for r in 0..o.runs {
            // Alternate which library goes first, so that slow phases of a shared machine do not
            // always hit the same one.
            let order = if r % 2 == 0 { [0, 1, 2] } else { [2, 1, 0] };
            for i in order {
                let v = child(imps[i], size, o.entries)?;
                eprintln!(
                    "raft-bench: {} {} B run {}: {:.0} entries/s",
                    imps[i],
                    size,
                    r + 1,
                    f(&v, "entries_per_s")
                );
                runs[i].push(v);
            }
        }
        let med = |i: usize, k: &str| median(&runs[i].iter().map(|v| f(v, k)).collect::<Vec<_>>());
        let range = |i: usize| {
            let xs: Vec<f64> = runs[i].iter().map(|v| f(v, "entries_per_s")).collect();
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(0.0, f64::max);
            format!("{}–{}", si(lo), si(hi))
        };
        let (core, rs) = (med(0, "entries_per_s"), med(1, "entries_per_s"));
        let label = if size == 16 { "16 B" } else { "1 KiB" };
        rows.push(Row::new(
            "1 core",
            &format!(
                "throughput, {label} entries (entries/s, median of {})",
                o.runs
            ),
            format!("raft-core {} (range {})", si(core), range(0)),
            format!(
                "raft-rs {} (range {}): raft-core/raft-rs = {} (raft-rs {} as fast)",
                si(rs),
                range(1),
                ratio(core / rs),
                ratio(rs / core)
            ),
        ));
        let per = |i: usize, k: &str| med(i, k) / o.entries as f64;
        rows.push(Row::new(
            "1 core",
            &format!("heap allocations per committed entry, {label}"),
            format!(
                "raft-core {:.1} ({:.0} B allocated)",
                per(0, "allocs"),
                per(0, "alloc_bytes")
            ),
            format!(
                "raft-rs {:.1} ({:.0} B allocated)",
                per(1, "allocs"),
                per(1, "alloc_bytes")
            ),
        ));
        rows.push(Row::new(
            "1 core",
            &format!("peak resident memory, {label}"),
            format!("raft-core {}", mib(med(0, "peak_rss_kib"))),
            format!("raft-rs {}", mib(med(1, "peak_rss_kib"))),
        ));
        // One idle round is expected (see `Outcome::stalls`); more is a stall.
        let stalls: f64 = runs
            .iter()
            .flatten()
            .map(|v| (f(v, "stalls") - 1.0).max(0.0))
            .sum();
        let sums: Vec<f64> = runs.iter().flatten().map(|v| f(v, "checksum")).collect();
        if stalls > 0.0 || sums.windows(2).any(|w| w[0] != w[1]) {
            notes.push(format!(
                "Warning ({label}): {stalls} stalled rounds, or the libraries applied different bytes."
            ));
        }
        let batched = med(2, "entries_per_s");
        rows.push(Row::new(
            "1 core",
            &format!("throughput, {label}, raft-rs given each round as one MsgPropose of 64 entries"),
            format!("raft-core {} (as above)", si(core)),
            format!(
                "raft-rs {} (range {}): raft-core/raft-rs = {}; allocations per entry {:.1} vs {:.1}; messages per entry {:.3}",
                si(batched),
                range(2),
                ratio(core / batched),
                per(0, "allocs"),
                per(2, "allocs"),
                med(2, "messages") / o.entries as f64
            ),
        ));
        let msgs = |i: usize| med(i, "messages") / o.entries as f64;
        rows.push(Row::new(
            "1 core",
            &format!("messages per committed entry, {label} (all nodes, both directions)"),
            format!("raft-core {:.3}", msgs(0)),
            format!("raft-rs {:.3}", msgs(1)),
        ));
        notes.push(format!(
            "Throughput {label}: heap retained at the end {} (raft-core) vs {} (raft-rs).",
            mib(med(0, "live_heap_bytes") / 1024.0),
            mib(med(1, "live_heap_bytes") / 1024.0),
        ));
    }
    node_memory_rows(rows, notes)?;
    notes.push(
        "Memory: both libraries keep entry data in reference-counted bytes::Bytes, so in one \
         process the five nodes share one copy of each payload (nothing is serialized between \
         them); on five machines each would hold its own."
            .into(),
    );
    notes.push(
        "Messages: raft-core sends one Append per follower per Ready, covering every entry \
         proposed since the previous one (up to 64 KiB and the in-flight window), and the commit \
         index rides on the next Append or heartbeat; raft-rs 0.7 broadcasts an Append per \
         proposal and another when the commit index advances (its design, default \
         skip_bcast_commit = false). The \"one MsgPropose of 64 entries\" rows give raft-rs \
         each round's proposals in one message instead, the closest like-for-like batching it \
         offers (one Append per follower per round, as raft-core). After the last round raft-core's followers learn the final \
         commit from the leader's heartbeat: the harness lets one heartbeat interval pass when a \
         round moves nothing (no wall time passes; it is counted in the run)."
            .into(),
    );
    rows.insert(
        0,
        Row::new(
            "1 core",
            "setup (the same for both libraries)",
            "5 nodes in one process; each persists every entry to its in-memory storage and applies every committed entry".into(),
            "64 proposals per round, 64 KiB per Append, 64 Appends in flight, no compaction, PreVote and CheckQuorum on; raft-rs otherwise at its defaults".into(),
        ),
    );
    notes.insert(
        0,
        format!(
            "Throughput workload: 5 in-memory nodes in one process, node 1 elected before the clock starts; \
             a client proposes {} entries, {} per round; each round every node persists to memory, queues its \
             messages and applies its committed entries, then the harness delivers every message. The clock \
             stops when all 5 nodes applied every entry. Same flow control for both: 64 appends in flight, \
             64 KiB per append; PreVote and CheckQuorum on; no ticks. Each run is its own process; runs alternate \
             between the libraries.",
            group(o.entries),
            64
        ),
    );
    Ok(())
}

/// The node-memory row: one node, 1,000,000 entries of 1 KiB, no compaction.
fn node_memory_rows(rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Res<()> {
    let mut got = Vec::new();
    for imp in ["raft-core", "raft-rs"] {
        eprintln!("raft-bench: node memory, {imp}, 1,000,000 entries of 1 KiB");
        got.push(run_self(
            &["node-memory", "--impl", imp],
            &format!("node-memory {imp}"),
        )?);
    }
    let mib_b = |v: &Value, k: &str| mib(f(v, k) / 1024.0);
    // A node that holds only its tail frees well under a MiB: shown in KiB.
    let kib_b = |v: &Value, k: &str| format!("{:.0} KiB", f(v, k) / 1024.0);
    rows.push(Row::new(
        "1 core",
        "node memory after 1,000,000 entries of 1 KiB, no compaction (heap freed by dropping the node, storage kept)",
        format!("raft-core {}", kib_b(&got[0], "node_bytes")),
        format!(
            "raft-rs {} (with storage: {} vs {})",
            kib_b(&got[1], "node_bytes"),
            mib_b(&got[0], "live_heap_bytes"),
            mib_b(&got[1], "live_heap_bytes")
        ),
    ));
    notes.push(
        "Node memory: one node alone proposes 1,000,000 entries of 1 KiB, 64 per Ready, persists \
         each Ready to its in-memory storage and applies every entry; then the node is dropped \
         and its storage kept. Both nodes read older entries back from storage; the payloads \
         are shared with the storage, so dropping the node frees only entry headers and \
         vectors. raft-rs keeps only its unstable entries (none once persisted); raft-core \
         also keeps a cache of the newest stable entries (Config::log_cache_entries, default \
         256, trimmed at 512; Config::log_cache_bytes): that cache (56 B per entry header, in \
         shared runs) and its reused proposal buffer (64 × 56 B) are the difference. \
         `raft-bench node-memory --impl raft-core --log-cache-entries 1 --entries 200000` \
         frees 12 KiB, with 64 15 KiB, with 256 27 KiB, with 1,024 86 KiB."
            .into(),
    );
    Ok(())
}

/// 412345.6 -> "412k"; 1234567 -> "1.23M".
fn si(x: f64) -> String {
    if !x.is_finite() {
        "n/a".into()
    } else if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// A ratio to three significant digits: 0.0138×, 1.24×.
fn ratio(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        return "n/a".into();
    }
    let digits = (2 - x.log10().floor() as i32).max(0) as usize;
    format!("{x:.digits$}×")
}

fn mib(kib: f64) -> String {
    format!("{:.0} MiB", kib / 1024.0)
}

// ----- 2. failover --------------------------------------------------------------------------

fn raft_sim(o: &Opts, args: &[&str]) -> Res<(Value, f64)> {
    let t = Instant::now();
    let out = Command::new(&o.raft_sim).args(args).output().map_err(|e| {
        format!(
            "{}: {e} (build it with cargo build --release -p raft-sim)",
            o.raft_sim.display()
        )
    })?;
    let wall = t.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    let v: Value = serde_json::from_str(last).map_err(|e| {
        format!(
            "raft-sim {}: last line is not JSON ({e}): {last}",
            args.join(" ")
        )
    })?;
    if !out.status.success() {
        return Err(format!("raft-sim {} failed: {last}", args.join(" ")));
    }
    Ok((v, wall))
}

fn pcts(v: &Value) -> String {
    let g = |k: &str| v[k].as_u64().map_or("?".into(), |x| x.to_string());
    format!("{} / {} / {} / {}", g("p50"), g("p90"), g("p99"), g("max"))
}

/// Every election policy side by side (#13): crash → leader and → first commit over 10,000
/// seeds, split votes and elections per failover, beside raft-sim's ideal model of each.
fn failover_policies(o: &Opts, rows: &mut Vec<Row>) -> Res<()> {
    let args = ["failover", "--seeds", "1..10000", "--policy", "all"];
    eprintln!("raft-bench: raft-sim {}", args.join(" "));
    let (v, _) = raft_sim(o, &args)?;
    for p in v["policies"].as_array().into_iter().flatten() {
        let name = p["policy"].as_str().unwrap_or("?");
        rows.push(Row::new(
            "2 failover",
            &format!("policy {name}: crash → leader / → first commit (ms p50 / p90 / p99 / max, 10,000 seeds, PreVote on)"),
            format!(
                "{} / {}; more than one term {:.2}%, {:.3} elections per failover",
                pcts(&p["crash_to_leader_ms"]),
                pcts(&p["crash_to_commit_ms"]),
                100.0 * p["more_than_one_term_rate"].as_f64().unwrap_or(f64::NAN),
                p["elections_per_failover"].as_f64().unwrap_or(f64::NAN)
            ),
            format!(
                "ideal model {} / {}; goal p99 ≤ 300 and < 1% split votes",
                pcts(&p["ideal_model"]["crash_to_leader_ms"]),
                pcts(&p["ideal_model"]["crash_to_commit_ms"])
            ),
        ));
    }
    Ok(())
}

/// The Figure-8-unreliable lab schedule with replies delayed 200–2,200 ms (#13): the final
/// agreement's distribution over 200 seeds, against the lab's 10 s.
fn figure_8_unreliable(rows: &mut Vec<Row>) {
    use raft_sim::labs::{figure8_unreliable, LAB_AGREEMENT_BOUND_MS};
    let mut times: Vec<u64> = Vec::new();
    let mut none = 0;
    for seed in 1..=200 {
        match figure8_unreliable(seed, 1000, &raft_sim::SimOptions::default()).final_agreement_ms {
            Some(ms) => times.push(ms),
            None => none += 1,
        }
    }
    times.sort_unstable();
    let q = |p: usize| {
        times
            .get((times.len() * p / 100).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let over = times
        .iter()
        .filter(|&&t| t > LAB_AGREEMENT_BOUND_MS)
        .count()
        + none;
    rows.push(Row::new(
        "2 failover",
        "Figure 8 unreliable (lab schedule, replies delayed 200–2,200 ms): final agreement on all 5 (ms p50 / p90 / p99 / max, 200 seeds)",
        format!("{} / {} / {} / {}; {over} of 200 over 10 s", q(50), q(90), q(99), times.last().copied().unwrap_or(0)),
        "the lab allows 10 s; before #13's changes 2355 / 6074 / 9739 / 10414, 1 of 200 over".into(),
    ));
}

fn failover(o: &Opts, rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Res<()> {
    let t = Timings::default();
    for pre_vote in [true, false] {
        let mut args = vec!["failover", "--seeds", "1..1000"];
        if !pre_vote {
            args.extend(["--pre-vote", "off"]);
        }
        eprintln!("raft-bench: raft-sim {}", args.join(" "));
        let (v, _) = raft_sim(o, &args)?;
        let model = failover_model(&t, pre_vote, 1_000_000, 7);
        // The run's default election policy (#13) and raft-sim's model of it; the bench's own
        // model above is of uniform timeouts.
        let policy = v["policies"][0]["policy"].as_str().unwrap_or("uniform");
        let sim_model = &v["policies"][0]["ideal_model"];
        let pv = if pre_vote {
            "PreVote on"
        } else {
            "PreVote off"
        };
        let s = |x: &raft_bench::stats::Summary| {
            format!("{} / {} / {} / {}", x.p50, x.p90, x.p99, x.max)
        };
        let rounds = if pre_vote {
            "2 × 2 × 10..18"
        } else {
            "2 × 10..18"
        };
        rows.push(Row::new(
            "2 failover",
            &format!("crash → new leader, {pv} (ms p50 / p90 / p99 / max, 1,000 seeds)"),
            pcts(&v["crash_to_leader_ms"]),
            format!(
                "ideal model ({policy} timeouts) {}, with uniform timeouts {}; floor (150 − heartbeat phase) + {rounds} = {} at best",
                pcts(&sim_model["crash_to_leader_ms"]),
                s(&model.leader),
                t.failover_minimum(pre_vote)
            ),
        ));
        rows.push(Row::new(
            "2 failover",
            &format!("crash → first commit, {pv} (ms p50 / p90 / p99 / max)"),
            pcts(&v["crash_to_commit_ms"]),
            format!(
                "ideal model ({policy} timeouts) {}, with uniform timeouts {}; reference 393 total; goal p99 < 300",
                pcts(&sim_model["crash_to_commit_ms"]),
                s(&model.commit)
            ),
        ));
        let tail = raft_bench::failover::tail(1_000, pre_vote);
        rows.push(Row::new(
            "2 failover",
            &format!("recoveries needing more than one term, {pv}"),
            format!(
                "{:.1}% of seeds: mean {:.0} ms, vs {:.0} ms when the first term wins",
                100.0 * tail.multi_term as f64 / tail.seeds as f64,
                tail.multi_term_mean_ms,
                tail.one_term_mean_ms
            ),
            format!(
                "slowest 1%: {:.1} elections started (split votes); the ideal model has none",
                tail.slowest_elections
            ),
        ));
        if let Some(f) = v["failed"].as_array().filter(|a| !a.is_empty()) {
            notes.push(format!("Failover {pv}: seeds without recovery: {f:?}."));
        }
    }
    failover_policies(o, rows)?;
    figure_8_unreliable(rows);
    notes.push(
        "Failover: `raft-sim failover --seeds 1..1000 [--pre-vote off]` (reference timings: election timeout \
         150–300 ms, heartbeat 50 ms, one-way latency 10–18 ms; the crash comes 0–49 ms into a heartbeat \
         interval). The reference use case takes 393 ms (150 detection + 243 election). The ideal model \
         (1,000,000 Monte Carlo draws of the same timers and latencies) has no split votes, no refused \
         (pre-)votes and no processing: the first of the four followers to time out wins each round in the \
         2nd fastest of three round trips; the first commit is one more such round trip. Its p99 is the \
         best p99 these timings allow."
            .into(),
    );
    Ok(())
}

// ----- 3. commit latency, 4. simulation speed (native) --------------------------------------

/// Native simulation speeds (virtual s per wall s) of the steady-load runs.
struct Speeds {
    playground: Vec<f64>,
    heavy: Vec<f64>,
}

fn commit_latency_and_sim_speed(rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Speeds {
    let t = Timings::default();
    let floor = t.commit_floor(2, 4);
    let floor_s = format!(
        "floor: 2nd fastest of 4 round trips, mean {:.1}, p50 {}, p99 {}",
        floor.mean(),
        floor.quantile(0.5),
        floor.quantile(0.99)
    );
    let mut speeds = Speeds {
        playground: Vec::new(),
        heavy: Vec::new(),
    };
    for (load, name, seeds, secs) in [
        (
            steady::PLAYGROUND,
            "playground load (4 clients, 20 ms think)",
            5u64,
            60u64,
        ),
        (
            steady::HEAVY,
            "heavy load (50 clients, no think time)",
            3,
            10,
        ),
    ] {
        let mut lat = Vec::new();
        let mut completed = 0;
        let mut log_len = 0;
        let mut elections = 0;
        for seed in 1..=seeds {
            let start = Instant::now();
            let r = steady::run(seed, load, 1_000, secs * 1_000 - 1_000);
            let wall = start.elapsed().as_secs_f64();
            let speed = r.virtual_ms as f64 / 1000.0 / wall;
            if load == steady::PLAYGROUND {
                speeds.playground.push(speed);
            } else {
                speeds.heavy.push(speed);
            }
            eprintln!(
                "raft-bench: steady {name} seed {seed}: {} ops, {:.2} s wall",
                r.completed, wall
            );
            if let Some(v) = &r.violation {
                notes.push(format!("Warning: steady-load seed {seed} violated {v}."));
            }
            lat.extend(r.latencies);
            completed += r.completed;
            log_len += r.log_len;
            elections += r.elections;
        }
        let n = lat.len();
        let s = summary(&mut lat);
        rows.push(Row::new(
            "3 commit",
            &format!("commit latency, {name} (ms p50 / p99)"),
            s.map_or("no samples".into(), |s| {
                format!("{} / {} (mean {:.1}, {} ops)", s.p50, s.p99, s.mean, n)
            }),
            if load == steady::HEAVY {
                format!(
                    "{floor_s}; but links are FIFO, so under load a message waits for the slowest \
                     one ahead of it: 2 × {} = {} ms",
                    t.latency_max,
                    2 * t.latency_max
                )
            } else {
                floor_s.clone()
            },
        ));
        notes.push(format!(
            "Commit latency, {name}: {seeds} seeds × {secs} s of virtual time, the first second (election) left \
             out; {completed} operations, {:.0} log entries per run, {elections} elections in all. Latency is \
             from the proposal at the leader to the reply after the leader applies it.",
            log_len as f64 / seeds as f64
        ));
    }
    speeds
}

fn sim_speed(
    o: &Opts,
    node: &str,
    native: Speeds,
    before: Option<Speeds>,
    rows: &mut Vec<Row>,
    notes: &mut Vec<String>,
) -> Res<()> {
    let wasm = o
        .wasm_json
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| serde_json::from_str::<Value>(s.trim()).ok());
    let wasm_s = match &wasm {
        Some(v) => format!(
            "wasm32 under Node {node}: playground load {:.0}× real time",
            f(v, "median_speed")
        ),
        None => "wasm32: not measured (no --wasm-json; ./x bench runs it)".into(),
    };
    rows.push(Row::new(
        "4 speed",
        "virtual s per wall s, 5 nodes (median over seeds)",
        format!(
            "native: playground load {:.0}×, heavy load {:.0}× real time",
            median(&native.playground),
            median(&native.heavy)
        ),
        wasm_s,
    ));
    if let (Some(b), Some(path)) = (before, &o.bench_before) {
        rows.push(Row::new(
            "4 speed",
            "the same runs, before (an older raft-bench, timed in the same sitting)",
            format!(
                "native now: playground load {:.0}×, heavy load {:.0}× real time",
                median(&native.playground),
                median(&native.heavy)
            ),
            format!(
                "before ({}): playground load {:.0}×, heavy load {:.0}×; now/before {} and {}",
                path.display(),
                median(&b.playground),
                median(&b.heavy),
                ratio(median(&native.playground) / median(&b.playground)),
                ratio(median(&native.heavy) / median(&b.heavy))
            ),
        ));
    }
    if let Some(v) = &wasm {
        notes.push(format!(
            "Simulation speed in wasm32: the same runs compiled with the page's `wasm-release` profile \
             (opt-level z), in `wasm-bindgen-test-runner` under Node; median of {} runs.",
            v["runs"]
        ));
    }
    let mut walls = Vec::new();
    let mut last = Value::Null;
    for _ in 0..o.runs {
        let (v, wall) = raft_sim(o, &["taskqueue"])?;
        walls.push(wall);
        last = v;
    }
    rows.push(Row::new(
        "4 speed",
        &format!(
            "wall time of raft-sim taskqueue ({} tasks, {} clients, leader crash)",
            last["total_tasks"], last["clients"]
        ),
        format!(
            "{:.2} s (median of {}, whole process)",
            median(&walls),
            walls.len()
        ),
        format!(
            "{} s simulated; its commit latency p50 / p99 {} / {} ms",
            last["simulated_s"], last["commit_latency_ms"]["p50"], last["commit_latency_ms"]["p99"]
        ),
    ));
    Ok(())
}

/// The steady-load runs of [`commit_latency_and_sim_speed`] (same loads, seeds and spans), each
/// a child process of an older `raft-bench` (`raft-bench steady`), for a before/after.
fn speeds_before(bench: &Path) -> Res<Speeds> {
    let mut out = Speeds {
        playground: Vec::new(),
        heavy: Vec::new(),
    };
    for (load, seeds, secs) in [(steady::PLAYGROUND, 5u64, 60u64), (steady::HEAVY, 3, 10)] {
        for seed in 1..=seeds {
            let args = [
                "steady".to_string(),
                "--clients".into(),
                load.clients.to_string(),
                "--think-ms".into(),
                load.think_ms.to_string(),
                "--seconds".into(),
                secs.to_string(),
                "--seed".into(),
                seed.to_string(),
            ];
            let run = Command::new(bench)
                .args(&args)
                .output()
                .map_err(|e| format!("{}: {e}", bench.display()))?;
            let line = String::from_utf8_lossy(&run.stdout);
            let v: Value = serde_json::from_str(line.trim())
                .map_err(|e| format!("{} steady: {e}: {line}", bench.display()))?;
            eprintln!(
                "raft-bench: before: steady {} clients seed {seed}: {:.0}×",
                load.clients,
                f(&v, "speed")
            );
            if load == steady::PLAYGROUND {
                out.playground.push(f(&v, "speed"));
            } else {
                out.heavy.push(f(&v, "speed"));
            }
        }
    }
    Ok(out)
}

/// Seeds `check` runs per second: the 3,000 seeds of 3 s CI ran before #20 (every fault, all cores; kept at 3,000 so that figures compare across runs), the
/// whole process timed; with `--raft-sim-before`, an older `raft-sim` on the same seeds right
/// after, and both runs must report the same results.
fn check_speed(o: &Opts, rows: &mut Vec<Row>, notes: &mut Vec<String>) -> Res<()> {
    const SEEDS: u64 = 3_000;
    let args = ["check", "--seeds", "1..3000", "--duration-ms", "3000"];
    let (now, wall) = raft_sim(o, &args)?;
    let before = match &o.raft_sim_before {
        Some(path) => {
            let old = Opts {
                raft_sim: path.clone(),
                ..o.clone()
            };
            Some(raft_sim(&old, &args)?)
        }
        None => None,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let compare = match &before {
        Some((v, w)) => {
            let same = [
                "events",
                "commands_committed",
                "client_ops_completed",
                "elections",
            ]
            .iter()
            .all(|k| v[*k] == now[*k]);
            if !same {
                notes.push(
                    "Warning: the older raft-sim's check reported other totals than ours: not the same runs."
                        .into(),
                );
            }
            format!(
                "before: {:.1} s, {:.0} seeds/s; now/before {}{}",
                w,
                SEEDS as f64 / w,
                ratio(w / wall),
                if same {
                    " (same totals)"
                } else {
                    " (totals differ!)"
                }
            )
        }
        None => "goal ≥ 2,000 seeds/s on 2 cores (#20)".into(),
    };
    rows.push(Row::new(
        "4 speed",
        &format!(
            "raft-sim check --seeds 1..3000 --duration-ms 3000 ({cores} cores, whole process)"
        ),
        format!("{wall:.1} s, {:.0} seeds/s", SEEDS as f64 / wall),
        compare,
    ));
    Ok(())
}

// ----- 5. the page: page.rs ---------------------------------------------------------------

/// 130664 -> "130,664".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(ratio(0.01384), "0.0138×");
        assert_eq!(ratio(1.2345), "1.23×");
        assert_eq!(ratio(72.34), "72.3×");
        assert_eq!(si(8_612.0), "8.6k");
        assert_eq!(si(591_000.0), "591k");
        assert_eq!(si(1_234_567.0), "1.23M");
        assert_eq!(group(1_063_315), "1,063,315");
        assert_eq!(group(999), "999");
    }

    #[test]
    fn flags_take_values_and_switches() {
        let a: Vec<String> = ["--runs", "3", "--no-profile", "--out=x.md"]
            .map(String::from)
            .into();
        let f = flags(&a, &["no-profile"]).unwrap();
        assert_eq!(
            f,
            [("runs", "3"), ("no-profile", ""), ("out", "x.md")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert!(flags(&["stray".to_string()], &[]).is_err());
    }
}
