//! Writing to stdout and stderr, through the redaction layer
//! ([`crate::redact`]): every secret of the run is replaced and escape
//! sequences are removed (colour kept where the stream is coloured) before
//! a byte leaves. A closed pipe (`linkctl plan | head -1`) ends linkctl
//! quietly with the conventional status of a process killed by SIGPIPE
//! (141), never a panic; other write errors are ignored.

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::redact;

/// The exit status after a closed pipe (128 + SIGPIPE).
pub const BROKEN_PIPE: i32 = 141;

static STDOUT_COLOUR: AtomicBool = AtomicBool::new(false);
static STDERR_COLOUR: AtomicBool = AtomicBool::new(false);

/// Whether each stream is coloured (its SGR sequences are kept).
pub fn set_colour(stdout: bool, stderr: bool) {
    STDOUT_COLOUR.store(stdout, Ordering::Relaxed);
    STDERR_COLOUR.store(stderr, Ordering::Relaxed);
}

fn write(mut w: impl Write, s: &str) {
    let r = w.write_all(s.as_bytes()).and_then(|()| w.flush());
    if let Err(e) = r {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE);
        }
    }
}

/// `s` on stdout, redacted.
pub fn out(s: &str) {
    let s = redact::output(s, STDOUT_COLOUR.load(Ordering::Relaxed));
    write(std::io::stdout().lock(), &s);
}

/// `s` and a newline on stdout.
pub fn out_line(s: &str) {
    out(&format!("{s}\n"));
}

/// `s` on stderr, redacted.
pub fn err(s: &str) {
    let s = redact::output(s, STDERR_COLOUR.load(Ordering::Relaxed));
    write(std::io::stderr().lock(), &s);
}

/// `s` and a newline on stderr.
pub fn err_line(s: &str) {
    err(&format!("{s}\n"));
}

/// The start of a line on a terminal, cleared (`CR`, erase line).
const CLEAR_LINE: &str = "\r\u{1b}[2K";

/// `s` as the live status line of a terminal's stderr (replacing the one
/// before; no newline), redacted. Only linkctl's own erase sequence is
/// written raw: `s` is made printable like everything else.
pub fn err_live(s: &str) {
    let s = redact::output(s, false);
    write(std::io::stderr().lock(), &format!("{CLEAR_LINE}{s}"));
}

/// Erases the live status line.
pub fn err_live_clear() {
    write(std::io::stderr().lock(), CLEAR_LINE);
}

/// A writer for code that takes one (renderers, event streams, logs) with
/// the same redaction and the same behaviour on a closed pipe. It holds
/// text back until a line is complete (a secret is never cut in two
/// writes) and writes the rest on `flush` and when dropped.
#[derive(Default)]
pub struct Lines<const STDERR: bool> {
    pending: Vec<u8>,
}

/// Redacted stdout.
pub type Stdout = Lines<false>;
/// Redacted stderr.
pub type Stderr = Lines<true>;

impl<const STDERR: bool> Lines<STDERR> {
    fn emit(&mut self, upto: usize) {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let text = String::from_utf8_lossy(&chunk);
        if STDERR {
            err(&text);
        } else {
            out(&text);
        }
    }
}

impl<const STDERR: bool> Write for Lines<STDERR> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|b| *b == b'\n') {
            self.emit(last + 1);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            self.emit(self.pending.len());
        }
        Ok(())
    }
}

impl<const STDERR: bool> Drop for Lines<STDERR> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
