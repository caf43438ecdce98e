//! The repository's Markdown points only inside the repository: every
//! relative link resolves to a file or folder that exists under the root,
//! and no text names a path of someone's machine (`/work/…`, `/home/…`,
//! `~/…`). A unit test of xtask runs it over the whole tree.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// Folders never searched: build output, dependencies, fuzz state.
const SKIPPED: [&str; 7] = [
    ".git",
    "target",
    "node_modules",
    ".venv",
    "corpus",
    "artifacts",
    "__pycache__",
];

/// Prefixes of paths that belong to a machine, not to the repository.
const MACHINE_PATHS: [&str; 4] = ["`/work/", "`/home/", "`/root/", "`~/"];

/// Every Markdown file under `root`, sorted.
pub(crate) fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if !SKIPPED.iter().any(|skipped| name == *skipped) {
                    folders.push(path);
                }
            } else if path.extension().is_some_and(|ext| ext == "md") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The links and paths of `text` (the Markdown file `file`) that lead
/// outside `root` or to nothing, each as `file:line: target`.
pub(crate) fn outside_links(root: &Path, file: &Path, text: &str) -> Vec<String> {
    let shown = file.strip_prefix(root).unwrap_or(file).display();
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut targets: Vec<&str> = Vec::new();
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            targets.push(&after[..end]);
            rest = &after[end..];
        }
        // Reference definitions: `[name]: target`.
        if let Some(definition) = line.strip_prefix('[')
            && let Some((_, rest)) = definition.split_once(']')
            && let Some(target) = rest.strip_prefix(": ")
        {
            targets.push(target);
        }
        for target in targets {
            let target = target.split_whitespace().next().unwrap_or_default();
            let target = target.split('#').next().unwrap_or_default();
            let external = ["http://", "https://", "mailto:"]
                .iter()
                .any(|scheme| target.starts_with(scheme));
            // Rustdoc's intra-doc links (`crate::Session`) are no paths.
            if target.is_empty() || external || target.contains("::") {
                continue;
            }
            if !leads_inside(root, file, target) {
                found.push(format!("{shown}:{}: {target}", index + 1));
            }
        }
        for prefix in MACHINE_PATHS {
            if line.contains(prefix) {
                found.push(format!(
                    "{shown}:{}: a path on a machine ({prefix}…)",
                    index + 1
                ));
            }
        }
    }
    found
}

/// Whether `target`, relative to `file`'s folder (or to `root` when it
/// starts with `/`), stays under `root` and exists.
fn leads_inside(root: &Path, file: &Path, target: &str) -> bool {
    let base = match target.strip_prefix('/') {
        Some(_) => root.to_path_buf(),
        None => file.parent().unwrap_or(root).to_path_buf(),
    };
    let mut path = PathBuf::new();
    for component in base.join(target.trim_start_matches('/')).components() {
        match component {
            Component::ParentDir => {
                if !path.pop() {
                    return false;
                }
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path.starts_with(root) && path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .unwrap()
    }

    /// No Markdown file of the repository links outside it, to a file that
    /// does not exist, or names a path of someone's machine (issue 18 item
    /// 20: `benches/LOAD.md` pointed to a notes file that is not here).
    #[test]
    fn docs_link_only_inside_the_repository() {
        let root = root();
        let files = markdown_files(&root);
        assert!(files.iter().any(|file| file.ends_with("FORMAT.md")));
        assert!(files.iter().any(|file| file.ends_with("benches/LOAD.md")));
        let mut found = Vec::new();
        for file in &files {
            let text = fs::read_to_string(file).unwrap();
            found.extend(outside_links(&root, file, &text));
        }
        assert!(
            found.is_empty(),
            "links outside the repository:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn what_counts_as_outside() {
        let root = root();
        let readme = root.join("README.md");
        let text = "see [the spec](FORMAT.md), [a section](FORMAT.md#4-text-form), \
                    [docs](https://docs.rs/x), [top](#top), [`Session`](crate::Session)\n\
                    [up](../outside.md) and [gone](benches/NOPE.md)\n\
                    findings: `/work/notes/perf.md`\n\
                    [ref]: ../../etc/passwd";
        assert_eq!(
            outside_links(&root, &readme, text),
            [
                "README.md:2: ../outside.md",
                "README.md:2: benches/NOPE.md",
                "README.md:3: a path on a machine (`/work/…)",
                "README.md:4: ../../etc/passwd",
            ]
        );
    }
}
