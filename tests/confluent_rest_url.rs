//! A Confluent `rest` URL without its `/kafka` path (the Confluent Cloud
//! console's form, or a Confluent Server's host and port alone): the server
//! answers 404 under `<rest>/v3` but serves `<rest>/kafka/v3`. linkctl names
//! the missing path and the fix, instead of calling it another cluster,
//! and writes nothing.

mod support;

use support::cli::{snapshot_settings, CliEnv};

/// [`snapshot_settings`], with europe's URL cut before `/kafka` filtered.
fn settings(env: &CliEnv) -> insta::Settings {
    let mut s = snapshot_settings(env);
    let eu = env.eu.rest_url();
    let cut = eu.strip_suffix("/kafka").expect("the double serves /kafka");
    s.add_filter(&regex::escape(cut), "[europe-host]");
    s
}

/// `01-link.yaml` on the doubles with europe's `rest` cut before `/kafka`
/// (and `extra` after it).
fn without_kafka_path(env: &CliEnv, extra: &str) {
    let eu = env.eu.rest_url();
    let cut = eu.strip_suffix("/kafka").expect("the double serves /kafka");
    let text = env.seed_text("01-link.yaml").replace(
        &format!("    rest: {eu}\n"),
        &format!("    rest: {cut}\n{extra}"),
    );
    assert!(text.contains(&format!("rest: {cut}\n")), "{text}");
    env.write_manifest("linkctl.yaml", &text);
}

#[test]
fn a_self_managed_server_asked_without_kafka_path_is_named_with_the_fix() {
    let env = CliEnv::start();
    env.eu.quirks(|q| q.not_found_outside_base = true);
    without_kafka_path(&env, "");
    // `apply` meets the URL first where it takes the apply lock: the same
    // fix, named from there.
    for (args, name) in [
        (&["plan"][..], "confluent_rest_url__self_managed"),
        (
            &["apply", "--auto-approve"][..],
            "confluent_rest_url__self_managed_apply",
        ),
    ] {
        let r = env.run_exits(1, args);
        assert!(!r.stderr.contains("wrong cluster"), "{r:#?}");
        assert!(r.stderr.contains("lacks the `/kafka` path"), "{r:#?}");
        settings(&env).bind(|| {
            insta::assert_snapshot!(name, r.stderr);
        });
    }
    assert_eq!(env.writes(), Vec::<String>::new());
}

#[test]
fn a_cloud_endpoint_with_a_pinned_id_without_kafka_path_is_named_with_the_fix() {
    let env = CliEnv::start();
    // Confluent Cloud: no `GET /kafka/v3/clusters`, so the id is pinned.
    env.eu.quirks(|q| {
        q.no_clusters_endpoint = true;
        q.not_found_outside_base = true;
    });
    without_kafka_path(&env, "    cluster_id: eu-cluster\n");
    let r = env.run_exits(1, &["plan"]);
    assert!(!r.stderr.contains("wrong cluster"), "{r:#?}");
    settings(&env).bind(|| {
        insta::assert_snapshot!("confluent_rest_url__cloud_pinned_id", r.stderr);
    });
    assert_eq!(env.writes(), Vec::<String>::new());
}

#[test]
fn a_pinned_id_another_cluster_serves_is_still_the_wrong_cluster() {
    // With its `/kafka` path, the endpoint that serves another cluster is
    // refused as before: the new message is only for the missing path.
    let env = CliEnv::start();
    env.eu.quirks(|q| q.no_clusters_endpoint = true);
    let eu = env.eu.rest_url();
    let text = env.seed_text("01-link.yaml").replace(
        &format!("    rest: {eu}\n"),
        &format!("    rest: {eu}\n    cluster_id: prod-eu\n"),
    );
    env.write_manifest("linkctl.yaml", &text);
    let r = env.run_exits(1, &["plan"]);
    assert!(r.stderr.contains("wrong cluster"), "{r:#?}");
    assert!(!r.stderr.contains("lacks the `/kafka` path"), "{r:#?}");
}
