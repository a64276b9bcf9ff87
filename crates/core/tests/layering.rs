//! The core's modules form no import cycle: each module uses only modules below it, so the
//! layers ARCHITECTURE.md draws stay true. This reads the sources (a module is a file), takes
//! every path a module names (`crate::…`, `super::…`, `self::…`) outside its tests and
//! comments, and fails with every cycle it finds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (e.g. `contracts::leakage`) → its source without test code.
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    let mut modules = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
            parts.pop();
        }
        let text = std::fs::read_to_string(&file).unwrap();
        // Comments (doc links included) name modules without using them.
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
        modules.insert(parts.join("::"), without_tests(&code));
    }
    // Files that are test modules themselves (`#[cfg(test)] mod tests;`) are not layers.
    modules.retain(|name, _| !name.ends_with("tests"));
    modules
}

/// `code` without the items marked `#[cfg(test)]`: test code may reach anywhere.
fn without_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        rest = &rest[at + "#[cfg(test)]".len()..];
        // The item ends at its first `;` outside braces, or where its first brace block closes.
        let (mut depth, mut in_string, mut end) = (0usize, false, rest.len());
        let mut chars = rest.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' if in_string => {
                    chars.next();
                }
                '"' => in_string = !in_string,
                '{' if !in_string => depth += 1,
                '}' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if !in_string && depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The longest known module that `path` (segments after `crate::`) names.
fn target(path: &[&str], known: &BTreeMap<String, String>) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| known.contains_key(m))
}

/// Each module's dependencies on other modules of the crate.
fn edges(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges = BTreeMap::new();
    for (name, code) in modules {
        let here: Vec<&str> = if name.is_empty() { Vec::new() } else { name.split("::").collect() };
        let mut deps = BTreeSet::new();
        for (i, _) in code.match_indices("crate::").chain(code.match_indices("super::")).chain(code.match_indices("self::")) {
            let before = code[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue; // `mycrate::`, `itself::` …
            }
            let rest = &code[i..];
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            let segments: Vec<&str> = rest[..end].split("::").filter(|s| !s.is_empty()).collect();
            let resolved: Vec<&str> = match segments.first() {
                Some(&"crate") => segments[1..].to_vec(),
                Some(&"super") => {
                    let ups = segments.iter().take_while(|s| **s == "super").count();
                    // A file's `super` is its parent module (mod.rs files are their directory's module).
                    let base = &here[..here.len().saturating_sub(ups)];
                    base.iter().copied().chain(segments[ups..].iter().copied()).collect()
                }
                Some(&"self") => here.iter().copied().chain(segments[1..].iter().copied()).collect(),
                _ => continue,
            };
            // `use super::{a, b}` and `crate::x::{…}`: a group names the module before it.
            if let Some(dep) = target(&resolved, modules) {
                if &dep != name && !name.starts_with(&format!("{dep}::")) {
                    deps.insert(dep);
                }
            }
        }
        for group in grouped_uses(code, &here) {
            if let Some(dep) = target(&group.iter().map(String::as_str).collect::<Vec<_>>(), modules) {
                if &dep != name && !name.starts_with(&format!("{dep}::")) {
                    deps.insert(dep);
                }
            }
        }
        edges.insert(name.clone(), deps);
    }
    edges
}

/// Paths inside `use a::{b, c::d}` groups, resolved: `a::b`, `a::c::d`.
fn grouped_uses(code: &str, here: &[&str]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in code.split(';') {
        let line = line.trim();
        let Some(body) = line.strip_prefix("use ").or_else(|| line.strip_prefix("pub use ")).or_else(|| line.strip_prefix("pub(crate) use ")) else {
            continue;
        };
        let Some(open) = body.find('{') else { continue };
        let prefix: Vec<&str> = body[..open].split("::").filter(|s| !s.is_empty()).collect();
        let base: Vec<String> = match prefix.first() {
            Some(&"crate") => prefix[1..].iter().map(|s| s.to_string()).collect(),
            Some(&"super") => {
                let ups = prefix.iter().take_while(|s| **s == "super").count();
                here[..here.len().saturating_sub(ups)].iter().chain(prefix[ups..].iter()).map(|s| s.to_string()).collect()
            }
            _ => continue,
        };
        let inner = body[open + 1..].trim_end_matches('}');
        for item in inner.split(',') {
            let item = item.trim().trim_start_matches('{');
            let first = item.split(['{', ' ']).next().unwrap_or("");
            let mut path = base.clone();
            path.extend(first.split("::").filter(|s| !s.is_empty() && *s != "self").map(str::to_string));
            out.push(path);
        }
    }
    out
}

/// A cycle among `edges`, as the list of modules around it.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(node: &str, edges: &BTreeMap<String, BTreeSet<String>>, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_core_has_no_import_cycle() {
    let modules = modules();
    assert!(modules.contains_key("pipeline") && modules.contains_key("contracts::leakage"), "the sources were found");
    let edges = edges(&modules);
    let mut all_cycles = Vec::new();
    let mut remaining = edges.clone();
    // Report every cycle, not only the first: remove one edge of each found and look again.
    while let Some(cycle) = find_cycle(&remaining) {
        remaining.get_mut(&cycle[0]).unwrap().remove(&cycle[1]);
        all_cycles.push(cycle.join(" → "));
    }
    assert!(all_cycles.is_empty(), "import cycles in the core:\n{}", all_cycles.join("\n"));
}

/// Test items are left out, whatever their shape.
#[test]
fn test_code_is_left_out() {
    let code = "use crate::a;\n#[cfg(test)]\nmod tests;\nuse crate::b;\n#[cfg(test)]\nmod more { use crate::c; fn f() { let s = \"}\"; } }\nuse crate::d;";
    assert_eq!(without_tests(code), "use crate::a;\n\nuse crate::b;\n\nuse crate::d;");
}

/// The check itself can fail: two modules that name each other are a cycle.
#[test]
fn a_cycle_is_found() {
    let modules: BTreeMap<String, String> = [
        ("a".to_string(), "use crate::b::Thing;".to_string()),
        ("b".to_string(), "use super::{a::Other, c};".to_string()),
        ("c".to_string(), "fn f() {}".to_string()),
    ]
    .into();
    let edges = edges(&modules);
    assert_eq!(edges["b"], BTreeSet::from(["a".to_string(), "c".to_string()]));
    assert_eq!(find_cycle(&edges), Some(vec!["a".to_string(), "b".to_string(), "a".to_string()]));
}
