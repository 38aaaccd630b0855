//! Many mirrors on one MirrorMaker 2 link: 200 single-partition topics
//! created, half of them promoted, then the link deleted, each in one apply
//! with `plan` empty afterwards, and Kafka Connect reached through a counting
//! proxy so the number of connector writes is asserted (one per connector
//! per step, whatever the number of mirrors).

use std::path::PathBuf;
use std::time::Duration;

use crate::connect_proxy::ConnectProxy;

use crate::stack::{EUROPE, US};
use crate::{cli, connect, kafka, manifests};

pub const LINK: &str = "scale-link";
const MIRRORS: usize = 200;
const PREFIX: &str = "scale-";

fn topics() -> Vec<String> {
    (0..MIRRORS).map(|i| format!("{PREFIX}{i:03}")).collect()
}

/// The manifest, `promoted` of the topics promoted; without the link when
/// `with_link` is false (links are pruned, and its mirrors go with the
/// connectors).
fn manifest(connect: &str, promoted: usize, with_link: bool) -> String {
    let mirrors: Vec<(String, &str)> = topics()
        .into_iter()
        .enumerate()
        .map(|(i, t)| (t, if i < promoted { "promoted" } else { "active" }))
        .collect();
    manifests::mm2(connect, with_link.then_some(LINK), &mirrors)
}

/// Removes the link's connectors and every `scale-*` topic on both clusters.
pub async fn cleanup() -> Result<(), String> {
    connect::remove_link(LINK).await?;
    for b in [US, EUROPE] {
        kafka::delete_topics_matching(b, |t| t.starts_with(PREFIX)).await?;
    }
    for _ in 0..60 {
        let left = [US, EUROPE]
            .iter()
            .map(|b| kafka::topic_names(b))
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .flatten()
            .any(|t| t.starts_with(PREFIX));
        if !left {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err("scale-* topics are still listed after deleting them".into())
}

/// Connector config writes since the last call, by connector.
fn writes(proxy: &ConnectProxy) -> (usize, usize) {
    let w = (
        proxy.count("PUT", &format!("/connectors/{LINK}-source/config")),
        proxy.count("PUT", &format!("/connectors/{LINK}-checkpoint/config")),
    );
    proxy.clear();
    w
}

pub async fn two_hundred_mirrors() -> Result<(), String> {
    let names = topics();
    kafka::create_topics(US, &names, 1).await?;
    let proxy = ConnectProxy::start(connect::CONNECT).await;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path: PathBuf = dir.path().join("scale.yaml");
    // Applies `text`, checks `plan` is empty after, and counts the writes.
    let apply = |text: String| {
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        cli::apply_file(&path)?;
        cli::plan_is_empty_file(&path)?;
        Ok::<_, String>(writes(&proxy))
    };

    // Create the link and its 200 mirrors in one apply: the link write (each
    // connector once), then one source connector write for every mirror and
    // one recording the new mirror topics' ids (how a topic deleted out of
    // band is told apart).
    let w = apply(manifest(&proxy.url(), 0, true))?;
    if w != (3, 1) {
        return Err(format!(
            "creating the link and {MIRRORS} mirrors wrote the source connector {} time(s) and the checkpoint connector {} time(s), expected 3 and 1",
            w.0, w.1
        ));
    }
    let on_europe = kafka::topic_names(EUROPE)?;
    let missing: Vec<&String> = names.iter().filter(|t| !on_europe.contains(t)).collect();
    if !missing.is_empty() {
        return Err(format!("{} mirror topics missing on europe", missing.len()));
    }
    // Records flow through one of them.
    let last = &names[MIRRORS - 1];
    kafka::produce(US, last, &["hello".to_string()])?;
    let got = kafka::read_all(EUROPE, last, 1, Duration::from_secs(60))?;
    if got != ["hello"] {
        return Err(format!("europe/{last} holds {got:?}"));
    }

    // Promote half of them: one source connector write.
    let w = apply(manifest(&proxy.url(), MIRRORS / 2, true))?;
    if w != (1, 0) {
        return Err(format!(
            "promoting {} mirrors wrote the connectors {w:?} times, expected (1, 0)",
            MIRRORS / 2
        ));
    }
    // A promoted topic no longer receives records; an active one still does.
    let (promoted, active) = (&names[0], &names[MIRRORS - 1]);
    kafka::produce(US, promoted, &["after-promotion".to_string()])?;
    kafka::produce(US, active, &["still-mirrored".to_string()])?;
    let got = kafka::read_all(EUROPE, active, 2, Duration::from_secs(60))?;
    if !got.iter().any(|r| r == "still-mirrored") {
        return Err(format!("europe/{active} holds {got:?}"));
    }
    let got = kafka::read_all(EUROPE, promoted, 1, Duration::from_secs(5))?;
    if !got.is_empty() {
        return Err(format!("the promoted europe/{promoted} received {got:?}"));
    }

    // Delete the link: its connectors are stopped, reset and deleted.
    std::fs::write(&path, manifest(&proxy.url(), MIRRORS / 2, false)).map_err(|e| e.to_string())?;
    cli::apply_file(&path)?;
    cli::plan_is_empty_file(&path)?;
    for c in ["source", "checkpoint"] {
        let name = format!("{LINK}-{c}");
        if connect::exists(&name).await? {
            return Err(format!("connector {name} still exists"));
        }
        for (method, suffix) in [("PUT", "/stop"), ("DELETE", "/offsets"), ("DELETE", "")] {
            let n = proxy.count(method, &format!("/connectors/{name}{suffix}"));
            if n != 1 {
                return Err(format!(
                    "{method} /connectors/{name}{suffix} was sent {n} times"
                ));
            }
        }
    }
    println!(
        "{MIRRORS} mirrors: created with 2 + 1 connector writes, {} promoted with 1, link deleted",
        MIRRORS / 2
    );
    Ok(())
}
