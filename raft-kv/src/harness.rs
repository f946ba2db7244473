//! A local cluster of real `raft-kv node` processes for the tests and the fault run: start,
//! kill -9, pause (SIGSTOP) and resume (SIGCONT) nodes, find the leader. Loopback only. Each
//! node's stderr goes to `DIR/<id>.log` (appended across restarts).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hyper::Method;
use serde_json::Value;

use crate::client::call;
use crate::config::{ClusterSpec, NodeSpec};

/// A free port on 127.0.0.1: bound, then released, and never handed out twice by this
/// process (so clusters of tests running side by side get distinct ports). Another program
/// could still take it before the node binds it; the node then exits, and
/// [`LocalCluster::dead_nodes`] says so with its log.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    // Bounded: the ephemeral range holds thousands of ports and a test process asks for tens.
    for _ in 0..1000 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        if GIVEN.lock().expect("port registry lock").insert(port) {
            return port;
        }
    }
    panic!("no loopback port that this process has not handed out already");
}

/// A cluster of node processes.
#[derive(Debug)]
pub struct LocalCluster {
    /// The `raft-kv` executable.
    pub exe: PathBuf,
    /// Folder of the cluster file, the data directories and the logs.
    pub dir: PathBuf,
    /// The cluster file's content.
    pub spec: ClusterSpec,
    /// Per node, addresses to dial instead of the peers' own (a fault proxy).
    pub dial: BTreeMap<u64, BTreeMap<u64, String>>,
    /// Extra arguments for every node.
    pub extra_args: Vec<String>,
    /// Extra arguments for one node (after `extra_args`), used from its next start on: a
    /// skewed clock or a slow disk.
    pub node_args: BTreeMap<u64, Vec<String>>,
    /// Record each node's events in `dir/<id>.events` (`trace.rs`), for `raft-kv trace`.
    pub record: bool,
    /// Keep `dir` when dropped (by default it is removed, unless the thread is panicking, so
    /// that a failed test leaves its logs and data behind).
    pub keep_dir: bool,
    procs: BTreeMap<u64, Child>,
}

impl LocalCluster {
    /// A cluster of `voters` voters and `spares` spare nodes under `dir` (emptied), not started.
    pub fn new(exe: &Path, dir: &Path, voters: usize, spares: usize) -> LocalCluster {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).expect("create the cluster folder");
        let nodes = (1..=(voters + spares) as u64)
            .map(|id| NodeSpec {
                id,
                peer: format!("127.0.0.1:{}", free_port()),
                http: format!("127.0.0.1:{}", free_port()),
                voter: id as usize <= voters,
            })
            .collect();
        let spec = ClusterSpec {
            cluster: format!("test-{}", std::process::id()),
            nodes,
        };
        std::fs::write(
            dir.join("cluster.json"),
            serde_json::to_string_pretty(&spec).expect("a spec serializes"),
        )
        .expect("write the cluster file");
        LocalCluster {
            exe: exe.to_path_buf(),
            dir: dir.to_path_buf(),
            spec,
            dial: BTreeMap::new(),
            extra_args: Vec::new(),
            node_args: BTreeMap::new(),
            record: false,
            keep_dir: false,
            procs: BTreeMap::new(),
        }
    }

    /// Node ids.
    pub fn ids(&self) -> Vec<u64> {
        self.spec.nodes.iter().map(|n| n.id).collect()
    }

    /// HTTP address of node `id`.
    pub fn http(&self, id: u64) -> String {
        self.spec.node(id).expect("a known node").http.clone()
    }

    /// HTTP addresses of every node.
    pub fn http_all(&self) -> Vec<String> {
        self.spec.nodes.iter().map(|n| n.http.clone()).collect()
    }

    /// Data directory of node `id`.
    pub fn data_dir(&self, id: u64) -> PathBuf {
        self.dir.join(id.to_string())
    }

    /// The log (stderr) of node `id` so far.
    pub fn log_of(&self, id: u64) -> String {
        std::fs::read_to_string(self.dir.join(format!("{id}.log"))).unwrap_or_default()
    }

    /// Starts node `id` (if it is not running).
    pub fn start(&mut self, id: u64) {
        if self.procs.contains_key(&id) {
            return;
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{id}.log")))
            .expect("open the node's log");
        let mut cmd = Command::new(&self.exe);
        cmd.arg("node")
            .arg("--config")
            .arg(self.dir.join("cluster.json"))
            .arg("--id")
            .arg(id.to_string())
            .arg("--dir")
            .arg(self.data_dir(id))
            .args(&self.extra_args)
            .args(self.node_args.get(&id).into_iter().flatten())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if self.record {
            cmd.arg("--events")
                .arg(self.dir.join(format!("{id}.events")));
        }
        for (to, addr) in self.dial.get(&id).into_iter().flatten() {
            cmd.arg("--dial").arg(format!("{to}={addr}"));
        }
        let child = cmd.spawn().expect("start a node process");
        self.procs.insert(id, child);
    }

    /// Starts every node.
    pub fn start_all(&mut self) {
        for id in self.ids() {
            self.start(id);
        }
    }

    /// True when node `id` runs (started and not killed).
    pub fn is_running(&self, id: u64) -> bool {
        self.procs.contains_key(&id)
    }

    /// Nodes that were started and have exited on their own since, each with the end of its
    /// log (a failed bind, a refused data directory...). They are forgotten, so that
    /// [`LocalCluster::start`] can start them again.
    pub fn dead_nodes(&mut self) -> Vec<(u64, String)> {
        let mut dead = Vec::new();
        for (id, c) in self.procs.iter_mut() {
            if let Ok(Some(status)) = c.try_wait() {
                dead.push((*id, status));
            }
        }
        dead.into_iter()
            .map(|(id, status)| {
                self.procs.remove(&id);
                let log = self.log_of(id);
                let tail: Vec<&str> = log.lines().rev().take(3).collect();
                (
                    id,
                    format!(
                        "exited with {status}: {}",
                        tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
                    ),
                )
            })
            .collect()
    }

    /// kill -9 of node `id`, waiting for it to be gone.
    pub fn kill(&mut self, id: u64) {
        if let Some(mut c) = self.procs.remove(&id) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Waits up to `within` for node `id` to exit on its own; its exit status.
    pub fn wait_exit(&mut self, id: u64, within: Duration) -> Option<std::process::ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Some(c) = self.procs.get_mut(&id) {
                if let Ok(Some(status)) = c.try_wait() {
                    self.procs.remove(&id);
                    return Some(status);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn signal(&self, id: u64, sig: &str) {
        if let Some(c) = self.procs.get(&id) {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(c.id().to_string())
                .status();
        }
    }

    /// SIGSTOP to node `id`: it stops in its tracks, sockets open.
    pub fn pause(&self, id: u64) {
        self.signal(id, "STOP");
    }

    /// SIGCONT to node `id`.
    pub fn resume(&self, id: u64) {
        self.signal(id, "CONT");
    }

    /// `/status` of node `id`, if it answers.
    pub async fn status(&self, id: u64) -> Option<Value> {
        match call(&self.http(id), Method::GET, "/status", None).await {
            Ok((200, v)) => Some(v),
            _ => None,
        }
    }

    /// The node that says it leads, with the highest term among those that answer.
    pub async fn leader(&self) -> Option<u64> {
        let mut best: Option<(u64, u64)> = None;
        for id in self.procs.keys() {
            if let Some(s) = self.status(*id).await {
                if s["role"] == "leader" {
                    let term = s["term"].as_u64().unwrap_or(0);
                    if best.is_none_or(|(t, _)| term > t) {
                        best = Some((term, *id));
                    }
                }
            }
        }
        best.map(|(_, id)| id)
    }

    /// Waits up to `within` for a leader other than `not`; the leader and the time it took.
    pub async fn wait_leader(&self, not: Option<u64>, within: Duration) -> Option<(u64, Duration)> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Some(l) = self.leader().await {
                if Some(l) != not {
                    return Some((l, start.elapsed()));
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }
}

impl Drop for LocalCluster {
    /// Kills every node still running (a paused node is resumed first, so it can die), then
    /// removes the folder unless told to keep it or a test is failing.
    fn drop(&mut self) {
        for id in self.procs.keys().copied().collect::<Vec<_>>() {
            self.resume(id);
            self.kill(id);
        }
        if !self.keep_dir && !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
