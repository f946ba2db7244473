//! Where the time goes: a child run of this binary under valgrind's callgrind, summarised with
//! `callgrind_annotate`. Costs are instructions executed (Ir), which do not
//! depend on how busy the shared machine is. Functions inlined by the compiler are counted in
//! their callers.

use std::process::Command;

/// One function's cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// Share of all instructions of the run, in percent.
    pub percent: f64,
    /// Demangled function name (without the binary and file).
    pub function: String,
}

/// The profile: top functions by inclusive cost (itself and what it calls) and by self cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// What was profiled.
    pub what: String,
    /// Instructions executed in all.
    pub total_ir: u64,
    /// By inclusive cost, without the runtime's and the harness's own frames.
    pub inclusive: Vec<Cost>,
    /// By self cost.
    pub exclusive: Vec<Cost>,
}

/// Frames that only wrap the measured work (process start, `main`, the harness loop).
fn is_wrapper(f: &str) -> bool {
    f.starts_with("0x")
        || f.contains("(below main)")
        || f.starts_with("main")
        || f.starts_with("__libc_start")
        || f.starts_with("std::rt::")
        || f.starts_with("std::sys::backtrace")
        || f.starts_with("raft_bench::")
        || f.starts_with("<raft_bench::")
}

/// Parses `callgrind_annotate` output: `1,234 (12.34%)  file:function [binary]` lines.
pub fn parse(text: &str) -> (u64, Vec<Cost>) {
    let mut total = 0;
    let mut costs = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        let Some((num, rest)) = l.split_once(' ') else {
            continue;
        };
        let Ok(ir) = num.replace(',', "").parse::<u64>() else {
            continue;
        };
        let rest = rest.trim_start();
        let Some((pct, rest)) = rest.strip_prefix('(').and_then(|r| r.split_once("%)")) else {
            continue;
        };
        let Ok(percent) = pct.trim().parse::<f64>() else {
            continue;
        };
        let rest = rest.trim();
        if rest == "PROGRAM TOTALS" {
            total = ir;
            continue;
        }
        // "file:function [binary]": the file is "???" or a path; function names contain "::".
        let without_bin = match rest.rfind(" [") {
            Some(i) if rest.ends_with(']') => &rest[..i],
            _ => rest,
        };
        let function = match without_bin.find(':') {
            Some(i) if !without_bin[i..].starts_with("::") => &without_bin[i + 1..],
            _ => without_bin,
        };
        costs.push(Cost {
            percent,
            function: function.to_string(),
        });
    }
    (total, costs)
}

/// Runs this binary with `args` under callgrind and summarises the run, described as `what`.
pub fn callgrind(args: &[String], what: String) -> Result<Profile, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = std::env::temp_dir().join(format!("raft-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let out = dir.join("callgrind.out");
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(&exe)
        .args(args)
        .output()
        .map_err(|e| format!("valgrind not runnable ({e})"))?;
    if !status.status.success() {
        return Err(format!(
            "valgrind failed: {}",
            String::from_utf8_lossy(&status.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ));
    }
    let annotate = |inclusive: bool| -> Result<String, String> {
        let o = Command::new("callgrind_annotate")
            .arg(format!(
                "--inclusive={}",
                if inclusive { "yes" } else { "no" }
            ))
            .arg("--threshold=100")
            .arg(&out)
            .output()
            .map_err(|e| format!("callgrind_annotate: {e}"))?;
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let (total_ir, inc) = parse(&annotate(true)?);
    let (_, exc) = parse(&annotate(false)?);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Profile {
        what,
        total_ir,
        inclusive: inc
            .into_iter()
            .filter(|c| !is_wrapper(&c.function))
            .take(15)
            .collect(),
        exclusive: exc.into_iter().take(10).collect(),
    })
}

/// Shortens `<raft_core::log::RaftLog as Trait>::f` style names for the table cell.
fn short(f: &str) -> String {
    f.replace("raft_core::", "").replace("alloc::", "")
}

impl Profile {
    /// The top `n` functions by self cost, in one line.
    pub fn top_self_summary(&self, n: usize) -> String {
        self.exclusive
            .iter()
            .take(n)
            .map(|c| format!("{} {:.0}%", short(&c.function), c.percent))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn heading(&self) -> String {
        format!(
            "{}, {:.2} G instructions (callgrind; inlined functions count in their callers)",
            self.what,
            self.total_ir as f64 / 1e9
        )
    }

    fn list(costs: &[Cost]) -> Vec<String> {
        costs
            .iter()
            .map(|c| format!("{:5.1}%  {}", c.percent, c.function))
            .collect()
    }

    /// Plain text.
    pub fn plain(&self) -> String {
        let mut s = format!("Profile: {}\n  by inclusive cost:\n", self.heading());
        for l in Self::list(&self.inclusive) {
            s.push_str(&format!("    {l}\n"));
        }
        s.push_str("  by self cost:\n");
        for l in Self::list(&self.exclusive) {
            s.push_str(&format!("    {l}\n"));
        }
        s
    }

    /// Markdown.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "## Profile: {}\n\nBy inclusive cost:\n\n```text\n",
            self.heading()
        );
        for l in Self::list(&self.inclusive) {
            s.push_str(&format!("{l}\n"));
        }
        s.push_str("```\n\nBy self cost:\n\n```text\n");
        for l in Self::list(&self.exclusive) {
            s.push_str(&format!("{l}\n"));
        }
        s.push_str("```\n");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_callgrind_annotate_lines() {
        let text = "\
606,435,333 (100.0%)  PROGRAM TOTALS
405,178,212 (66.81%)  ???:raft_core::raft::Node::refresh_membership [/x/raft-bench]
 34,146,856 ( 5.63%)  ./malloc/./malloc/malloc.c:_int_malloc [/usr/lib/libc.so.6]
Ir  file:function
";
        let (total, c) = parse(text);
        assert_eq!(total, 606_435_333);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].function, "raft_core::raft::Node::refresh_membership");
        assert!((c[0].percent - 66.81).abs() < 1e-9);
        assert_eq!(c[1].function, "_int_malloc");
    }
}
