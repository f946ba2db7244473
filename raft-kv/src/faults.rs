//! The fault run (`raft-kv faults`, and a short pass in the tests): a local cluster of real
//! processes whose peer links go through the fault proxy, concurrent clients with sessions, and
//! a nemesis that injects one fault at a time with healthy pauses between (partitions, one-way
//! cuts, delays and drops, SIGSTOP/SIGCONT, kill -9 and restart, leader included, a skewed
//! clock with a slow disk, and membership churn). Afterwards everything is healed, every key is
//! read, and the recorded history is judged by raft-sim's linearizability checker (so a lost acknowledged write or a
//! stale read fails it), and every appended token is counted (a write applied twice fails it).
//!
//! Clients record the history Jepsen's way: an operation's invocation and completion are
//! numbered in one order across all clients; a write that got no definite answer (a timeout, a
//! leader that lost its entry) is left incomplete, meaning it may or may not have taken effect;
//! a read without an answer is left out.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use raft_sim::linearizability::{verdict, Verdict};
use raft_sim::world::HistoryOp;
use raft_sim::{Op, Reply, SimRng};

use crate::client::{Clients, KvClient, Outcome};
use crate::harness::LocalCluster;
use crate::proxy::{LinkFault, Proxy};
use crate::trace::ClientLog;

/// Keys the clients share (few keys: more contention, the case worth checking).
pub const KEYS: usize = 4;
/// Longest fault run, in seconds.
pub const MAX_SECS: u64 = 3600;
/// Most clients.
pub const MAX_CLIENTS: usize = 64;

/// Options of a fault run.
#[derive(Debug, Clone)]
pub struct FaultOptions {
    /// The `raft-kv` executable the nodes run.
    pub exe: PathBuf,
    /// Folder for the cluster (emptied first).
    pub dir: PathBuf,
    /// Voters (3 to 7).
    pub nodes: usize,
    /// Seconds of faults and load (1 to [`MAX_SECS`]).
    pub secs: u64,
    /// Concurrent clients (1 to [`MAX_CLIENTS`]).
    pub clients: usize,
    /// Seed of the nemesis's and the clients' choices (the processes' timing is not seeded).
    pub seed: u64,
    /// Write the run as a playground trace to this file (`trace.rs`): the nodes and clients
    /// record their events under `dir`, merged at the end.
    pub trace: Option<PathBuf>,
}

/// What a fault run found.
#[derive(Debug, Clone)]
pub struct FaultReport {
    /// Operations invoked (final reads included).
    pub ops: usize,
    /// Answered.
    pub ok: usize,
    /// Writes with no definite answer (may or may not have taken effect).
    pub unknown: usize,
    /// Reads that got no answer (left out of the history).
    pub failed_reads: usize,
    /// The faults injected, in order, with their time in ms from the start.
    pub faults: Vec<String>,
    /// Tokens found more than once in an appended value (a write applied twice).
    pub duplicates: Vec<String>,
    /// The checker's verdict.
    pub verdict: Verdict,
    /// Wall-clock length of the run.
    pub elapsed: Duration,
    /// The trace written (`--trace`): its path and size.
    pub trace: Option<String>,
}

impl FaultReport {
    /// True when the history is proven linearizable and nothing was applied twice.
    pub fn passed(&self) -> bool {
        self.verdict.is_linearizable() && self.duplicates.is_empty()
    }
}

struct Recorder {
    start: Instant,
    seq: AtomicU64,
    history: Mutex<Vec<HistoryOp>>,
    /// The clients' events for a trace of the run (`--trace`).
    trace: Option<ClientLog>,
}

impl Recorder {
    fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }
    fn tick(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// One client's run: random operations until `end`.
async fn client_loop(
    mut client: KvClient,
    nodes: u64,
    rec: Arc<Recorder>,
    end: Instant,
    seed: u64,
) -> (usize, usize, usize, usize) {
    let mut rng = SimRng::new(seed);
    let (mut ops, mut ok, mut unknown, mut failed_reads) = (0, 0, 0, 0);
    let mut n = 0u64;
    while Instant::now() < end {
        n += 1;
        let key = format!("k{}", rng.range(0, KEYS as u64 - 1));
        let token = format!("[{}.{n}]", client.id);
        let pick = rng.range(0, 99);
        let op = match pick {
            0..40 => Op::Get { key: key.clone() },
            40..60 => Op::Put {
                key: key.clone(),
                value: token.clone(),
            },
            60..85 => Op::Append {
                key: key.clone(),
                value: token.clone(),
            },
            _ => Op::Cas {
                key: key.clone(),
                expect: None,
                new: token.clone(),
            },
        };
        let op = match op {
            // Expect what a stale read says (often wrong, which is the point); that read is
            // not part of the history, the CAS is invoked after it.
            Op::Cas { key, new, .. } => {
                let expect = match client
                    .request(hyper::Method::GET, &format!("/kv/{key}?stale"), None)
                    .await
                {
                    Outcome::Ok(v) => v["value"].as_str().map(str::to_string),
                    _ => None,
                };
                Op::Cas { key, expect, new }
            }
            // Reads go through any node, as behind a load balancer: a node that cannot serve
            // a linearizable read must send the client on, not answer.
            Op::Get { key } => {
                client.point_at(rng.range(0, nodes - 1) as usize);
                Op::Get { key }
            }
            other => other,
        };
        let invoke = rec.now();
        let invoke_seq = rec.tick();
        let outcome = match &rec.trace {
            Some(log) => log.run(&mut client, op.clone()).await,
            None => client.op(&op).await,
        };
        record(
            &rec,
            &client,
            op,
            invoke,
            invoke_seq,
            &outcome,
            &mut ok,
            &mut unknown,
            &mut failed_reads,
        );
        ops += 1;
    }
    (ops, ok, unknown, failed_reads)
}

#[allow(clippy::too_many_arguments)]
fn record(
    rec: &Recorder,
    client: &KvClient,
    op: Op,
    invoke: u64,
    invoke_seq: u64,
    outcome: &Outcome,
    ok: &mut usize,
    unknown: &mut usize,
    failed_reads: &mut usize,
) {
    let is_read = matches!(op, Op::Get { .. });
    let h = HistoryOp::new(client.id, op, invoke);
    let h = match outcome {
        Outcome::Ok(v) => {
            *ok += 1;
            let reply = Reply {
                ok: v["ok"].as_bool().unwrap_or(true),
                value: v["value"].as_str().map(str::to_string),
            };
            let at = rec.now();
            h.completed(at, reply).sequenced(invoke_seq, rec.tick())
        }
        Outcome::Failed(_) | Outcome::Unknown(_) => {
            if is_read {
                *failed_reads += 1;
                return;
            }
            *unknown += 1;
            h.sequenced(invoke_seq, 0)
        }
    };
    rec.history.lock().expect("history lock").push(h);
}

/// The nemesis: one fault at a time, each followed by a healthy pause, until `end`.
async fn nemesis(
    c: &mut LocalCluster,
    proxy: &Proxy,
    rec: &Recorder,
    end: Instant,
    seed: u64,
) -> Vec<String> {
    let mut rng = SimRng::new(seed ^ 0x6e656d65);
    let mut log = Vec::new();
    let ids = c.ids();
    let pick = |rng: &mut SimRng| ids[rng.range(0, ids.len() as u64 - 1) as usize];
    while Instant::now() + Duration::from_millis(1500) < end {
        tokio::time::sleep(Duration::from_millis(rng.range(300, 800))).await;
        let leader = c.leader().await;
        let target = match leader {
            Some(l) if rng.chance(500_000) => l,
            _ => pick(&mut rng),
        };
        let hold = Duration::from_millis(rng.range(500, 1500));
        let at = rec.now();
        // The first fault is a skewed clock with a slow disk, so that every run has one.
        let kind = if log.is_empty() { 6 } else { rng.range(0, 6) };
        let what = match kind {
            0 => {
                // A minority side holding the target (one node of 3; one or two of 5), cut
                // both ways from the majority.
                let size = rng.range(1, ((ids.len() - 1) / 2) as u64) as usize;
                let mut side = vec![target];
                for &o in ids.iter().filter(|&&o| o != target) {
                    if side.len() < size {
                        side.push(o);
                    }
                }
                let cut = LinkFault {
                    cut: true,
                    ..Default::default()
                };
                for &a in &side {
                    for &b in ids.iter().filter(|b| !side.contains(b)) {
                        proxy.set(a, b, cut);
                        proxy.set(b, a, cut);
                    }
                }
                tokio::time::sleep(hold).await;
                proxy.heal();
                let names: Vec<String> = side.iter().map(|i| format!("S{i}")).collect();
                format!(
                    "partition: {{{}}} cut from the rest for {hold:?}",
                    names.join(", ")
                )
            }
            1 => {
                for &o in ids.iter().filter(|&&o| o != target) {
                    proxy.set(
                        target,
                        o,
                        LinkFault {
                            cut: true,
                            ..Default::default()
                        },
                    );
                }
                tokio::time::sleep(hold).await;
                proxy.heal();
                format!("one-way cut: nothing from S{target} for {hold:?}")
            }
            2 => {
                let fault = LinkFault {
                    cut: false,
                    delay_ms: rng.range(5, 60),
                    drop_ppm: 200_000,
                };
                for &a in &ids {
                    for &b in ids.iter().filter(|&&b| b != a) {
                        proxy.set(a, b, fault);
                    }
                }
                tokio::time::sleep(hold).await;
                proxy.heal();
                format!(
                    "flaky network: {} ms delay, 20% drops, for {hold:?}",
                    fault.delay_ms
                )
            }
            3 => {
                c.pause(target);
                tokio::time::sleep(hold).await;
                c.resume(target);
                format!("SIGSTOP S{target} for {hold:?}, then SIGCONT")
            }
            4 => {
                // Membership churn: a follower removed, then added back as a learner and
                // promoted (each change waits for the previous one to apply).
                let Some(f) = ids
                    .iter()
                    .copied()
                    .find(|&i| Some(i) != leader && i == target)
                    .or_else(|| ids.iter().copied().find(|&i| Some(i) != leader))
                else {
                    continue;
                };
                let mut admin = KvClient::new(c.http_all(), 900);
                let mut steps = Vec::new();
                for (path, pause) in [
                    ("/members/remove", hold),
                    ("/members/learner", Duration::from_millis(300)),
                    ("/members/promote", Duration::ZERO),
                ] {
                    let o = admin
                        .request(
                            hyper::Method::POST,
                            path,
                            Some(serde_json::json!({ "id": f })),
                        )
                        .await;
                    steps.push(match o {
                        Outcome::Ok(_) => "ok".to_string(),
                        Outcome::Failed(e) | Outcome::Unknown(e) => e,
                    });
                    tokio::time::sleep(pause).await;
                }
                format!(
                    "membership: S{f} removed, re-added as a learner, promoted ({})",
                    steps.join(", ")
                )
            }
            5 => {
                c.kill(target);
                tokio::time::sleep(hold).await;
                c.start(target);
                format!("kill -9 S{target}, restarted after {hold:?}")
            }
            _ => {
                // A skewed clock and a slow disk: the node restarts with its timers at a rate
                // of 0.5x to 2x real time and a 0-40 ms wait before every fsync, kept until its
                // next such fault (`node::ClockRate` says why skew cannot break safety here).
                let rate_ppm = rng.range(500, 2000) * 1000;
                let disk_ms = rng.range(0, 40);
                c.node_args.insert(
                    target,
                    vec![
                        "--clock-rate".into(),
                        format!("{}", rate_ppm as f64 / 1e6),
                        "--fsync-delay-ms".into(),
                        disk_ms.to_string(),
                    ],
                );
                c.kill(target);
                c.start(target);
                tokio::time::sleep(hold).await;
                format!(
                    "S{target} restarted with its clock at {:.3}x real time and a {disk_ms} ms fsync",
                    rate_ppm as f64 / 1e6
                )
            }
        };
        // Network-wide faults and churn (which spares the leader) name no target.
        let targeted = !what.starts_with("flaky") && !what.starts_with("membership");
        let was = if leader == Some(target) && targeted {
            " (the leader)"
        } else {
            ""
        };
        let line = format!("{at:>6} ms  {what}{was}");
        eprintln!("faults: {line}");
        log.push(line);
    }
    log
}

/// Runs a fault run and judges it.
pub fn run(opts: &FaultOptions) -> Result<FaultReport, String> {
    if !(3..=7).contains(&opts.nodes)
        || !(1..=MAX_SECS).contains(&opts.secs)
        || !(1..=MAX_CLIENTS).contains(&opts.clients)
    {
        return Err(format!(
            "nodes 3..=7, secs 1..={MAX_SECS}, clients 1..={MAX_CLIENTS}"
        ));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        // The proxy's listeners first: the nodes' ports are then chosen among the others.
        let ids: Vec<u64> = (1..=opts.nodes as u64).collect();
        let proxy = Proxy::start(&ids, opts.seed)
            .await
            .map_err(|e| format!("proxy: {e}"))?;
        let mut c = LocalCluster::new(&opts.exe, &opts.dir, opts.nodes, 0);
        // The nodes' logs and data stay for a look after the run (the report names the folder).
        c.keep_dir = true;
        c.record = opts.trace.is_some();
        proxy.set_targets(&c.spec);
        c.dial = proxy.dial_map();
        c.start_all();
        c.wait_leader(None, Duration::from_secs(15))
            .await
            .ok_or("no leader within 15 s of the start")?;
        if let Some((id, why)) = c.dead_nodes().into_iter().next() {
            return Err(format!("node {id} did not start: {why}"));
        }
        let rec = Arc::new(Recorder {
            start: Instant::now(),
            seq: AtomicU64::new(0),
            history: Mutex::new(Vec::new()),
            trace: match opts.trace {
                Some(_) => Some(
                    ClientLog::open(&opts.dir).map_err(|e| format!("the clients' events: {e}"))?,
                ),
                None => None,
            },
        });
        let end = Instant::now() + Duration::from_secs(opts.secs);
        let clients = Clients::spawn(opts.clients, |k| {
            client_loop(
                KvClient::new(c.http_all(), 1000 + k as u64),
                opts.nodes as u64,
                rec.clone(),
                end,
                opts.seed ^ (k as u64 + 1),
            )
        });
        let faults = nemesis(&mut c, &proxy, &rec, end, opts.seed).await;
        let (mut ops, mut ok, mut unknown, mut failed_reads) = (0, 0, 0, 0);
        for (a, b, u, f) in clients.join().await? {
            ops += a;
            ok += b;
            unknown += u;
            failed_reads += f;
        }
        // Heal, then read every key once more: a lost acknowledged write shows here.
        proxy.heal();
        for (id, why) in c.dead_nodes() {
            eprintln!("faults: node {id} had stopped by itself: {why}");
        }
        for id in c.ids() {
            c.resume(id);
            c.start(id);
        }
        c.wait_leader(None, Duration::from_secs(15))
            .await
            .ok_or("no leader within 15 s of healing")?;
        let mut reader = KvClient::new(c.http_all(), 999);
        let mut duplicates = Vec::new();
        for k in 0..KEYS {
            let key = format!("k{k}");
            let invoke = rec.now();
            let invoke_seq = rec.tick();
            let o = match &rec.trace {
                Some(log) => log.run(&mut reader, Op::Get { key: key.clone() }).await,
                None => reader.get(&key).await,
            };
            if let Outcome::Ok(v) = &o {
                if let Some(s) = v["value"].as_str() {
                    let mut seen = BTreeMap::new();
                    for tok in s.split_inclusive(']') {
                        *seen.entry(tok.to_string()).or_insert(0u32) += 1;
                    }
                    duplicates.extend(
                        seen.into_iter()
                            .filter(|(_, n)| *n > 1)
                            .map(|(t, n)| format!("{key}: {t} {n} times")),
                    );
                }
            }
            record(
                &rec,
                &reader,
                raft_sim::Op::Get { key },
                invoke,
                invoke_seq,
                &o,
                &mut ok,
                &mut unknown,
                &mut failed_reads,
            );
            ops += 1;
        }
        let history = rec.history.lock().expect("history lock").clone();
        let verdict = verdict(&history);
        let trace = match &opts.trace {
            Some(path) => {
                for id in c.ids() {
                    c.kill(id);
                }
                let m = crate::trace::merge(
                    &opts.dir,
                    opts.nodes as u32,
                    crate::node::DEFAULT_SNAPSHOT_BYTES,
                )?;
                std::fs::write(path, &m.text)
                    .map_err(|e| format!("write {}: {e}", path.display()))?;
                Some(format!(
                    "{}: {} records in {} steps over {} ms{}",
                    path.display(),
                    m.records,
                    m.steps,
                    m.end,
                    if m.notes.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", m.notes.join("; "))
                    }
                ))
            }
            None => None,
        };
        Ok(FaultReport {
            trace,
            ops,
            ok,
            unknown,
            failed_reads,
            faults,
            duplicates,
            verdict,
            elapsed: rec.start.elapsed(),
        })
    })
}

fn num(args: &mut lexopt::Parser, what: &str) -> Result<u64, String> {
    let v = args
        .value()
        .map_err(|e| e.to_string())?
        .to_string_lossy()
        .to_string();
    v.parse()
        .map_err(|_| format!("{what}: {v:?} is not a number"))
}

/// Entry point of `raft-kv faults`.
pub fn main(mut args: lexopt::Parser) -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let mut opts = FaultOptions {
        exe: std::env::current_exe().map_err(|e| format!("find this program: {e}"))?,
        dir: std::env::temp_dir().join(format!("raft-kv-faults-{}", std::process::id())),
        nodes: 3,
        secs: 30,
        clients: 4,
        seed: 1,
        trace: None,
    };
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Long("nodes") => opts.nodes = num(&mut args, "--nodes")? as usize,
            Long("secs") => opts.secs = num(&mut args, "--secs")?,
            Long("clients") => opts.clients = num(&mut args, "--clients")? as usize,
            Long("seed") => opts.seed = num(&mut args, "--seed")?,
            Long("trace") => {
                opts.trace = Some(PathBuf::from(args.value().map_err(|e| e.to_string())?))
            }
            Long("dir") => opts.dir = PathBuf::from(args.value().map_err(|e| e.to_string())?),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let r = run(&opts).map_err(|e| format!("fault run: {e}"))?;
    print_report(&opts, &r);
    Ok(if r.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints a report: counts, the faults, duplicates, the verdict, and a JSON summary line.
pub fn print_report(opts: &FaultOptions, r: &FaultReport) {
    println!(
        "fault run: {} nodes, {} clients, {} s, seed {}; {} faults injected",
        opts.nodes,
        opts.clients,
        opts.secs,
        opts.seed,
        r.faults.len()
    );
    for f in &r.faults {
        println!("  {f}");
    }
    println!("nodes' logs and data: {}", opts.dir.display());
    println!(
        "ops {}: {} answered, {} writes with unknown outcome, {} reads unanswered",
        r.ops, r.ok, r.unknown, r.failed_reads
    );
    println!(
        "writes applied twice: {}",
        if r.duplicates.is_empty() {
            "none".to_string()
        } else {
            r.duplicates.join(", ")
        }
    );
    println!("verdict: {}", r.verdict);
    if let Some(t) = &r.trace {
        println!("trace: {t}");
    }
    println!(
        "{}",
        serde_json::json!({
            "ops": r.ops, "ok": r.ok, "unknown": r.unknown, "failed_reads": r.failed_reads,
            "faults": r.faults.len(), "duplicates": r.duplicates.len(),
            "verdict": r.verdict.name(), "passed": r.passed(),
            "elapsed_ms": r.elapsed.as_millis() as u64,
        })
    );
}
