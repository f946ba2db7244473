//! `raft-kv bench`: speed figures of a 3-node loopback cluster of real processes (release
//! build recommended): PUT and GET throughput with p50/p99 latency from concurrent clients, the
//! fsyncs each committed batch cost, and failover time after kill -9 of the leader. Printed,
//! never asserted.
//!
//! Each client keeps one HTTP/1 connection to the leader and sends one request at a time.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::Method;
use serde_json::json;

use crate::client::{Clients, Conn, KvClient, Outcome};
use crate::harness::LocalCluster;

/// Options of a bench run.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// The `raft-kv` executable the nodes run.
    pub exe: PathBuf,
    /// Folder for the cluster (emptied first).
    pub dir: PathBuf,
    /// Seconds of each load phase (1 to 600).
    pub secs: u64,
    /// Concurrent clients (1 to 256).
    pub clients: usize,
    /// Leader kills to time (0 to 50).
    pub failovers: usize,
}

/// Latencies of one phase.
#[derive(Debug, Clone, Default)]
pub struct Phase {
    /// Completed operations.
    pub ops: usize,
    /// Failed or unanswered operations.
    pub errors: usize,
    /// Operations per second.
    pub per_sec: f64,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let k = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[k.min(sorted.len() - 1)]
}

async fn load(c: &LocalCluster, leader: u64, secs: u64, clients: usize, write: bool) -> Phase {
    let addr = Arc::new(c.http(leader));
    let end = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let tasks = Clients::spawn(clients, |k| {
        let addr = addr.clone();
        async move {
            let (mut lat, mut errors, mut seq) = (Vec::new(), 0usize, 0u64);
            let mut conn = Conn::new(&addr);
            let mut first_error = None;
            let value = "v".repeat(100);
            while Instant::now() < end {
                seq += 1;
                let key = format!("/kv/b{k}-{}", seq % 100);
                let t = Instant::now();
                let r = if write {
                    let body = json!({"value": value, "client": 10_000 + k as u64, "seq": seq});
                    conn.call(Method::PUT, &key, Some(&body)).await
                } else {
                    conn.call(Method::GET, &key, None).await
                };
                match r {
                    Ok((200, _)) => lat.push(t.elapsed()),
                    other => {
                        errors += 1;
                        first_error.get_or_insert(format!("{other:?}"));
                    }
                }
            }
            if let Some(e) = first_error {
                eprintln!("bench: client {k}: {errors} errors, the first: {e}");
            }
            (lat, errors)
        }
    });
    let mut all = Vec::new();
    let mut errors = 0;
    for (l, e) in tasks.join().await.unwrap_or_default() {
        all.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    Phase {
        ops: all.len(),
        errors,
        per_sec: all.len() as f64 / elapsed.max(1e-9),
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
    }
}

/// Runs the bench and prints its table; the last line is one JSON object.
pub fn run(opts: &BenchOptions) -> Result<(), String> {
    if !(1..=600).contains(&opts.secs) || !(1..=256).contains(&opts.clients) || opts.failovers > 50
    {
        return Err("secs 1..=600, clients 1..=256, failovers 0..=50".into());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let mut c = LocalCluster::new(&opts.exe, &opts.dir, 3, 0);
        c.start_all();
        let (leader, _) = c
            .wait_leader(None, Duration::from_secs(15))
            .await
            .ok_or("no leader within 15 s")?;
        let before = c.status(leader).await.unwrap_or_default();
        let put = load(&c, leader, opts.secs, opts.clients, true).await;
        let after = c.status(leader).await.unwrap_or_default();
        let get = load(&c, leader, opts.secs, opts.clients, false).await;
        let d = |k: &str| after["storage"][k].as_u64().unwrap_or(0).saturating_sub(before["storage"][k].as_u64().unwrap_or(0));
        let (fsyncs, batches, entries) = (d("fsyncs"), d("batches"), d("entries"));
        let (bytes, rewrites) = (d("bytes"), d("rewrites"));
        let mut failovers = Vec::new();
        let mut first_writes = Vec::new();
        for round in 0..opts.failovers {
            let Some(old) = c.wait_leader(None, Duration::from_secs(15)).await.map(|(l, _)| l) else {
                break;
            };
            // Let the cluster settle so every round starts from a stable leader.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let t = Instant::now();
            c.kill(old);
            let Some((_, took)) = c.wait_leader(Some(old), Duration::from_secs(10)).await else {
                break;
            };
            failovers.push(took);
            let mut client = KvClient::new(c.http_all(), 20_000 + round as u64);
            if let Outcome::Ok(_) = client.put("failover", &round.to_string()).await {
                first_writes.push(t.elapsed());
            }
            c.start(old);
            tokio::time::sleep(Duration::from_millis(1000)).await;
        }
        failovers.sort();
        first_writes.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("raft-kv bench: 3 nodes on loopback (real processes, fsync on every batch), {} clients, {} s per phase", opts.clients, opts.secs);
        println!("| measure | raft-kv | reference use case |");
        println!("| --- | --- | --- |");
        println!("| PUT throughput | {:.0} ops/s ({} errors) | 2,500 tasks/s |", put.per_sec, put.errors);
        println!("| PUT latency p50 / p99 | {:.1} / {:.1} ms | 25 ms commit |", ms(put.p50), ms(put.p99));
        println!("| GET (ReadIndex) throughput | {:.0} ops/s ({} errors) | |", get.per_sec, get.errors);
        println!("| GET latency p50 / p99 | {:.1} / {:.1} ms | |", ms(get.p50), ms(get.p99));
        println!(
            "| leader fsyncs per batch during PUTs | {:.2} ({fsyncs} fsyncs, {batches} batches, {entries} entries: {:.1} entries per fsync) | |",
            fsyncs as f64 / batches.max(1) as f64,
            entries as f64 / fsyncs.max(1) as f64
        );
        println!(
            "| leader's log during PUTs: appended, rewritten without the snapshot's prefix | {:.1} MiB, {rewrites} rewrites (compaction by size: a snapshot past 4 MiB of entries, then the file rewritten with the tail past it) | |",
            bytes as f64 / (1 << 20) as f64
        );
        println!(
            "| failover after kill -9 of the leader, new leader seen, median / max | {:.0} / {:.0} ms over {} kills | ≤ 300 ms |",
            ms(percentile(&failovers, 0.5)),
            ms(failovers.last().copied().unwrap_or_default()),
            failovers.len()
        );
        println!(
            "| kill -9 to the first acknowledged write, median / max | {:.0} / {:.0} ms | |",
            ms(percentile(&first_writes, 0.5)),
            ms(first_writes.last().copied().unwrap_or_default())
        );
        println!("timers: raft-core's reference timings (election timeout 150–300 ms, heartbeat 50 ms, 1 tick = 1 ms)");
        println!(
            "{}",
            json!({
                "put_per_sec": put.per_sec, "put_p50_ms": ms(put.p50), "put_p99_ms": ms(put.p99),
                "get_per_sec": get.per_sec, "get_p50_ms": ms(get.p50), "get_p99_ms": ms(get.p99),
                "fsyncs_per_batch": fsyncs as f64 / batches.max(1) as f64,
                "entries_per_fsync": entries as f64 / fsyncs.max(1) as f64,
                "log_bytes": bytes, "log_rewrites": rewrites,
                "failover_median_ms": ms(percentile(&failovers, 0.5)),
                "failover_max_ms": ms(failovers.last().copied().unwrap_or_default()),
                "failovers": failovers.len(),
            })
        );
        Ok(())
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

/// Entry point of `raft-kv bench`.
pub fn main(mut args: lexopt::Parser) -> Result<ExitCode, String> {
    use lexopt::prelude::*;
    let mut opts = BenchOptions {
        exe: std::env::current_exe().map_err(|e| format!("find this program: {e}"))?,
        dir: std::env::temp_dir().join(format!("raft-kv-bench-{}", std::process::id())),
        secs: 5,
        clients: 16,
        failovers: 5,
    };
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Long("secs") => opts.secs = num(&mut args, "--secs")?,
            Long("clients") => opts.clients = num(&mut args, "--clients")? as usize,
            Long("failovers") => opts.failovers = num(&mut args, "--failovers")? as usize,
            Long("dir") => opts.dir = PathBuf::from(args.value().map_err(|e| e.to_string())?),
            other => return Err(other.unexpected().to_string()),
        }
    }
    run(&opts).map_err(|e| format!("bench: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
