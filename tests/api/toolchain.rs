//! The Rust the project says it needs is the Rust it needs: `rust-version` in Cargo.toml is at
//! least what every locked dependency declares, so an older toolchain is told so by name before
//! it builds anything, and the README says the same version.

use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DECLARED: &str = env!("CARGO_PKG_RUST_VERSION");

/// `1.94.1` as numbers; a missing patch is 0, as Cargo reads `1.94`.
fn version(text: &str) -> (u32, u32, u32) {
    let mut parts = text.split('.').map(|part| {
        part.parse::<u32>()
            .unwrap_or_else(|_| panic!("not a version: {text}"))
    });
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

/// Every package the lock resolves for `target`, with the `rust-version` it declares, if any.
fn locked_rust_versions(target: &str) -> Vec<(String, Option<String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(["--filter-platform", target])
        .current_dir(ROOT)
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| {
            let name = package["name"].as_str().unwrap();
            let locked = package["version"].as_str().unwrap();
            let needs = package["rust_version"].as_str().map(str::to_owned);
            (format!("{name}@{locked}"), needs)
        })
        .collect()
}

#[test]
fn the_declared_rust_version_builds_every_locked_dependency() {
    // What runs the tests and what `sam build` builds for.
    for target in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        let locked = locked_rust_versions(target);
        assert!(locked.len() > 100, "{target}: {} packages", locked.len());
        let newer: Vec<_> = locked
            .iter()
            .filter(|(_, needs)| {
                needs
                    .as_deref()
                    .is_some_and(|v| version(v) > version(DECLARED))
            })
            .collect();
        assert!(
            newer.is_empty(),
            "Cargo.toml says rust-version {DECLARED}; these need more: {newer:?}"
        );
    }
}

#[test]
fn the_readme_names_the_declared_rust_version() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    assert!(
        readme.contains(&format!("Rust {DECLARED} or newer")),
        "README.md should say \"Rust {DECLARED} or newer\""
    );
}

#[test]
fn versions_compare_as_numbers() {
    assert!(version("1.94.1") > version("1.94"));
    assert!(version("1.100") > version("1.94.1"));
    assert_eq!(version("1.88"), (1, 88, 0));
}
