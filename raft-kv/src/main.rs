//! `raft-kv`: run one node, a local cluster, or a fault run. `raft-kv help` lists the commands.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use lexopt::prelude::*;
use raft_kv::config::{ClusterSpec, NodeSpec};
use raft_kv::server::{run_node, NodeOptions};

const HELP: &str = "\
raft-kv: a replicated key-value store on raft-core, on a real disk and a real network.

USAGE:
  raft-kv node --config FILE --id N --dir DIR [--dial ID=ADDR]... [--snapshot-bytes B]
               [--events FILE] [--clock-rate R] [--fsync-delay-ms D] [--max-file-bytes B]
      run node N of the cluster file FILE with its data in DIR; --events records what it
      does in FILE (appended; at most 64 MiB) for `raft-kv trace`; --clock-rate runs its
      timers at R times real time (0.5 to 2; a skewed clock); --fsync-delay-ms makes its
      disk slow (each fsync waits D ms first, at most 1000); --max-file-bytes B lowers its
      file size limit (RLIMIT_FSIZE) to B: a full disk without root
  raft-kv cluster --nodes N --dir DIR [--spares K] [--record]
      start N nodes (and K spare nodes outside the membership, to add later) on 127.0.0.1,
      each with its data under DIR/<id>; writes DIR/cluster.json (reused if present) and
      prints how to talk to the cluster. Ctrl-C stops it. --record: each node records its
      events in DIR/<id>.events
  raft-kv trace DIR -o FILE
      merge the *.events files in DIR (from --record, --events or a fault run's --trace) into
      one playground trace (raft-sim's format, version 3, marked as recorded)
  raft-kv faults [--nodes N] [--secs S] [--clients C] [--seed X] [--dir DIR] [--trace FILE]
      a Jepsen-style fault run: a cluster whose peer links go through an in-process proxy,
      concurrent clients, partitions, pauses (SIGSTOP/SIGCONT) and kill -9 with restarts;
      the history is checked for linearizability. Prints ops, failures and the verdict.
      --trace: the run is recorded and written to FILE as a playground trace

  raft-kv bench [--secs S] [--clients C] [--failovers K]
      speed figures of a 3-node loopback cluster: PUT and GET throughput and p50/p99
      latency, fsyncs per batch, failover time after kill -9 of the leader.

Exit status: 0 success, 1 failure (or a fault run whose history is not linearizable),
2 bad usage.
";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("raft-kv: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = lexopt::Parser::from_env();
    let cmd = match args.next().map_err(|e| e.to_string())? {
        Some(Value(v)) => v.string().map_err(|e| e.to_string())?,
        Some(Long("help")) | Some(Short('h')) | None => {
            print!("{HELP}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(other.unexpected().to_string()),
    };
    match cmd.as_str() {
        "node" => node(args),
        "cluster" => cluster(args),
        "faults" => raft_kv::faults::main(args),
        "bench" => raft_kv::bench::main(args),
        "trace" => trace(args),
        "help" => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command {other:?}; try raft-kv help")),
    }
}

fn parse_num<T: std::str::FromStr>(args: &mut lexopt::Parser, what: &str) -> Result<T, String> {
    let v = args.value().map_err(|e| e.to_string())?;
    let s = v.to_string_lossy();
    s.parse()
        .map_err(|_| format!("{what}: {s:?} is not a valid number"))
}

fn node(mut args: lexopt::Parser) -> Result<ExitCode, String> {
    let (mut config, mut id, mut dir) = (None, None, None);
    let mut dial = BTreeMap::new();
    let mut snapshot_bytes = raft_kv::node::DEFAULT_SNAPSHOT_BYTES;
    let mut events = None;
    let mut clock_rate_ppm = 1_000_000u64;
    let mut fsync_delay = std::time::Duration::ZERO;
    let mut max_file_bytes = None;
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Long("max-file-bytes") => {
                max_file_bytes = Some(parse_num::<u64>(&mut args, "--max-file-bytes")?)
            }
            Long("clock-rate") => {
                let r: f64 = parse_num(&mut args, "--clock-rate")?;
                if !(0.5..=2.0).contains(&r) {
                    return Err(format!("--clock-rate {r}: must be from 0.5 to 2"));
                }
                clock_rate_ppm = (r * 1e6).round() as u64;
            }
            Long("fsync-delay-ms") => {
                let d: u64 = parse_num(&mut args, "--fsync-delay-ms")?;
                if d > raft_kv::storage::MAX_FSYNC_DELAY.as_millis() as u64 {
                    return Err(format!("--fsync-delay-ms {d}: at most 1000"));
                }
                fsync_delay = std::time::Duration::from_millis(d);
            }
            Long("events") => {
                events = Some(PathBuf::from(args.value().map_err(|e| e.to_string())?))
            }
            Long("config") => {
                config = Some(PathBuf::from(args.value().map_err(|e| e.to_string())?))
            }
            Long("id") => id = Some(parse_num::<u64>(&mut args, "--id")?),
            Long("dir") => dir = Some(PathBuf::from(args.value().map_err(|e| e.to_string())?)),
            Long("snapshot-bytes") => {
                snapshot_bytes = parse_num::<u64>(&mut args, "--snapshot-bytes")?.max(1024)
            }
            Long("dial") => {
                let v = args
                    .value()
                    .map_err(|e| e.to_string())?
                    .to_string_lossy()
                    .to_string();
                let (k, a) = v.split_once('=').ok_or("--dial takes ID=ADDR")?;
                let k: u64 = k.parse().map_err(|_| format!("--dial: bad id {k:?}"))?;
                dial.insert(k, a.to_string());
            }
            other => return Err(other.unexpected().to_string()),
        }
    }
    let config = config.ok_or("node needs --config FILE")?;
    let id = id.ok_or("node needs --id N")?;
    let dir = dir.ok_or("node needs --dir DIR")?;
    let spec = ClusterSpec::load(&config).map_err(|e| e.to_string())?;
    match run_node(NodeOptions {
        spec,
        id,
        dir,
        dial,
        snapshot_bytes,
        events,
        clock_rate_ppm,
        fsync_delay,
        max_file_bytes,
    }) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            raft_kv::log(id, format_args!("cannot run: {e}"));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A free port on 127.0.0.1 (bound, then released: another program could take it meanwhile,
/// which the node would report as a failed bind).
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("find a free port: {e}"))
}

fn cluster(mut args: lexopt::Parser) -> Result<ExitCode, String> {
    let (mut nodes, mut spares, mut dir, mut record) = (3usize, 0usize, None, false);
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Long("record") => record = true,
            Long("nodes") => nodes = parse_num(&mut args, "--nodes")?,
            Long("spares") => spares = parse_num(&mut args, "--spares")?,
            Long("dir") => dir = Some(PathBuf::from(args.value().map_err(|e| e.to_string())?)),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let dir = dir.ok_or("cluster needs --dir DIR")?;
    if nodes == 0 || nodes + spares > raft_kv::config::MAX_NODES {
        return Err(format!(
            "--nodes plus --spares must be 1 to {}",
            raft_kv::config::MAX_NODES
        ));
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let file = dir.join("cluster.json");
    let spec = if file.exists() {
        eprintln!("raft-kv: reusing {}", file.display());
        ClusterSpec::load(&file).map_err(|e| e.to_string())?
    } else {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut list = Vec::new();
        for id in 1..=(nodes + spares) as u64 {
            list.push(NodeSpec {
                id,
                peer: format!("127.0.0.1:{}", free_port()?),
                http: format!("127.0.0.1:{}", free_port()?),
                voter: id as usize <= nodes,
            });
        }
        let spec = ClusterSpec {
            cluster: format!("kv-{:x}", stamp as u64 ^ u64::from(std::process::id())),
            nodes: list,
        };
        spec.validate().map_err(|e| e.to_string())?;
        let text = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
        std::fs::write(&file, text).map_err(|e| format!("write {}: {e}", file.display()))?;
        spec
    };
    let exe = std::env::current_exe().map_err(|e| format!("find this program: {e}"))?;
    let mut children = Vec::new();
    for n in &spec.nodes {
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("node")
            .arg("--config")
            .arg(&file)
            .arg("--id")
            .arg(n.id.to_string())
            .arg("--dir")
            .arg(dir.join(n.id.to_string()));
        if record {
            cmd.arg("--events")
                .arg(dir.join(format!("{}.events", n.id)));
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("start node {}: {e}", n.id))?;
        children.push((n.id, child));
    }
    let first = &spec.nodes[0].http;
    println!(
        "cluster {:?}: {} nodes, data under {}",
        spec.cluster,
        spec.nodes.len(),
        dir.display()
    );
    for n in &spec.nodes {
        let role = if n.voter {
            "voter"
        } else {
            "spare (add it as a learner)"
        };
        println!(
            "  node {}: http://{}  peers {}  {role}",
            n.id, n.http, n.peer
        );
    }
    println!("talk to it (any node answers; a follower names the leader):");
    println!("  curl -s http://{first}/status");
    println!("  curl -s -H 'content-type: application/json' -X PUT http://{first}/kv/hello -d '{{\"value\":\"world\",\"client\":1,\"seq\":1}}'");
    println!("  curl -s http://{first}/kv/hello            # linearizable (ReadIndex)");
    println!("  curl -s 'http://{first}/kv/hello?stale'    # this node's copy, may be stale");
    println!("  curl -s -H 'content-type: application/json' -X POST http://{first}/cas/hello -d '{{\"expect\":\"world\",\"new\":\"raft\",\"client\":1,\"seq\":2}}'");
    println!("  curl -s -H 'content-type: application/json' -X DELETE http://{first}/kv/hello -d '{{\"client\":1,\"seq\":3}}'");
    if let Some(spare) = spec.nodes.iter().find(|n| !n.voter) {
        println!("  curl -s -H 'content-type: application/json' -X POST http://{first}/members/learner -d '{{\"id\":{}}}'", spare.id);
        println!("  curl -s -H 'content-type: application/json' -X POST http://{first}/members/promote -d '{{\"id\":{}}}'", spare.id);
    }
    println!("  curl -s -H 'content-type: application/json' -X POST http://{first}/transfer -d '{{\"id\":2}}'");
    println!("Ctrl-C stops every node; the same command restarts them from their data.");
    if record {
        println!(
            "recording: each node's events go to {}/<id>.events; afterwards run\n  raft-kv trace {} -o run.jsonl",
            dir.display(),
            dir.display()
        );
    }
    let mut failed = false;
    for (id, mut child) in children {
        let status = child
            .wait()
            .map_err(|e| format!("wait for node {id}: {e}"))?;
        if !status.success() {
            eprintln!("raft-kv: node {id} exited with {status}");
            failed = true;
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn trace(mut args: lexopt::Parser) -> Result<ExitCode, String> {
    let (mut dir, mut out) = (None, None);
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Short('o') | Long("output") => {
                out = Some(PathBuf::from(args.value().map_err(|e| e.to_string())?))
            }
            Value(v) if dir.is_none() => dir = Some(PathBuf::from(v)),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let dir = dir.ok_or("trace needs the recording folder: raft-kv trace DIR -o FILE")?;
    let out = out.ok_or("trace needs -o FILE")?;
    // The cluster file, when the folder has one, says how many nodes the cluster has.
    let nodes = ClusterSpec::load(&dir.join("cluster.json"))
        .map(|s| s.nodes.len() as u32)
        .unwrap_or(0);
    let m = raft_kv::trace::merge(&dir, nodes, raft_kv::node::DEFAULT_SNAPSHOT_BYTES)?;
    std::fs::write(&out, &m.text).map_err(|e| format!("write {}: {e}", out.display()))?;
    println!(
        "{}: {} records in {} steps over {} ms, from {} event files",
        out.display(),
        m.records,
        m.steps,
        m.end,
        m.files.len()
    );
    for n in &m.notes {
        println!("  note: {n}");
    }
    // The checks a reader of the file can make from its records alone.
    let recs = raft_kv::trace::records(&m.text)?;
    let safety = raft_kv::trace::check_safety(&recs);
    let history = raft_kv::trace::history(&recs);
    let verdict = raft_sim::linearizability::verdict(&history);
    match &safety {
        Ok(()) => println!("  safety from the records: Election Safety, Log Matching, State Machine Safety, Applied Contiguous hold"),
        Err(e) => println!("  safety from the records: BROKEN: {e}"),
    }
    println!("  client history ({} operations): {verdict}", history.len());
    Ok(
        if safety.is_ok()
            && !matches!(
                verdict,
                raft_sim::linearizability::Verdict::NotLinearizable(_)
            )
        {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
