//! What the URL asks the page to open as a multi-group run (a `#groups=` link, a multi-group
//! lesson, a version-2 `?scenario=`, `?groups=N`). Apart from [`super::link`] and
//! [`super::lesson`], which it uses both.

use super::lesson;
use super::link::{fresh, scenario_param, GroupsStart, DEFAULT_MACHINES};

/// What the URL asks to open as a multi-group run, if anything: a `#groups=` link, a
/// multi-group lesson, a version-2 `?scenario=`, or `?groups=N` with N ≥ 2 (one group is the
/// single-group page). `Err`: it asked for one that cannot open (the sentence says why; the
/// page then opens as usual).
pub fn from_params(
    p: &crate::url_params::PageParams,
    seed: u64,
) -> Result<Option<GroupsStart>, String> {
    if let Some(payload) = &p.groups_run {
        return GroupsStart::decode(payload).map(Some);
    }
    if let Some(l) = p.lesson.as_deref().filter(|l| lesson::is_group_lesson(l)) {
        return lesson::start(l).map(Some);
    }
    if let Some(v) = &p.scenario {
        if let Some(s) = scenario_param(v)? {
            return Ok(Some(GroupsStart {
                scenario: s,
                now: 0,
                playing: p.autoplay.unwrap_or(true),
                lesson: None,
            }));
        }
    }
    match p.groups {
        Some(g) if g >= 2 => Ok(Some(GroupsStart {
            scenario: fresh(
                g,
                p.machines.unwrap_or(DEFAULT_MACHINES),
                p.seed.unwrap_or(seed),
            )?,
            now: 0,
            playing: p.autoplay.unwrap_or(true),
            lesson: None,
        })),
        _ => Ok(None),
    }
}

/// [`from_params`] for the groups page: a URL that names no run at all opens a fresh one of 3
/// groups on [`DEFAULT_MACHINES`] machines (with the URL's `seed` if it has one); one that
/// names a single-group run gets the playground's page, drawn in this build.
pub fn from_params_or_default(
    p: &crate::url_params::PageParams,
    seed: u64,
) -> Result<Option<GroupsStart>, String> {
    let names_a_run = p.lesson.is_some() || p.scenario.is_some() || p.groups.is_some();
    match from_params(p, seed)? {
        Some(s) => Ok(Some(s)),
        // A single-group lesson, scenario or `groups=1`: the playground's page, drawn here.
        None if names_a_run => Ok(None),
        None => from_params(
            &crate::url_params::PageParams {
                groups: Some(3),
                ..p.clone()
            },
            seed,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One group stays the default: nothing in the URL, or `groups=1`, opens no multi-group
    /// run; `groups=3`, a version-2 scenario and the lesson do.
    #[test]
    fn the_url_opens_a_multi_group_run_only_when_asked() {
        let of = |q: &str, h: &str| from_params(&crate::url_params::parse(q, h), 9).unwrap();
        assert_eq!(of("", ""), None);
        assert_eq!(of("?groups=1&seed=3", ""), None);
        assert_eq!(of("?scenario=leader-crash", ""), None);
        assert_eq!(of("?lesson=crash-the-leader", ""), None);
        let s = of("?groups=3&machines=4&seed=3", "").unwrap();
        assert_eq!((s.scenario.groups.len(), s.scenario.machines), (3, 4));
        assert_eq!(s.scenario.options.seed, 3);
        assert!(of("?scenario=groups-machine-crash", "").is_some());
        let l = of("?lesson=one-machine-three-groups", "").unwrap();
        assert_eq!(l.lesson.as_deref(), Some("one-machine-three-groups"));
        let link = format!("#groups={}", s.encode());
        assert_eq!(of("", &link), Some(s));
    }
}
