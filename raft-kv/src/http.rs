//! The client API over HTTP/JSON (axum). Every request becomes a [`Request`] to the driver
//! thread, with a bounded wait for its answer.
//!
//! | method and path | body | answer |
//! | --- | --- | --- |
//! | `GET /kv/{key}` | | `{"value": …, "stale": false}`, linearizable (ReadIndex) |
//! | `GET /kv/{key}?stale` | | `{"value": …, "stale": true}`, this node's state as it is |
//! | `PUT /kv/{key}` | `{"value", "client", "seq"}` | `{"ok", "value"}` |
//! | `DELETE /kv/{key}` | `{"client", "seq"}` | `{"ok", "value": null}` |
//! | `POST /cas/{key}` | `{"expect", "new", "client", "seq"}` | `{"ok", "value"}` |
//! | `POST /append/{key}` | `{"value", "client", "seq"}` | `{"ok", "value"}` |
//! | `POST /members/learner`, `/members/promote`, `/members/remove` | `{"id"}` | `{"index"}` |
//! | `POST /transfer` | `{"id"}` | `{}` |
//! | `GET /status` | | role, term, commit, applied, followers' match/next/lag… |
//!
//! Errors are `{"error": sentence}` with: 400 a malformed request; 421 not the leader (with
//! `leader` and `leader_http` when known: send it there); 503 not served now (`retry: true`;
//! a write's outcome is unknown, so retry with the same `client` and `seq`, which applies it
//! at most once); 409 refused; 413 a body over [`MAX_BODY_BYTES`]. At most
//! [`MAX_CONNECTIONS`] connections are open at once, and one that has not sent a whole request
//! head within [`HEADER_TIMEOUT`] (also between two requests) is closed.

use std::collections::BTreeMap;
use std::sync::mpsc::{SyncSender, TrySendError};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::kv::{KvCommand, KvOp};
use crate::node::{Inbound, MemberChange, ReqError, Request};

/// Largest request body (1 MiB); larger is refused with 413 before it is read whole.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Largest key (1 KiB).
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest wait for the driver's answer; then 503 (a write's outcome is then unknown).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// Most client connections open at once; further ones are closed on accept.
pub const MAX_CONNECTIONS: usize = 256;
/// A client must send a request's headers within this time (also the idle time allowed
/// between two requests on a kept-alive connection); then the connection is closed.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves the API on `listener` for ever, with [`MAX_CONNECTIONS`] and [`HEADER_TIMEOUT`]
/// (written here because `axum::serve` sets neither: a client that opens connections and
/// sends nothing would otherwise hold them for ever).
pub async fn serve(listener: tokio::net::TcpListener, api: Api, me: u64) {
    let app = router(api);
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                crate::log(me, format_args!("HTTP accept failed: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            crate::log(
                me,
                format_args!("HTTP connection from {addr} closed: over {MAX_CONNECTIONS} open"),
            );
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let _ = stream.set_nodelay(true);
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct Api {
    /// The driver's inbox.
    pub inbox: SyncSender<Inbound>,
    /// Every node's HTTP address, for leader hints.
    pub http: BTreeMap<u64, String>,
}

/// The router of the API.
pub fn router(api: Api) -> Router {
    Router::new()
        .route("/kv/{key}", get(read).put(put).delete(delete))
        .route("/cas/{key}", post(cas))
        .route("/append/{key}", post(append))
        .route("/members/{what}", post(members))
        .route("/transfer", post(transfer))
        .route("/status", get(status))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(api)
}

fn error(code: StatusCode, msg: impl Into<String>) -> Response {
    (code, Json(json!({ "error": msg.into() }))).into_response()
}

impl Api {
    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, ReqError>>) -> Request,
    ) -> Result<T, Response> {
        let (tx, rx) = oneshot::channel();
        match self.inbox.try_send(Inbound::Client(make(tx))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(error(StatusCode::SERVICE_UNAVAILABLE, "node busy: retry"))
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(error(StatusCode::SERVICE_UNAVAILABLE, "node stopping"))
            }
        }
        match tokio::time::timeout(REQUEST_TIMEOUT, rx).await {
            Err(_) | Ok(Err(_)) => Err((
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": "no answer in time; outcome unknown: retry with the same client and seq", "retry": true})),
            )
                .into_response()),
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(e))) => Err(self.req_error(e)),
        }
    }

    fn req_error(&self, e: ReqError) -> Response {
        match e {
            ReqError::NotLeader(leader) => (
                StatusCode::MISDIRECTED_REQUEST,
                Json(json!({
                    "error": "not the leader",
                    "leader": leader,
                    "leader_http": leader.and_then(|l| self.http.get(&l)),
                })),
            )
                .into_response(),
            ReqError::Retry(why) => (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": why, "retry": true})),
            )
                .into_response(),
            ReqError::Refused(why) => error(StatusCode::CONFLICT, why),
        }
    }

    /// Every write handler's work: check the key and the session, make the operation on
    /// `key`, replicate it, answer with its reply.
    async fn write(
        &self,
        key: String,
        client: u64,
        seq: u64,
        op: impl FnOnce(String) -> KvOp,
    ) -> Response {
        if let Err(r) = check_key(&key) {
            return r;
        }
        if client == 0 || seq == 0 {
            return error(StatusCode::BAD_REQUEST, "client and seq must be 1 or more");
        }
        let cmd = KvCommand {
            client,
            seq,
            op: op(key),
        }
        .encode();
        match self.ask(|tx| Request::Write(cmd, tx)).await {
            Ok(r) => Json(json!({"ok": r.ok, "value": r.value})).into_response(),
            Err(resp) => resp,
        }
    }
}

fn check_key(key: &str) -> Result<(), Response> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("key must be 1 to {MAX_KEY_BYTES} bytes"),
        ));
    }
    Ok(())
}

async fn read(
    State(api): State<Api>,
    Path(key): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = check_key(&key) {
        return r;
    }
    let stale = q.contains_key("stale");
    let answer = if stale {
        api.ask(|tx| Request::StaleRead(key, tx)).await
    } else {
        api.ask(|tx| Request::Read(key, tx)).await
    };
    match answer {
        Ok(value) => Json(json!({"value": value, "stale": stale})).into_response(),
        Err(r) => r,
    }
}

/// Body of PUT and append.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueBody {
    value: String,
    client: u64,
    seq: u64,
}

/// Body of DELETE.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionBody {
    client: u64,
    seq: u64,
}

/// Body of CAS.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CasBody {
    expect: Option<String>,
    new: String,
    client: u64,
    seq: u64,
}

/// Body of membership changes and transfers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdBody {
    id: u64,
}

async fn put(
    State(api): State<Api>,
    Path(key): Path<String>,
    Json(b): Json<ValueBody>,
) -> Response {
    let value = b.value;
    api.write(key, b.client, b.seq, |key| KvOp::Put { key, value })
        .await
}

async fn append(
    State(api): State<Api>,
    Path(key): Path<String>,
    Json(b): Json<ValueBody>,
) -> Response {
    let value = b.value;
    api.write(key, b.client, b.seq, |key| KvOp::Append { key, value })
        .await
}

async fn delete(
    State(api): State<Api>,
    Path(key): Path<String>,
    Json(b): Json<SessionBody>,
) -> Response {
    api.write(key, b.client, b.seq, |key| KvOp::Delete { key })
        .await
}

async fn cas(State(api): State<Api>, Path(key): Path<String>, Json(b): Json<CasBody>) -> Response {
    let (expect, new) = (b.expect, b.new);
    api.write(key, b.client, b.seq, |key| KvOp::Cas { key, expect, new })
        .await
}

async fn members(
    State(api): State<Api>,
    Path(what): Path<String>,
    Json(b): Json<IdBody>,
) -> Response {
    if !api.http.contains_key(&b.id) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("unknown node id {}: not in the cluster file", b.id),
        );
    }
    let change = match what.as_str() {
        "learner" => MemberChange::AddLearner(b.id),
        "promote" => MemberChange::Promote(b.id),
        "remove" => MemberChange::Remove(b.id),
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "use /members/learner, /members/promote or /members/remove",
            )
        }
    };
    match api.ask(|tx| Request::Change(change, tx)).await {
        Ok(index) => Json(json!({ "index": index })).into_response(),
        Err(r) => r,
    }
}

async fn transfer(State(api): State<Api>, Json(b): Json<IdBody>) -> Response {
    match api.ask(|tx| Request::Transfer(b.id, tx)).await {
        Ok(()) => Json(json!({})).into_response(),
        Err(r) => r,
    }
}

async fn status(State(api): State<Api>) -> Response {
    let (tx, rx) = oneshot::channel();
    if api
        .inbox
        .try_send(Inbound::Client(Request::Status(tx)))
        .is_err()
    {
        return error(StatusCode::SERVICE_UNAVAILABLE, "node busy: retry");
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, rx).await {
        Ok(Ok(s)) => Json::<Value>(serde_json::to_value(s).unwrap_or(Value::Null)).into_response(),
        _ => error(StatusCode::SERVICE_UNAVAILABLE, "no answer in time"),
    }
}
