//! The shape of the code: the domain knows no HTTP, and no two top-level modules import each other, directly or
//! round a longer loop. Both are read from the source (`crate::…` paths outside `#[cfg(test)]` blocks), so a new
//! import that breaks either fails here with the modules it joins.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The application layer: it may use everything; nothing in the domain may use it.
const APP: &[&str] = &["http", "web", "startup", "state", "main", "lib", "demo"];
const FORBIDDEN_IN_DOMAIN: &[&str] = &["actix_web", "crate::http", "crate::web", "crate::state"];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/leave/service.rs` → `leave`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The code without its `#[cfg(test)]` modules (tests may reach across layers to arrange their data).
fn without_tests(code: &str) -> String {
    match code.find("#[cfg(test)]\nmod tests") {
        Some(at) => code[..at].to_owned(),
        None => code.to_owned(),
    }
}

/// The top-level modules a piece of code names through `crate::…`, grouped imports included.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
                if depth == 0 {
                    items.push(std::mem::take(&mut item));
                    break;
                }
            }
            for item in items {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

struct Graph {
    edges: BTreeMap<String, BTreeSet<String>>,
    /// (module, file, what it must not use)
    impurities: Vec<(String, String, String)>,
}

fn read_graph() -> Graph {
    // ROLLCALL_ARCH_SRC reads another tree (e.g. an older commit's `git archive`), to compare graphs.
    let src = std::env::var_os("ROLLCALL_ARCH_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut impurities = Vec::new();
    for file in &files {
        let from = module_of(&src, file);
        let code = without_tests(&std::fs::read_to_string(file).unwrap());
        let to: BTreeSet<String> =
            crate_paths(&code).into_iter().filter(|m| modules.contains(m) && *m != from).collect();
        edges.entry(from.clone()).or_default().extend(to);
        if !APP.contains(&from.as_str()) {
            for bad in FORBIDDEN_IN_DOMAIN {
                if code.contains(bad) {
                    let rel = file.strip_prefix(&src).unwrap().display().to_string();
                    impurities.push((from.clone(), rel, (*bad).to_owned()));
                }
            }
        }
    }
    Graph { edges, impurities }
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let edges = s.edges;
        for w in edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn describe(edges: &BTreeMap<String, BTreeSet<String>>, component: &[String]) -> String {
    component
        .iter()
        .map(|m| {
            let inside: Vec<&str> = edges[m].iter().filter(|t| component.contains(t)).map(String::as_str).collect();
            format!("  {m} -> {}", inside.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_domain_knows_no_http() {
    let graph = read_graph();
    let lines: Vec<String> = graph.impurities.iter().map(|(m, f, bad)| format!("  {m} ({f}) uses {bad}")).collect();
    assert!(lines.is_empty(), "domain modules must not use the HTTP layer or the app state:\n{}", lines.join("\n"));
}

#[test]
fn no_two_modules_import_each_other() {
    let graph = read_graph();
    let found = cycles(&graph.edges);
    println!("module graph ({} modules):", graph.edges.len());
    for (m, to) in &graph.edges {
        println!("  {m} -> {}", to.iter().cloned().collect::<Vec<_>>().join(", "));
    }
    let report: Vec<String> = found.iter().map(|c| describe(&graph.edges, c)).collect();
    assert!(found.is_empty(), "import cycles between modules:\n{}", report.join("\n\n"));
}

#[test]
fn the_cycle_finder_finds_a_loop_and_grouped_imports() {
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    edges.insert("c".to_owned(), BTreeSet::from(["a".to_owned(), "d".to_owned()]));
    edges.insert("d".to_owned(), BTreeSet::new());
    assert_eq!(cycles(&edges), vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]);
    let names = crate_paths("use crate::{audit::{self, Actor}, error::AppError};\nlet x = crate::geo::convert(1.0);");
    assert_eq!(names, BTreeSet::from(["audit".to_owned(), "error".to_owned(), "geo".to_owned()]));
}
