//! The one table, as aligned plain text and as Markdown.

use super::machine::Machine;
use super::profile::Profile;

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Section ("1 core", "2 failover", ...).
    pub section: String,
    /// What is measured.
    pub figure: String,
    /// The measured value (raft-core or the playground).
    pub measured: String,
    /// What to compare it with: the other library, a floor, a goal.
    pub compare: String,
}

impl Row {
    /// A row.
    pub fn new(section: &str, figure: &str, measured: String, compare: String) -> Row {
        Row {
            section: section.into(),
            figure: figure.into(),
            measured,
            compare,
        }
    }
}

/// Everything printed.
#[derive(Debug)]
pub struct Document {
    /// Machine and versions.
    pub machine: Machine,
    /// The table.
    pub rows: Vec<Row>,
    /// How each figure was measured, and warnings.
    pub notes: Vec<String>,
    /// Callgrind profiles (raft-core's throughput run, the simulator), if taken.
    pub profiles: Vec<Profile>,
    /// Wall time of the whole benchmark.
    pub wall_s: f64,
}

const HEADER: [&str; 4] = ["section", "figure", "measured", "compare with"];

fn cells(r: &Row) -> [&str; 4] {
    [&r.section, &r.figure, &r.measured, &r.compare]
}

impl Document {
    /// Aligned plain text.
    pub fn plain(&self) -> String {
        let mut w = HEADER.map(|h| h.chars().count());
        for r in &self.rows {
            for (i, c) in cells(r).iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |c: [&str; 4]| {
            let mut s = String::new();
            for (i, x) in c.iter().enumerate() {
                s.push_str(x);
                if i < 3 {
                    s.push_str(&" ".repeat(w[i] - x.chars().count() + 2));
                }
            }
            s.trim_end().to_string()
        };
        let mut out = String::from("raft-bench\n");
        for l in self.machine.lines() {
            out.push_str(&format!("  {l}\n"));
        }
        out.push('\n');
        out.push_str(&line(HEADER));
        out.push('\n');
        out.push_str(&"-".repeat(w.iter().sum::<usize>() + 6));
        out.push('\n');
        let mut last = "";
        for r in &self.rows {
            if !last.is_empty() && last != r.section {
                out.push('\n');
            }
            last = &r.section;
            out.push_str(&line(cells(r)));
            out.push('\n');
        }
        out.push_str("\nNotes\n");
        for n in &self.notes {
            out.push_str(&format!("- {n}\n"));
        }
        for p in &self.profiles {
            out.push('\n');
            out.push_str(&p.plain());
        }
        out.push_str(&format!(
            "\nThe measurements took {:.0} s of wall time (builds not counted).\n",
            self.wall_s
        ));
        out
    }

    /// Markdown, for `bench/latest.md`.
    pub fn markdown(&self) -> String {
        let esc = |s: &str| s.replace('|', "\\|");
        let mut out = String::from(
            "# Benchmarks\n\nWritten by `./x bench` (the `raft-bench` crate in `bench/`); do not edit by hand.\n\n",
        );
        for l in self.machine.lines() {
            out.push_str(&format!("- {}\n", esc(&l)));
        }
        out.push('\n');
        out.push_str(&format!("| {} |\n", HEADER.join(" | ")));
        out.push_str("| --- | --- | --- | --- |\n");
        for r in &self.rows {
            let c = cells(r).map(esc);
            out.push_str(&format!("| {} |\n", c.join(" | ")));
        }
        out.push_str("\n## Notes\n\n");
        for n in &self.notes {
            out.push_str(&format!("- {n}\n"));
        }
        for p in &self.profiles {
            out.push('\n');
            out.push_str(&p.markdown());
        }
        out.push_str(&format!(
            "\nThe measurements took {:.0} s of wall time (builds not counted).\n",
            self.wall_s
        ));
        out
    }
}
