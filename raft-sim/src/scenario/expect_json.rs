//! Reading an [`Expect`] (a scenario's `expect` entry, `{"check": "leader", "by": 3000, …}`)
//! by hand, through the [`serde_json::Value`] every reader of these files already compiles.
//!
//! Why by hand: serde's derived reader of an internally tagged enum buffers the object into
//! its own `Content` tree and compiles a visitor per variant over it; for `Expect` that was
//! the largest single function of the playground's .wasm after the trace reader (26.5 KiB
//! before wasm-opt, about 7.5 KB of the gzip-compressed page; issue 14). serde has no smaller
//! form of the same reader. This one accepts exactly what the derived one did
//! (`tag = "check"`, `rename_all = "snake_case"`, `deny_unknown_fields`, the same defaults)
//! and words its errors the same way; the tests compare the two on valid and broken entries.
//! Two differences, in forms nothing writes: a field given twice is read as its last value (a
//! `Value` object keeps one), where the derived reader refused it; and the derived reader also
//! took an entry written as a list (`["leader", 3000]`: the tag, then the fields in declaration
//! order), which this one refuses as not an object.

use serde::de::Error;
use serde_json::Value;

use super::Expect;
use crate::json::fields::{tagged, Fields};

/// The `check` names, in declaration order (as the derived reader lists them).
const VARIANTS: &[&str] = &[
    "leader",
    "no_leader_among",
    "committed",
    "commit_at_most",
    "term_at_most",
    "completed",
    "voters",
    "learner",
    "snapshot",
    "split_vote",
    "violation",
];

impl<'de> serde::Deserialize<'de> for Expect {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read(&Value::deserialize(d)?)
    }
}

/// An `Expect` from its JSON object.
fn read<E: Error>(v: &Value) -> Result<Expect, E> {
    let (m, tag) = tagged(v, "check", "internally tagged enum Expect")?;
    Ok(match tag {
        "leader" => {
            let f = Fields::new(m, "check", &["by", "node", "min_term"])?;
            Expect::Leader {
                by: f.u64("by")?,
                node: f.opt_u64("node")?,
                min_term: f.opt_u64("min_term")?,
            }
        }
        "no_leader_among" => {
            let f = Fields::new(m, "check", &["at", "nodes"])?;
            Expect::NoLeaderAmong {
                at: f.u64("at")?,
                nodes: f.ids("nodes")?,
            }
        }
        "committed" => {
            let f = Fields::new(m, "check", &["by", "index", "nodes"])?;
            Expect::Committed {
                by: f.u64("by")?,
                index: f.u64("index")?,
                nodes: f.ids_or_none("nodes")?,
            }
        }
        "commit_at_most" => {
            let f = Fields::new(m, "check", &["at", "index", "nodes"])?;
            Expect::CommitAtMost {
                at: f.u64("at")?,
                index: f.u64("index")?,
                nodes: f.ids("nodes")?,
            }
        }
        "term_at_most" => {
            let f = Fields::new(m, "check", &["at", "node", "term"])?;
            Expect::TermAtMost {
                at: f.u64("at")?,
                node: f.u64("node")?,
                term: f.u64("term")?,
            }
        }
        "completed" => {
            let f = Fields::new(m, "check", &["by", "count"])?;
            Expect::Completed {
                by: f.u64("by")?,
                count: f.u64("count")?,
            }
        }
        "voters" => {
            let f = Fields::new(m, "check", &["by", "nodes"])?;
            Expect::Voters {
                by: f.u64("by")?,
                nodes: f.ids("nodes")?,
            }
        }
        "learner" => {
            let f = Fields::new(m, "check", &["by", "node"])?;
            Expect::Learner {
                by: f.u64("by")?,
                node: f.u64("node")?,
            }
        }
        "snapshot" => {
            let f = Fields::new(m, "check", &["by", "node", "index"])?;
            Expect::Snapshot {
                by: f.u64("by")?,
                node: f.u64("node")?,
                index: f.u64_or_0("index")?,
            }
        }
        "split_vote" => {
            let f = Fields::new(m, "check", &["by"])?;
            Expect::SplitVote { by: f.u64("by")? }
        }
        "violation" => {
            let f = Fields::new(m, "check", &["by", "property"])?;
            Expect::Violation {
                by: f.u64("by")?,
                property: f.opt_text("property")?,
            }
        }
        _ => return Err(E::unknown_variant(tag, VARIANTS)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    /// What `Expect` derived before it was read by hand: the same name, attributes and fields.
    mod derived {
        use alloc::string::String;
        use alloc::vec::Vec;

        #[derive(Debug, serde::Deserialize)]
        #[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
        #[allow(dead_code)]
        pub enum Expect {
            Leader {
                by: u64,
                #[serde(default)]
                node: Option<u64>,
                #[serde(default)]
                min_term: Option<u64>,
            },
            NoLeaderAmong {
                at: u64,
                nodes: Vec<u64>,
            },
            Committed {
                by: u64,
                index: u64,
                #[serde(default)]
                nodes: Vec<u64>,
            },
            CommitAtMost {
                at: u64,
                index: u64,
                nodes: Vec<u64>,
            },
            TermAtMost {
                at: u64,
                node: u64,
                term: u64,
            },
            Completed {
                by: u64,
                count: u64,
            },
            Voters {
                by: u64,
                nodes: Vec<u64>,
            },
            Learner {
                by: u64,
                node: u64,
            },
            Snapshot {
                by: u64,
                node: u64,
                #[serde(default)]
                index: u64,
            },
            SplitVote {
                by: u64,
            },
            Violation {
                by: u64,
                #[serde(default)]
                property: Option<String>,
            },
        }
    }

    /// Both readers on `json`: the same value or the same error.
    fn same(json: &str) {
        crate::json::fields::same_as_derived::same::<Expect, derived::Expect>(json);
    }

    #[test]
    fn reads_what_the_derived_reader_read_and_refuses_what_it_refused() {
        // Every variant, written by the (derived) writer and in its shortest form.
        let written = [
            Expect::Leader {
                by: 1,
                node: Some(2),
                min_term: Some(3),
            },
            Expect::NoLeaderAmong {
                at: 4,
                nodes: vec![1, 2],
            },
            Expect::Committed {
                by: 5,
                index: 6,
                nodes: vec![3],
            },
            Expect::CommitAtMost {
                at: 7,
                index: 8,
                nodes: vec![],
            },
            Expect::TermAtMost {
                at: 9,
                node: 1,
                term: 2,
            },
            Expect::Completed { by: 10, count: 11 },
            Expect::Voters {
                by: 12,
                nodes: vec![1, 2, 3],
            },
            Expect::Learner { by: 13, node: 4 },
            Expect::Snapshot {
                by: 14,
                node: 2,
                index: 5,
            },
            Expect::SplitVote { by: 15 },
            Expect::Violation {
                by: 16,
                property: Some("Election Safety".into()),
            },
        ];
        assert_eq!(written.len(), VARIANTS.len());
        for e in &written {
            let json = serde_json::to_string(e).unwrap();
            assert_eq!(&serde_json::from_str::<Expect>(&json).unwrap(), e, "{json}");
            same(&json);
        }
        let cases = [
            // Shortest forms, defaults, nulls.
            r#"{"check":"leader","by":1}"#,
            r#"{"check":"leader","by":1,"node":null,"min_term":null}"#,
            r#"{"by":1,"check":"committed","index":2}"#,
            r#"{"check":"snapshot","by":1,"node":2}"#,
            r#"{"check":"violation","by":1}"#,
            r#"{"check":"violation","by":1,"property":null}"#,
            r#"{"check":"split_vote","by":9007199254740991}"#,
            // Unknown, missing and misspelt names.
            r#"{"check":"leader","by":1,"nodes":[1]}"#,
            r#"{"check":"split_vote","by":1,"at":2}"#,
            r#"{"check":"leader"}"#,
            r#"{"check":"voters","by":1}"#,
            r#"{"check":"no_leader_among","nodes":[1]}"#,
            r#"{"check":"Leader","by":1}"#,
            r#"{"check":"elected","by":1}"#,
            r#"{"by":1}"#,
            r#"{}"#,
            r#"{"check":3,"by":1}"#,
            r#"{"check":null,"by":1}"#,
            // Wrong types and values.
            r#"{"check":"leader","by":"soon"}"#,
            r#"{"check":"leader","by":-1}"#,
            r#"{"check":"leader","by":1.5}"#,
            r#"{"check":"leader","by":true}"#,
            r#"{"check":"leader","by":null}"#,
            r#"{"check":"leader","by":[1]}"#,
            r#"{"check":"leader","by":{}}"#,
            r#"{"check":"leader","by":1,"node":"S1"}"#,
            r#"{"check":"leader","by":1,"min_term":-2}"#,
            r#"{"check":"voters","by":1,"nodes":3}"#,
            r#"{"check":"voters","by":1,"nodes":null}"#,
            r#"{"check":"voters","by":1,"nodes":[1,"2"]}"#,
            r#"{"check":"voters","by":1,"nodes":[1,-2]}"#,
            r#"{"check":"committed","by":1,"index":2,"nodes":{}}"#,
            r#"{"check":"snapshot","by":1,"node":2,"index":null}"#,
            r#"{"check":"violation","by":1,"property":7}"#,
            // Not an object.
            r#""leader""#,
            r#"3"#,
            r#"null"#,
        ];
        for json in cases {
            same(json);
        }
        // The one form the derived reader took and this one does not: the tag and the fields
        // as a list, in declaration order (nothing writes it; docs/formats.md shows objects).
        assert!(serde_json::from_str::<derived::Expect>(r#"["leader",1]"#).is_ok());
        let e = serde_json::from_str::<Expect>(r#"["leader",1]"#).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("invalid type: sequence, expected internally tagged enum Expect"),
            "{e}"
        );
    }

    #[test]
    fn a_scenario_file_reads_its_expectations_through_this_reader() {
        let s = crate::scenario::Scenario::from_json(
            r#"{"version":1,"options":{"nodes":3},"expect":[{"check":"leader","by":5000,"node":2}]}"#,
        )
        .unwrap();
        assert_eq!(
            s.expect,
            [Expect::Leader {
                by: 5000,
                node: Some(2),
                min_term: None
            }]
        );
        let e = crate::scenario::Scenario::from_json(
            r#"{"version":1,"options":{"nodes":3},"expect":[{"check":"leader","by":5000,"nodes":[2]}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("unknown field `nodes`, expected one of `by`, `node`, `min_term`"),
            "{e}"
        );
    }
}
