//! One way between JSON and the simulator's types, for the sake of the page's size.
//!
//! serde generates a type's deserializer once per *source* it reads from. Reading some files
//! straight from text (`serde_json::from_str`) and others from an already parsed
//! [`serde_json::Value`] (`serde_json::from_value`) compiled every shared type (options,
//! actions, trace records...) twice, plus serde_json's whole `Value` deserializer: about 59 KiB
//! of the page's wasm (twiggy, 2026-12-06). [`from_value`] reads a `Value` through the text
//! path instead, so each type is compiled once; [`to_value`] does the same for serializing
//! (serde_json's `Value` serializer beside its text serializer). Hand-written because serde_json has no such
//! function: it is three lines.
//!
//! Cost: the value is printed and parsed again, a few microseconds for the small objects this
//! is used on (headers, options, one trace record). Exact for everything the formats hold
//! (integers, strings, booleans, arrays, objects): `docs/formats.md` has no floating-point
//! field, and serde_json prints integers and strings back exactly as it read them.

use alloc::string::ToString;

use serde::de::{DeserializeOwned, Error as _};
use serde::Serialize;
use serde_json::Value;

pub(crate) mod fields;

/// `serde_json::from_value`, through the text deserializer (see the module doc). Its error
/// reads as `from_value`'s: the message without a position (a position in the reprinted text
/// would point nowhere in the person's file).
pub fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, serde_json::Error> {
    serde_json::from_str(&v.to_string()).map_err(|e| {
        let text = e.to_string();
        let suffix = alloc::format!(" at line {} column {}", e.line(), e.column());
        serde_json::Error::custom(text.strip_suffix(&suffix).unwrap_or(&text))
    })
}

/// `serde_json::to_value`, through the text serializer (see the module doc). The same value:
/// objects are `serde_json::Map`s, which sort their keys either way.
pub fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Value, serde_json::Error> {
    serde_json::from_str(&serde_json::to_string(v)?)
}

#[cfg(test)]
mod tests {
    use super::{from_value, to_value};
    use crate::{Action, SimOptions};
    use alloc::string::ToString;
    use serde_json::json;

    #[test]
    fn same_values_and_errors_as_serde_jsons_value_functions() {
        let good = json!({ "action": "crash", "node": 2 });
        assert_eq!(
            from_value::<Action>(&good).unwrap(),
            serde_json::from_value::<Action>(good.clone()).unwrap()
        );
        let options = serde_json::to_value(SimOptions::default()).unwrap();
        assert_eq!(
            from_value::<SimOptions>(&options).unwrap(),
            SimOptions::default()
        );
        for value in [
            serde_json::to_value(SimOptions::default()).unwrap(),
            serde_json::to_value(Action::Partition {
                groups: alloc::vec![alloc::vec![1, 2], alloc::vec![3]],
            })
            .unwrap(),
            json!({ "z": 1, "a": [u64::MAX, "x", null, true, { "b": -3 }] }),
        ] {
            assert_eq!(to_value(&value).unwrap(), value);
        }
        assert_eq!(
            to_value(&SimOptions::default()).unwrap(),
            serde_json::to_value(SimOptions::default()).unwrap()
        );
        for bad in [
            json!({ "action": "crash" }),
            json!({ "action": "crash", "node": "two" }),
            json!({ "action": "fly", "node": 2 }),
            json!({ "action": "crash", "node": 2, "extra": 1 }),
            json!([1, 2]),
        ] {
            let ours = from_value::<Action>(&bad).unwrap_err().to_string();
            let theirs = serde_json::from_value::<Action>(bad.clone())
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs, "{bad}");
            assert!(!ours.contains(" at line "), "{ours}");
        }
    }
}
