//! A Kafka Connect stand-in that answers every request with an error that
//! echoes it: the request line, the `Authorization` header and the body, as
//! received, with terminal escape sequences (clear screen, window title)
//! around them, with the status the test sets (400, 401, 500, …). For tests
//! that check what linkctl prints of what a server sends back.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Arc;

/// What every echoed message starts with (a positive check that the echo
/// reached the output).
pub const ECHO_MARK: &str = "echoed-by-the-stand-in";

/// Starts the server on a free port of 127.0.0.1; its URL and the status it
/// answers with (500 until set). It lives as long as the test process.
pub fn start() -> (String, Arc<AtomicU16>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let status = Arc::new(AtomicU16::new(500));
    let answer = status.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = respond(stream, answer.load(Ordering::Relaxed));
        }
    });
    (format!("http://{addr}"), status)
}

fn respond(mut stream: TcpStream, code: u16) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let (mut auth, mut length) = (String::new(), 0usize);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("authorization:") {
            auth = line["authorization:".len()..].trim().to_string();
        } else if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let request = request.trim();
    let message = format!(
        "{ECHO_MARK} \u{1b}[2J\u{1b}]0;pwned\u{7}{request} Authorization: {auth} body: {}",
        String::from_utf8_lossy(&body)
    );
    let json = serde_json::json!({ "error_code": code, "message": message }).to_string();
    write!(
        stream,
        "HTTP/1.1 {code} Echo\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
        json.len()
    )
}
