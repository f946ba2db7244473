//! The playground's way to the multi-group page (issue 14). The multi-group page is a build of
//! its own (`web/src/bin/groups.rs`, served at [`GROUPS_PAGE`] beside the playground), so
//! the machines view and the multi-group simulator are downloaded only by someone who opens a
//! multi-group run. The playground forwards every request for one there:
//!
//! - a URL that asks for one (`?groups=N` with N ≥ 2, `#groups=…`, a multi-group lesson, a
//!   version-2 `?scenario=`) is handed over whole, query and fragment, before the playground
//!   reads storage or draws anything ([`forward_if_asked`]); the groups page reads it as the
//!   playground used to and says there what is wrong with it;
//! - a run chosen on the page (the New run form, a version-2 file opened or dropped, an
//!   embed's `load`) goes as a `#groups=` link ([`open_in_groups_page`]), a multi-group lesson
//!   as `?lesson=` ([`open_lesson`]), with the page's presentation parameters kept.
//!
//! What is decided here is plain Rust and natively tested; this file reads no scenario beyond
//! its `version` field, so the playground's build keeps no multi-group reader for it.

use serde_json::Value;

use super::lesson::is_group_lesson;
use super::link::{GroupsStart, GROUP_SCENARIOS};
use crate::browser;
use crate::share::{base64url_decode, base64url_encode};
use crate::url_params::{self, PageParams};

/// The multi-group page, relative to the playground's address (`dist/groups/index.html`).
pub const GROUPS_PAGE: &str = "groups/";

/// The playground, relative to the multi-group page's address.
pub const PLAYGROUND: &str = "../";

/// Query parameters that say how the page looks, not what it runs: kept when the playground
/// hands a run it chose to the groups page.
const PRESENTATION: &[&str] = &["embed", "controls", "theme", "speed"];

/// Whether a `?scenario=` value is a version-2 scenario: a built-in one's name, or a JSON
/// object (as text or base64url) whose `version` is 2. Only the version is read; the groups
/// page reads the rest and names what is wrong with it.
pub fn is_v2_param(v: &str) -> bool {
    if GROUP_SCENARIOS.iter().any(|(n, _)| *n == v) {
        return true;
    }
    if v.trim_start().starts_with('{') {
        return is_v2_text(v);
    }
    base64url_decode(v.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|t| is_v2_text(&t))
}

/// Whether a scenario file's text says `"version": 2`.
pub fn is_v2_text(text: &str) -> bool {
    serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}'))
        .ok()
        .and_then(|v| v.get("version").and_then(Value::as_u64))
        == Some(2)
}

/// Whether the URL asks for a multi-group run (what the groups page opens: see
/// [`super::open::from_params`]).
pub fn wants_groups(p: &PageParams) -> bool {
    p.groups_run.is_some()
        || p.lesson.as_deref().is_some_and(is_group_lesson)
        || p.scenario.as_deref().is_some_and(is_v2_param)
        || p.groups.is_some_and(|g| g >= 2)
}

/// The query string `search` keeps for the groups page: its presentation parameters only
/// (with `?`, or empty), then `extra` (already encoded).
fn presentation_query(search: &str, extra: &[(&str, &str)]) -> String {
    let mut kept = url_params::query_pairs(search, |key| PRESENTATION.contains(&key));
    kept.extend(extra.iter().map(|(k, v)| format!("{k}={v}")));
    url_params::query_string(&kept)
}

/// Where the groups page opens `start`, from a playground whose query is `search`.
pub fn start_url(search: &str, start: &GroupsStart) -> String {
    format!(
        "{GROUPS_PAGE}{}#groups={}",
        presentation_query(search, &[]),
        start.encode()
    )
}

/// Where the groups page opens the multi-group lesson `name`.
pub fn lesson_url(search: &str, name: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!(
        "{GROUPS_PAGE}{}",
        presentation_query(search, &[("lesson", &name)])
    )
}

/// In the playground's build: if the URL asks for a multi-group run, replaces the page by the
/// groups page with the same query and fragment (no history entry: the back button leaves
/// both) and says `true`; the caller then draws nothing.
pub fn forward_if_asked() -> bool {
    let (search, hash) = browser::location_parts();
    if !wants_groups(&url_params::parse(&search, &hash)) {
        return false;
    }
    browser::go_to(&format!("{GROUPS_PAGE}{search}{hash}"), true)
}

/// The `?scenario=` value that hands `scenario` (a built-in name, base64url, or a scenario
/// file's JSON text) to the groups page: JSON goes as base64url, the rest as it is (a name
/// or base64url, which [`is_v2_param`] read, are already safe in a URL).
pub fn scenario_value(scenario: &str) -> String {
    let t = scenario.trim_start_matches('\u{feff}');
    if t.trim_start().starts_with('{') {
        base64url_encode(t.as_bytes())
    } else {
        t.trim().to_string()
    }
}

/// Where the groups page opens the version-2 scenario `scenario` (see [`scenario_value`]),
/// from a playground whose query is `search`.
pub fn scenario_url(search: &str, scenario: &str) -> String {
    format!(
        "{GROUPS_PAGE}{}",
        presentation_query(search, &[("scenario", &scenario_value(scenario))])
    )
}

/// In the playground's build: opens the version-2 scenario `scenario` (a file's text, or an
/// embed's payload) in the groups page, which reads it (a history entry).
pub fn open_scenario(scenario: &str) {
    let (search, _) = browser::location_parts();
    browser::go_to(&scenario_url(&search, scenario), false);
}

/// In the playground's build: opens `start` in the groups page (a history entry: back returns
/// to the playground).
pub fn open_in_groups_page(start: &GroupsStart) {
    let (search, _) = browser::location_parts();
    browser::go_to(&start_url(&search, start), false);
}

/// In the playground's build: opens the multi-group lesson `name` in the groups page.
pub fn open_lesson(name: &str) {
    let (search, _) = browser::location_parts();
    browser::go_to(&lesson_url(&search, name), false);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exactly the URLs the groups page opens as multi-group runs are forwarded
    /// (`super::super::open`'s test names the same cases); one group stays the playground.
    #[test]
    fn the_playground_forwards_exactly_the_multi_group_urls() {
        let wants = |q: &str, h: &str| wants_groups(&url_params::parse(q, h));
        assert!(!wants("", ""));
        assert!(!wants("?groups=1&seed=3", ""));
        assert!(!wants("?scenario=leader-crash", ""));
        assert!(!wants("?lesson=crash-the-leader", ""));
        // Beyond the page's limits: the playground says so itself (url_params refuses it).
        assert!(!wants("?groups=12&seed=1", ""));
        assert!(wants("?groups=3&machines=4&seed=3", ""));
        assert!(wants("?scenario=groups-machine-crash", ""));
        assert!(wants("?lesson=one-machine-three-groups", ""));
        assert!(wants("?seed=4", "#groups=anything"));
        let v2 = GROUP_SCENARIOS[0].1;
        assert!(wants(
            &format!("?scenario={}", base64url_encode(v2.as_bytes())),
            ""
        ));
        let v1 = include_str!("../../../scenarios/leader-crash.json");
        assert!(!wants(
            &format!("?scenario={}", base64url_encode(v1.as_bytes())),
            ""
        ));
        // An incomplete version-2 file goes too: the groups page says what it lacks.
        assert!(is_v2_param(r#"{"version": 2}"#));
        assert!(!is_v2_param("{\"version\": 2"));
    }

    /// index.html forwards the plain cases before the playground's .wasm is fetched: the names
    /// it lists are exactly the multi-group lessons and built-in scenarios forwarded here.
    #[test]
    fn the_early_forward_in_index_html_knows_the_same_names() {
        let html = include_str!("../../../index.html");
        let list = |var: &str| -> Vec<String> {
            let line = html
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("var {var} = [")))
                .unwrap_or_else(|| panic!("index.html lists the {var} it forwards"));
            let inner = line.split_once('[').unwrap().1.split_once(']').unwrap().0;
            inner
                .split(',')
                .map(|n| n.trim().trim_matches('"').to_string())
                .filter(|n| !n.is_empty())
                .collect()
        };
        assert_eq!(list("lessons"), super::super::lesson::GROUP_LESSON_NAMES);
        let scenarios: Vec<&str> = GROUP_SCENARIOS.iter().map(|(n, _)| *n).collect();
        assert_eq!(list("scenarios"), scenarios);
        assert!(html.contains(&format!("location.replace(\"{GROUPS_PAGE}\"")));
    }

    /// A run chosen in the playground reaches the groups page whole, with the page's look kept
    /// and what the playground ran dropped; the groups page reads the link back to the same run.
    #[test]
    fn a_chosen_run_travels_as_a_link_the_groups_page_reads() {
        let start = GroupsStart {
            scenario: super::super::link::fresh(4, 6, 11).unwrap(),
            now: 0,
            playing: true,
            lesson: None,
        };
        let url = start_url("?embed=1&seed=3&theme=dark&nodes=5&speed=2", &start);
        let (path, hash) = url.split_once('#').unwrap();
        assert_eq!(path, "groups/?embed=1&theme=dark&speed=2");
        let params = url_params::parse("", &format!("#{hash}"));
        let back = GroupsStart::decode(params.groups_run.as_deref().unwrap()).unwrap();
        assert_eq!(back, start);
        assert_eq!(start_url("", &start).split('#').next(), Some("groups/"));
        assert_eq!(
            lesson_url("?seed=1&controls=minimal", "one-machine-three-groups"),
            "groups/?controls=minimal&lesson=one-machine-three-groups"
        );
    }

    /// A version-2 scenario handed to the playground (a file, an embed's `load`) reaches the
    /// groups page as `?scenario=`, which the groups page reads back to the same scenario: the
    /// playground reads nothing of it but its version (issue 14: no multi-group reader in the
    /// playground's build).
    #[test]
    fn a_handed_scenario_travels_as_a_parameter_the_groups_page_reads() {
        let text = GROUP_SCENARIOS[0].1;
        let want = super::super::link::scenario_text(text).unwrap().unwrap();
        let read_back = |url: &str| {
            let (path, query) = url.split_once('?').unwrap();
            assert_eq!(path, GROUPS_PAGE);
            let p = url_params::parse(&format!("?{query}"), "");
            assert!(wants_groups(&p), "{url} is a multi-group run");
            super::super::link::scenario_param(p.scenario.as_deref().unwrap())
                .unwrap()
                .unwrap()
        };
        // A file's text (with a byte order mark), the embed's JSON, its base64url, its name.
        for given in [
            format!("\u{feff}{text}"),
            text.to_string(),
            base64url_encode(text.as_bytes()),
            GROUP_SCENARIOS[0].0.to_string(),
        ] {
            let url = scenario_url("?embed=1&seed=3&speed=2", &given);
            let value = url
                .strip_prefix("groups/?embed=1&speed=2&scenario=")
                .unwrap_or_else(|| panic!("{url}"));
            // Safe in a URL as it is: nothing a browser would split, drop or escape.
            assert!(
                value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{url:.80}"
            );
            assert_eq!(read_back(&url), want, "{given:.40}");
        }
    }
}
