//! Writing to stdout and stderr. A closed pipe (`linkctl plan | head -1`)
//! ends linkctl quietly with the conventional status of a process killed by
//! SIGPIPE (141), never a panic; other write errors are ignored.

use std::io::{ErrorKind, Write};

/// The exit status after a closed pipe (128 + SIGPIPE).
pub const BROKEN_PIPE: i32 = 141;

fn write(mut w: impl Write, s: &str) {
    let r = w.write_all(s.as_bytes()).and_then(|()| w.flush());
    if let Err(e) = r {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE);
        }
    }
}

/// `s` on stdout, as is.
pub fn out(s: &str) {
    write(std::io::stdout().lock(), s);
}

/// `s` and a newline on stdout.
pub fn out_line(s: &str) {
    out(&format!("{s}\n"));
}

/// `s` on stderr, as is.
pub fn err(s: &str) {
    write(std::io::stderr().lock(), s);
}

/// `s` and a newline on stderr.
pub fn err_line(s: &str) {
    err(&format!("{s}\n"));
}

/// A writer for code that takes one (renderers, reports) with the same
/// behaviour on a closed pipe.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::io::stdout().lock().write(buf) {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(BROKEN_PIPE),
            other => other,
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match std::io::stdout().lock().flush() {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(BROKEN_PIPE),
            other => other,
        }
    }
}
