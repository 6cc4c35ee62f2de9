//! Runs Graphviz: `dot` for the automatic layout, `neato -n` for positions pinned at the
//! Studio canvas offsets. A render is bounded (a timeout kills `dot`) and says on stderr when
//! it takes long, so a huge flow never leaves the user waiting without a word.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Diagram;
use super::dot::{self, Layout};

/// What Graphviz writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
    Pdf,
}

impl ImageFormat {
    fn flag(self) -> &'static str {
        match self {
            ImageFormat::Svg => "-Tsvg",
            ImageFormat::Png => "-Tpng",
            ImageFormat::Pdf => "-Tpdf",
        }
    }
}

/// How long a render may take, and what to say while it runs.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Stop Graphviz after this long; `None` waits as long as it takes.
    pub timeout: Option<Duration>,
    /// Say on stderr that the render is still running after this long, then every
    /// [`PROGRESS_EVERY`].
    pub progress_after: Option<Duration>,
    /// What the progress lines call the diagram (its file name).
    pub name: String,
}

impl Limits {
    /// No timeout and no progress lines: for tests and small diagrams.
    pub fn none() -> Limits {
        Limits {
            timeout: None,
            progress_after: None,
            name: String::new(),
        }
    }
}

/// After the first progress line, how often another one follows.
pub const PROGRESS_EVERY: Duration = Duration::from_secs(10);
/// When the first progress line comes.
pub const PROGRESS_AFTER: Duration = Duration::from_secs(3);

/// Why Graphviz gave no picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphvizError {
    /// `dot` is not on PATH.
    Missing,
    /// The timeout passed; `dot` was stopped.
    TimedOut(Duration),
    /// `dot` exited with an error (its message), or could not be run.
    Failed(String),
}

impl std::fmt::Display for GraphvizError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GraphvizError::Missing => f.write_str(
                "Graphviz `dot` is not on PATH; install Graphviz (apt-get install graphviz, \
                 brew install graphviz)",
            ),
            GraphvizError::TimedOut(after) => write!(
                f,
                "Graphviz did not finish within {} s (--render-timeout) and was stopped",
                after.as_secs()
            ),
            GraphvizError::Failed(message) => write!(f, "Graphviz failed: {message}"),
        }
    }
}

/// Whether Graphviz's `dot` can be run.
pub fn available() -> bool {
    Command::new("dot")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The diagram drawn by Graphviz in `format`.
pub fn render(
    diagram: &Diagram,
    layout: Layout,
    format: ImageFormat,
    limits: &Limits,
) -> Result<Vec<u8>, GraphvizError> {
    let mut args = vec![format.flag()];
    if layout == Layout::Studio && diagram.has_studio_layout() {
        args.extend(["-Kneato", "-n"]);
    }
    run(dot::render(diagram, layout), &args, limits)
}

/// Runs `dot` on a DOT text: its stdout, or why there is none.
pub fn run(input: String, args: &[&str], limits: &Limits) -> Result<Vec<u8>, GraphvizError> {
    let mut child = Command::new("dot")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GraphvizError::Missing,
            _ => GraphvizError::Failed(format!("cannot run `dot`: {e}")),
        })?;
    // Feed and drain the pipes on their own threads, so neither side blocks the other and
    // the clock below keeps running.
    let stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(mut stdin) = stdin {
            // `dot` closes its input early when it fails: its message says why.
            let _ = stdin.write_all(input.as_bytes());
        }
    });
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let waited = wait(&mut child, limits);
    let _ = writer.join();
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let status = waited?;
    if status.success() {
        return Ok(stdout);
    }
    let message = String::from_utf8_lossy(&stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Err(GraphvizError::Failed(if message.is_empty() {
        format!("`dot` exited with {status}")
    } else {
        message
    }))
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Waits for `dot`, saying so on stderr when it takes long, and stops it at the timeout.
fn wait(child: &mut Child, limits: &Limits) -> Result<std::process::ExitStatus, GraphvizError> {
    let start = Instant::now();
    let mut next_progress = limits.progress_after;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) => {}
            Err(e) => return Err(GraphvizError::Failed(format!("cannot wait for `dot`: {e}"))),
        }
        let elapsed = start.elapsed();
        if let Some(timeout) = limits.timeout.filter(|t| elapsed >= *t) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(GraphvizError::TimedOut(timeout));
        }
        if let Some(at) = next_progress.filter(|at| elapsed >= *at) {
            let bound = match limits.timeout {
                Some(t) => format!("stops at {} s (--render-timeout)", t.as_secs()),
                None => "no time limit".to_string(),
            };
            eprintln!(
                "note: {}: Graphviz is still laying out the diagram ({} s so far; {bound})",
                limits.name,
                elapsed.as_secs()
            );
            next_progress = Some(at + PROGRESS_EVERY);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
