//! Reading a [`Workload`] (`{"kind": "kv", "keys": 8}` in a scenario's or a link's client
//! options) by hand, through the [`serde_json::Value`] every reader already compiles (issue 14:
//! serde's derived reader of this internally tagged enum was 5.8 KiB of the playground's .wasm
//! before wasm-opt; see `json/fields.rs`). The same rules as the derive it replaces (tag
//! `kind`, snake_case names, `deny_unknown_fields`) and the same error texts; the tests compare
//! the two. The writer stays derived. As for `Expect`, the list form serde also took
//! (`["kv", 8]`) is refused as not an object.

use serde::de::Error;
use serde_json::Value;

use super::Workload;
use crate::json::fields::{tagged, Fields};

/// The `kind` names, in declaration order.
const VARIANTS: &[&str] = &["kv", "tasks"];

impl<'de> serde::Deserialize<'de> for Workload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read(&Value::deserialize(d)?)
    }
}

/// A `Workload` from its JSON object.
fn read<E: Error>(v: &Value) -> Result<Workload, E> {
    let (m, tag) = tagged(v, "kind", "internally tagged enum Workload")?;
    Ok(match tag {
        "kv" => Workload::Kv {
            keys: Fields::new(m, "kind", &["keys"])?.u32("keys")?,
        },
        "tasks" => Workload::Tasks {
            total: Fields::new(m, "kind", &["total"])?.u64("total")?,
        },
        _ => return Err(E::unknown_variant(tag, VARIANTS)),
    })
}

#[cfg(test)]
mod tests {

    /// What `Workload` derived before it was read by hand: the same name, attributes and fields.
    mod derived {
        #[derive(Debug, serde::Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
        #[allow(dead_code)]
        pub enum Workload {
            Kv { keys: u32 },
            Tasks { total: u64 },
        }
    }

    /// Both readers on `json`: the same value or the same error.
    fn same(json: &str) {
        crate::json::fields::same_as_derived::same::<super::Workload, derived::Workload>(json);
    }

    #[test]
    fn reads_what_the_derived_reader_read_and_refuses_what_it_refused() {
        use super::Workload;
        for w in [
            Workload::Kv { keys: 8 },
            Workload::Kv { keys: u32::MAX },
            Workload::Tasks { total: 50 },
        ] {
            let json = serde_json::to_string(&w).unwrap();
            assert_eq!(
                serde_json::from_str::<Workload>(&json).unwrap(),
                w,
                "{json}"
            );
            same(&json);
        }
        for json in [
            r#"{"keys":3,"kind":"kv"}"#,
            r#"{"kind":"kv"}"#,
            r#"{"kind":"kv","keys":3,"total":4}"#,
            r#"{"kind":"tasks","total":1,"keys":2}"#,
            r#"{"kind":"kv","keys":4294967296}"#,
            r#"{"kind":"kv","keys":-1}"#,
            r#"{"kind":"kv","keys":2.5}"#,
            r#"{"kind":"kv","keys":"8"}"#,
            r#"{"kind":"kv","keys":null}"#,
            r#"{"kind":"tasks","total":-5}"#,
            r#"{"kind":"queue","total":5}"#,
            r#"{"kind":"KV","keys":5}"#,
            r#"{"keys":5}"#,
            r#"{"kind":true}"#,
            r#""kv""#,
        ] {
            same(json);
        }
    }
}
