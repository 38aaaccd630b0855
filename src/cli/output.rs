//! Output settings shared by every command: colour, format, tracing.

use std::io::IsTerminal;

use anstream::{AutoStream, ColorChoice};

use super::{Format, GlobalArgs};

/// How a command should write what it prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    /// Colour stdout (a TTY, no `--no-color`, no `NO_COLOR`).
    pub color: bool,
    /// Colour and progress on stderr.
    pub stderr_color: bool,
    /// stderr is a terminal (spinners, prompts).
    pub stderr_tty: bool,
    /// stdin is a terminal (confirmation prompts).
    pub stdin_tty: bool,
}

impl Output {
    /// Colour follows `anstream`'s rules per stream: a terminal that
    /// supports it, unless `--no-color`, `NO_COLOR`, `CLICOLOR=0` or
    /// `TERM=dumb` (and `CLICOLOR_FORCE` forces it); Markdown and JSON are
    /// never coloured.
    pub fn new(args: &GlobalArgs) -> Self {
        if args.no_color {
            ColorChoice::Never.write_global();
        }
        let text = args.format == Format::Text;
        let stdout = AutoStream::choice(&std::io::stdout()) != ColorChoice::Never;
        let stderr = AutoStream::choice(&std::io::stderr()) != ColorChoice::Never;
        super::pipe::set_colour(text && stdout, stderr);
        Self {
            format: args.format,
            color: text && stdout,
            stderr_color: stderr,
            stderr_tty: std::io::stderr().is_terminal(),
            stdin_tty: std::io::stdin().is_terminal(),
        }
    }

    /// Plain output: no colour anywhere (tests, pipes).
    pub fn plain(format: Format) -> Self {
        Self {
            format,
            color: false,
            stderr_color: false,
            stderr_tty: false,
            stdin_tty: false,
        }
    }

    /// Logs go to stderr through the redaction layer, off unless `-v` or `RUST_LOG`.
    pub fn init_tracing(&self, verbose: u8) {
        let level = match verbose {
            0 => "off",
            1 => "linkctl=info",
            2 => "linkctl=debug",
            _ => "linkctl=trace",
        };
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(super::pipe::Stderr::default)
            .with_ansi(self.stderr_color)
            .with_target(false)
            .try_init();
    }
}
