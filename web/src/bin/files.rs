//! Scenario and trace files as a part of its own (issue 14): reads a trace for the playground,
//! writes a run's trace or scenario file; the playground downloads this part the first time
//! someone opens a trace or downloads a file (web/src/parts.rs). Trunk builds it as `files.js`
//! (an ES module: `data-type="worker"` with `data-bindgen-target="web"` in index.html, so
//! trunk neither preloads nor starts it) and `files_bg.wasm`. Each function throws why it
//! failed (a string).

use wasm_bindgen::prelude::*;

fn thrown(r: Result<String, String>) -> Result<String, JsValue> {
    r.map_err(|e| JsValue::from_str(&e))
}

/// Reads a trace ([`web::files::read`]): the answer the page opens.
#[wasm_bindgen]
pub fn read(text: &str) -> Result<String, JsValue> {
    thrown(web::files::read(text))
}

/// A run's trace file ([`web::files::trace_file`]).
#[wasm_bindgen]
pub fn trace(run: &str) -> Result<String, JsValue> {
    thrown(web::files::trace_file(run))
}

/// A run's scenario file ([`web::files::scenario_file`]).
#[wasm_bindgen]
pub fn scenario(run: &str, name: &str, description: &str, expect: &str) -> Result<String, JsValue> {
    thrown(web::files::scenario_file(run, name, description, expect))
}

fn main() {}
