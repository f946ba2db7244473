//! Peers over TCP: one outgoing connection per peer (dialed with back-off, redialed when it
//! breaks) that carries this node's messages to it, and a listener for the peers' connections
//! that hands their messages to the driver. A connection carries messages one way only.
//!
//! A peer that misbehaves (no hello within [`HELLO_TIMEOUT`], another cluster or protocol
//! version, an unknown node id, a malformed or oversized frame, a message not from it or not for
//! this node) gets its connection closed and one log line with the reason; nothing else
//! changes. Raft tolerates lost messages, so a full queue drops a message rather than wait.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use raft_core::NodeId;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::codec::Framed;

use crate::node::Inbound;
use crate::wire::{self, Envelope, Hello};

/// Messages queued for one peer while its connection is busy or down (then dropped).
pub const OUTBOX: usize = 4096;
/// First wait before redialing a peer; doubled after each failure up to [`MAX_BACKOFF`].
pub const MIN_BACKOFF: Duration = Duration::from_millis(20);
/// Longest wait between two dials of a peer.
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Bound on one connection attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// A dialing peer must send its hello within this time.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// An incoming connection with no frame for this long is closed (the peer redials when it has
/// something to say).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Most incoming peer connections open at once; more are closed at once.
pub const MAX_PEER_CONNECTIONS: usize = 64;

/// Counters of the peer network, shared with `/status`.
#[derive(Debug, Default)]
pub struct NetStats {
    /// Messages dropped because a queue was full (outgoing, or the driver's inbox) or a peer
    /// was down.
    pub dropped: AtomicU64,
    /// Incoming connections closed for misbehaving.
    pub refused: AtomicU64,
}

/// Starts the dialer for peer `to` at `addr`; returns the queue of messages for it. When the
/// link is down (a failed dial, a broken connection) and messages for the peer were lost, the
/// driver hears of it on `inbox` ([`Inbound::Unreachable`]), at most once per dial attempt.
pub fn spawn_peer(
    cluster: String,
    me: NodeId,
    to: NodeId,
    addr: String,
    stats: Arc<NetStats>,
    inbox: SyncSender<Inbound>,
) -> mpsc::Sender<Envelope> {
    let (tx, rx) = mpsc::channel(OUTBOX);
    tokio::spawn(dial_loop(cluster, me, to, addr, rx, stats, inbox));
    tx
}

async fn dial_loop(
    cluster: String,
    me: NodeId,
    to: NodeId,
    addr: String,
    mut rx: mpsc::Receiver<Envelope>,
    stats: Arc<NetStats>,
    inbox: SyncSender<Inbound>,
) {
    let mut backoff = MIN_BACKOFF;
    let mut up = false;
    loop {
        let why = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&addr)).await {
            Err(_) => "connect timed out".to_string(),
            Ok(Err(e)) => format!("connect: {e}"),
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                let mut framed = Framed::new(stream, wire::codec());
                let hello = Hello {
                    version: wire::PROTOCOL_VERSION,
                    cluster: cluster.clone(),
                    from: me,
                    to,
                };
                match framed.send(wire::encode(&hello)).await {
                    Err(e) => format!("hello: {e}"),
                    Ok(()) => {
                        if !up {
                            crate::log(me, format_args!("connected to S{to} at {addr}"));
                            up = true;
                        }
                        backoff = MIN_BACKOFF;
                        match send_loop(&mut framed, &mut rx).await {
                            None => return, // the node is shutting down
                            Some(why) => why,
                        }
                    }
                }
            }
        };
        if up {
            crate::log(me, format_args!("lost S{to} at {addr}: {why}; redialing"));
            up = false;
        }
        // What queued up while the link was down is stale: Raft resends what matters. The
        // leader stops streaming to the peer until it answers again (a full inbox loses the
        // report, which only delays that: the next heartbeat's answer does the same).
        let mut lost = false;
        while rx.try_recv().is_ok() {
            stats.dropped.fetch_add(1, Ordering::Relaxed);
            lost = true;
        }
        if lost
            && matches!(
                inbox.try_send(Inbound::Unreachable(to)),
                Err(TrySendError::Disconnected(_))
            )
        {
            return; // the node is shutting down
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Sends queued messages until the connection breaks (`Some(reason)`) or the queue closes.
async fn send_loop(
    framed: &mut Framed<TcpStream, tokio_util::codec::LengthDelimitedCodec>,
    rx: &mut mpsc::Receiver<Envelope>,
) -> Option<String> {
    loop {
        tokio::select! {
            m = rx.recv() => {
                let m = m?;
                if let Err(e) = framed.feed(wire::encode(&m)).await {
                    return Some(format!("send: {e}"));
                }
                // Batch what else is queued into one flush.
                while let Ok(m) = rx.try_recv() {
                    if let Err(e) = framed.feed(wire::encode(&m)).await {
                        return Some(format!("send: {e}"));
                    }
                }
                if let Err(e) = SinkExt::<bytes::Bytes>::flush(framed).await {
                    return Some(format!("send: {e}"));
                }
            }
            // The peer never writes on this connection: anything here means it closed it.
            _ = framed.next() => return Some("closed by the peer".to_string()),
        }
    }
}

/// Accepts peers' connections on `listener` and hands their messages to `inbox`, for ever.
pub async fn serve_peers(
    listener: TcpListener,
    cluster: String,
    me: NodeId,
    known: BTreeSet<NodeId>,
    inbox: SyncSender<Inbound>,
    stats: Arc<NetStats>,
) {
    let slots = Arc::new(Semaphore::new(MAX_PEER_CONNECTIONS));
    let known = Arc::new(known);
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                crate::log(me, format_args!("peer accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            crate::log(
                me,
                format_args!(
                    "peer connection from {addr} closed: over {MAX_PEER_CONNECTIONS} open"
                ),
            );
            stats.refused.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let (cluster, known, inbox, stats) =
            (cluster.clone(), known.clone(), inbox.clone(), stats.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let _ = stream.set_nodelay(true);
            if let Err(why) = read_peer(stream, &cluster, me, &known, &inbox, &stats).await {
                stats.refused.fetch_add(1, Ordering::Relaxed);
                crate::log(
                    me,
                    format_args!("peer connection from {addr} closed: {why}"),
                );
            }
        });
    }
}

/// Reads one peer connection: the hello, then messages. `Err` says why it was cut.
async fn read_peer(
    stream: TcpStream,
    cluster: &str,
    me: NodeId,
    known: &BTreeSet<NodeId>,
    inbox: &SyncSender<Inbound>,
    stats: &NetStats,
) -> Result<(), String> {
    let mut framed = Framed::new(stream, wire::codec());
    let first = match tokio::time::timeout(HELLO_TIMEOUT, framed.next()).await {
        Err(_) => return Err(format!("no hello within {HELLO_TIMEOUT:?}")),
        Ok(None) => return Ok(()),
        Ok(Some(Err(e))) => return Err(format!("bad frame: {e}")),
        Ok(Some(Ok(f))) => f,
    };
    let hello = wire::decode_hello(&first)?;
    if hello.version != wire::PROTOCOL_VERSION {
        return Err(format!(
            "protocol version {} (want {})",
            hello.version,
            wire::PROTOCOL_VERSION
        ));
    }
    if hello.cluster != cluster {
        return Err(format!(
            "peer of cluster {:?}, not {cluster:?}",
            hello.cluster
        ));
    }
    if hello.to != me {
        return Err(format!("hello for S{}, this is S{me}", hello.to));
    }
    if hello.from == me || !known.contains(&hello.from) {
        return Err(format!("unknown node id {}", hello.from));
    }
    loop {
        let frame = match tokio::time::timeout(IDLE_TIMEOUT, framed.next()).await {
            Err(_) => return Ok(()), // idle: the peer redials when it needs to
            Ok(None) => return Ok(()),
            Ok(Some(Err(e))) => return Err(format!("bad frame from S{}: {e}", hello.from)),
            Ok(Some(Ok(f))) => f,
        };
        let env = wire::decode_message(&frame, hello.from, me)?;
        match inbox.try_send(Inbound::Peer(env)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                stats.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::{Body, Message};
    use std::sync::mpsc::sync_channel;

    /// A peer whose address refuses connections: the messages queued for it are dropped, and
    /// the driver hears that the peer is unreachable (so that a leader stops streaming to it).
    #[test]
    fn lost_messages_for_a_peer_that_is_down_are_reported_to_the_driver() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (inbox, reports) = sync_channel(16);
        let stats = Arc::new(NetStats::default());
        let got = rt.block_on(async {
            // A port nothing listens on: bound, then closed.
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap().to_string();
            drop(listener);
            let tx = spawn_peer("c".into(), 1, 2, addr, stats.clone(), inbox);
            let msg = Message {
                from: 1,
                to: 2,
                term: 1,
                body: Body::TimeoutNow,
            };
            for _ in 0..200 {
                let _ = tx.try_send(Envelope {
                    id: 1,
                    msg: msg.clone(),
                });
                if let Ok(report) = reports.try_recv() {
                    return Some(report);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            None
        });
        match got {
            Some(Inbound::Unreachable(peer)) => assert_eq!(peer, 2),
            other => panic!("no unreachable report within 2 s: {other:?}"),
        }
        assert!(stats.dropped.load(Ordering::Relaxed) > 0);
    }
}
