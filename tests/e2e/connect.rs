//! Kafka Connect REST calls of the tests (cleanup and assertions).

use std::time::Duration;

/// The plain stack's worker (manifests of the plain-only steps name it).
pub const CONNECT: &str = "http://127.0.0.1:28083";

/// The worker of the stack the suite runs on.
fn url() -> &'static str {
    &crate::stack::get().connect
}

fn client() -> reqwest::Client {
    let mut b = reqwest::Client::builder().timeout(Duration::from_secs(30));
    if let Some(s) = &crate::stack::get().secure {
        let pem = std::fs::read(s.var("LINKCTL_SECURE_CA_PEM")).unwrap_or_default();
        if let Ok(ca) = reqwest::Certificate::from_pem(&pem) {
            b = b.add_root_certificate(ca);
        }
    }
    b.build().unwrap_or_default()
}

/// A request to the worker, with its credentials on the secure stack.
fn req(method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    let r = client().request(method, format!("{}{path}", url()));
    match &crate::stack::get().secure {
        Some(s) => r.basic_auth(
            s.var("LINKCTL_SECURE_CONNECT_REST_USER"),
            Some(s.var("LINKCTL_SECURE_CONNECT_REST_PASSWORD")),
        ),
        None => r,
    }
}

pub async fn reachable() -> Result<(), String> {
    let r = req(reqwest::Method::GET, "/")
        .send()
        .await
        .map_err(|e| format!("Kafka Connect at {} does not answer: {e}", url()))?;
    if !r.status().is_success() {
        return Err(format!("Kafka Connect at {} answers {}", url(), r.status()));
    }
    Ok(())
}

pub async fn exists(name: &str) -> Result<bool, String> {
    let r = req(reqwest::Method::GET, &format!("/connectors/{name}"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(r.status().is_success())
}

/// Stops a connector, drops its stored source offsets, deletes it.
pub async fn remove(name: &str) -> Result<(), String> {
    if !exists(name).await? {
        return Ok(());
    }
    let _ = req(reqwest::Method::PUT, &format!("/connectors/{name}/stop"))
        .send()
        .await;
    for _ in 0..20 {
        let _ = req(
            reqwest::Method::DELETE,
            &format!("/connectors/{name}/offsets"),
        )
        .send()
        .await;
        let r = req(reqwest::Method::DELETE, &format!("/connectors/{name}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status().is_success() || r.status().as_u16() == 404 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("cannot delete connector {name}"))
}

/// Removes both MirrorMaker 2 connectors of link `link`.
pub async fn remove_link(link: &str) -> Result<(), String> {
    remove(&format!("{link}-checkpoint")).await?;
    remove(&format!("{link}-source")).await
}
