//! Real processes on loopback: the built `raft-kv` binary, killed with SIGKILL, restarted,
//! fed a torn log and a hostile peer. Every wait has a bound; figures are printed, not asserted
//! as speed.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hyper::Method;
use raft_kv::client::{call, KvClient, Outcome};
use raft_kv::harness::LocalCluster;
use serde_json::json;

/// A new leader must appear within this bound after the old one is killed (the election
/// timeout is 150–300 ms; the rest is slack for a loaded 2-core machine).
const FAILOVER_BOUND: Duration = Duration::from_secs(5);
/// Bound on a first election after start.
const START_BOUND: Duration = Duration::from_secs(10);

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn cluster(name: &str, voters: usize) -> LocalCluster {
    let dir = std::env::temp_dir().join(format!("raft-kv-it-{}-{name}", std::process::id()));
    LocalCluster::new(
        &PathBuf::from(env!("CARGO_BIN_EXE_raft-kv")),
        &dir,
        voters,
        0,
    )
}

fn value(o: &Outcome) -> Option<String> {
    match o {
        Outcome::Ok(v) => v["value"].as_str().map(str::to_string),
        other => panic!("expected an answer, got {other:?}"),
    }
}

#[test]
fn writes_survive_kill_9_of_the_leader_and_a_restart_of_every_node() {
    let mut c = cluster("kill", 3);
    c.start_all();
    rt().block_on(async {
        let (leader, took) = c
            .wait_leader(None, START_BOUND)
            .await
            .expect("a first leader");
        println!("first leader S{leader} after {took:?}");
        let mut client = KvClient::new(c.http_all(), 11);
        for i in 0..20 {
            assert!(matches!(
                client.put(&format!("k{i}"), &format!("v{i}")).await,
                Outcome::Ok(_)
            ));
        }
        // kill -9 the leader: every acknowledged write was fsynced on a majority.
        c.kill(leader);
        let (new, took) = c
            .wait_leader(Some(leader), FAILOVER_BOUND)
            .await
            .expect("a new leader in bound");
        println!("failover: S{leader} killed, S{new} leads after {took:?}");
        for i in 20..30 {
            assert!(matches!(
                client.put(&format!("k{i}"), &format!("v{i}")).await,
                Outcome::Ok(_)
            ));
        }
        c.start(leader);
        // Every node down at once, then up again: only the disks remain.
        for id in c.ids() {
            c.kill(id);
        }
        c.start_all();
        c.wait_leader(None, START_BOUND)
            .await
            .expect("a leader after the restart");
        for i in 0..30 {
            assert_eq!(
                value(&client.get(&format!("k{i}")).await),
                Some(format!("v{i}")),
                "k{i}"
            );
        }
        // The killed leader came back and caught up: its own copy has the writes made without it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (code, v) = call(&c.http(leader), Method::GET, "/kv/k29?stale", None)
                .await
                .unwrap_or((0, json!(null)));
            if code == 200 && v["value"] == "v29" {
                assert_eq!(v["stale"], true);
                break;
            }
            assert!(Instant::now() < deadline, "S{leader} did not catch up: {v}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
}

#[test]
fn a_retried_write_is_applied_once() {
    let mut c = cluster("retry", 3);
    c.start_all();
    rt().block_on(async {
        c.wait_leader(None, START_BOUND).await.expect("a leader");
        let mut client = KvClient::new(c.http_all(), 21);
        let body = json!({"value": "x", "client": 21, "seq": 1});
        // The same (client, seq) sent three times, as a client that lost the replies would.
        for _ in 0..3 {
            assert!(matches!(
                client
                    .request(Method::POST, "/append/a", Some(body.clone()))
                    .await,
                Outcome::Ok(_)
            ));
        }
        assert_eq!(value(&client.get("a").await), Some("x".to_string()));
    });
}

#[test]
fn a_torn_log_tail_after_kill_is_truncated_and_the_node_catches_up() {
    let mut c = cluster("torn", 3);
    c.start_all();
    rt().block_on(async {
        let (leader, _) = c.wait_leader(None, START_BOUND).await.expect("a leader");
        let follower = c.ids().into_iter().find(|&i| i != leader).unwrap();
        let mut client = KvClient::new(c.http_all(), 31);
        for i in 0..10 {
            assert!(matches!(
                client.put(&format!("t{i}"), "before").await,
                Outcome::Ok(_)
            ));
        }
        c.kill(follower);
        // The crash cut the follower's last append short: a record header and part of a payload.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(c.data_dir(follower).join("wal"))
            .unwrap();
        f.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9]).unwrap();
        drop(f);
        for i in 0..10 {
            assert!(matches!(
                client.put(&format!("t{i}"), "after").await,
                Outcome::Ok(_)
            ));
        }
        c.start(follower);
        wait_copy(&mut c, follower, "t9", "after", 10).await;
        assert!(
            c.log_of(follower)
                .contains("truncated a torn tail of 11 bytes"),
            "{}",
            c.log_of(follower)
        );
    });
}

#[test]
fn a_corrupt_log_middle_stops_the_node_with_a_clear_error() {
    let mut c = cluster("corrupt", 3);
    c.start_all();
    let victim = rt().block_on(async {
        let (leader, _) = c.wait_leader(None, START_BOUND).await.expect("a leader");
        let victim = c.ids().into_iter().find(|&i| i != leader).unwrap();
        let mut client = KvClient::new(c.http_all(), 41);
        for i in 0..5 {
            assert!(matches!(
                client.put(&format!("c{i}"), "v").await,
                Outcome::Ok(_)
            ));
        }
        c.kill(victim);
        // Damage a byte in the record after the header (format in docs/formats.md: magic,
        // then records of length, checksum, payload), which has records after it.
        let path = c.data_dir(victim).join("wal");
        let mut bytes = std::fs::read(&path).unwrap();
        let header_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        let second = 8 + 8 + header_len;
        assert!(bytes.len() > second + 64, "records after the second one");
        bytes[second + 9] ^= 0x55;
        std::fs::write(&path, bytes).unwrap();
        victim
    });
    c.start(victim);
    let status = c
        .wait_exit(victim, Duration::from_secs(10))
        .expect("the node refuses to run");
    assert!(!status.success());
    let log = c.log_of(victim);
    assert!(
        log.contains("is corrupt at byte") && log.contains("refusing to start"),
        "{log}"
    );
}

#[test]
fn hostile_peers_are_cut_off_and_the_cluster_goes_on() {
    use std::net::TcpStream;
    let mut c = cluster("hostile", 3);
    c.start_all();
    let target = c.spec.nodes[0].peer.clone();
    let hello = |cluster: &str, from: u64, to: u64| {
        let payload = postcard::to_stdvec(&raft_kv::wire::Hello {
            version: raft_kv::wire::PROTOCOL_VERSION,
            cluster: cluster.to_string(),
            from,
            to,
        })
        .unwrap();
        let mut f = (payload.len() as u32).to_be_bytes().to_vec();
        f.extend(payload);
        f
    };
    let own = c.spec.cluster.clone();
    let attacks: Vec<(Vec<u8>, &str)> = vec![
        // A length prefix of 100 MB: over the frame bound, refused before any allocation.
        (vec![0x06, 0x00, 0x00, 0x00, 1, 2, 3], "frame size too big"),
        // Garbage where the hello should be.
        (vec![0, 0, 0, 3, 0xff, 0xff, 0xff], "malformed hello"),
        (hello("another", 2, 1), "peer of cluster \"another\""),
        (hello(&own, 77, 1), "unknown node id 77"),
        // A valid hello, then a message frame of garbage.
        (
            [hello(&own, 2, 1), vec![0, 0, 0, 4, 0xde, 0xad, 0xbe, 0xef]].concat(),
            "malformed message frame",
        ),
    ];
    rt().block_on(async {
        c.wait_leader(None, START_BOUND).await.expect("a leader");
    });
    for (bytes, _) in &attacks {
        let mut s = TcpStream::connect(&target).unwrap();
        s.write_all(bytes).unwrap();
        s.flush().unwrap();
    }
    rt().block_on(async {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = c.log_of(1);
            let missing: Vec<_> = attacks
                .iter()
                .filter(|(_, why)| !log.contains(why))
                .map(|(_, w)| *w)
                .collect();
            if missing.is_empty() {
                break;
            }
            assert!(Instant::now() < deadline, "not logged: {missing:?}\n{log}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Node 1 still takes part: a write through the cluster commits and node 1 applies it.
        let mut client = KvClient::new(c.http_all(), 51);
        assert!(matches!(
            client.put("after-attack", "fine").await,
            Outcome::Ok(_)
        ));
        let s = c.status(1).await.expect("node 1 answers");
        assert!(
            s["refused_connections"].as_u64().unwrap() >= attacks.len() as u64,
            "{s}"
        );
    });
}

#[test]
fn bad_http_requests_get_clear_errors() {
    let mut c = cluster("http", 1);
    c.start_all();
    rt().block_on(async {
        c.wait_leader(None, START_BOUND).await.expect("a leader");
        let a = c.http(1);
        let big = json!({"value": "x".repeat(3 << 19), "client": 1, "seq": 1});
        let (code, _) = call(&a, Method::PUT, "/kv/k", Some(&big)).await.unwrap();
        assert_eq!(code, 413, "a body of 1.5 MiB, over the 1 MiB bound");
        let (code, _) = call(&a, Method::PUT, "/kv/k", Some(&json!({"value": 5})))
            .await
            .unwrap();
        assert!(code == 400 || code == 422, "malformed body: {code}");
        let (code, v) = call(
            &a,
            Method::PUT,
            "/kv/k",
            Some(&json!({"value": "v", "client": 0, "seq": 1})),
        )
        .await
        .unwrap();
        assert_eq!(
            (code, v["error"].as_str().unwrap().contains("client")),
            (400, true)
        );
        let (code, v) = call(
            &a,
            Method::POST,
            "/members/learner",
            Some(&json!({"id": 99})),
        )
        .await
        .unwrap();
        assert_eq!(code, 400);
        assert!(v["error"].as_str().unwrap().contains("unknown node id 99"));
        let long_key = "k".repeat(2000);
        let (code, _) = call(&a, Method::GET, &format!("/kv/{long_key}"), None)
            .await
            .unwrap();
        assert_eq!(code, 400);
        // And the node still serves.
        let (code, v) = call(
            &a,
            Method::PUT,
            "/kv/k",
            Some(&json!({"value": "v", "client": 1, "seq": 1})),
        )
        .await
        .unwrap();
        assert_eq!((code, v["ok"].as_bool()), (200, Some(true)));
    });
}

/// Waits until node `id`'s own copy of `key` is `want` (a stale read, which only that node
/// answers); panics after `secs` seconds, naming what it last read and any node that died.
async fn wait_copy(c: &mut LocalCluster, id: u64, key: &str, want: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let (code, v) = call(&c.http(id), Method::GET, &format!("/kv/{key}?stale"), None)
            .await
            .unwrap_or((0, json!(null)));
        if code == 200 && v["value"] == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "S{id} never had {key}={want}: {code} {v}; dead: {:?}",
            c.dead_nodes()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn a_node_behind_the_compacted_log_catches_up_by_snapshot_and_restarts_from_it() {
    let mut c = cluster("snapshot", 3);
    c.extra_args = vec!["--snapshot-bytes".into(), "1024".into()];
    c.start_all();
    rt().block_on(async {
        let (leader, _) = c.wait_leader(None, START_BOUND).await.expect("a leader");
        let behind = c.ids().into_iter().find(|&i| i != leader).unwrap();
        c.kill(behind);
        let mut client = KvClient::new(c.http_all(), 61);
        for i in 0..60 {
            let v = format!("{i:0>100}");
            assert!(matches!(
                client.put(&format!("s{}", i % 7), &v).await,
                Outcome::Ok(_)
            ));
        }
        let s = c.status(leader).await.unwrap();
        assert!(
            s["snapshot_index"].as_u64().unwrap() > 1,
            "the leader compacted: {s}"
        );
        c.start(behind);
        let last = format!("{:0>100}", 59);
        wait_copy(&mut c, behind, "s3", &last, 15).await;
        let s = c.status(behind).await.unwrap();
        assert!(
            s["snapshot_index"].as_u64().unwrap() > 0,
            "it installed a snapshot: {s}"
        );
        // And it restarts from the snapshot it stored.
        c.kill(behind);
        c.start(behind);
        wait_copy(&mut c, behind, "s3", &last, 15).await;
    });
}

#[test]
fn membership_changes_and_transfer_over_the_api() {
    let dir = std::env::temp_dir().join(format!("raft-kv-it-{}-members", std::process::id()));
    let mut c = LocalCluster::new(&PathBuf::from(env!("CARGO_BIN_EXE_raft-kv")), &dir, 3, 1);
    c.start_all();
    rt().block_on(async {
        let (leader, _) = c.wait_leader(None, START_BOUND).await.expect("a leader");
        let mut client = KvClient::new(c.http_all(), 71);
        assert!(matches!(client.put("m", "1").await, Outcome::Ok(_)));
        let leader_http = c.http(leader);
        let post = |path: &'static str, id: u64| {
            let a = leader_http.clone();
            async move {
                call(&a, Method::POST, path, Some(&json!({ "id": id })))
                    .await
                    .unwrap()
            }
        };
        assert_eq!(post("/members/learner", 4).await.0, 200);
        wait_copy(&mut c, 4, "m", "1", 15).await;
        let s = c.status(4).await.unwrap();
        assert_eq!(s["role"], "learner", "{s}");
        assert_eq!(post("/members/promote", 4).await.0, 200);
        let follower = c
            .ids()
            .into_iter()
            .find(|&i| i != leader && i != 4)
            .unwrap();
        assert_eq!(post("/members/remove", follower).await.0, 200);
        let s = c.status(leader).await.unwrap();
        let voters: Vec<u64> = s["voters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert!(voters.contains(&4) && !voters.contains(&follower), "{s}");
        // Leadership to the new voter.
        assert_eq!(post("/transfer", 4).await.0, 200);
        let (new, _) = c
            .wait_leader(Some(leader), FAILOVER_BOUND)
            .await
            .expect("a transfer");
        assert_eq!(new, 4);
        assert!(matches!(client.put("m", "2").await, Outcome::Ok(_)));
        assert_eq!(value(&client.get("m").await), Some("2".to_string()));
    });
}

#[test]
fn a_data_directory_of_another_cluster_is_refused() {
    let mut c = cluster("wrong-cluster", 1);
    c.start_all();
    rt().block_on(async {
        c.wait_leader(None, START_BOUND).await.expect("a leader");
    });
    c.kill(1);
    // The same addresses and node id, but a cluster file naming another cluster: its node must
    // not take this directory's log for its own.
    let file = c.dir.join("cluster.json");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace(&c.spec.cluster, "someone-else")).unwrap();
    c.start(1);
    let status = c
        .wait_exit(1, Duration::from_secs(10))
        .expect("the node refuses to run");
    assert!(!status.success());
    let log = c.log_of(1);
    assert!(log.contains("belongs to cluster"), "{log}");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use std::io::Read;
    let mut c = cluster("slow-client", 1);
    c.start_all();
    rt().block_on(async {
        c.wait_leader(None, START_BOUND).await.expect("a leader");
    });
    let mut s = std::net::TcpStream::connect(c.http(1)).unwrap();
    s.write_all(b"GET /status HTTP/1.1\r\nhost: x\r\n").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let start = Instant::now();
    let mut buf = Vec::new();
    // The server closes the connection (perhaps after a 408) instead of waiting for ever.
    let _ = s.read_to_end(&mut buf);
    let took = start.elapsed();
    println!("a half-sent request was cut off after {took:?}");
    assert!(
        took < raft_kv::http::HEADER_TIMEOUT + Duration::from_secs(5),
        "cut off after {took:?}"
    );
    // And the node still serves.
    rt().block_on(async {
        assert!(c.status(1).await.is_some());
    });
}

// A skewed clock and a slow disk (the fault run's faults): the node reports both in /status,
// and a write waits for its slow fsync before it is acknowledged (a one-node cluster: its own
// disk is the majority). The bound is a lower one, which load cannot make flaky.
#[test]
fn a_node_with_a_skewed_clock_and_a_slow_disk_acknowledges_only_after_its_fsync() {
    let mut c = cluster("slow", 1);
    c.node_args.insert(
        1,
        ["--clock-rate", "1.5", "--fsync-delay-ms", "200"]
            .map(String::from)
            .to_vec(),
    );
    c.start_all();
    rt().block_on(async {
        c.wait_leader(None, START_BOUND).await.expect("a leader");
        let s = c.status(1).await.expect("status");
        assert_eq!(s["clock_rate_ppm"], 1_500_000);
        assert_eq!(s["fsync_delay_ms"], 200);
        let mut client = KvClient::new(c.http_all(), 51);
        let start = Instant::now();
        assert!(matches!(client.put("slow", "disk").await, Outcome::Ok(_)));
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(200),
            "acknowledged after {took:?}, before its 200 ms fsync"
        );
    });
    let mut bad = cluster("badrate", 1);
    bad.node_args
        .insert(1, ["--clock-rate", "3"].map(String::from).to_vec());
    bad.start_all();
    let deadline = Instant::now() + START_BOUND;
    let dead = loop {
        let dead = bad.dead_nodes();
        if !dead.is_empty() || Instant::now() > deadline {
            break dead;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        dead.first()
            .is_some_and(|(_, log)| log.contains("--clock-rate 3: must be from 0.5 to 2")),
        "a clock rate out of bounds is refused: {dead:?}"
    );
}

// A full disk, for real and without root: S3 runs with its file size limit (RLIMIT_FSIZE) at
// 128 KiB, so a log write past it fails with EFBIG. S3 must then stop acknowledging, with the
// error in its log and /status, while the others go on; restarted without the limit, it
// recovers its log (a torn last record is cut, nothing refused) and catches up, and nothing
// committed is lost.
#[test]
fn a_full_disk_stops_the_node_without_losing_or_corrupting_anything() {
    let mut c = cluster("full", 3);
    c.node_args
        .insert(3, ["--max-file-bytes", "131072"].map(String::from).to_vec());
    c.start_all();
    rt().block_on(async {
        c.wait_leader(None, START_BOUND).await.expect("a leader");
        let mut client = KvClient::new(c.http_all(), 61);
        let big = "x".repeat(2048);
        let mut written = 0;
        let mut error = None;
        // Bounded: 128 KiB of log is about 64 such writes; 300 are far past it.
        for i in 0..300 {
            assert!(
                matches!(client.put(&format!("f{i}"), &big).await, Outcome::Ok(_)),
                "write {i} acknowledged by the healthy majority"
            );
            written = i + 1;
            if let Some(s) = c.status(3).await {
                if let Some(e) = s["disk_error"].as_str() {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
        let error = error.expect("S3 reports its full disk in /status");
        println!("S3 after {written} writes: {error}");
        assert!(error.contains("File too large"), "{error}");
        assert!(c.log_of(3).contains("disk write failed"));
        // S3 no longer serves anything but /status.
        let (code, _) = raft_kv::client::call(&c.http(3), Method::GET, "/kv/f0?stale", None)
            .await
            .unwrap();
        assert_eq!(code, 503);
        // The rest go on.
        for i in written..written + 10 {
            assert!(matches!(
                client.put(&format!("f{i}"), "after").await,
                Outcome::Ok(_)
            ));
        }
        let last = written + 9;
        // The limit lifted, S3 restarts from its disk, and catches up.
        c.kill(3);
        c.node_args.remove(&3);
        c.start(3);
        wait_copy(&mut c, 3, &format!("f{last}"), "after", 20).await;
        assert!(c.status(3).await.unwrap()["disk_error"].is_null());
        for i in 0..=last {
            let want = if i < written { big.as_str() } else { "after" };
            let (code, v) = call(&c.http(3), Method::GET, &format!("/kv/f{i}?stale"), None)
                .await
                .unwrap();
            assert_eq!((code, v["value"].as_str()), (200, Some(want)), "f{i} on S3");
        }
    });
}

#[test]
fn a_node_id_not_in_the_cluster_file_is_a_clear_error() {
    let mut c = cluster("unknown-id", 1);
    // Node 7 is not in the file: the process says so and exits, touching no directory.
    let out = std::process::Command::new(&c.exe)
        .arg("node")
        .arg("--config")
        .arg(c.dir.join("cluster.json"))
        .arg("--id")
        .arg("7")
        .arg("--dir")
        .arg(c.dir.join("7"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("node 7 is not in the cluster file"), "{err}");
    assert!(!c.dir.join("7").exists());
    c.keep_dir = false;
}
