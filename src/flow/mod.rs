//! Loading flows: inputs (files, directories, stdin), parsing with positions, and the model.

pub mod json;
mod legacy;
pub mod location;
pub mod model;
pub mod source;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use location::{Location, MemberPath, StateId};
pub use model::{Defect, Flow, State, Transition};
pub use source::{Position, SourceText};

/// Larger inputs are refused before they are read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Where an input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
    /// A path that could not be listed (unreadable directory, symlink loop, missing path).
    Broken {
        path: PathBuf,
        message: String,
    },
}

impl Input {
    /// The name shown in reports: the path as given, or `-` for stdin.
    pub fn display_name(&self) -> String {
        match self {
            Input::File(path) | Input::Broken { path, .. } => path.display().to_string(),
            Input::Stdin => "-".to_string(),
        }
    }
}

/// A failure to read or understand one input.
#[derive(Debug, Clone)]
pub struct LoadError {
    pub message: String,
    /// Where in the text, when the failure has a position.
    pub position: Option<Position>,
    /// The byte offset of `position` in the loaded text, when that text is kept.
    pub offset: Option<usize>,
}

/// One input after loading: its text (when it could be read) and the flow or the error.
#[derive(Debug)]
pub struct LoadedFile {
    pub name: String,
    pub source: SourceText,
    pub flow: Result<Flow, LoadError>,
}

/// The inputs the command-line paths name: files as given, directories searched recursively
/// for `*.json` (sorted; hidden and git-ignored entries left out, and those matching
/// `exclude`, as walked or by name), `-` for stdin. A file named on the command line is never
/// excluded. The same file named twice, or found twice, is analysed once; so is stdin.
pub fn expand_inputs(paths: &[PathBuf], exclude: &globset::GlobSet) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk_directory(path, exclude, &mut inputs);
        } else {
            inputs.push(Input::File(path.clone()));
        }
    }
    dedupe(inputs)
}

/// Drops later inputs that name a file already listed and repeated stdin.
fn dedupe(inputs: Vec<Input>) -> Vec<Input> {
    let mut seen = std::collections::HashSet::new();
    inputs
        .into_iter()
        .filter(|input| {
            let key = match input {
                Input::File(path) => FileKey::of(path),
                Input::Stdin => FileKey::Stdin,
                Input::Broken { .. } => return true,
            };
            seen.insert(key)
        })
        .collect()
}

/// What makes two inputs the same file.
#[derive(PartialEq, Eq, Hash)]
enum FileKey {
    /// Device and inode: one `stat` a file, where resolving the canonical path cost a
    /// system call per component of the path.
    #[cfg(unix)]
    Inode(u64, u64),
    Path(std::ffi::OsString),
    Stdin,
}

impl FileKey {
    fn of(path: &Path) -> FileKey {
        #[cfg(unix)]
        if let Ok(metadata) = std::fs::metadata(path) {
            use std::os::unix::fs::MetadataExt;
            return FileKey::Inode(metadata.dev(), metadata.ino());
        }
        FileKey::Path(
            path.canonicalize()
                .unwrap_or_else(|_| path.to_path_buf())
                .into_os_string(),
        )
    }
}

fn walk_directory(root: &Path, exclude: &globset::GlobSet, inputs: &mut Vec<Input>) {
    let exclude = exclude.clone();
    let walker = ignore::WalkBuilder::new(root)
        .follow_links(true)
        // Honour .gitignore even outside a git checkout, as ruff does.
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| entry.depth() == 0 || !is_excluded(&exclude, entry.path()))
        .build();
    for entry in walker {
        match entry {
            Ok(entry)
                if entry.file_type().is_some_and(|t| t.is_file())
                    && has_json_extension(entry.path()) =>
            {
                inputs.push(Input::File(entry.into_path()));
            }
            Ok(_) => {}
            // A broken .gitignore line is the user's business, not a reason to stop; a link
            // back to a parent folder (common in mixed repositories) was walked already.
            Err(err) if err.is_partial() || is_loop(&err) => {}
            Err(err) => inputs.push(Input::Broken {
                path: error_path(&err).unwrap_or_else(|| root.to_path_buf()),
                message: walk_error_message(&err),
            }),
        }
    }
}

fn is_loop(err: &ignore::Error) -> bool {
    match err {
        ignore::Error::Loop { .. } => true,
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => is_loop(err),
        _ => false,
    }
}

/// Whether a walked path, or its name alone, matches an exclusion glob.
fn is_excluded(exclude: &globset::GlobSet, path: &Path) -> bool {
    if exclude.is_empty() {
        return false;
    }
    let relative = path.strip_prefix(".").unwrap_or(path);
    exclude.is_match(relative) || path.file_name().is_some_and(|name| exclude.is_match(name))
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

fn walk_error_message(err: &ignore::Error) -> String {
    match err {
        ignore::Error::Loop { ancestor, .. } => {
            format!("symbolic link loop: leads back to {}", ancestor.display())
        }
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        _ => match err.io_error() {
            Some(io) => io_message(io),
            None => err.to_string(),
        },
    }
}

fn has_json_extension(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "json")
}

/// Paths named on the command line are always reported, even when they are not flows;
/// files found while searching a directory are reported only when they look like flows.
pub fn is_explicit(input: &Input, paths: &[PathBuf]) -> bool {
    match input {
        Input::File(path) => paths.iter().any(|p| p == path),
        Input::Stdin | Input::Broken { .. } => true,
    }
}

/// Whether a file that loaded as JSON is plainly not a flow (no `states`, no `definition`):
/// named on the command line, it is skipped with a note rather than failing the run, so that
/// hooks can pass every JSON file of a repository.
pub fn is_other_json(file: &LoadedFile) -> bool {
    file.flow.is_err()
        && json::parse(file.source.text.clone()).is_ok_and(|doc| {
            let root = doc.root();
            root.is_object() && root.get("states").is_none() && root.get("definition").is_none()
        })
}

/// Whether a discovered file is a flow at all: directories hold other JSON files too
/// (package.json, tsconfig.json), which are passed over rather than reported.
pub fn looks_like_flow(file: &LoadedFile) -> bool {
    match &file.flow {
        Ok(_) => true,
        Err(_) => match json::parse(file.source.text.clone()) {
            Ok(doc) => {
                let root = doc.root();
                is_flow_or_resource(root)
                    || root
                        .as_array()
                        .is_some_and(|items| items.iter().any(is_flow_or_resource))
            }
            // Not JSON at all: a broken flow still names its states; a tsconfig.json with
            // comments does not. A file that could not be read at all is reported.
            Err(_) => file.source.text.is_empty() || file.source.text.contains("\"states\""),
        },
    }
}

/// A flow definition or a Flows API resource, by its members.
fn is_flow_or_resource(value: json::Json) -> bool {
    value.get("states").is_some() || value.get("definition").is_some()
}

/// Reads and parses one input. Never panics; every failure becomes a [`LoadError`].
pub fn load(input: &Input) -> LoadedFile {
    let name = input.display_name();
    let text = match read_text(input) {
        Ok(text) => text,
        Err(error) => {
            return LoadedFile {
                name,
                source: SourceText::new(String::new()),
                flow: Err(error),
            };
        }
    };
    load_text(name, text)
}

/// Reads one input as one or more flows: the twilio CLI writes a JSON array of Flows API
/// resources (`twilio api:studio:v2:flows:fetch -o json`), one flow each, all reported under
/// the file's name with their own positions in it.
pub fn load_all(input: &Input) -> Vec<LoadedFile> {
    split_resource_list(load(input))
}

/// One loaded file per resource of a JSON array of Flows API resources; anything else as is.
pub fn split_resource_list(file: LoadedFile) -> Vec<LoadedFile> {
    if file.flow.is_ok() || !file.source.text.trim_start().starts_with('[') {
        return vec![file];
    }
    let Ok(document) = json::parse(file.source.text.clone()) else {
        return vec![file];
    };
    let count = match document.root().as_array() {
        Some(items) if !items.is_empty() && items.iter().all(is_flow_or_resource) => items.len(),
        _ => return vec![file],
    };
    // Every resource's flow shares the file's text and document.
    (0..count)
        .map(|k| {
            let flow = Flow::from_document_at(document.clone(), &format!("/{k}"))
                .map_err(|err| shape_load_error(&file.source, err));
            LoadedFile {
                name: file.name.clone(),
                source: SourceText::new(file.source.text.clone()),
                flow,
            }
        })
        .collect()
}

/// Parses text that is already in memory (stdin, tests, benchmarks).
pub fn load_text(name: String, text: impl Into<Arc<str>>) -> LoadedFile {
    let text: Arc<str> = text.into();
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => Arc::from(rest),
        None => text,
    };
    let source = SourceText::new(text);
    let flow = parse_flow(&source);
    LoadedFile { name, source, flow }
}

fn parse_flow(source: &SourceText) -> Result<Flow, LoadError> {
    let document = json::parse(source.text.clone()).map_err(|err| LoadError {
        message: format!("invalid JSON: {}", err.message),
        position: Some(source.position(err.offset)),
        offset: Some(err.offset),
    })?;
    if let Some(evidence) = legacy::evidence(document.root()) {
        let offset = document
            .resolve(&evidence)
            .map_or(0, |(_, value)| value.start);
        return Err(LoadError {
            message: legacy::MESSAGE.to_string(),
            position: Some(source.position(offset)),
            offset: Some(offset),
        });
    }
    Flow::from_document(document).map_err(|err| shape_load_error(source, err))
}

fn shape_load_error(source: &SourceText, err: model::ShapeError) -> LoadError {
    let location = if err.pointer.is_empty() {
        String::new()
    } else {
        format!(" (at {})", err.pointer)
    };
    LoadError {
        message: format!("{}{location}", err.message),
        position: Some(source.position(err.offset)),
        offset: Some(err.offset),
    }
}

fn read_text(input: &Input) -> Result<String, LoadError> {
    let bytes = match input {
        Input::Broken { message, .. } => return Err(plain_error(message.clone())),
        Input::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| plain_error(io_message(&e)))?;
            crate::memory::input_loaded(bytes.len());
            bytes
        }
        Input::File(path) => read_file(path)?,
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let bytes = err.into_bytes();
        let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
        LoadError {
            message: "the file is not valid UTF-8".to_string(),
            position: Some(SourceText::new(prefix).position(valid)),
            offset: None,
        }
    })
}

fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    // Checked before opening: opening a FIFO would wait for a writer forever.
    let metadata = std::fs::metadata(path).map_err(|e| plain_error(io_message(&e)))?;
    if metadata.is_dir() {
        return Err(plain_error("is a directory".to_string()));
    }
    if !metadata.is_file() {
        return Err(plain_error("not a regular file".to_string()));
    }
    let file = std::fs::File::open(path).map_err(|e| plain_error(io_message(&e)))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    // Before reading: the copies made while loading are then returned at once.
    crate::memory::input_loaded(metadata.len() as usize);
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| plain_error(io_message(&e)))?;
    Ok(bytes)
}

fn too_large() -> LoadError {
    plain_error(format!(
        "the file is larger than {} MiB",
        MAX_FILE_BYTES / 1024 / 1024
    ))
}

fn plain_error(message: String) -> LoadError {
    LoadError {
        message,
        position: None,
        offset: None,
    }
}

/// An I/O error in plain words, without Rust's "(os error N)" suffix.
fn io_message(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::NotFound => "no such file or directory".to_string(),
        ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_string(),
                None => text,
            }
        }
    }
}
