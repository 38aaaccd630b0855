//! The Kafka Connect client against a group of stand-in workers: a worker
//! that does not answer is skipped for the next URL of `connect:`; answers a
//! rebalance causes (409, 500 "rebalance expected", 503, a request that could
//! not be forwarded to the leader) are retried until the request timeout and
//! then named "Kafka Connect is rebalancing"; concurrent waiters share one
//! `GET /connectors?expand=status`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use linkctl::backend::mirrormaker2::connect_client::ConnectClient;
use linkctl::manifest::load::parse;
use linkctl::manifest::SourceFile;

/// A stand-in worker: the first `busy` requests get `status` with
/// `message`, the others a connector list; every request is counted.
#[derive(Clone)]
struct Worker {
    seen: Arc<AtomicUsize>,
    busy: usize,
    status: StatusCode,
    message: &'static str,
}

async fn answer(State(w): State<Worker>) -> axum::response::Response {
    let n = w.seen.fetch_add(1, Ordering::SeqCst);
    if n < w.busy {
        let body = serde_json::json!({"error_code": w.status.as_u16(), "message": w.message});
        return (w.status, Json(body)).into_response();
    }
    // Answers both `GET /connectors` and `?expand=status` (a list is
    // enough for the first, a map for the second: the stand-in serves the
    // map, and the list test asks the map through `statuses`).
    Json(serde_json::json!({
        "l-source": {"status": {"name": "l-source", "connector": {"state": "RUNNING"}, "tasks": []}}
    }))
    .into_response()
}

async fn serve(w: Worker) -> String {
    let app = Router::new()
        .route("/connectors", get(answer))
        .with_state(w);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// A URL where nothing listens (a port bound, then released).
async fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    drop(l);
    format!("http://{addr}")
}

fn worker(busy: usize, status: StatusCode, message: &'static str) -> (Worker, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    (
        Worker {
            seen: seen.clone(),
            busy,
            status,
            message,
        },
        seen,
    )
}

fn client(urls: &[String], request_ms: u64) -> ConnectClient {
    let yaml = format!(
        "version: 1\nclusters:\n  europe:\n    bootstrap: 127.0.0.1:1\n    connect: [{}]\n    timeouts: {{ request_ms: {request_ms} }}\nlinks: {{}}\n",
        urls.join(", ")
    );
    let src = SourceFile::new("connect.yaml", &yaml);
    let m = parse(&src, |_| None).expect("manifest parses").manifest;
    let (name, cluster) = m.clusters.iter().next().expect("one cluster");
    ConnectClient::for_cluster(&name.value, cluster).expect("client")
}

#[tokio::test]
async fn a_dead_worker_is_skipped_for_the_next_url() {
    let (w, seen) = worker(0, StatusCode::OK, "");
    let live = serve(w).await;
    let c = client(&[dead_url().await, live], 5_000);
    let all = c
        .statuses(Instant::now(), Duration::ZERO)
        .await
        .expect("the second worker answers");
    assert!(all.contains_key("l-source"), "{all:?}");
    // Later requests go to the worker that answered, first.
    c.statuses(Instant::now(), Duration::ZERO)
        .await
        .expect("again");
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn rebalance_answers_are_retried_until_the_group_settles() {
    for (status, message) in [
        (
            StatusCode::CONFLICT,
            "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Request cannot be completed because a rebalance is expected",
        ),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "IO Error trying to forward REST request: java.net.ConnectException: Connection refused",
        ),
        (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
    ] {
        let (w, seen) = worker(3, status, message);
        let c = client(&[serve(w).await], 20_000);
        let all = c
            .statuses(Instant::now(), Duration::ZERO)
            .await
            .unwrap_or_else(|e| panic!("{status} {message}: {e}"));
        assert!(all.contains_key("l-source"));
        assert_eq!(seen.load(Ordering::SeqCst), 4, "{status}: 3 refusals, then the answer");
    }
}

#[tokio::test]
async fn a_rebalance_that_outlasts_the_timeout_is_named() {
    let (w, seen) = worker(
        usize::MAX,
        StatusCode::CONFLICT,
        "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
    );
    let c = client(&[serve(w).await], 1_500);
    let started = Instant::now();
    let e = c
        .statuses(Instant::now(), Duration::ZERO)
        .await
        .expect_err("never settles");
    let took = started.elapsed();
    let msg = e.to_string();
    assert!(
        msg.contains("Kafka Connect is rebalancing (HTTP 409"),
        "{msg}"
    );
    assert!(msg.contains("request timeout 1.5 s"), "{msg}");
    assert!(seen.load(Ordering::SeqCst) >= 2, "it was retried");
    // Bounded by the request timeout (1.5 s) plus one backoff; a generous
    // margin for a busy machine.
    assert!(took < Duration::from_secs(10), "{took:?}");
}

#[tokio::test]
async fn concurrent_waiters_share_one_status_request() {
    let (w, seen) = worker(0, StatusCode::OK, "");
    let c = client(&[serve(w).await], 5_000);
    let since = Instant::now();
    let waiters: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.statuses(since, Duration::from_secs(60)).await })
        })
        .collect();
    for w in waiters {
        let all = w.await.expect("joins").expect("answers");
        assert!(all.contains_key("l-source"));
    }
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "one request for ten waiters"
    );
    // A waiter whose last write came after that request asks again.
    c.statuses(Instant::now(), Duration::from_secs(60))
        .await
        .expect("answers");
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}
