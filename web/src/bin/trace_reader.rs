//! The trace reader as a part of its own (issue 14): reads a trace file for the playground,
//! which downloads this part the first time someone opens a trace (web/src/parts.rs). Trunk
//! builds it as `trace_reader.js` (an ES module: `data-type="worker"` with
//! `data-bindgen-target="web"` in index.html, so trunk neither preloads nor starts it) and
//! `trace_reader_bg.wasm`.

use wasm_bindgen::prelude::*;

/// Reads a trace ([`web::read_trace`]): the answer the page opens, or throws why the trace
/// cannot be opened (a string).
#[wasm_bindgen]
pub fn read(text: &str) -> Result<String, JsValue> {
    web::read_trace(text).map_err(|e| JsValue::from_str(&e))
}

fn main() {}
