//! Progress bars on stderr for the long steps (rows read, lines sorted, bytes written,
//! quads loaded).
//!
//! # Rationale
//! Progress is for a person watching a terminal: a [`Progress`] draws only when stderr
//! is a terminal and the user did not ask for `--quiet`, and only ever on stderr, so it
//! never reaches stdout, a pipe, a log file or an exported file. The library takes a
//! `&Progress` as a value (the binary decides whether to show it), and
//! [`Progress::hidden`] costs nothing.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Whether and where to draw progress bars.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    visible: bool,
}

impl Progress {
    /// Bars on stderr when it is a terminal, unless `quiet`.
    pub fn stderr(quiet: bool) -> Self {
        Self {
            visible: !quiet && std::io::stderr().is_terminal(),
        }
    }

    /// No bars at all (library callers, tests).
    pub fn hidden() -> Self {
        Self { visible: false }
    }

    /// Whether bars are drawn.
    pub fn is_visible(&self) -> bool {
        self.visible
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }

    /// A bar counting `len` items of a step.
    pub fn bar(&self, len: u64, step: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(len), self.target());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:32} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(step.to_owned());
        bar
    }

    /// A bar counting `len` bytes of a step.
    pub fn bytes(&self, len: u64, step: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(len), self.target());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:32} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(step.to_owned());
        bar
    }

    /// A spinner for a step of unknown length.
    pub fn spinner(&self, step: &str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(None, self.target());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(step.to_owned());
        if self.visible {
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
        }
        bar
    }
}
