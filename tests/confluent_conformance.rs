//! The Confluent client off the happy path but within the published API:
//! paged lists, endpoint spellings, headers, and a server without
//! `GET /v3/clusters` (Confluent Cloud).

mod support;

use std::time::Duration;

use linkctl::backend::Scope;
use linkctl::plan::ActionKind;
use linkctl::state::LiveState;
use support::confluent_double::Double;

async fn doubles() -> (Double, Double) {
    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    for i in 0..5 {
        let name = format!("link-{i}");
        eu.seed_link(
            &name,
            "us-cluster",
            &[
                ("link.mode", "DESTINATION"),
                ("bootstrap.servers", "localhost:19092"),
                ("consumer.offset.sync.ms", "4000"),
            ],
        );
        eu.seed_mirrors(&name, (0..3).map(|m| format!("t{i}-{m}")), "ACTIVE");
    }
    (us, eu)
}

async fn read(us: &Double, eu: &Double, rest_suffix: &str) -> Result<LiveState, String> {
    let yaml = support::seed_yaml(
        &format!("{}{rest_suffix}", us.rest_url()),
        &format!("{}{rest_suffix}", eu.rest_url()),
        "",
    );
    read_yaml(&yaml).await
}

async fn read_yaml(yaml: &str) -> Result<LiveState, String> {
    let m = support::manifest(yaml, &[]);
    support::read(&support::backend(), &m, &Scope::default())
        .await
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn paged_lists_are_read_to_the_end() {
    let (us, eu) = doubles().await;
    let whole = read(&us, &eu, "").await.expect("read");
    eu.clear_log();
    eu.quirks(|q| q.page_size = Some(2));
    let paged = read(&us, &eu, "").await.expect("paged read");
    assert_eq!(paged, whole);
    let links = &paged.clusters["europe"].links;
    assert_eq!(links.len(), 5);
    assert!(links.values().all(|l| l.mirrors.len() == 3));
    assert!(links.values().all(|l| l.configs.len() > 2));
    let followed = eu
        .log()
        .iter()
        .filter(|r| {
            r.query
                .as_deref()
                .is_some_and(|q| q.contains("page_token="))
        })
        .count();
    // links: 3 pages; mirrors: 8 pages; configs: several pages per link.
    assert!(followed >= 2 + 7 + 5, "{followed} next pages followed");
}

#[tokio::test]
async fn a_server_whose_pages_loop_is_an_error() {
    let (us, eu) = doubles().await;
    eu.quirks(|q| {
        q.page_size = Some(2);
        q.paging_loops = true;
    });
    let e = read(&us, &eu, "").await.expect_err("loops");
    assert!(e.contains("cannot read every page of the list"), "{e}");
    assert!(e.contains("the server loops"), "{e}");
}

#[tokio::test]
async fn rest_urls_ending_in_v3_or_a_slash_address_the_same_api() {
    let (us, eu) = doubles().await;
    let plain = read(&us, &eu, "").await.expect("read");
    for suffix in ["/", "/v3", "/v3/"] {
        eu.clear_log();
        let r = read(&us, &eu, suffix).await.expect(suffix);
        assert_eq!(r, plain, "{suffix}");
        assert!(
            eu.log().iter().all(|r| r.path.starts_with("/clusters")),
            "{suffix}: {:?}",
            eu.rendered_log()
        );
    }
}

#[tokio::test]
async fn every_request_says_it_accepts_json_and_names_linkctl() {
    let (us, eu) = doubles().await;
    read(&us, &eu, "").await.expect("read");
    let want = format!("linkctl/{}", env!("CARGO_PKG_VERSION"));
    for r in eu.log() {
        assert_eq!(
            r.accept.as_deref(),
            Some("application/json"),
            "{}",
            r.render()
        );
        assert_eq!(
            r.user_agent.as_deref(),
            Some(want.as_str()),
            "{}",
            r.render()
        );
    }
}

#[tokio::test]
async fn without_a_clusters_endpoint_the_cluster_id_must_be_pinned() {
    let (us, eu) = doubles().await;
    for d in [&us, &eu] {
        d.quirks(|q| q.no_clusters_endpoint = true);
    }
    let e = read(&us, &eu, "").await.expect_err("needs a pinned id");
    assert!(e.contains("GET /v3/clusters answers 404"), "{e}");
    assert!(e.contains("set `cluster_id` on cluster"), "{e}");

    // Pinned: reads and writes work; the write guard asks `GET clusters/{id}`.
    let seed = support::seed_yaml(&us.rest_url(), &eu.rest_url(), "");
    let yaml = support::pin_cluster_id(
        &support::pin_cluster_id(&seed, &eu.rest_url(), "eu-cluster"),
        &us.rest_url(),
        "us-cluster",
    );
    let live = read_yaml(&yaml).await.expect("pinned read");
    assert_eq!(live.clusters["europe"].links.len(), 5);
    let delete = |yaml: String, link: &'static str| async move {
        let m = support::manifest(&yaml, &[]);
        let a = support::action(ActionKind::DeleteLink, "europe", link, None);
        support::exec(&support::backend(), &m, &[a], Duration::from_secs(5)).await
    };
    eu.clear_log();
    eu.with(|s| s.links.get_mut("link-0").expect("link").mirrors.clear());
    let r = delete(yaml.clone(), "link-0").await;
    assert!(!r[0].is_failed(), "{r:?}");
    let paths: Vec<String> = eu.log().iter().map(|r| r.render()).collect();
    assert_eq!(
        paths[..3],
        [
            "GET /clusters",
            "GET /clusters/eu-cluster",
            "DELETE /clusters/eu-cluster/links/link-0"
        ]
    );

    // Pinned to an id the endpoint does not serve: refused before any write.
    eu.clear_log();
    let r = delete(
        yaml.replace("cluster_id: eu-cluster", "cluster_id: lkc-other"),
        "link-1",
    )
    .await;
    assert!(r[0].is_failed(), "{r:?}");
    assert!(eu.log().iter().all(|r| r.is_read()));
    assert!(eu.link_names().contains("link-1"));
}

#[tokio::test]
async fn both_link_in_use_refusals_are_explained() {
    use support::confluent_double::LinkInUseRefusal;
    for (refusal, status) in [
        (LinkInUseRefusal::Forbidden, "HTTP 403 (error_code 40301)"),
        (LinkInUseRefusal::BadRequest, "HTTP 400 (error_code 40002)"),
    ] {
        let (us, eu) = doubles().await;
        eu.quirks(|q| q.link_in_use_refusal = refusal);
        let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
        let a = support::action(ActionKind::DeleteLink, "europe", "link-0", None);
        let r = support::exec(&support::backend(), &m, &[a], Duration::from_secs(5)).await;
        let linkctl::backend::ActionResult::Failed(e) = &r[0] else {
            panic!("refused: {r:?}")
        };
        assert!(
            e.message
                .contains("the server refused to delete link link-0")
                && e.message.contains(status)
                && e.message.contains("mirror topics that are not stopped"),
            "{e}"
        );
        assert_eq!(
            e.message.contains("credentials may not delete links"),
            refusal == LinkInUseRefusal::Forbidden,
            "{e}"
        );
        assert!(eu.link_names().contains("link-0"));
    }
}

#[tokio::test]
async fn a_mirror_whose_link_failed_is_failed_over() {
    let (us, eu) = doubles().await;
    eu.set_mirror_status("link-0", "t0-0", "LINK_FAILED");
    let m = support::manifest(&support::seed_yaml(&us.rest_url(), &eu.rest_url(), ""), &[]);
    let a = support::action(ActionKind::FailoverMirror, "europe", "link-0", Some("t0-0"));
    let r = support::exec(&support::backend(), &m, &[a], Duration::from_secs(5)).await;
    assert!(!r[0].is_failed(), "LINK_FAILED is where it starts: {r:?}");
    assert_eq!(
        eu.mirror_status("link-0", "t0-0").as_deref(),
        Some("STOPPED")
    );
}
