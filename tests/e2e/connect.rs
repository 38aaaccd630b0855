//! Kafka Connect REST calls of the tests (cleanup and assertions).

use std::time::Duration;

pub const CONNECT: &str = "http://127.0.0.1:28083";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

pub async fn reachable() -> Result<(), String> {
    client()
        .get(format!("{CONNECT}/"))
        .send()
        .await
        .map_err(|e| format!("Kafka Connect at {CONNECT} does not answer: {e}"))?;
    Ok(())
}

pub async fn exists(name: &str) -> Result<bool, String> {
    let r = client()
        .get(format!("{CONNECT}/connectors/{name}"))
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
    let c = client();
    let _ = c
        .put(format!("{CONNECT}/connectors/{name}/stop"))
        .send()
        .await;
    for _ in 0..20 {
        let _ = c
            .delete(format!("{CONNECT}/connectors/{name}/offsets"))
            .send()
            .await;
        let r = c
            .delete(format!("{CONNECT}/connectors/{name}"))
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
