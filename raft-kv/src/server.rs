//! Running one node: open its directory, bind its sockets, start the driver thread, the peer
//! dialers and listener, and the HTTP API.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::ClusterSpec;
use crate::error::Error;
use crate::net::{self, NetStats};
use crate::node::{Driver, DriverOptions};

/// Depth of the driver's inbox (peers' messages and client requests); when full, peers'
/// messages are dropped and clients get 503.
pub const INBOX: usize = 8192;

/// How to run one node.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// The cluster.
    pub spec: ClusterSpec,
    /// This node's id (must be in `spec`).
    pub id: u64,
    /// Data directory.
    pub dir: PathBuf,
    /// Addresses to dial instead of a peer's own (`--dial ID=ADDR`), e.g. a fault proxy.
    pub dial: BTreeMap<u64, String>,
    /// Stored entry bytes past which the node snapshots.
    pub snapshot_bytes: u64,
    /// Where to record the node's events for a trace (`--events FILE`), if anywhere.
    pub events: Option<PathBuf>,
    /// Clock rate, ppm of real time (`--clock-rate`).
    pub clock_rate_ppm: u64,
    /// Artificial delay before each fsync (`--fsync-delay-ms`).
    pub fsync_delay: std::time::Duration,
    /// The largest file this process may write (`--max-file-bytes`): `RLIMIT_FSIZE`, a full
    /// disk without root. A write past it fails with EFBIG.
    pub max_file_bytes: Option<u64>,
}

/// Lowers this process's file size limit (`RLIMIT_FSIZE`, soft limit; the hard one is kept) to
/// `bytes`: from then on a write that would make a file larger fails with EFBIG, as a full
/// disk fails one with ENOSPC. No root needed, nothing else on the machine is affected.
pub fn limit_file_size(bytes: u64) -> Result<(), Error> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let now = getrlimit(Resource::Fsize);
    let current = now.maximum.map_or(bytes, |max| bytes.min(max));
    setrlimit(
        Resource::Fsize,
        Rlimit {
            current: Some(current),
            maximum: now.maximum,
        },
    )
    .map_err(|e| Error::io("setrlimit(RLIMIT_FSIZE)", std::io::Error::from(e)))
}

/// Runs a node until the process ends. Returns only on a startup error or a fatal one (a
/// failed write or fsync).
pub fn run_node(opts: NodeOptions) -> Result<(), Error> {
    let me = opts
        .spec
        .node(opts.id)
        .ok_or_else(|| Error::Config(format!("node {} is not in the cluster file", opts.id)))?
        .clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("start the runtime", e))?;
    // A write past the file size limit (ours, or one the shell set with `ulimit -f`) raises
    // SIGXFSZ, whose default action kills the process: caught, the write fails with EFBIG and
    // the driver reports it as a full disk.
    let _xfsz = {
        let _enter = rt.enter();
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(
            rustix::process::Signal::XFSZ.as_raw(),
        ))
        .map_err(|e| Error::io("catch SIGXFSZ", e))?
    };
    if let Some(bytes) = opts.max_file_bytes {
        limit_file_size(bytes)?;
        crate::log(
            opts.id,
            format_args!("file size limit (RLIMIT_FSIZE) set to {bytes} bytes"),
        );
    }
    let net_stats = Arc::new(NetStats::default());
    let mut driver = Driver::open(
        DriverOptions {
            cluster: opts.spec.cluster.clone(),
            id: opts.id,
            dir: opts.dir.clone(),
            voters: opts.spec.voters(),
            snapshot_bytes: opts.snapshot_bytes,
            events: opts.events.clone(),
            clock_rate_ppm: opts.clock_rate_ppm,
            fsync_delay: opts.fsync_delay,
        },
        net_stats.clone(),
    )?;
    let (tx, rx) = std::sync::mpsc::sync_channel(INBOX);
    rt.block_on(async move {
        let peer_listener = tokio::net::TcpListener::bind(&me.peer)
            .await
            .map_err(|e| Error::io(format!("bind peer address {}", me.peer), e))?;
        let http_listener = tokio::net::TcpListener::bind(&me.http)
            .await
            .map_err(|e| Error::io(format!("bind HTTP address {}", me.http), e))?;
        let mut peers = BTreeMap::new();
        for n in opts.spec.nodes.iter().filter(|n| n.id != opts.id) {
            let addr = opts
                .dial
                .get(&n.id)
                .cloned()
                .unwrap_or_else(|| n.peer.clone());
            peers.insert(
                n.id,
                net::spawn_peer(
                    opts.spec.cluster.clone(),
                    opts.id,
                    n.id,
                    addr,
                    net_stats.clone(),
                    tx.clone(),
                ),
            );
        }
        driver.set_peers(peers);
        let id = opts.id;
        std::thread::Builder::new()
            .name(format!("raft-driver-{id}"))
            .spawn(move || {
                if let Err(e) = driver.run(rx) {
                    crate::log(id, format_args!("fatal: {e}; stopping"));
                    std::process::exit(1);
                }
            })
            .map_err(|e| Error::io("start the driver thread", e))?;
        let known: BTreeSet<u64> = opts.spec.nodes.iter().map(|n| n.id).collect();
        tokio::spawn(net::serve_peers(
            peer_listener,
            opts.spec.cluster.clone(),
            opts.id,
            known,
            tx.clone(),
            net_stats,
        ));
        let api = crate::http::Api {
            inbox: tx,
            http: opts
                .spec
                .nodes
                .iter()
                .map(|n| (n.id, n.http.clone()))
                .collect(),
        };
        crate::log(
            id,
            format_args!("serving peers on {}, HTTP on http://{}", me.peer, me.http),
        );
        crate::http::serve(http_listener, api, id).await;
        Ok(())
    })
}
