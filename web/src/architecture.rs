//! Checks of the page's source layout, run with the unit tests (STYLE.md, "Where ours stands"):
//! no import circle between files, no file over [`MAX_LINES`] lines, and no JavaScript snippet.
//!
//! An import is any `crate::…` or `super::…` path in a file's code (a `use` line, a re-export or
//! a path written inline; also one that starts at a child module or `self`), outside comments and outside its `#[cfg(test)] mod tests` (a test
//! may use anything). It points at the file of the longest module prefix of the path, so
//! `use super::cluster::name` in `view_model/health.rs` is an import of `view_model/cluster.rs`,
//! and `use super::ViewModel` one of `view_model.rs`. A `mod` line declares a child; it is not
//! an import.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Most lines a file of the page may have.
const MAX_LINES: usize = 900;

/// Every `.rs` file under `src/`, by module path ("" for `lib.rs`, "view_model::health").
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, String>) {
        for entry in fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                let mut p = prefix.to_vec();
                p.push(stem);
                walk(&path, &p, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut p = prefix.to_vec();
                if !(prefix.is_empty() && stem == "lib" || stem == "mod") {
                    p.push(stem);
                }
                out.insert(p.join("::"), fs::read_to_string(&path).expect("readable"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut out,
    );
    out
}

/// The code of a file: comments, string and character literals blanked, and its test module
/// (from `#[cfg(test)]` followed by `mod tests`) cut off.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let c: Vec<char> = text.chars().collect();
    let at = |j: usize| c.get(j).copied().unwrap_or(' ');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let after_ident = i > 0 && is_ident(c[i - 1]);
        if c[i] == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == '*' {
            i += 2;
            while i < c.len() && !(c[i] == '*' && at(i + 1) == '/') {
                i += 1;
            }
            i += 2;
        } else if c[i] == 'r'
            && !after_ident
            && matches!((at(i + 1), at(i + 2)), ('"', _) | ('#', '"') | ('#', '#'))
        {
            // A raw string: r"…", r#"…"#, r##"…"##.
            i += 1;
            let mut hashes = 0;
            while at(i) == '#' {
                hashes += 1;
                i += 1;
            }
            i += 1;
            while i < c.len() && !(c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#')) {
                i += 1;
            }
            i += 1 + hashes;
            out.push(' ');
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c[i] == '\'' && (at(i + 1) == '\\' || at(i + 2) == '\'') {
            // A character literal ('x', '\n', '\''); a lifetime has no closing quote.
            i += 2;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

fn is_ident(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_'
}

/// The paths of the use tree or path starting at `s` (just after `crate::` or `super::`), each
/// as its segments; `{a, b::{c, self}}` expands to `a`, `b::c`, `b`.
fn paths(s: &[char], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && s[*i].is_whitespace() {
            *i += 1;
        }
    };
    let mut path = prefix;
    loop {
        skip_ws(i);
        if *i < s.len() && s[*i] == '{' {
            *i += 1;
            loop {
                skip_ws(i);
                if *i >= s.len() || s[*i] == '}' {
                    *i += 1;
                    return;
                }
                paths(s, i, path.clone(), out);
                skip_ws(i);
                if *i < s.len() && s[*i] == ',' {
                    *i += 1;
                }
            }
        }
        let start = *i;
        while *i < s.len() && (is_ident(s[*i]) || s[*i] == '*') {
            *i += 1;
        }
        let word: String = s[start..*i].iter().collect();
        if !word.is_empty() && word != "self" && word != "*" {
            path.push(word);
        }
        if s.get(*i) == Some(&':') && s.get(*i + 1) == Some(&':') {
            *i += 2;
            continue;
        }
        // `as name` and anything after the path do not matter.
        out.push(path);
        return;
    }
}

/// The files each file imports, by module path.
fn imports(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (module, text) in files {
        let own: Vec<String> = module
            .split("::")
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        // Paths may also start at a child module (`use cluster::name`) or at `self::`.
        let children: Vec<String> = files
            .keys()
            .filter_map(|m| {
                let rest = if own.is_empty() {
                    Some(m.as_str())
                } else {
                    m.strip_prefix(module.as_str())?.strip_prefix("::")
                };
                rest.filter(|r| !r.is_empty() && !r.contains("::"))
                    .map(|r| format!("{r}::"))
            })
            .chain(["self::".to_string()])
            .collect();
        let s: Vec<char> = code(text).chars().collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i < s.len() {
            let at_word = i == 0 || !is_ident(s[i - 1]) && s[i - 1] != ':';
            let starts = |w: &str| s[i..].iter().take(w.len()).copied().eq(w.chars());
            if at_word && (starts("crate::") || starts("super::")) {
                let mut base = own.clone();
                let mut j = i;
                if starts("crate::") {
                    base.clear();
                    j += "crate::".len();
                } else {
                    while s[j..].iter().take(7).copied().eq("super::".chars()) {
                        base.pop();
                        j += "super::".len();
                    }
                }
                paths(&s, &mut j, base, &mut found);
                i = j;
            } else if let Some(c) = children.iter().find(|c| at_word && starts(c)) {
                let mut j = i;
                if c == "self::" {
                    j += c.len();
                }
                paths(&s, &mut j, own.clone(), &mut found);
                i = j;
            } else {
                i += 1;
            }
        }
        let mut to = BTreeSet::new();
        for p in found {
            let target = (0..=p.len())
                .rev()
                .map(|k| p[..k].join("::"))
                .find(|m| files.contains_key(m))
                .expect("lib.rs matches the empty path");
            if target != *module {
                to.insert(target);
            }
        }
        graph.insert(module.clone(), to);
    }
    graph
}

/// A circle in `graph`, if there is one: the files on it, the first repeated at the end.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(k) = stack.iter().position(|s| s == m) {
            let mut c = stack[k..].to_vec();
            c.push(m.to_string());
            return Some(c);
        }
        if !done.insert(m.to_string()) {
            return None;
        }
        stack.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let graph = imports(&sources());
    // The reader sees what it should (a broken reader would find no circle either).
    let has = |a: &str, b: &str| graph[a].contains(b);
    assert!(has("app", "sim_driver"));
    assert!(has("ui::menu", "sim_driver"));
    assert!(has("sim_driver::reducer", "sim_driver::driver"));
    assert!(has("view_model::health", "view_model"));
    assert!(has("view_model::health", "view_model::cluster"));
    assert!(has("view_model", "view_model::cluster"));
    assert!(!has("view_model", "view_model::health"));
    if let Some(c) = circle(&graph) {
        panic!("import circle: {}", c.join(" → "));
    }
}

#[test]
fn the_reader_expands_use_trees_and_skips_comments_and_tests() {
    let files: BTreeMap<String, String> = [
        ("", "mod a;\nuse a::e::T;\nfn main() { b::run() }\n"),
        ("a", "use crate::b::{self, x};\n// use crate::c;\nfn f() { crate::d::g(\"crate::c\") }\n#[cfg(test)]\nmod tests {\n    use crate::c;\n}\n"),
        ("a::e", "use super::{f::Y, Z};\nfn g() { self::h(); }\n"),
        ("a::f", "use super::super::b::X as W;\n"),
        ("b", ""),
        ("c", ""),
        ("d", ""),
    ]
    .into_iter()
    .map(|(m, t)| (m.to_string(), t.to_string()))
    .collect();
    let g = imports(&files);
    let set = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(g[""], set(&["a::e", "b"]));
    assert_eq!(g["a"], set(&["b", "d"]));
    assert_eq!(g["a::e"], set(&["a", "a::f"]));
    assert_eq!(g["a::f"], set(&["b"]));
    assert_eq!(circle(&g), None);
    let mut g = g;
    g.get_mut("b").unwrap().insert("a::e".into());
    assert_eq!(
        circle(&g).map(|c| c.join(" → ")),
        Some("a::e → a → b → a::e".into())
    );
}

#[test]
fn no_file_is_over_the_line_limit() {
    for (module, text) in sources() {
        let n = text.lines().count();
        assert!(n <= MAX_LINES, "{module}: {n} lines; split it by concern");
    }
}

/// No wasm-bindgen JavaScript snippet (`inline_js = …` or `module = "…"`) in the page's code:
/// trunk builds the page's binaries of this crate at once, each writing the crate's snippets
/// to the same file, and a release build once hashed that file for index.html's integrity
/// attribute while another binary's build had it truncated; the browser then refused the
/// snippet and the page never started. JavaScript the page needs goes in its inline script
/// (index.html; `web/src/parts.rs` says why).
#[test]
fn no_file_has_a_javascript_snippet() {
    // Written in two pieces, so that this file does not match them itself.
    let snippet = [concat!("inline", "_js="), concat!("module", "=\"")];
    for (module, text) in sources() {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(
                !snippet.iter().any(|s| squeezed.contains(s)),
                "{module}, line {}: a wasm-bindgen JavaScript snippet: {}",
                n + 1,
                line.trim()
            );
        }
    }
}
