//! A small HTTP client of the API, for the tests, the fault run and the speed figures: one
//! request per connection (hyper's HTTP/1 client over a tokio socket), and a [`KvClient`] with
//! a session that follows leader hints and retries a write with the same sequence number, so
//! that it is applied at most once.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Method;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// Bound on one HTTP exchange, connection included.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(4);

/// One HTTP request to `addr` (`127.0.0.1:8001`): the status and the JSON body (`Null` when
/// the body is not JSON).
pub async fn call(
    addr: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    // One exchange on a connection of its own, closed when it is dropped.
    Conn::new(addr).call(method, path, body).await
}

/// A kept-alive HTTP/1 connection to one node, reopened when it breaks (so that a busy client
/// does not use up the loopback's ephemeral ports with one connection per request).
#[derive(Debug)]
pub struct Conn {
    addr: String,
    send: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Conn {
    /// A connection to `addr`, opened on first use.
    pub fn new(addr: &str) -> Self {
        Conn {
            addr: addr.to_string(),
            send: None,
        }
    }

    /// Like [`call`], over this connection.
    pub async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let r = tokio::time::timeout(CALL_TIMEOUT, self.exchange(method, path, body)).await;
        match r {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                self.send = None;
                Err(e)
            }
            Err(_) => {
                self.send = None;
                Err(format!("{}: no answer within {CALL_TIMEOUT:?}", self.addr))
            }
        }
    }

    async fn exchange(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        if self.send.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(&self.addr)
                .await
                .map_err(|e| format!("connect {}: {e}", self.addr))?;
            let _ = stream.set_nodelay(true);
            let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            tokio::spawn(conn);
            self.send = Some(send);
        }
        let send = self.send.as_mut().expect("set just above");
        send.ready().await.map_err(|e| format!("connection: {e}"))?;
        let bytes = body.map(|b| b.to_string()).unwrap_or_default();
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.addr)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(bytes)))
            .map_err(|e| format!("request: {e}"))?;
        let resp = send
            .send_request(req)
            .await
            .map_err(|e| format!("send: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
    }
}

/// Concurrent client tasks on the current tokio runtime (the bench's and the fault run's
/// clients): each runs its own loop; [`Clients::join`] collects what each returned.
#[derive(Debug)]
pub struct Clients<T> {
    tasks: Vec<tokio::task::JoinHandle<T>>,
}

impl<T: Send + 'static> Clients<T> {
    /// Starts `count` clients, `client(k)` for k in `0..count`.
    pub fn spawn<Fut>(count: usize, mut client: impl FnMut(usize) -> Fut) -> Self
    where
        Fut: std::future::Future<Output = T> + Send + 'static,
    {
        Clients {
            tasks: (0..count).map(|k| tokio::spawn(client(k))).collect(),
        }
    }

    /// Waits for every client; their results in order of `k`, or the first that failed.
    pub async fn join(self) -> Result<Vec<T>, String> {
        let mut out = Vec::with_capacity(self.tasks.len());
        for (k, t) in self.tasks.into_iter().enumerate() {
            out.push(t.await.map_err(|e| format!("client task {k}: {e}"))?);
        }
        Ok(out)
    }
}

/// How a request through [`KvClient`] ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Answered: the JSON body.
    Ok(Value),
    /// Refused for good, with no effect (the error sentence).
    Failed(String),
    /// No definite answer before the deadline: a write may or may not have taken effect.
    Unknown(String),
}

/// A client with a session (id and sequence numbers) over the nodes' HTTP addresses.
#[derive(Debug)]
pub struct KvClient {
    nodes: Vec<String>,
    conns: Vec<Conn>,
    leader: usize,
    /// Session id.
    pub id: u64,
    seq: u64,
    /// How long one operation keeps retrying.
    pub deadline: Duration,
}

impl KvClient {
    /// A client of the nodes at `nodes` with session `id` (non-zero).
    pub fn new(nodes: Vec<String>, id: u64) -> Self {
        // Clients start at different nodes, so that a node's mistakes reach someone.
        let leader = (id as usize) % nodes.len().max(1);
        KvClient {
            conns: nodes.iter().map(|n| Conn::new(n)).collect(),
            nodes,
            leader,
            id,
            seq: 0,
            deadline: Duration::from_secs(10),
        }
    }

    /// The sequence number of this session's latest write (0 before the first).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Sends the next request to the node at `index` of the list first (a load balancer's
    /// choice; a node that does not lead answers with a hint, which is followed).
    pub fn point_at(&mut self, index: usize) {
        self.leader = index;
    }

    /// Sends `method path` with `body` to the node believed to lead, following hints and
    /// moving on from dead nodes, until an answer or the deadline.
    pub async fn request(&mut self, method: Method, path: &str, body: Option<Value>) -> Outcome {
        let start = Instant::now();
        let mut last = String::new();
        let mut wait = Duration::from_millis(20);
        while start.elapsed() < self.deadline {
            let at = self.leader % self.nodes.len();
            let addr = self.nodes[at].clone();
            match self.conns[at]
                .call(method.clone(), path, body.as_ref())
                .await
            {
                Ok((200, v)) => return Outcome::Ok(v),
                Ok((421, v)) => {
                    last = format!("{addr}: not the leader");
                    let hint = v["leader_http"]
                        .as_str()
                        .and_then(|h| self.nodes.iter().position(|n| n == h));
                    match hint {
                        Some(i) if i != self.leader => {
                            self.leader = i;
                            continue;
                        }
                        _ => self.leader += 1,
                    }
                }
                Ok((503, v)) => {
                    last = format!("{addr}: {}", v["error"]);
                    self.leader += 1;
                }
                Ok((code, v)) => return Outcome::Failed(format!("{code}: {}", v["error"])),
                Err(e) => {
                    last = e;
                    self.leader += 1;
                }
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_millis(200));
        }
        Outcome::Unknown(last)
    }

    /// A write with the next sequence number (the same on every retry inside).
    pub async fn write(&mut self, method: Method, path: &str, mut body: Value) -> Outcome {
        self.seq += 1;
        body["client"] = self.id.into();
        body["seq"] = self.seq.into();
        self.request(method, path, Some(body)).await
    }

    /// `PUT /kv/key`.
    pub async fn put(&mut self, key: &str, value: &str) -> Outcome {
        self.write(
            Method::PUT,
            &format!("/kv/{key}"),
            serde_json::json!({ "value": value }),
        )
        .await
    }

    /// `POST /append/key`.
    pub async fn append(&mut self, key: &str, value: &str) -> Outcome {
        self.write(
            Method::POST,
            &format!("/append/{key}"),
            serde_json::json!({ "value": value }),
        )
        .await
    }

    /// `POST /cas/key`.
    pub async fn cas(&mut self, key: &str, expect: Option<&str>, new: &str) -> Outcome {
        self.write(
            Method::POST,
            &format!("/cas/{key}"),
            serde_json::json!({ "expect": expect, "new": new }),
        )
        .await
    }

    /// Runs a key-value operation of raft-sim's model (`get` linearizable; a task is not a
    /// key-value operation and fails at once).
    pub async fn op(&mut self, op: &raft_sim::Op) -> Outcome {
        use raft_sim::Op;
        match op {
            Op::Get { key } => self.get(key).await,
            Op::Put { key, value } => self.put(key, value).await,
            Op::Append { key, value } => self.append(key, value).await,
            Op::Cas { key, expect, new } => self.cas(key, expect.as_deref(), new).await,
            Op::Task { .. } => Outcome::Failed("tasks are not key-value operations".into()),
        }
    }

    /// Linearizable `GET /kv/key`.
    pub async fn get(&mut self, key: &str) -> Outcome {
        self.request(Method::GET, &format!("/kv/{key}"), None).await
    }
}
