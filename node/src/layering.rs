//! Checks, on the source text, that the layers point one way: the domain imports no HTTP or template crate, and no
//! two modules import each other (directly or through others). The module graph is read from `crate::…` paths, at
//! two levels (`domain`, `domain::cases`); a file belongs to the module of its folder or name.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.map(|e| e.path()).unwrap_or_default();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module a file belongs to, at most `depth` levels deep: `domain/needs/fulfilment.rs` → `domain::needs`.
fn module_of(root: &Path, file: &Path, depth: usize) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .filter(|p| p != "mod" && p != "lib" && p != "main")
        .collect();
    parts.truncate(depth);
    parts.join("::")
}

/// The code of a file without its comments and its test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The code with each `super::` path written from the crate (`crate::…`), for a file whose full module path is
/// `module` (`domain::network::commitments`; a `mod.rs` is its folder's module).
fn resolve_super(code: &str, module: &str) -> String {
    let segments: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let word_start =
            at == 0 || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if !word_start {
            out.push_str("super::");
            rest = &rest["super::".len()..];
            continue;
        }
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            up += 1;
            rest = r;
        }
        let keep = segments.len().saturating_sub(up);
        out.push_str("crate::");
        for s in &segments[..keep] {
            out.push_str(s);
            out.push_str("::");
        }
    }
    out.push_str(rest);
    out
}

/// Every `crate::a::b` path in the code, written inline or in a grouped `use crate::{a::{b, c}, d}`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let prefix = path_prefix(rest);
        let after = &rest[prefix.len()..];
        if let Some(group) = after.strip_prefix("::{").or_else(|| after.strip_prefix('{')) {
            let end = matching_brace(group);
            let base = if prefix.is_empty() { String::new() } else { format!("{prefix}::") };
            expand(&base, &group[..end], &mut out);
        } else {
            out.push(prefix);
        }
    }
    out
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn path_prefix(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect::<String>()
        .trim_end_matches(':')
        .to_owned()
}

/// Expands a `use` group (`a::{b, c}, d`) into full paths below `prefix`.
fn expand(prefix: &str, group: &str, out: &mut Vec<String>) {
    let mut depth = 0;
    let mut start = 0;
    let mut items = Vec::new();
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
        match item.find("::{") {
            Some(at) => {
                let inner = &item[at + 3..];
                let end = matching_brace(inner);
                expand(&format!("{prefix}{}::", &item[..at]), &inner[..end], out);
            }
            None => out.push(format!("{prefix}{}", path_prefix(item))),
        }
    }
}

/// The module graph at `depth`: each module and the modules it names.
fn graph(depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&root, f, depth)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(&root, file, depth);
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let module = module_of(&root, file, usize::MAX);
        for path in crate_paths(&resolve_super(&code(&text), &module)) {
            // The longest known module that the path names.
            let segments: Vec<&str> = path.split("::").collect();
            let to = (1..=segments.len().min(depth))
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|m| modules.contains(m));
            if let Some(to) = to
                && to != from
                && !from.starts_with(&format!("{to}::"))
                && !to.starts_with(&format!("{from}::"))
            {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

/// A cycle in the graph, if there is one.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut found = stack[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_domain_imports_no_http_or_template_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 10, "the domain's files were found");
    for file in files {
        let text = code(&std::fs::read_to_string(&file).unwrap_or_default());
        for forbidden in ["axum", "askama", "utoipa", "crate::http", "crate::app", "crate::state"] {
            assert!(!text.contains(forbidden), "{} names {forbidden}", file.display());
        }
    }
}

#[test]
fn super_paths_are_read_from_the_crate() {
    let code = "use super::{error::AppResult, network::Network};\nlet x = super::super::vocab::Role::Admin;\npub(super) fn f() {}";
    let resolved = resolve_super(code, "domain::network::commitments");
    assert!(resolved.contains("use crate::domain::network::{error::AppResult"), "{resolved}");
    assert!(resolved.contains("crate::domain::vocab::Role"), "{resolved}");
    assert!(resolved.contains("pub(super) fn f"), "{resolved}");
    assert_eq!(resolve_super("use super::a;", "domain::pledges"), "use crate::domain::a;");
}

#[test]
fn no_two_modules_import_each_other() {
    for depth in [1, 2] {
        let edges = graph(depth);
        assert!(edges.len() > 5, "the graph at depth {depth} was read");
        assert_eq!(cycle(&edges), None, "modules at depth {depth} import each other");
    }
    let top = graph(1);
    for (layer, below) in
        [("domain", "http"), ("infra", "domain"), ("infra", "http"), ("vocab", "infra")]
    {
        assert!(!top.get(layer).is_some_and(|to| to.contains(below)), "{layer} imports {below}");
    }
}

#[test]
fn the_checker_finds_a_cycle_and_reads_grouped_imports() {
    let paths = crate_paths(
        "use crate::{domain::{cases, needs::{self, X}}, infra::db};\nlet x = crate::vocab::Sector::Food;\n\
         use crate::http::{a, b::c};",
    );
    assert_eq!(
        paths,
        vec![
            "domain::cases",
            "domain::needs::self",
            "domain::needs::X",
            "infra::db",
            "vocab::Sector::Food",
            "http::a",
            "http::b::c"
        ]
    );
    let mut edges = BTreeMap::new();
    edges.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    edges.insert("b".to_owned(), BTreeSet::from(["c".to_owned()]));
    assert_eq!(cycle(&edges), None);
    edges.insert("c".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(cycle(&edges).map(|c| c.len()), Some(4));
}
