//! Multi-group traces (trace format version 4, `docs/formats.md`): one JSON Lines file for a
//! run of several groups on machines. Its header carries the machines, the groups and
//! `coalesce_ms` beside the shared options; every group's records are the version-3 records
//! with a `group` field (the group's index); `multi_action` records list what the multi-group
//! world was asked to do (machine actions, and actions in one group), which is what a replay
//! re-applies; the footer carries each group's record count and running hash, in version 3's
//! scheme (FNV-1a over bytes). One-group traces are written as version 5
//! ([`crate::trace::write_jsonl`]).
//!
//! Order: the records of each group keep their order; between two multi-group actions the
//! groups' records are merged by time (then by group), so times never go back in the file.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::groups::{GroupSpec, MachineAction, MultiAction, MultiOptions, MultiWorld};
use crate::limits::MAX_TIME_MS;
use crate::trace::MAX_INTEGER;
use crate::SimError;
use serde_json::{json, Value};

/// The trace format version of multi-group traces.
pub const GROUP_TRACE_VERSION: u32 = 4;

/// Writes a multi-group run (whose groups kept their traces) as a version-4 trace.
pub fn write_jsonl(mw: &MultiWorld) -> String {
    let o = mw.options();
    let mut out = String::new();
    let groups: Vec<Value> = o
        .groups
        .iter()
        .map(|g| json!({"name": g.name, "replicas": g.replicas, "clients": g.clients}))
        .collect();
    let header = json!({"kind": "header", "format": "raft-trace", "version": GROUP_TRACE_VERSION,
        "options": o.base, "machines": o.machines, "groups": groups, "coalesce_ms": o.coalesce_ms});
    let _ = writeln!(out, "{header}");
    let worlds = mw.groups();
    let mut cursor = alloc::vec![0usize; worlds.len()];
    let mut records = 0u64;
    for (t, action, lens) in mw.actions_with_trace_lengths() {
        records += emit_until(worlds, &mut out, lens, &mut cursor);
        let line = match action {
            MultiAction::Machine(a) => json!({"t": t, "kind": "multi_action", "action": a}),
            MultiAction::Group(g, a) => {
                json!({"t": t, "kind": "multi_action", "group": g, "action": a})
            }
        };
        let _ = writeln!(out, "{line}");
        records += 1;
    }
    let all: Vec<usize> = worlds.iter().map(|w| w.trace().len()).collect();
    records += emit_until(worlds, &mut out, &all, &mut cursor);
    let hashes: Vec<String> = worlds
        .iter()
        .map(|w| format!("{:016x}", w.trace_hash()))
        .collect();
    let footer = json!({"kind": "footer", "end": mw.now(), "records": records,
        "group_records": all, "hashes": hashes});
    let _ = writeln!(out, "{footer}");
    out
}

/// Writes each group's records from `cursor` up to `lens`, merged by (time, group); returns
/// how many.
fn emit_until(
    worlds: &[crate::World],
    out: &mut String,
    lens: &[usize],
    cursor: &mut [usize],
) -> u64 {
    let mut n = 0;
    loop {
        let next = (0..worlds.len())
            .filter(|&g| cursor[g] < lens[g])
            .min_by_key(|&g| (worlds[g].trace()[cursor[g]].t, g));
        let Some(g) = next else { return n };
        let mut v = crate::json::to_value(&worlds[g].trace()[cursor[g]]).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("group".into(), g.into());
        }
        let _ = writeln!(out, "{v}");
        cursor[g] += 1;
        n += 1;
    }
}

/// A version-4 trace read back: enough to re-run it and check every group's hash.
#[derive(Debug, Clone)]
pub struct GroupTraceFile {
    /// The multi-group world's definition (groups keep their traces).
    pub options: MultiOptions,
    /// What the world was asked to do, with times, in order.
    pub actions: Vec<(u64, MultiAction)>,
    /// End time.
    pub end: u64,
    /// Records in the file (footer).
    pub records: u64,
    /// Each group's running hash, 16 hex digits (footer).
    pub hashes: Vec<String>,
}

/// True if `text` starts with a version-4 (multi-group) trace header.
pub fn is_group_trace(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    serde_json::from_str::<Value>(first)
        .is_ok_and(|h| h["format"] == "raft-trace" && h["version"] == GROUP_TRACE_VERSION)
}

fn whole(v: &Value, line: usize) -> Result<(), String> {
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(x) if x <= MAX_INTEGER => Ok(()),
            _ => Err(format!(
                "line {line}: {n} is not a whole number from 0 to 2^53 - 1"
            )),
        },
        Value::Array(a) => a.iter().try_for_each(|x| whole(x, line)),
        Value::Object(m) => m.values().try_for_each(|x| whole(x, line)),
        _ => Ok(()),
    }
}

/// Reads a version-4 trace, naming the first malformed line: the header's definition is
/// validated as a multi-group world's; every integer at most 2^53 - 1; times at most one day and
/// never going back; group indexes that exist; a footer whose counts match the file.
pub fn parse_jsonl(text: &str) -> Result<GroupTraceFile, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or("empty trace file")?;
    let h: Value = serde_json::from_str(first).map_err(|e| format!("line 1: not JSON: {e}"))?;
    if h["kind"] != "header" || h["format"] != "raft-trace" || h["version"] != GROUP_TRACE_VERSION {
        return Err(format!(
            "line 1: not a version-{GROUP_TRACE_VERSION} (multi-group) raft-trace header"
        ));
    }
    let bad = |e: &dyn core::fmt::Display| format!("line 1: invalid header: {e}");
    let mut base: crate::SimOptions =
        crate::json::from_value(&h["options"]).map_err(|e| bad(&e))?;
    base.validate().map_err(|e| bad(&e))?;
    base.keep_trace = true;
    let machines: u32 = crate::json::from_value(&h["machines"]).map_err(|e| bad(&e))?;
    let coalesce_ms: Option<u64> =
        crate::json::from_value(&h["coalesce_ms"]).map_err(|e| bad(&e))?;
    let groups: Vec<crate::groups_scenario::GroupDef> =
        crate::json::from_value(&h["groups"]).map_err(|e| bad(&e))?;
    let options = MultiOptions {
        machines,
        groups: groups
            .into_iter()
            .map(|d| GroupSpec {
                name: d.name,
                replicas: d.replicas,
                clients: d.clients,
            })
            .collect(),
        base,
        coalesce_ms,
    };
    options.validate().map_err(|e| bad(&e))?;
    let n_groups = options.groups.len() as u64;
    let mut actions = Vec::new();
    let mut last_t = 0;
    let mut per_group = alloc::vec![0u64; options.groups.len()];
    for (count, (n, line)) in lines.enumerate() {
        let n = n + 1;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {n}: not JSON: {e}"))?;
        whole(&v, n)?;
        if v["kind"] == "footer" {
            let end = v["end"]
                .as_u64()
                .ok_or(format!("line {n}: footer without end"))?;
            if end > MAX_TIME_MS || end < last_t {
                return Err(format!(
                    "line {n}: the footer's end {end} ms is out of order or past one day"
                ));
            }
            let records = v["records"]
                .as_u64()
                .ok_or(format!("line {n}: footer without records"))?;
            if records != count as u64 {
                return Err(format!(
                    "footer announces {records} records but the file has {count}"
                ));
            }
            let listed: Vec<u64> = crate::json::from_value(&v["group_records"])
                .map_err(|e| format!("line {n}: footer group_records: {e}"))?;
            if listed != per_group {
                return Err(format!(
                    "line {n}: footer announces {listed:?} records per group but the file has {per_group:?}"
                ));
            }
            let hashes: Vec<String> = crate::json::from_value(&v["hashes"])
                .map_err(|e| format!("line {n}: footer hashes: {e}"))?;
            if hashes.len() != per_group.len() {
                return Err(format!(
                    "line {n}: footer has {} hashes for {} groups",
                    hashes.len(),
                    per_group.len()
                ));
            }
            return Ok(GroupTraceFile {
                options,
                actions,
                end,
                records,
                hashes,
            });
        }
        let t = v["t"]
            .as_u64()
            .ok_or(format!("line {n}: a record without t"))?;
        if t > MAX_TIME_MS {
            return Err(format!(
                "line {n}: time {t} ms is past one day ({MAX_TIME_MS} ms)"
            ));
        }
        if t < last_t {
            return Err(format!(
                "line {n}: time {t} ms comes after a record at {last_t} ms"
            ));
        }
        last_t = t;
        let group = match v.get("group") {
            None => None,
            Some(g) => Some(g.as_u64().filter(|&g| g < n_groups).ok_or(format!(
                "line {n}: group {g} is not one of the {n_groups} groups"
            ))? as usize),
        };
        if v["kind"] == "multi_action" {
            let a = v["action"].clone();
            let action = match group {
                Some(g) => MultiAction::Group(
                    g,
                    crate::json::from_value(&a)
                        .map_err(|e| format!("line {n}: bad action: {e}"))?,
                ),
                None => MultiAction::Machine(
                    crate::json::from_value::<MachineAction>(&a)
                        .map_err(|e| format!("line {n}: bad machine action: {e}"))?,
                ),
            };
            actions.push((t, action));
            continue;
        }
        let g = group.ok_or(format!("line {n}: a record without its group"))?;
        let mut r = v.clone();
        if let Value::Object(m) = &mut r {
            m.remove("group");
        }
        crate::json::from_value::<crate::TraceRecord>(&r)
            .map_err(|e| format!("line {n}: bad record: {e}"))?;
        per_group[g] += 1;
    }
    Err("truncated trace: no footer line".into())
}

impl GroupTraceFile {
    /// Re-runs the definition with the recorded actions (each applied once every group has
    /// advanced to its time, as the recorded run applied it) up to `end`; the caller compares
    /// [`GroupTraceFile::mismatches`]. The work is bounded by `end` (at most one day).
    pub fn replay(&self) -> Result<MultiWorld, SimError> {
        let mut mw = MultiWorld::new(self.options.clone())?;
        for (t, a) in &self.actions {
            mw.advance_to(*t);
            // A refused action was refused in the recorded run too.
            let _ = mw.act(a.clone());
        }
        mw.advance_to(self.end);
        Ok(mw)
    }

    /// The groups whose replayed hash differs from the file's: (group name, file, replay).
    pub fn mismatches(&self, replayed: &MultiWorld) -> Vec<(String, String, String)> {
        replayed
            .groups()
            .iter()
            .zip(&self.options.groups)
            .zip(&self.hashes)
            .filter_map(|((w, spec), h)| {
                let got = format!("{:016x}", w.trace_hash());
                (got != *h).then(|| (spec.name.to_string(), h.clone(), got))
            })
            .collect()
    }
}
