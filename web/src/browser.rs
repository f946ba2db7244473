//! The browser glue the page needs: a fresh seed, the wall clock, storage, the address bar,
//! downloads, the clipboard, files, and messages to an embedding page. Thin wrappers: every
//! decision is made in the plain-Rust modules.

use wasm_bindgen::{JsCast, JsValue};

/// Where the current run is kept between visits.
pub const STORAGE_KEY: &str = "raft-playground.run";
/// Set once the first-visit walkthrough was finished or skipped (ui/walkthrough.rs).
pub const WALKTHROUGH_KEY: &str = "raft-playground.walkthrough";
/// Where a stored run that could not be read is set aside.
pub const BROKEN_KEY: &str = "raft-playground.run.broken";

/// A seed from the browser's `crypto.getRandomValues`; a fixed one if the browser refuses (a
/// seed only has to be replayable, not secret). Kept below 2^53 so it survives a round trip
/// through a text field and JavaScript numbers.
pub fn fresh_seed() -> u64 {
    getrandom::u64().unwrap_or(0x5EED) % 1_000_000
}

/// The wall clock, ms: `performance.now()`, or 0 where the browser has no performance timer
/// (a frame then never runs out of time and is capped by its event budget alone).
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Bytes of the page's WebAssembly linear memory (0 off the browser). It only ever grows: the
/// high-water mark of what the simulation held.
pub fn wasm_memory_bytes() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size::<0>() as u64 * 65_536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn storage() -> Option<web_sys::Storage> {
    // Private modes may refuse storage: the page then simply does not remember.
    window().and_then(|w| w.local_storage().ok().flatten())
}

/// The stored run, if any.
pub fn load_run() -> Option<String> {
    storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
}

/// Stores the run (best effort: a full or refused storage is not an error for the person).
pub fn save_run(json: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(STORAGE_KEY, json);
    }
}

/// Sets a stored run that could not be read aside, so nothing is lost.
pub fn set_aside_stored_run() {
    if let (Some(s), Some(text)) = (storage(), load_run()) {
        let _ = s.set_item(BROKEN_KEY, &text);
    }
}

/// Whether the walkthrough was seen (finished or skipped) in this browser. A browser that
/// refuses storage counts as having seen it: it could never remember the answer.
pub fn walkthrough_seen() -> bool {
    storage().is_none_or(|s| s.get_item(WALKTHROUGH_KEY).ok().flatten().is_some())
}

/// Remembers that the walkthrough was seen.
pub fn set_walkthrough_seen() {
    if let Some(s) = storage() {
        let _ = s.set_item(WALKTHROUGH_KEY, "seen");
    }
}

/// Forgets the stored run.
pub fn clear_run() {
    if let Some(s) = storage() {
        let _ = s.remove_item(STORAGE_KEY);
    }
}

/// `location.search` and `location.hash`.
pub fn location_parts() -> (String, String) {
    let loc = window().map(|w| w.location());
    let get = |f: fn(&web_sys::Location) -> Result<String, JsValue>| {
        loc.as_ref().and_then(|l| f(l).ok()).unwrap_or_default()
    };
    (get(web_sys::Location::search), get(web_sys::Location::hash))
}

/// The page's address without query or fragment (where share links point).
pub fn page_base() -> String {
    let Some(loc) = window().map(|w| w.location()) else {
        return String::new();
    };
    format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    )
}

/// Goes to `url` (relative to the page's address): replacing the page in the history, or as a
/// new entry. `false`: there is no window or the browser refused the address.
pub fn go_to(url: &str, replace: bool) -> bool {
    let Some(loc) = window().map(|w| w.location()) else {
        return false;
    };
    let done = if replace {
        loc.replace(url)
    } else {
        loc.assign(url)
    };
    done.is_ok()
}

/// Sets the address bar's query to `search` (`""` or `?a=1`) and drops its fragment, without
/// reloading or adding a history entry.
pub fn replace_search(search: &str) {
    if let Some(w) = window() {
        let url = format!("{}{}", w.location().pathname().unwrap_or_default(), search);
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
        }
    }
}

/// Drops the fragment from the address bar without reloading.
pub fn clear_hash() {
    replace_search(&location_parts().0);
}

/// Offers `text` as a file download.
pub fn download(filename: &str, text: &str, mime: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let doc = window().and_then(|w| w.document());
    if let Some(a) = doc
        .and_then(|d| d.create_element("a").ok())
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(filename);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Copies text to the clipboard (best effort; the text stays selectable on the page).
pub fn copy(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Reads a file as text, then calls `done` with it (or with the reason it failed).
pub fn read_file(file: web_sys::File, done: impl FnOnce(Result<String, String>) + 'static) {
    let name = file.name();
    wasm_bindgen_futures::spawn_local(async move {
        let r = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|v| v.as_string())
            .ok_or_else(|| format!("{name} could not be read as text"));
        done(r);
    });
}

/// True when the page runs inside a frame.
pub fn in_frame() -> bool {
    let Some(w) = window() else { return false };
    match w.parent() {
        Ok(Some(p)) => !js_sys::Object::is(&p, &w),
        _ => false,
    }
}

/// Posts a JSON event to the embedding page, if there is one.
pub fn post_to_parent(json: &str) {
    let Some(w) = window() else { return };
    if !in_frame() {
        return;
    }
    if let (Ok(Some(p)), Ok(v)) = (w.parent(), js_sys::JSON::parse(json)) {
        let _ = p.post_message(&v, "*");
    }
}

/// Sets an attribute on the root element (`data-theme`, `data-embed`).
pub fn set_root_attr(name: &str, value: &str) {
    if let Some(root) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute(name, value);
    }
}

/// Moves the keyboard focus to the first element `selector` matches (e.g. `#tab-events`, or a
/// focusable SVG node `g[data-node]`), if there is one and it can take it.
pub fn focus_first(selector: &str) {
    let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
    else {
        return;
    };
    let _ = match el.dyn_into::<web_sys::HtmlElement>() {
        Ok(html) => html.focus(),
        Err(el) => match el.dyn_into::<web_sys::SvgElement>() {
            Ok(svg) => svg.focus(),
            Err(_) => Ok(()),
        },
    };
}

/// The element a page's Yew app renders into: a `<div id="app-root">` of its own, appended to
/// the body (or the body itself if the element cannot be made). Not the body: Yew handles
/// every event under its root and finds handlers by numbers it writes on elements, numbering
/// from the same start in every app, so a second Yew app under the first one's root (the
/// "Your Raft…" part, bin/your_raft.rs) had its clicks run the first app's handlers of the same
/// numbers. With each app under a root of its own, neither sees the other's events.
pub(crate) fn app_root() -> Option<web_sys::Element> {
    let doc = window()?.document()?;
    let body = doc.body()?;
    match doc.create_element("div") {
        Ok(root) => {
            root.set_id("app-root");
            body.append_child(&root).ok()?;
            Some(root)
        }
        Err(_) => Some(body.into()),
    }
}
