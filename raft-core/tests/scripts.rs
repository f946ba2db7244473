//! Data-driven scenario scripts: `raft-core/testdata/*.txt`, each a sequence of commands followed
//! by `----` and the exact output expected (format in `testdata/README.md`).
//!
//! `RAFT_REWRITE=1 cargo test -p raft-core --test scripts` regenerates the expected outputs in
//! place; review the diff before committing it: the new output must be what Raft should do.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::*;
use raft_core::{Config, ElectionPolicy, Input, Membership, NodeId, ReadMode};

/// One element of a script file, kept so that rewriting preserves comments and spacing.
enum Item {
    /// A comment or blank line between blocks, kept verbatim.
    Text(String),
    Block {
        line: usize,
        command: String,
        expected: Vec<String>,
    },
}

fn parse(text: &str) -> Vec<Item> {
    let lines: Vec<&str> = text.lines().collect();
    let mut items = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let l = lines[k];
        if l.trim().is_empty() || l.starts_with('#') {
            items.push(Item::Text(l.to_string()));
            k += 1;
            continue;
        }
        let command = l.to_string();
        let line = k + 1;
        assert_eq!(
            lines.get(k + 1).copied(),
            Some("----"),
            "line {line}: a command must be followed by a `----` line"
        );
        k += 2;
        let mut expected = Vec::new();
        while k < lines.len() && !lines[k].trim().is_empty() {
            expected.push(lines[k].to_string());
            k += 1;
        }
        items.push(Item::Block {
            line,
            command,
            expected,
        });
    }
    items
}

fn ids(s: &str) -> Vec<NodeId> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().unwrap_or_else(|_| panic!("bad node id {x:?}")))
        .collect()
}

fn id(s: Option<&&str>) -> NodeId {
    s.unwrap_or_else(|| panic!("missing node id"))
        .parse()
        .expect("node id")
}

fn num(s: Option<&&str>) -> u64 {
    s.unwrap_or_else(|| panic!("missing number"))
        .parse()
        .expect("number")
}

/// Builds a cluster from `cluster key=value...`.
fn cluster(args: &[&str]) -> Network {
    let mut voters = Vec::new();
    let mut learners = Vec::new();
    let mut base = Config::new(1);
    // The scripts were written against the paper's uniform timeouts (who times out first decides
    // their story): keep them on it; the policies have tests of their own (election_policy.rs).
    base.election_policy = ElectionPolicy::Uniform;
    for a in args {
        let (k, v) = a
            .split_once('=')
            .unwrap_or_else(|| panic!("cluster: expected key=value, got {a:?}"));
        match k {
            "voters" => voters = ids(v),
            "learners" => learners = ids(v),
            "prevote" => base.pre_vote = v.parse().expect("bool"),
            "checkquorum" => base.check_quorum = v.parse().expect("bool"),
            "inflight" => base.max_inflight = v.parse().expect("number"),
            "maxbytes" => base.max_msg_bytes = v.parse().expect("number"),
            "seed" => base.seed = v.parse().expect("number"),
            "heartbeat" => base.heartbeat_interval = v.parse().expect("number"),
            "timeout" => {
                let (lo, hi) = v.split_once('-').expect("timeout=MIN-MAX");
                base.election_timeout_min = lo.parse().expect("number");
                base.election_timeout_max = hi.parse().expect("number");
            }
            "reads" => {
                base.read_mode = match v {
                    "lease" => ReadMode::Lease,
                    "safe" => ReadMode::Safe,
                    _ => panic!("reads=lease|safe"),
                }
            }
            _ => panic!("cluster: unknown option {k}"),
        }
    }
    let m = Membership {
        voters: voters.into_iter().collect(),
        learners: learners.into_iter().collect(),
        outgoing: BTreeSet::new(),
    };
    Network::with_config(m, move |id| Config { id, ..base.clone() })
}

fn status_all(net: &Network, out: &mut Vec<String>) {
    for id in net.ids() {
        out.push(fmt_status(net, id));
    }
}

/// Event lines of a command that stepped nodes directly, without indentation.
fn events(net: &mut Network, out: &mut Vec<String>) {
    out.extend(
        net.take_transcript()
            .into_iter()
            .map(|l| l.trim_start().to_string()),
    );
}

fn result<T: std::fmt::Debug>(
    r: Result<T, raft_core::Error>,
    ok: impl FnOnce(T) -> Option<String>,
    out: &mut Vec<String>,
) {
    match r {
        Ok(v) => out.extend(ok(v)),
        Err(e) => out.push(format!("error: {e}")),
    }
}

/// Runs one command and returns its output lines.
fn run_command(net: &mut Option<Network>, command: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let mut out = Vec::new();
    if words[0] == "cluster" {
        let n = cluster(&words[1..]);
        status_all(&n, &mut out);
        *net = Some(n);
        return out;
    }
    let net = net
        .as_mut()
        .expect("start the script with a `cluster` command");
    net.take_transcript();
    let arg = |k: usize| words.get(k);
    match words[0] {
        "campaign" => {
            net.campaign(id(arg(1)));
            events(net, &mut out);
        }
        "propose" => {
            let data = words.get(2).copied().unwrap_or("");
            let r = net.propose(id(arg(1)), data.as_bytes());
            result(r, |i| Some(format!("index {i}")), &mut out);
            events(net, &mut out);
        }
        "tick" => {
            let n = num(arg(2));
            if words[1] == "all" {
                net.tick_all(n);
            } else {
                net.tick(id(arg(1)), n);
            }
            events(net, &mut out);
        }
        "run" => {
            net.run(num(arg(1)));
            // Only what happened, not the (many) routine messages.
            out.extend(
                net.take_transcript()
                    .into_iter()
                    .filter(|l| l.starts_with("  "))
                    .map(|l| l.trim_start().to_string()),
            );
        }
        "deliver" => {
            match arg(1) {
                None => {
                    net.deliver();
                }
                Some(n) => {
                    for _ in 0..n.parse::<usize>().expect("number") {
                        net.deliver_one();
                    }
                }
            }
            out.extend(net.take_transcript());
        }
        "queue" => out.extend(net.queue().iter().map(fmt_msg)),
        "drop" => {
            let dropped: Vec<String> = match arg(1) {
                None | Some(&"all") => net.queue().iter().map(fmt_msg).collect(),
                Some(link) => {
                    let (a, b) = link.split_once("->").expect("drop FROM->TO");
                    let (a, b): (NodeId, NodeId) = (a.parse().unwrap(), b.parse().unwrap());
                    net.queue()
                        .iter()
                        .filter(|m| m.from == a && m.to == b)
                        .map(fmt_msg)
                        .collect()
                }
            };
            match arg(1) {
                None | Some(&"all") => {
                    net.drop_all();
                }
                Some(link) => {
                    let (a, b) = link.split_once("->").unwrap();
                    let (a, b): (NodeId, NodeId) = (a.parse().unwrap(), b.parse().unwrap());
                    net.drop_where(|m| m.from == a && m.to == b);
                }
            }
            out.extend(dropped.into_iter().map(|m| format!("drop {m}")));
        }
        "isolate" => net.isolate(id(arg(1))),
        "cut" => net.cut(id(arg(1)), id(arg(2))),
        "partition" => {
            let groups: Vec<Vec<NodeId>> = words[1..].iter().map(|g| ids(g)).collect();
            let refs: Vec<&[NodeId]> = groups.iter().map(|g| g.as_slice()).collect();
            net.partition(&refs);
        }
        "heal" => net.heal(),
        "hold" => net.hold(id(arg(1)), id(arg(2))),
        "release" => net.release(id(arg(1)), id(arg(2))),
        "crash" => net.crash(id(arg(1))),
        "restart" => {
            let n = id(arg(1));
            net.restart(n);
            out.push(fmt_status(net, n));
            events(net, &mut out);
        }
        "transfer" => {
            let r = net.step(id(arg(1)), Input::TransferLeader(id(arg(2))));
            result(r, |_| None, &mut out);
            events(net, &mut out);
        }
        "read" => {
            let r = net.step(id(arg(1)), Input::ReadIndex(num(arg(2))));
            result(r, |_| None, &mut out);
            events(net, &mut out);
        }
        "status" => match arg(1) {
            None => status_all(net, &mut out),
            Some(n) => out.push(fmt_status(net, n.parse().expect("node id"))),
        },
        "log" => match arg(1) {
            None => {
                for n in net.ids() {
                    out.push(fmt_log(net, n));
                }
            }
            Some(n) => out.push(fmt_log(net, n.parse().expect("node id"))),
        },
        "progress" => {
            let n = id(arg(1));
            match net.node(n).progress() {
                None => out.push(format!("{}: not the leader", name(n))),
                Some(p) => {
                    for (f, pr) in p {
                        if *f == n {
                            continue;
                        }
                        let state = format!("{:?}", pr.state).to_lowercase();
                        let mut s = format!(
                            "{}: {state} match={} next={}",
                            name(*f),
                            pr.matched,
                            pr.next
                        );
                        if !pr.inflight.is_empty() {
                            write!(s, " inflight={}", pr.inflight.len()).unwrap();
                        }
                        out.push(s);
                    }
                }
            }
        }
        other => panic!("unknown command {other:?}"),
    }
    if out.is_empty() {
        out.push("ok".to_string());
    }
    out
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Runs one script; in rewrite mode writes the actual output back, otherwise fails on the first
/// block whose output differs.
fn run_script(name: &str) {
    let path = testdata().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rewrite = std::env::var_os("RAFT_REWRITE").is_some();
    let mut net = None;
    let mut rewritten = String::new();
    let mut failures = Vec::new();
    for item in parse(&text) {
        match item {
            Item::Text(t) => {
                rewritten.push_str(&t);
                rewritten.push('\n');
            }
            Item::Block {
                line,
                command,
                expected,
            } => {
                let actual = run_command(&mut net, &command);
                writeln!(rewritten, "{command}\n----").unwrap();
                for l in &actual {
                    writeln!(rewritten, "{l}").unwrap();
                }
                if actual != expected {
                    failures.push(format!(
                        "{name}:{line}: {command}\n--- expected\n{}\n--- actual\n{}",
                        expected.join("\n"),
                        actual.join("\n")
                    ));
                }
            }
        }
    }
    if rewrite {
        std::fs::write(&path, rewritten).expect("write script");
        return;
    }
    assert!(
        failures.is_empty(),
        "{} block(s) differ (RAFT_REWRITE=1 regenerates; check the new output is right):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

macro_rules! scripts {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_script($file);
            }
        )*

        /// Every script in testdata/ has a test above, so none is silently skipped.
        #[test]
        fn every_script_is_run() {
            let listed: BTreeSet<&str> = [$($file),*].into_iter().collect();
            for entry in std::fs::read_dir(testdata()).expect("testdata/") {
                let name = entry.expect("entry").file_name().into_string().expect("utf-8");
                if name.ends_with(".txt") {
                    assert!(listed.contains(name.as_str()), "{name} has no test in scripts.rs");
                }
            }
        }
    };
}

scripts! {
    election => "election.txt",
    replication_lagging_follower => "replication_lagging_follower.txt",
    partition_and_heal => "partition_and_heal.txt",
    leader_transfer => "leader_transfer.txt",
    read_index => "read_index.txt",
    crash_and_restart => "crash_and_restart.txt",
}
