//! Reading a tagged enum's fields by hand from a [`serde_json::Value`] object, with serde's own
//! rules and error texts (`missing field`, `unknown field … expected one of`, `invalid type`).
//! For the enums whose derived readers cost the page most (issue 14: `scenario/expect_json.rs`,
//! `app/op_json.rs`,
//! `world/workload_json.rs`); each one's tests compare it with the derived reader it replaced.

use alloc::string::String;
use alloc::vec::Vec;

use serde::de::{Error, Unexpected};
use serde_json::{Map, Value};

/// What serde calls `v` in an "invalid type" error.
pub(crate) fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

pub(crate) fn u64_of<E: Error>(v: &Value) -> Result<u64, E> {
    match v {
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Ok(u),
            (None, Some(i)) => Err(E::invalid_value(Unexpected::Signed(i), &"u64")),
            _ => Err(E::invalid_type(unexpected(v), &"u64")),
        },
        _ => Err(E::invalid_type(unexpected(v), &"u64")),
    }
}

/// An internally tagged enum's object and its tag (the field `tag`, a string), refused as
/// serde refuses them; `expecting` names the enum (`"internally tagged enum Expect"`).
pub(crate) fn tagged<'a, E: Error>(
    v: &'a Value,
    tag: &'static str,
    expecting: &'static str,
) -> Result<(&'a Map<String, Value>, &'a str), E> {
    let Value::Object(m) = v else {
        return Err(E::invalid_type(unexpected(v), &expecting));
    };
    match m.get(tag) {
        None => Err(E::missing_field(tag)),
        Some(Value::String(s)) => Ok((m, s.as_str())),
        Some(other) => Err(E::invalid_type(unexpected(other), &"variant identifier")),
    }
}

/// One variant's fields: the object, checked against the names the variant has.
pub(crate) struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// Refuses a field the variant does not have (the tag aside): `deny_unknown_fields`.
    pub(crate) fn new<E: Error>(
        m: &'a Map<String, Value>,
        tag: &str,
        names: &'static [&'static str],
    ) -> Result<Self, E> {
        match m.keys().find(|k| *k != tag && !names.contains(&k.as_str())) {
            Some(k) => Err(E::unknown_field(k, names)),
            None => Ok(Fields(m)),
        }
    }

    /// Ignores fields the variant does not have (serde's default).
    pub(crate) fn lenient(m: &'a Map<String, Value>) -> Self {
        Fields(m)
    }

    /// A string.
    pub(crate) fn text<E: Error>(&self, name: &'static str) -> Result<String, E> {
        match self.0.get(name) {
            None => Err(E::missing_field(name)),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v) => Err(E::invalid_type(unexpected(v), &"a string")),
        }
    }

    pub(crate) fn u64<E: Error>(&self, name: &'static str) -> Result<u64, E> {
        self.0
            .get(name)
            .map_or_else(|| Err(E::missing_field(name)), u64_of)
    }

    /// A `u32`.
    pub(crate) fn u32<E: Error>(&self, name: &'static str) -> Result<u32, E> {
        let v = self.0.get(name).ok_or_else(|| E::missing_field(name))?;
        match v {
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => {
                    u32::try_from(u).map_err(|_| E::invalid_value(Unexpected::Unsigned(u), &"u32"))
                }
                (None, Some(i)) => Err(E::invalid_value(Unexpected::Signed(i), &"u32")),
                _ => Err(E::invalid_type(unexpected(v), &"u32")),
            },
            _ => Err(E::invalid_type(unexpected(v), &"u32")),
        }
    }

    /// A `#[serde(default)]` number: 0 when absent.
    pub(crate) fn u64_or_0<E: Error>(&self, name: &'static str) -> Result<u64, E> {
        self.0.get(name).map_or(Ok(0), u64_of)
    }

    /// A `#[serde(default)]` `Option<u64>`: absent or null is `None`.
    pub(crate) fn opt_u64<E: Error>(&self, name: &'static str) -> Result<Option<u64>, E> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => u64_of(v).map(Some),
        }
    }

    pub(crate) fn ids<E: Error>(&self, name: &'static str) -> Result<Vec<u64>, E> {
        match self.0.get(name) {
            None => Err(E::missing_field(name)),
            Some(Value::Array(a)) => a.iter().map(u64_of).collect(),
            Some(v) => Err(E::invalid_type(unexpected(v), &"a sequence")),
        }
    }

    /// A `#[serde(default)]` list: empty when absent.
    pub(crate) fn ids_or_none<E: Error>(&self, name: &'static str) -> Result<Vec<u64>, E> {
        if self.0.contains_key(name) {
            self.ids(name)
        } else {
            Ok(Vec::new())
        }
    }

    /// A `#[serde(default)]` `Option<String>`.
    pub(crate) fn opt_text<E: Error>(&self, name: &'static str) -> Result<Option<String>, E> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(E::invalid_type(unexpected(v), &"a string")),
        }
    }
}

/// For the hand-written readers' tests: each is checked against a copy of the serde-derived
/// reader it replaced.
#[cfg(test)]
pub(crate) mod same_as_derived {
    use alloc::format;
    use alloc::string::{String, ToString};

    /// serde_json's error without its position (the derived reader stopped at the field, a
    /// hand-written one after the object).
    fn text(e: serde_json::Error) -> String {
        let s = e.to_string();
        match s.find(" at line ") {
            Some(k) => s[..k].to_string(),
            None => s,
        }
    }

    /// Both readers on `json`: the same value (as `Debug` text: the names are the same) or the
    /// same error.
    pub(crate) fn same<Ours, Derived>(json: &str)
    where
        Ours: serde::de::DeserializeOwned + core::fmt::Debug,
        Derived: serde::de::DeserializeOwned + core::fmt::Debug,
    {
        let ours = serde_json::from_str::<Ours>(json).map_err(text);
        let theirs = serde_json::from_str::<Derived>(json).map_err(text);
        assert_eq!(
            ours.map(|e| format!("{e:?}")),
            theirs.map(|e| format!("{e:?}")),
            "{json}"
        );
    }
}
