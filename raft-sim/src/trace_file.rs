//! Trace files on disk. The format itself (`raft_sim::trace::write_jsonl` and
//! `parse_jsonl`) lives in raft-core, so the playground reads and writes the same files.

use std::path::{Path, PathBuf};

/// Writes the world's trace to `path`, naming the path if that fails.
pub fn write(path: &Path, w: &raft_sim::World) -> Result<(), String> {
    std::fs::write(path, raft_sim::trace::write_jsonl(w))
        .map_err(|e| format!("cannot write the trace to {}: {e}", path.display()))
}

/// Reads a trace file for replay ([`raft_sim::trace::parse_jsonl`]), refusing a recorded trace:
/// one that `raft-sim grade` recorded from a classroom node (its header has a `byo` field), or
/// any run recorded outside raft-sim's world (a `recorded` field, `{"source", "note"}`: a real
/// raft-kv cluster's run, say). Replaying its options would run raft-core, not what recorded it.
/// The playground shows such a trace as recorded (docs/formats.md, Trace).
pub fn parse(text: &str) -> Result<raft_sim::trace::TraceFile, String> {
    if let Some(why) = recorded(text) {
        return Err(why);
    }
    raft_sim::trace::parse_jsonl(text)
}

/// Why a trace cannot be replayed because it was recorded (None for a trace raft-sim can
/// replay). Only the header line is read.
fn recorded(text: &str) -> Option<String> {
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let h = serde_json::from_str::<serde_json::Value>(header).ok()?;
    if let Some(byo) = h.get("byo") {
        return Some(format!(
            "this trace was recorded by raft-sim grade from a classroom node (test {}): it cannot be replayed from its options; rerun the replay command grade printed, or open the trace in the playground, which shows it as recorded",
            byo["test"]
        ));
    }
    let rec = h.get("recorded")?;
    let source = rec["source"].as_str().unwrap_or("an unnamed source");
    Some(format!(
        "this trace was recorded from {source}, not run by raft-sim's simulator: it cannot be replayed from its options; open it in the playground, which shows it as recorded"
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    const FOOTER: &str =
        r#"{"kind":"footer","end":0,"steps":0,"records":0,"hash":"cbf29ce484222325"}"#;

    fn trace(extra: &str) -> String {
        let options = serde_json::to_string(&raft_sim::SimOptions::default()).unwrap();
        format!(
            "{{\"kind\":\"header\",\"format\":\"raft-trace\",\"version\":3,{extra}\"options\":{options}}}\n{FOOTER}\n"
        )
    }

    /// A trace recorded outside raft-sim's world, by grade (`byo`) or by anything else
    /// (`recorded`), is refused for replay with a message that says why; a plain trace is read.
    #[test]
    fn recorded_traces_are_refused_for_replay() {
        assert!(parse(&trace("")).is_ok());
        let e = parse(&trace(r#""byo":{"test":"figure8","note":"n"},"#)).unwrap_err();
        assert!(
            e.contains("recorded by raft-sim grade") && e.contains("figure8"),
            "{e}"
        );
        let e = parse(&trace(r#""recorded":{"source":"raft-kv","note":"n"},"#)).unwrap_err();
        assert!(
            e.contains("recorded from raft-kv") && e.contains("playground"),
            "{e}"
        );
        let e = parse(&format!("\u{feff}{}", trace(r#""recorded":{},"#))).unwrap_err();
        assert!(e.contains("an unnamed source"), "{e}");
    }
}
