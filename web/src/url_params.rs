//! The page's URL parameters, parsed in plain Rust. An invalid value never stops the page: it
//! is replaced by its default and explained in [`PageParams::problems`].
//!
//! | parameter | values |
//! | --- | --- |
//! | `nodes` | 1 to 9 |
//! | `seed` | a whole number (decimal or `0x` hex) |
//! | `scenario` | a built-in name (`leader-election`…), or base64url of a scenario file |
//! | `lesson` | a lesson name (`crash-the-leader`…) |
//! | `speed` | speed factor, 0.001 to 10 (1 = real time) |
//! | `autoplay` | `1`/`0` (`true`/`false`) |
//! | `controls` | `full`, `minimal`, `none` |
//! | `theme` | `light`, `dark`, `auto` |
//! | `embed` | `1`: compact layout for iframes |
//! | `groups` | 1 (the default: one Raft group) to 8: a multi-group run ([`crate::groups`]) |
//! | `machines` | 1 to 9: the machines of a multi-group run (default 5) |
//!
//! The fragment `#run=…` carries a whole run (see [`crate::share`]); `#groups=…` a
//! multi-group run ([`crate::groups::link`]).

/// How much of the interface to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlsMode {
    /// The whole playground.
    Full,
    /// The cluster and a small bar (play/pause, step, restart, time).
    Minimal,
    /// The cluster only.
    None,
}

/// Colour theme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow the system.
    Auto,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// Value of the root's `data-theme` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// Everything the URL asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct PageParams {
    /// Cluster size for a fresh run.
    pub nodes: Option<u32>,
    /// Seed for a fresh run.
    pub seed: Option<u64>,
    /// A built-in scenario name, or an encoded scenario.
    pub scenario: Option<String>,
    /// A lesson name.
    pub lesson: Option<String>,
    /// Speed factor.
    pub speed: Option<f64>,
    /// Start playing (None: the default for what is opened).
    pub autoplay: Option<bool>,
    /// Interface.
    pub controls: ControlsMode,
    /// Theme.
    pub theme: Theme,
    /// Compact layout for an iframe.
    pub embed: bool,
    /// `#run=` payload.
    pub run: Option<String>,
    /// Raft groups of a fresh run (1: the default single-group page).
    pub groups: Option<u32>,
    /// Machines of a multi-group run.
    pub machines: Option<u32>,
    /// `#groups=` payload (a multi-group run).
    pub groups_run: Option<String>,
    /// What was wrong with the URL, one sentence each.
    pub problems: Vec<String>,
}

/// Decodes `%XX` escapes and `+` (as a space); a bad escape is kept as written.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// What a bad seed or node count becomes: the page then opens what it would without it (the
/// saved run, or a fresh one), which the notice must not misstate (it said "using a random
/// seed" over a resumed saved run).
const IGNORED: &str = "it is ignored";

/// Parses `search` (`?a=1&b=2`, the leading `?` optional) and `hash` (`#run=…`).
pub fn parse(search: &str, hash: &str) -> PageParams {
    let mut p = PageParams {
        nodes: None,
        seed: None,
        scenario: None,
        lesson: None,
        speed: None,
        autoplay: None,
        controls: ControlsMode::Full,
        theme: Theme::Auto,
        embed: false,
        run: None,
        groups: None,
        machines: None,
        groups_run: None,
        problems: Vec::new(),
    };
    let mut controls: Option<ControlsMode> = None;
    for pair in search.trim_start_matches('?').split('&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k);
        let value = percent_decode(v);
        let v = value.trim();
        let mut bad = |what: &str, instead: &str| {
            p.problems.push(format!(
                "URL parameter {key}={v:?} is not valid ({what}); {instead}."
            ));
        };
        match key.as_str() {
            "nodes" => match v.parse::<u32>() {
                Ok(n) if (1..=9).contains(&n) => p.nodes = Some(n),
                _ => bad("a cluster of 1 to 9 nodes", IGNORED),
            },
            "seed" => {
                let t = v.replace('_', "");
                let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                    Some(h) => u64::from_str_radix(h, 16),
                    None => t.parse::<u64>(),
                };
                match parsed {
                    Ok(s) => p.seed = Some(s),
                    Err(_) => bad("a whole number such as 42 or 0x2a", IGNORED),
                }
            }
            "scenario" if !v.is_empty() => p.scenario = Some(v.to_string()),
            "lesson" if !v.is_empty() => p.lesson = Some(v.to_string()),
            "speed" => match v.trim_end_matches(['x', '×']).parse::<f64>() {
                Ok(s) if (0.001..=10.0).contains(&s) => p.speed = Some(s),
                _ => bad("a speed factor from 0.001 to 10", "using the default speed"),
            },
            "autoplay" => match parse_bool(v) {
                Some(b) => p.autoplay = Some(b),
                None => bad("1 or 0", "using the default"),
            },
            "controls" => match v {
                "full" => controls = Some(ControlsMode::Full),
                "minimal" => controls = Some(ControlsMode::Minimal),
                "none" => controls = Some(ControlsMode::None),
                _ => bad("full, minimal or none", "using the default controls"),
            },
            "theme" => match v {
                "auto" => p.theme = Theme::Auto,
                "light" => p.theme = Theme::Light,
                "dark" => p.theme = Theme::Dark,
                _ => bad("light, dark or auto", "using auto"),
            },
            "embed" => match parse_bool(v) {
                Some(b) => p.embed = b,
                None => bad("1 or 0", "using the full page"),
            },
            "groups" => match v.parse::<u32>() {
                Ok(n) if (1..=crate::groups::run::MAX_PAGE_GROUPS).contains(&n) => {
                    p.groups = Some(n)
                }
                _ => bad(
                    "1 to 8 Raft groups: the playground draws at most 8",
                    "using one group",
                ),
            },
            "machines" => match v.parse::<u32>() {
                Ok(n) if (1..=crate::groups::run::MAX_PAGE_MACHINES).contains(&n) => {
                    p.machines = Some(n)
                }
                _ => bad(
                    "1 to 9 machines: the playground draws at most 9",
                    "using 5 machines",
                ),
            },
            "scenario" | "lesson" => bad("a name", "using nothing"),
            _ => p
                .problems
                .push(format!("Unknown URL parameter {key:?} was ignored.")),
        }
    }
    p.controls = controls.unwrap_or(if p.embed {
        ControlsMode::Minimal
    } else {
        ControlsMode::Full
    });
    for part in hash.trim_start_matches('#').split('&') {
        if let Some(run) = part.strip_prefix("run=") {
            p.run = Some(run.to_string());
        }
        if let Some(run) = part.strip_prefix("groups=") {
            p.groups_run = Some(run.to_string());
        }
    }
    p
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "" | "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// log10 of a speed factor, as the speed slider holds it.
pub fn speed_log(factor: f64) -> f64 {
    factor.log10().clamp(-3.0, 1.0)
}

/// The parameters that name a run (which one to open); the others say how to show it.
const RUN_KEYS: [&str; 6] = ["seed", "nodes", "lesson", "scenario", "groups", "machines"];

/// The query for the page's address once the person has opened another run in the page (a
/// lesson, a scenario, a file, a fresh run): `search` without the parameters that named the
/// run it was opened with, plus `lesson=NAME` when the new run is a lesson. The rest (speed,
/// controls, theme, …) stays, in its order. A reload then resumes what is on screen (the
/// stored run) instead of reopening the old link's run; empty when nothing is left.
pub fn search_after_load(search: &str, lesson: Option<&str>) -> String {
    let mut kept = query_pairs(search, |key| {
        !RUN_KEYS.contains(&percent_decode(key).as_str())
    });
    if let Some(name) = lesson {
        // Lesson names are slugs; anything else is escaped so the address stays one parameter.
        let escaped: String = name
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        kept.insert(0, format!("lesson={escaped}"));
    }
    query_string(&kept)
}

/// The `key=value` pairs of `search` (`?a=1&b=2`, the `?` optional) whose key, as written
/// (not decoded), `keep` accepts, in their order; empty pairs are dropped.
pub fn query_pairs(search: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && keep(pair.split_once('=').map_or(pair, |(k, _)| k)))
        .map(str::to_string)
        .collect()
}

/// A query string of `pairs`: `?` and the pairs joined by `&`, or empty when there are none.
pub fn query_string(pairs: &[String]) -> String {
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_parses() {
        let p = parse(
            "?nodes=3&seed=0x2a&scenario=leader-election&lesson=split-vote&speed=0.5&autoplay=0&controls=none&theme=dark&embed=1",
            "#run=abc",
        );
        assert_eq!(p.nodes, Some(3));
        assert_eq!(p.seed, Some(42));
        assert_eq!(p.scenario.as_deref(), Some("leader-election"));
        assert_eq!(p.lesson.as_deref(), Some("split-vote"));
        assert_eq!(p.speed, Some(0.5));
        assert_eq!(p.autoplay, Some(false));
        assert_eq!(p.controls, ControlsMode::None);
        assert_eq!(p.theme, Theme::Dark);
        assert!(p.embed);
        assert_eq!(p.run.as_deref(), Some("abc"));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }

    #[test]
    fn defaults_follow_embed() {
        let p = parse("", "");
        assert_eq!(p.controls, ControlsMode::Full);
        assert_eq!(parse("?embed=1", "").controls, ControlsMode::Minimal);
        assert_eq!(parse("embed", "").controls, ControlsMode::Minimal);
    }

    #[test]
    fn invalid_values_fall_back_and_explain() {
        let p = parse(
            "?nodes=42&seed=abc&speed=fast&controls=some&theme=pink&autoplay=maybe&embed=2&colour=red",
            "",
        );
        assert_eq!(p.nodes, None);
        assert_eq!(p.seed, None);
        assert_eq!(p.speed, None);
        assert_eq!(p.controls, ControlsMode::Full);
        assert_eq!(p.theme, Theme::Auto);
        assert_eq!(p.problems.len(), 8, "{:?}", p.problems);
        assert!(p.problems[0].contains("nodes=\"42\""));
        assert!(p.problems[0].contains("1 to 9"));
        assert!(p.problems[7].contains("colour"));
    }

    /// Groups and machines beyond what the page draws are refused with the limit named.
    #[test]
    fn groups_and_machines_parse_within_the_page_limits() {
        let p = parse("?groups=3&machines=7", "#groups=abc");
        assert_eq!((p.groups, p.machines), (Some(3), Some(7)));
        assert_eq!(p.groups_run.as_deref(), Some("abc"));
        assert!(p.problems.is_empty());
        let p = parse("?groups=9&machines=10", "");
        assert_eq!((p.groups, p.machines), (None, None));
        assert!(p.problems[0].contains("at most 8"), "{:?}", p.problems);
        assert!(p.problems[1].contains("at most 9"), "{:?}", p.problems);
    }

    #[test]
    fn escapes_decode() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(parse("?speed=2%C3%97", "").speed, Some(2.0));
    }

    #[test]
    fn speed_log_is_clamped() {
        assert_eq!(speed_log(1.0), 0.0);
        assert_eq!(speed_log(100.0), 1.0);
    }

    #[test]
    fn an_address_after_a_load_names_only_the_run_on_screen() {
        assert_eq!(search_after_load("", None), "");
        assert_eq!(search_after_load("?seed=42&nodes=3", None), "");
        assert_eq!(
            search_after_load(
                "?lesson=crash-the-leader&speed=1&theme=dark",
                Some("split-vote")
            ),
            "?lesson=split-vote&speed=1&theme=dark"
        );
        assert_eq!(
            search_after_load("?se%65d=4&scenario=x&groups=3&machines=2&autoplay=0", None),
            "?autoplay=0"
        );
        assert_eq!(
            search_after_load("?seed=1", Some("a b&c")),
            "?lesson=a%20b%26c"
        );
        // What it writes reads back as the same lesson.
        let again = parse(&search_after_load("?nodes=3", Some("a b&c")), "");
        assert_eq!(again.lesson.as_deref(), Some("a b&c"));
        assert!(again.problems.is_empty());
    }
}
