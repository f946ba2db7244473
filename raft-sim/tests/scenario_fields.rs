//! A scenario names only fields the format knows (docs/formats.md: files are never "mostly
//! read"): a misspelt field anywhere is refused with its name, not silently dropped. A typo in a
//! break-it switch used to leave the switch off without a word.

use raft_sim::scenario::Scenario;

fn scenario(options: &str, timeline: &str) -> String {
    format!(
        r#"{{"version":1,"name":"t","options":{options},"timeline":[{timeline}],"expect":[{{"check":"leader","by":2000}}]}}"#
    )
}

fn refused(text: &str, needle: &str) {
    match Scenario::from_json(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => assert!(e.to_string().contains(needle), "{e} (wanted {needle})"),
    }
}

#[test]
fn a_well_formed_scenario_is_read() {
    let s = Scenario::from_json(&scenario(
        r#"{"nodes":3,"break_it":{"commit_old_terms":true},"clients":{"workload":{"kind":"kv","keys":2}}}"#,
        r#"{"at":5,"action":"heal"},{"at":6,"action":"crash","node":1}"#,
    ))
    .unwrap();
    assert!(s.options.break_it.commit_old_terms);
    assert_eq!(s.timeline.len(), 2);
}

#[test]
fn unknown_fields_are_refused_by_name_everywhere() {
    refused(
        &scenario(r#"{"break_it":{"commit_old_term":true}}"#, ""),
        "commit_old_term",
    );
    refused(
        &scenario(
            r#"{"clients":{"workload":{"kind":"kv","keys":2,"keyz":3}}}"#,
            "",
        ),
        "keyz",
    );
    refused(
        &scenario("{}", r#"{"at":5,"action":"heal","bogus":1}"#),
        "bogus",
    );
    refused(
        &scenario("{}", r#"{"at":5,"action":"crash","node":1,"nod":2}"#),
        "nod",
    );
    refused(&scenario(r#"{"nodez":3}"#, ""), "nodez");
}
