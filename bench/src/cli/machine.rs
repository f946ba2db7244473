//! What the figures were measured on: the machine, the toolchain and the crate versions.

use std::process::Command;

/// The machine and the versions, as printed above the table.
#[derive(Debug, Clone)]
pub struct Machine {
    /// Logical CPUs available to this process.
    pub nproc: usize,
    /// `model name` from /proc/cpuinfo.
    pub cpu: String,
    /// Total memory from /proc/meminfo.
    pub mem: String,
    /// `rustc --version`.
    pub rustc: String,
    /// `node --version`, if Node is installed.
    pub node: String,
    /// `valgrind --version`, if installed.
    pub valgrind: String,
    /// Crate versions from the lockfile, e.g. `raft 0.7.0`.
    pub crates: Vec<String>,
    /// Commit measured (short hash, with a marker when the tree has uncommitted changes).
    pub commit: String,
    /// UTC date and time.
    pub date: String,
}

fn cmd(prog: &str, args: &[&str]) -> String {
    Command::new(prog)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "not found".into())
}

fn first_field(path: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()?.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// A `/proc/self/status` figure in KiB (`VmRSS` now, `VmHWM` the peak so far); 0 if unknown.
pub fn rss_kib(key: &str) -> u64 {
    first_field("/proc/self/status", key)
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Versions of `names` in the lockfile that built this binary.
fn locked_versions(names: &[&str]) -> Vec<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let lock = [format!("{dir}/Cargo.lock"), format!("{dir}/../Cargo.lock")]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default();
    let mut found = Vec::new();
    let mut name = "";
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = n.trim_matches('"');
        } else if let Some(v) = line.strip_prefix("version = ") {
            if names.contains(&name) {
                found.push(format!("{name} {}", v.trim_matches('"')));
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

impl Machine {
    /// Reads everything from the system.
    pub fn detect() -> Machine {
        let dirty = !cmd("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
        let mut crates = vec![format!("raft-core {}", raft_core::VERSION)];
        crates.extend(locked_versions(&[
            "raft",
            "raft-proto",
            "protobuf",
            "stats_alloc",
            "wasm-bindgen",
        ]));
        Machine {
            nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu: first_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".into()),
            mem: first_field("/proc/meminfo", "MemTotal")
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map_or("unknown".into(), |kib| {
                    format!("{} GiB", kib / (1024 * 1024))
                }),
            rustc: cmd("rustc", &["--version"]),
            node: cmd("node", &["--version"]),
            valgrind: cmd("valgrind", &["--version"]),
            crates,
            commit: format!(
                "{}{}",
                cmd("git", &["rev-parse", "--short", "HEAD"]),
                if dirty { " + uncommitted changes" } else { "" }
            ),
            date: cmd("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        }
    }

    /// One line for progress output.
    pub fn one_line(&self) -> String {
        format!("{} × {}, {}", self.nproc, self.cpu, self.rustc)
    }

    /// The header lines (plain text; Markdown adds list markers).
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!(
                "machine: {} CPUs (nproc), {}, {} RAM; shared with other jobs, so timings are noisy: medians",
                self.nproc, self.cpu, self.mem
            ),
            format!(
                "toolchain: {}; Node {}; {}",
                self.rustc, self.node, self.valgrind
            ),
            format!("crates: {}", self.crates.join(", ")),
            format!("measured: {} at commit {}", self.date, self.commit),
        ]
    }
}
