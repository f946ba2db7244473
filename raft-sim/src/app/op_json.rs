//! Reading an [`Op`] (a client operation: `{"op": "put", "key": "x", "value": "1"}`) by hand,
//! through the [`serde_json::Value`] every reader already compiles (issue 14: serde's derived
//! reader of this internally tagged enum was 13.7 KiB of the playground's .wasm before
//! wasm-opt; see `json/fields.rs`). The same rules as the derive it replaces (tag `op`,
//! snake_case names, unknown fields ignored, a missing `expect` is `None`) and the same error
//! texts; the tests compare the two. The writer stays derived.

use serde::de::Error;
use serde_json::Value;

use super::Op;
use crate::json::fields::{tagged, Fields};

/// The `op` names, in declaration order.
const VARIANTS: &[&str] = &["put", "get", "append", "cas", "task"];

impl<'de> serde::Deserialize<'de> for Op {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read(&Value::deserialize(d)?)
    }
}

/// An `Op` from its JSON object.
fn read<E: Error>(v: &Value) -> Result<Op, E> {
    let (m, tag) = tagged(v, "op", "internally tagged enum Op")?;
    let f = Fields::lenient(m);
    Ok(match tag {
        "put" => Op::Put {
            key: f.text("key")?,
            value: f.text("value")?,
        },
        "get" => Op::Get {
            key: f.text("key")?,
        },
        "append" => Op::Append {
            key: f.text("key")?,
            value: f.text("value")?,
        },
        "cas" => Op::Cas {
            key: f.text("key")?,
            expect: f.opt_text("expect")?,
            new: f.text("new")?,
        },
        "task" => Op::Task { id: f.u64("id")? },
        _ => return Err(E::unknown_variant(tag, VARIANTS)),
    })
}

#[cfg(test)]
mod tests {

    /// What `Op` derived before it was read by hand: the same name, attributes and fields.
    mod derived {
        use alloc::string::String;

        #[derive(Debug, serde::Deserialize)]
        #[serde(tag = "op", rename_all = "snake_case")]
        #[allow(dead_code)]
        pub enum Op {
            Put {
                key: String,
                value: String,
            },
            Get {
                key: String,
            },
            Append {
                key: String,
                value: String,
            },
            Cas {
                key: String,
                expect: Option<String>,
                new: String,
            },
            Task {
                id: u64,
            },
        }
    }

    /// Both readers on `json`: the same value or the same error.
    fn same(json: &str) {
        crate::json::fields::same_as_derived::same::<super::Op, derived::Op>(json);
    }

    #[test]
    fn reads_what_the_derived_reader_read_and_refuses_what_it_refused() {
        use super::Op;
        let written = [
            Op::Put {
                key: "k".into(),
                value: "v".into(),
            },
            Op::Get { key: "k".into() },
            Op::Append {
                key: "k".into(),
                value: "\"quoted\" ünïcode".into(),
            },
            Op::Cas {
                key: "k".into(),
                expect: Some("a".into()),
                new: "b".into(),
            },
            Op::Cas {
                key: "k".into(),
                expect: None,
                new: "b".into(),
            },
            Op::Task { id: 7 },
        ];
        for op in &written {
            let json = serde_json::to_string(op).unwrap();
            assert_eq!(&serde_json::from_str::<Op>(&json).unwrap(), op, "{json}");
            same(&json);
        }
        for json in [
            r#"{"op":"get","key":"k","extra":1}"#,
            r#"{"key":"k","op":"put","value":""}"#,
            r#"{"op":"cas","key":"k","new":"b"}"#,
            r#"{"op":"cas","key":"k","expect":null,"new":"b"}"#,
            r#"{"op":"put","key":"k"}"#,
            r#"{"op":"get"}"#,
            r#"{"op":"task"}"#,
            r#"{"op":"Put","key":"k","value":"v"}"#,
            r#"{"op":"delete","key":"k"}"#,
            r#"{"key":"k"}"#,
            r#"{"op":1}"#,
            r#"{"op":"get","key":3}"#,
            r#"{"op":"get","key":null}"#,
            r#"{"op":"cas","key":"k","expect":5,"new":"b"}"#,
            r#"{"op":"task","id":"7"}"#,
            r#"{"op":"task","id":-7}"#,
            r#"{"op":"task","id":7.5}"#,
            r#""get""#,
            r#"null"#,
        ] {
            same(json);
        }
    }
}
