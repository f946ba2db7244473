//! A fault-injecting proxy for peer links, in process (no root, no firewall): one listener per
//! ordered pair of nodes (`from` dials `to` through it), forwarding whole frames, so that it can
//! cut a link (partitions, one-way cuts), delay it, or drop single messages on it.
//!
//! A cut link closes its open connections within [`RECHECK`] and refuses new ones until it is
//! healed. Delays hold every frame of the link (order is kept, as TCP would). Drops lose
//! whole frames, never the handshake.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use raft_sim::SimRng;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::codec::Framed;

use crate::config::ClusterSpec;
use crate::wire;

/// How often an idle proxied connection looks at its link's state.
pub const RECHECK: Duration = Duration::from_millis(20);
/// Largest delay the proxy applies (a bound for fault schedules).
pub const MAX_DELAY: Duration = Duration::from_secs(2);

/// The faults of one link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkFault {
    /// Nothing passes.
    pub cut: bool,
    /// Each frame waits this long (at most [`MAX_DELAY`]).
    pub delay_ms: u64,
    /// Each frame after the handshake is lost with this probability, in parts per million.
    pub drop_ppm: u32,
}

type Links = Arc<Mutex<BTreeMap<(u64, u64), LinkFault>>>;
type Targets = Arc<Mutex<BTreeMap<u64, String>>>;

/// The proxy of a cluster's peer links.
#[derive(Debug, Clone)]
pub struct Proxy {
    links: Links,
    targets: Targets,
    addrs: BTreeMap<(u64, u64), String>,
}

impl Proxy {
    /// Binds one loopback listener per ordered pair of the nodes `ids` and starts forwarding
    /// (on the current tokio runtime) to the addresses given by [`Proxy::set_targets`]; until
    /// then, connections are closed. Bind the proxy before choosing the nodes' ports, so that
    /// none of them can be one of its listeners'.
    pub async fn start(ids: &[u64], seed: u64) -> std::io::Result<Proxy> {
        let links: Links = Arc::default();
        let targets: Targets = Arc::default();
        let mut addrs = BTreeMap::new();
        let mut n = 0u64;
        for &from in ids {
            for &to in ids {
                if from == to {
                    continue;
                }
                let l = TcpListener::bind("127.0.0.1:0").await?;
                addrs.insert((from, to), l.local_addr()?.to_string());
                n += 1;
                tokio::spawn(accept_loop(
                    l,
                    (from, to),
                    targets.clone(),
                    links.clone(),
                    seed.wrapping_add(n << 32),
                ));
            }
        }
        Ok(Proxy {
            links,
            targets,
            addrs,
        })
    }

    /// Where each node's peer listener is.
    pub fn set_targets(&self, spec: &ClusterSpec) {
        let mut t = self.targets.lock().expect("target table lock");
        for n in &spec.nodes {
            t.insert(n.id, n.peer.clone());
        }
    }

    /// For each node, the address to dial each peer at (`LocalCluster::dial`).
    pub fn dial_map(&self) -> BTreeMap<u64, BTreeMap<u64, String>> {
        let mut m: BTreeMap<u64, BTreeMap<u64, String>> = BTreeMap::new();
        for ((from, to), a) in &self.addrs {
            m.entry(*from).or_default().insert(*to, a.clone());
        }
        m
    }

    /// Sets the faults of the link `from → to`.
    pub fn set(&self, from: u64, to: u64, fault: LinkFault) {
        let fault = LinkFault {
            delay_ms: fault.delay_ms.min(MAX_DELAY.as_millis() as u64),
            ..fault
        };
        self.links
            .lock()
            .expect("link table lock")
            .insert((from, to), fault);
    }

    /// Every link back to healthy.
    pub fn heal(&self) {
        self.links.lock().expect("link table lock").clear();
    }

    fn fault(links: &Links, link: (u64, u64)) -> LinkFault {
        links
            .lock()
            .expect("link table lock")
            .get(&link)
            .copied()
            .unwrap_or_default()
    }
}

async fn accept_loop(l: TcpListener, link: (u64, u64), targets: Targets, links: Links, seed: u64) {
    let mut conn = 0u64;
    loop {
        let Ok((inbound, _)) = l.accept().await else {
            continue;
        };
        if Proxy::fault(&links, link).cut {
            continue; // dropped: the dialer sees the connection close and backs off
        }
        let target = targets
            .lock()
            .expect("target table lock")
            .get(&link.1)
            .cloned();
        let Some(target) = target else {
            continue;
        };
        conn += 1;
        let links = links.clone();
        tokio::spawn(async move {
            let _ = pipe(inbound, &target, link, &links, seed ^ conn).await;
        });
    }
}

/// Forwards frames from `inbound` to `target` until either side closes or the link is cut.
async fn pipe(
    inbound: TcpStream,
    target: &str,
    link: (u64, u64),
    links: &Links,
    seed: u64,
) -> Result<(), String> {
    let outbound = TcpStream::connect(target)
        .await
        .map_err(|e| e.to_string())?;
    let _ = outbound.set_nodelay(true);
    let mut rx = Framed::new(inbound, wire::codec());
    let mut tx = Framed::new(outbound, wire::codec());
    let mut rng = SimRng::new(seed);
    let mut first = true;
    loop {
        let frame = match tokio::time::timeout(RECHECK, rx.next()).await {
            Err(_) => {
                if Proxy::fault(links, link).cut {
                    return Ok(());
                }
                continue;
            }
            Ok(None) => return Ok(()),
            Ok(Some(f)) => f.map_err(|e| e.to_string())?,
        };
        let fault = Proxy::fault(links, link);
        if fault.cut {
            return Ok(());
        }
        if !first && fault.drop_ppm > 0 && rng.chance(fault.drop_ppm) {
            continue;
        }
        first = false;
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        tx.send(frame.freeze()).await.map_err(|e| e.to_string())?;
    }
}
