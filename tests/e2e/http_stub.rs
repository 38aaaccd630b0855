//! A tiny HTTP server in the test process, standing in for a REST endpoint
//! (Kafka Connect) where the real one cannot give the answer a test needs.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

/// The status line's status and the JSON body answering a request line
/// (`GET /connectors?expand=info HTTP/1.1`).
pub type Answer = fn(&str) -> (&'static str, &'static str);

/// Starts a server on a free port of 127.0.0.1 answering every request with
/// `answer`; its URL (`http://127.0.0.1:PORT`). It lives as long as the test
/// process.
pub fn start(answer: Answer) -> Result<String, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("stub: {e}"))?;
    let addr = listener.local_addr().map_err(|e| format!("stub: {e}"))?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = respond(stream, answer);
        }
    });
    Ok(format!("http://{addr}"))
}

fn respond(mut stream: TcpStream, answer: Answer) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    // The rest of the head, up to its empty line (the requests carry no body).
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
    }
    let (status, body) = answer(&request);
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}
