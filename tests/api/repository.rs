//! The repository is self-contained: no tracked file points at a path outside it, and every
//! relative link of its Markdown leads to a file that exists.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tracked_files() -> Vec<PathBuf> {
    let out = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(ROOT)
        .output()
        .expect("git ls-files (the tests run in a git checkout)");
    assert!(out.status.success(), "git ls-files failed");
    out.stdout
        .split(|b| *b == 0)
        .filter(|name| !name.is_empty())
        .map(|name| PathBuf::from(ROOT).join(String::from_utf8_lossy(name).as_ref()))
        .collect()
}

/// `path` with `.` and `..` resolved lexically; `None` if it climbs above the filesystem root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// Every path-like token of `text` that climbs with `../`, or names a machine's home or work
/// folder.
fn outside_references(text: &str, file: &Path) -> Vec<String> {
    let root = Path::new(ROOT);
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "._-/~".contains(c);
    let mut found = Vec::new();
    for token in text.split(|c: char| !is_path_char(c)) {
        if ["/work/", "/home/", "/root/", "~/"]
            .iter()
            .any(|p| token.starts_with(p))
        {
            found.push(token.to_owned());
        } else if let Some(at) = token.find("../").filter(|_| !token.contains("...")) {
            let relative = &token[at..];
            let from_file = file.parent().unwrap_or(root).join(relative);
            let inside =
                |candidate: PathBuf| normalize(&candidate).is_some_and(|p| p.starts_with(root));
            if !inside(from_file) && !inside(root.join(relative)) {
                found.push(token.to_owned());
            }
        }
    }
    found
}

#[test]
fn no_tracked_file_points_outside_the_repository() {
    let mut offenders = Vec::new();
    // This file names the patterns it looks for.
    let this_file = Path::new(ROOT).join(file!().trim_start_matches("./"));
    for file in tracked_files().into_iter().filter(|f| *f != this_file) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue; // not text
        };
        for token in outside_references(&text, &file) {
            offenders.push(format!("{}: {token}", file.display()));
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_check_sees_a_path_outside() {
    let file = Path::new(ROOT).join("README.md");
    // Built at run time, so that this file itself names no path outside the repository.
    let outside = ["..", "elsewhere", "NOTES.md"].join("/");
    assert_eq!(
        outside_references(&format!("see [it]({outside}) and certs/x"), &file),
        [outside.as_str()]
    );
    assert!(
        outside_references(
            "include_str!(\"../../certs/a.pem\")",
            &Path::new(ROOT).join("src/store/client.rs")
        )
        .is_empty()
    );
    assert_eq!(
        outside_references("at /work/shared/x", &file),
        ["/work/shared/x"]
    );
}

#[test]
fn every_relative_markdown_link_leads_to_a_file() {
    let mut broken = Vec::new();
    for file in tracked_files()
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        for target in text
            .split("](")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
        {
            let path = target.split('#').next().unwrap_or_default();
            if path.is_empty() || path.contains("://") || path.starts_with("mailto:") {
                continue;
            }
            if !file.parent().unwrap().join(path).exists() {
                broken.push(format!("{}: {target}", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "{broken:#?}");
}
