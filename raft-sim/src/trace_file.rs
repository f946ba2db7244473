//! The JSON Lines trace file: a header line (format, version, options), one line per trace
//! record, and a footer line (end time, record count, running hash). Documented in
//! `docs/formats.md`.

use std::io::Write;

use raft_core::sim::trace::TRACE_VERSION;
use raft_core::sim::{Action, SimOptions, TraceEvent, TraceRecord, World};
use serde_json::{json, Value};

/// Writes the world's trace to `path`.
pub fn write(path: &str, w: &World) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header = json!({"kind": "header", "format": "raft-trace", "version": TRACE_VERSION, "options": w.options()});
    writeln!(out, "{header}")?;
    for r in w.trace() {
        writeln!(
            out,
            "{}",
            serde_json::to_string(r).map_err(std::io::Error::other)?
        )?;
    }
    let footer = json!({"kind": "footer", "end": w.now(), "records": w.trace().len(), "hash": format!("{:016x}", w.trace_hash())});
    writeln!(out, "{footer}")?;
    out.flush()
}

/// A trace read back: enough to re-derive it.
pub struct Parsed {
    /// Cluster options from the header.
    pub options: SimOptions,
    /// Actions with their times, from the action records.
    pub actions: Vec<(u64, Action)>,
    /// End time from the footer.
    pub end: u64,
    /// Number of records the footer announces.
    pub records: u64,
    /// Hash the footer announces.
    pub hash: String,
}

/// Parses a trace file, naming the first malformed line.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or("empty trace file")?;
    let header: Value =
        serde_json::from_str(first).map_err(|e| format!("line 1: not JSON: {e}"))?;
    if header["kind"] != "header" || header["format"] != "raft-trace" {
        return Err("line 1: not a raft-trace header".into());
    }
    if header["version"] != json!(TRACE_VERSION) {
        return Err(format!(
            "line 1: trace version {} is not supported (expected {TRACE_VERSION})",
            header["version"]
        ));
    }
    let mut options: SimOptions = serde_json::from_value(header["options"].clone())
        .map_err(|e| format!("line 1: bad options: {e}"))?;
    options.keep_trace = true;
    let mut actions = Vec::new();
    for (count, (n, line)) in lines.enumerate() {
        let count = count as u64;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {}: not JSON: {e}", n + 1))?;
        if v["kind"] == "footer" {
            let end = v["end"]
                .as_u64()
                .ok_or(format!("line {}: footer without end", n + 1))?;
            let records = v["records"]
                .as_u64()
                .ok_or(format!("line {}: footer without records", n + 1))?;
            let hash = v["hash"]
                .as_str()
                .ok_or(format!("line {}: footer without hash", n + 1))?
                .to_string();
            if records != count {
                return Err(format!(
                    "footer announces {records} records but the file has {count}"
                ));
            }
            return Ok(Parsed {
                options,
                actions,
                end,
                records,
                hash,
            });
        }
        let r: TraceRecord =
            serde_json::from_value(v).map_err(|e| format!("line {}: bad record: {e}", n + 1))?;
        if let TraceEvent::Action { action } = r.event {
            actions.push((r.t, action));
        }
    }
    Err("truncated trace: no footer line".into())
}
