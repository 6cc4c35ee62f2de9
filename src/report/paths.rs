//! Where a reported file is, as CI systems want it: relative to the repository root (GitHub
//! annotations and code scanning only place findings on paths inside the repository), or as a
//! `file://` URI when the file lies outside it.

use std::path::{Component, Path, PathBuf};

/// The project root and the directory flowcheck ran in.
#[derive(Debug, Clone)]
pub struct ProjectRoot {
    root: PathBuf,
    cwd: PathBuf,
}

impl ProjectRoot {
    /// `explicit` (`--project-root`), else the git work tree around the working directory,
    /// else the working directory.
    pub fn find(explicit: Option<&Path>) -> ProjectRoot {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let root = match explicit {
            Some(path) => lexical(&cwd.join(path)),
            None => cwd
                .ancestors()
                .find(|dir| dir.join(".git").exists())
                .map_or_else(|| cwd.clone(), Path::to_path_buf),
        };
        ProjectRoot { root, cwd }
    }

    /// A root at the working directory, for tests and the fuzz entry point.
    pub fn here() -> ProjectRoot {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        ProjectRoot {
            root: cwd.clone(),
            cwd,
        }
    }

    /// The root as a `file://` URI ending in `/`, for SARIF's `originalUriBaseIds`.
    pub fn uri(&self) -> String {
        let mut uri = file_uri(&self.root);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        uri
    }

    /// The report name of a file relative to the root, with `/` separators; `None` for stdin
    /// and files outside the root.
    pub fn relative(&self, name: &str) -> Option<String> {
        if name == "-" {
            return None;
        }
        let absolute = lexical(&self.cwd.join(name));
        let relative = absolute.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }

    /// A `file://` URI for a report name.
    pub fn absolute_uri(&self, name: &str) -> String {
        file_uri(&lexical(&self.cwd.join(name)))
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system (symbolic links stay as named).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `file:///a%20b/c.json`: bytes outside RFC 3986's unreserved set (and `/`) percent-encoded.
fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char);
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(dir: &str) -> ProjectRoot {
        ProjectRoot {
            root: PathBuf::from(dir),
            cwd: PathBuf::from("/repo/sub"),
        }
    }

    #[test]
    fn names_relative_to_the_root_or_absolute_uris() {
        let repo = root("/repo");
        assert_eq!(
            repo.relative("flows/a.json").as_deref(),
            Some("sub/flows/a.json")
        );
        assert_eq!(
            repo.relative("../other/b.json").as_deref(),
            Some("other/b.json")
        );
        assert_eq!(repo.relative("../../x/c.json"), None);
        assert_eq!(
            repo.absolute_uri("../../x/my flow.json"),
            "file:///x/my%20flow.json"
        );
        assert_eq!(repo.uri(), "file:///repo/");
        assert_eq!(repo.relative("-"), None);
    }
}
