//! The layering docs/architecture.md states, held to the code: nothing outside `src/store/`
//! knows the AWS SDK, each layer imports only layers below it, and no file imports itself back
//! through another (no import cycles). Reads the sources as text; needs no DynamoDB.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The code of a file without comments, string literals and `#[cfg(test)]` modules: what it
/// imports for real.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    let mut code = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => escaped = false,
                    }
                }
                code.push_str("\"\"");
            }
            // A char literal such as '"' or '{' (lifetimes have no closing quote).
            '\'' if chars.clone().nth(1) == Some('\'') => {
                chars.next();
                chars.next();
                code.push_str("' '");
            }
            _ => code.push(c),
        }
    }
    code
}

/// A module path for a source file: `src/store/items/mod.rs` is `store::items`.
fn module_of(path: &Path) -> Vec<String> {
    let relative = path.strip_prefix(format!("{ROOT}/src")).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// DynamoDB is the store's alone; the other AWS services, SES and Secrets Manager, are the
/// mailer's and the secrets reader's alone (with what they share, `outbound/aws.rs`); the
/// connector each of them sends through is `aws_http/`'s.
#[test]
fn nothing_outside_the_store_knows_the_aws_sdk() {
    let store = PathBuf::from(format!("{ROOT}/src/store"));
    let connector = PathBuf::from(format!("{ROOT}/src/aws_http"));
    let other_services = ["mail.rs", "secrets.rs", "aws.rs"]
        .map(|file| PathBuf::from(format!("{ROOT}/src/outbound/{file}")));
    let mut offenders = Vec::new();
    for path in rust_files(Path::new(&format!("{ROOT}/src"))) {
        if path.starts_with(&store) {
            continue;
        }
        let code = code_of(&path);
        if other_services.contains(&path) || path.starts_with(&connector) {
            if code.contains("aws_sdk_dynamodb") {
                offenders.push(format!("{} uses DynamoDB", path.display()));
            }
            continue;
        }
        for sdk in ["aws_sdk_", "aws_smithy_", "aws_config", "aws_types"] {
            if code.contains(sdk) {
                offenders.push(format!("{} uses {sdk}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// docs/architecture.md's "one write layer": every DynamoDB write request (and every table
/// change outside the schema's own) is built in `src/store/write/`, where conditions, slots and
/// refusals are read one way.
#[test]
fn only_the_write_layer_sends_writes() {
    let write_layer = PathBuf::from(format!("{ROOT}/src/store/write"));
    let writes = [
        ".put_item()",
        ".update_item()",
        ".delete_item()",
        ".transact_write_items()",
        ".batch_write_item()",
    ];
    let mut offenders = Vec::new();
    let mut seen = BTreeSet::new();
    for path in rust_files(Path::new(&format!("{ROOT}/src"))) {
        let code: String = code_of(&path).split_whitespace().collect();
        for write in writes {
            if code.contains(write) {
                seen.insert(write);
                if !path.starts_with(&write_layer) {
                    offenders.push(format!("{} sends {write}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
    // The rule reads the calls as the write layer spells them; if it spelled them otherwise,
    // this test would hold nothing.
    assert_eq!(seen, BTreeSet::from(writes));
}

/// The layers of docs/architecture.md, lowest first: the first ```text block under
/// "## Layers", one layer a line, its top-level modules separated by commas.
fn documented_layers() -> BTreeMap<String, usize> {
    let doc = std::fs::read_to_string(format!("{ROOT}/docs/architecture.md")).unwrap();
    let section = doc
        .split("\n## Layers")
        .nth(1)
        .expect("docs/architecture.md has a `## Layers` section");
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the Layers section has a ```text block");
    let mut ranks = BTreeMap::new();
    for (rank, line) in block.lines().enumerate() {
        let modules = line.split_once("  ").map_or(line, |(modules, _)| modules);
        for module in modules.split(',') {
            ranks.insert(module.trim().trim_end_matches('/').to_owned(), rank);
        }
    }
    ranks
}

/// The path texts a file's code names: every `crate::…` and `super::…` path, and every `use`
/// tree (relative ones included, such as a `mod.rs`'s `pub use child::Item;`).
fn path_texts(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let ahead: String = chars[at..chars.len().min(at + 7)].iter().collect();
        let boundary = at == 0 || !(chars[at - 1].is_alphanumeric() || chars[at - 1] == '_');
        let start = if !boundary {
            None
        } else if ahead.starts_with("crate::") || ahead.starts_with("super::") {
            Some(at)
        } else if ahead.starts_with("use ") {
            Some(at + 4)
        } else {
            None
        };
        let Some(start) = start else {
            at += 1;
            continue;
        };
        // The whole path, `use` trees included: up to a char that cannot continue one.
        let mut end = start;
        let mut depth = 0i32;
        while end < chars.len() {
            match chars[end] {
                '{' => depth += 1,
                '}' if depth > 0 => depth -= 1,
                '}' => break,
                _ if depth > 0 => {}
                c if c.is_alphanumeric() || c == '_' || c == ':' => {}
                _ => break,
            }
            end += 1;
        }
        found.push(chars[start..end].iter().collect());
        at = end.max(at + 1);
    }
    found
}

/// `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.trim_end_matches("::").to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|part| expand(&format!("{prefix}{part}")))
        .collect()
}

struct Modules {
    /// Module path -> its file.
    files: BTreeMap<Vec<String>, PathBuf>,
    /// Module path -> the crate paths its code names, absolute (`crate::` dropped).
    named: BTreeMap<Vec<String>, Vec<Vec<String>>>,
}

impl Modules {
    fn read() -> Self {
        let mut files = BTreeMap::new();
        for path in rust_files(Path::new(&format!("{ROOT}/src"))) {
            if !path.starts_with(format!("{ROOT}/src/bin")) {
                files.insert(module_of(&path), path);
            }
        }
        let mut named = BTreeMap::new();
        for (module, path) in &files {
            // A file's `super` is its parent module; a `mod.rs`'s too: its module is the folder.
            let parent = &module[..module.len().saturating_sub(1)];
            let mut paths = Vec::new();
            for text in path_texts(&code_of(path)) {
                for expanded in expand(&text) {
                    let segments: Vec<String> = expanded
                        .split("::")
                        .map(|s| s.split_whitespace().next().unwrap_or_default().to_owned())
                        .filter(|s| !s.is_empty() && s != "self" && s != "*")
                        .collect();
                    let Some(first) = segments.first() else {
                        continue;
                    };
                    let absolute = match first.as_str() {
                        "crate" => segments[1..].to_vec(),
                        "super" => {
                            let ups = segments.iter().take_while(|s| *s == "super").count();
                            let mut base = parent[..parent.len().saturating_sub(ups - 1)].to_vec();
                            base.extend(segments[ups..].iter().cloned());
                            base
                        }
                        // A `use` relative to this module's own children (`use child::Item`).
                        _ => {
                            let mut child = module.clone();
                            child.push(first.clone());
                            if !files.contains_key(&child) {
                                continue; // another crate
                            }
                            module
                                .iter()
                                .cloned()
                                .chain(segments.iter().cloned())
                                .collect()
                        }
                    };
                    paths.push(absolute);
                }
            }
            named.insert(module.clone(), paths);
        }
        Self { files, named }
    }

    /// The file that defines what `path` names: the deepest module on the path, or, when the
    /// next name was brought into that module by a `use`, wherever that leads.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        let mut module: Vec<String> = Vec::new();
        for (i, segment) in path.iter().enumerate() {
            let mut deeper = module.clone();
            deeper.push(segment.clone());
            if self.files.contains_key(&deeper) {
                module = deeper;
                continue;
            }
            let source = self.named.get(&module).and_then(|paths| {
                paths
                    .iter()
                    .find(|p| p.last() == Some(segment) && p.as_slice() != &path[..=i])
            });
            if depth < 8
                && let Some(source) = source
            {
                let mut through = source.clone();
                through.extend(path[i + 1..].iter().cloned());
                return self.resolve(&through, depth + 1);
            }
            break;
        }
        (!module.is_empty()).then_some(module)
    }

    /// File -> the files it imports from. A module's own file reaching into its submodules is
    /// not counted: that is how it declares and re-exports them.
    fn edges(&self) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
        let mut edges = BTreeMap::new();
        for (module, paths) in &self.named {
            let targets = paths
                .iter()
                .filter_map(|path| self.resolve(path, 0))
                .filter(|target| !target.starts_with(module))
                .collect();
            edges.insert(module.clone(), targets);
        }
        edges
    }
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let ranks = documented_layers();
    let modules = Modules::read();
    let mut violations = Vec::new();
    for (from, targets) in modules.edges() {
        let Some(top) = from.first() else { continue };
        let from_rank = *ranks
            .get(top)
            .unwrap_or_else(|| panic!("module {top} is in no layer of docs/architecture.md"));
        for target in targets {
            let to = &target[0];
            if to == top {
                continue;
            }
            let to_rank = ranks[to];
            if to_rank >= from_rank {
                violations.push(format!("{} -> {}", from.join("::"), target.join("::")));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "arrows up or sideways: {violations:#?}"
    );
}

#[test]
fn no_file_imports_itself_back() {
    let edges = Modules::read().edges();
    // Depth-first search for a back edge; reports the cycle it closes.
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        done: &mut BTreeSet<Vec<String>>,
        stack: &mut Vec<Vec<String>>,
        cycles: &mut Vec<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = stack.iter().position(|n| n == node) {
            let cycle: Vec<String> = stack[at..]
                .iter()
                .chain([node])
                .map(|m| m.join("::"))
                .collect();
            cycles.push(cycle.join(" -> "));
            return;
        }
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, done, stack, cycles);
        }
        stack.pop();
        done.insert(node.clone());
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut done, &mut Vec::new(), &mut cycles);
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

#[test]
fn the_import_reader_resolves_re_exports_and_use_trees() {
    assert_eq!(
        expand("super::{a, b::{c, d}, e}"),
        ["super::a", "super::b::c", "super::b::d", "super::e"]
    );
    let modules = Modules::read();
    let path = |text: &str| text.split("::").map(str::to_owned).collect::<Vec<_>>();
    // `store::Store` is re-exported by store/mod.rs from store/client.rs.
    assert_eq!(
        modules.resolve(&path("store::Store"), 0),
        Some(path("store::client"))
    );
    let edges = modules.edges();
    let payments = &edges[&path("store::payments")];
    assert!(payments.contains(&path("store::client")), "{payments:?}");
    assert!(payments.contains(&path("domain::payment")), "{payments:?}");
    assert!(payments.contains(&path("store::write")), "{payments:?}");
}
