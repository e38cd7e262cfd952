//! The invariants of ARCHITECTURE.md that a test can check, read from the sources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &mut out);
    out.sort();
    out.into_iter()
        .map(|(p, t)| (p.strip_prefix(&root).unwrap().to_path_buf(), t))
        .collect()
}

/// The top-level module a source file belongs to (`release` for `release/index.rs`).
fn module_of(path: &Path) -> String {
    let first = path
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

#[test]
fn only_the_store_module_names_oxigraph_store() {
    for (path, text) in sources() {
        if path != Path::new("store.rs") {
            for store in [
                "oxigraph::store",
                "Store::new",
                "Store::open",
                "bulk_loader",
            ] {
                assert!(
                    !text.contains(store),
                    "src/{} uses {store}; only crate::store creates or fills a store",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn graph_does_no_io() {
    for (path, text) in sources() {
        let name = path.to_string_lossy();
        if name == "graph.rs" {
            for io in ["std::fs", "std::io", "File", "crate::source::load", "Path"] {
                assert!(!text.contains(io), "graph.rs mentions {io}");
            }
        }
    }
}

#[test]
fn no_source_file_is_over_600_lines() {
    for (path, text) in sources() {
        let lines = text.lines().count();
        assert!(lines <= 600, "src/{} has {lines} lines", path.display());
    }
}

#[test]
fn modules_do_not_import_each_other_in_a_cycle() {
    let entry_points = ["lib", "main", "app", "cli"];
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources() {
        let module = module_of(&path);
        if entry_points.contains(&module.as_str()) {
            continue;
        }
        let edges = uses.entry(module.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `crate::Error` and friends are lib.rs re-exports of `error`.
            let name = match name.as_str() {
                "Error" | "Result" | "Diagnostic" => "error".to_owned(),
                _ => name,
            };
            if !name.is_empty() && name != module {
                edges.insert(name);
            }
        }
    }
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        uses: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_owned());
        for next in uses.get(node).into_iter().flatten() {
            visit(next, uses, path, done);
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut done = BTreeSet::new();
    for module in uses.keys() {
        visit(module, &uses, &mut Vec::new(), &mut done);
    }
}
