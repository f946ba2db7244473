//! Trace files on disk. The format itself (`raft_sim::trace::write_jsonl` and
//! `parse_jsonl`) lives in raft-core, so the playground reads and writes the same files.

use std::path::{Path, PathBuf};

/// Writes the world's trace to `path`, naming the path if that fails.
pub fn write(path: &Path, w: &raft_sim::World) -> Result<(), String> {
    std::fs::write(path, raft_sim::trace::write_jsonl(w))
        .map_err(|e| format!("cannot write the trace to {}: {e}", path.display()))
}

/// Reads a trace file for replay ([`raft_sim::trace::parse_jsonl`]), refusing a trace that
/// `raft-sim grade` recorded from a classroom node (its header has a `byo` field): replaying its
/// options would run raft-core, not that node.
pub fn parse(text: &str) -> Result<raft_sim::trace::TraceFile, String> {
    let header = text.lines().next().unwrap_or("");
    let byo = serde_json::from_str::<serde_json::Value>(header)
        .ok()
        .and_then(|h| h.get("byo").cloned());
    if let Some(byo) = byo {
        return Err(format!(
            "this trace was recorded by raft-sim grade from a classroom node (test {}): it cannot be replayed from its options; rerun the replay command grade printed",
            byo["test"]
        ));
    }
    raft_sim::trace::parse_jsonl(text)
}

/// Where `--trace` puts the traces of a command that runs one or many seeds.
#[derive(Debug, Clone)]
pub enum Target {
    /// One file (a single run).
    File(PathBuf),
    /// One file per seed: the template with `{seed}` replaced by the seed.
    PerSeed(String),
}

impl Target {
    /// Reads a `--trace` argument for a command that runs `runs` seeds: a name containing
    /// `{seed}`, a directory (an existing one, or any path ending in `/`, created), which gets
    /// `seed<S>.jsonl` files, or a plain file when there is one run. Then checks that the first
    /// file can be written, before anything runs, naming the path if not.
    pub fn parse(spec: &str, runs: u64, first_seed: u64) -> Result<Target, String> {
        let target = if spec.contains("{seed}") {
            Target::PerSeed(spec.to_string())
        } else if spec.ends_with('/') || Path::new(spec).is_dir() {
            std::fs::create_dir_all(spec)
                .map_err(|e| format!("cannot create the trace directory {spec}: {e}"))?;
            let dir = Path::new(spec).join("seed{seed}.jsonl");
            Target::PerSeed(dir.to_string_lossy().into_owned())
        } else if runs > 1 {
            return Err(format!(
                "--trace {spec} names one file, but {runs} seeds run: give a directory or a name containing {{seed}} to keep one trace per seed"
            ));
        } else {
            Target::File(PathBuf::from(spec))
        };
        let first = target.path(first_seed);
        std::fs::File::create(&first)
            .map_err(|e| format!("cannot write the trace to {}: {e}", first.display()))?;
        Ok(target)
    }

    /// The file for `seed`.
    pub fn path(&self, seed: u64) -> PathBuf {
        match self {
            Target::File(p) => p.clone(),
            Target::PerSeed(t) => PathBuf::from(t.replace("{seed}", &seed.to_string())),
        }
    }
}
