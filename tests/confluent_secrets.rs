//! A secret sentinel set through `${env:…}` reaches the server only where it
//! must (the Authorization header, the link config it is the value of), as
//! the doubles' raw request logs show, and never errors or logs.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linkctl::backend::{ActionResult, Scope};
use linkctl::plan::ActionKind;
use support::confluent_double::{Double, Fault};

const REST_SECRET: &str = "S3NT1NEL-rest-password";
const TOKEN: &str = "S3NT1NEL-bearer-token";
const JAAS: &str = "S3NT1NEL-jaas";

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn yaml(us: &str, eu: &str) -> String {
    format!(
        r#"version: 1
clusters:
  us:
    bootstrap: localhost:19092
    rest: {us}
    auth: {{ bearer: {{ token: "${{env:TOKEN}}", identity_pool_id: pool-1 }} }}
  europe:
    bootstrap: localhost:29092
    rest: {eu}
    auth: {{ basic: {{ username: key, password: "${{env:REST_SECRET}}" }} }}
links:
  demo-link:
    source: us
    destination: europe
    config:
      sasl.jaas.config: "${{env:JAAS}}"
    mirrors:
      - topic: demo
"#
    )
}

#[tokio::test]
async fn secrets_reach_the_server_only_where_they_belong_and_never_errors_or_logs() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let us = Double::start("us-cluster").await;
    let eu = Double::start("eu-cluster").await;
    let m = support::manifest(
        &yaml(&us.rest_url(), &eu.rest_url()),
        &[
            ("REST_SECRET", REST_SECRET),
            ("TOKEN", TOKEN),
            ("JAAS", JAAS),
        ],
    );
    let backend = support::backend();
    let step = |a: linkctl::plan::Action| {
        let (backend, m) = (&backend, &m);
        async move {
            match support::exec(backend, m, &[a], Duration::from_secs(5))
                .await
                .into_iter()
                .next()
            {
                Some(ActionResult::Done(o)) => Ok(o),
                Some(ActionResult::Failed(e)) => Err(e),
                other => panic!("unexpected {other:?}"),
            }
        }
    };
    let mut errors = Vec::new();
    let create = || support::action(ActionKind::CreateLink, "europe", "demo-link", None);

    support::read(&backend, &m, &Scope::default())
        .await
        .expect("read");
    step(create()).await.expect("create");
    // Failures of every flavour: server error bodies, per-topic errors, retries exhausted.
    eu.add_fault(Fault::new(
        "PUT",
        "configs:alter",
        500,
        50003,
        "retriable",
        100,
    ));
    let mut upd = support::action(ActionKind::UpdateLinkConfigs, "europe", "demo-link", None);
    upd.changes = vec![support::set_sensitive("sasl.jaas.config")];
    errors.push(step(upd).await.expect_err("5xx").to_string());
    errors.push(
        step(support::action(
            ActionKind::PromoteMirror,
            "europe",
            "demo-link",
            Some("nope"),
        ))
        .await
        .expect_err("per-topic")
        .to_string(),
    );
    errors.push(step(create()).await.expect_err("409").to_string());
    eu.quirks(|q| q.require_authorization = Some("Basic other".into()));
    errors.push(
        support::read(&support::backend(), &m, &Scope::default())
            .await
            .expect_err("401")
            .to_string(),
    );

    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("confluent request"),
        "tracing captured nothing: {logs}"
    );
    // Each failure happened, and says what failed.
    for (e, expect) in errors.iter().zip(["500", "nope", "409", "401"]) {
        assert!(e.contains(expect), "{expect:?} not in {e}");
    }
    for secret in [REST_SECRET, TOKEN, JAAS] {
        for e in &errors {
            assert!(!e.contains(secret), "{e}");
        }
        assert!(!logs.contains(secret), "secret in logs");
    }
    // The doubles' raw request logs (headers and bodies as received): each
    // secret went where it belongs and nowhere else — the bearer token in
    // every Authorization header of `us`, the REST password only inside
    // the Base64 of `europe`'s Basic header, the JAAS line only as the value
    // of `sasl.jaas.config` in the bodies that write the link's configs.
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("key:{REST_SECRET}")
        )
    );
    let (us_log, eu_log) = (us.log(), eu.log());
    assert!(!us_log.is_empty() && !eu_log.is_empty());
    for r in &us_log {
        assert_eq!(
            r.authorization.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(r.identity_pool.as_deref(), Some("pool-1"));
        assert_eq!(r.places_of(TOKEN, ""), ["authorization"], "{r:?}");
        for secret in [REST_SECRET, JAAS] {
            assert!(r.places_of(secret, "").is_empty(), "{r:?}");
        }
    }
    for r in &eu_log {
        // Until the test required another header (the 401).
        if r.status != 401 {
            assert_eq!(r.authorization.as_deref(), Some(basic.as_str()));
        }
        for secret in [REST_SECRET, TOKEN] {
            assert!(r.places_of(secret, "").is_empty(), "{r:?}");
        }
        assert!(r.places_of(JAAS, "sasl.jaas.config").is_empty(), "{r:?}");
    }
    let carried: Vec<String> = eu_log
        .iter()
        .filter(|r| r.config_value("sasl.jaas.config").as_deref() == Some(JAAS))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        carried
            .iter()
            .any(|r| r.starts_with("POST ") && r.ends_with("/links")),
        "the create request carried the JAAS line: {carried:?}"
    );
}
