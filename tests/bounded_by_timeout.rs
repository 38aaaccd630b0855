//! Commands bounded by their timeout (issue 18): against a dead endpoint (a
//! closed port) or a frozen one (a listener that accepts connections and
//! never answers) — Confluent REST, Kafka Connect, Kafka — `plan`, `status`
//! and `apply` with `--timeout 2` each end within the timeout plus a second,
//! with a message naming the timeout, and say on stderr what they wait for.

mod support;

#[path = "e2e/http_stub.rs"]
mod http_stub;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use support::cli::{CliEnv, Run};

/// `--timeout 2` plus a second, as the issue bounds it.
const BOUND: Duration = Duration::from_secs(3);
/// What a busy 2-core machine may add to starting the binary and to its
/// timers (the runs take about 2.1 s when the machine is idle).
const MARGIN: Duration = Duration::from_secs(2);

/// A port nothing listens on.
fn dead() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    drop(l);
    addr
}

/// A listener that accepts every connection and never answers (the
/// connections are kept open for the life of the test process).
fn frozen() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    addr
}

/// A Kafka Connect worker attached to europe, with no connector.
fn connect_stub() -> String {
    http_stub::start(|request| {
        if request.starts_with("GET /connectors") {
            ("200 OK", "{}")
        } else if request.starts_with("GET / ") {
            (
                "200 OK",
                r#"{"version":"4.3.1","commit":"x","kafka_cluster_id":"eu-kafka"}"#,
            )
        } else {
            ("404 Not Found", r#"{"error_code":404,"message":"stub"}"#)
        }
    })
    .expect("stub")
}

/// A Confluent manifest: us on its double, europe's REST at `eu_rest`.
fn confluent(env: &CliEnv, eu_rest: &str) -> String {
    format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {}\n    rest: {}\n  europe:\n    bootstrap: {}\n    rest: {eu_rest}\n\
         links:\n  demo-link:\n    source: us\n    destination: europe\n    mirrors:\n      - topic: demo\n",
        dead(),
        env.us.rest_url(),
        dead(),
    )
}

/// A MirrorMaker 2 manifest: europe's Kafka Connect at `connect`, its
/// Kafka at `eu_kafka`, us's Kafka at `us_kafka`.
fn mm2(connect: &str, eu_kafka: &str, us_kafka: &str) -> String {
    format!(
        "version: 1\nclusters:\n  us:\n    bootstrap: {us_kafka}\n  europe:\n    bootstrap: {eu_kafka}\n    connect: {connect}\n\
         links:\n  demo-link:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    mirrors:\n      - topic: demo\n"
    )
}

/// Runs plan, status and apply with `--timeout 2` on `manifest`: each
/// fails within the bound, naming the timeout; returns the timings.
/// `status` exits `status_code`: a cluster that only the Kafka protocol
/// could not read is a warning (what depends on it is shown as unknown).
/// `apply` gets `apply_args` after `--auto-approve`.
fn each_command_is_bounded(
    env: &CliEnv,
    label: &str,
    manifest: &str,
    names: &str,
    status_code: i32,
    apply_args: &[&str],
) -> Vec<String> {
    let path = env.write_manifest(&format!("{label}.yaml"), manifest);
    let file = path.to_str().expect("utf-8 path");
    let mut timings = Vec::new();
    let apply: Vec<&str> = ["apply", "--auto-approve"]
        .into_iter()
        .chain(apply_args.iter().copied())
        .collect();
    for cmd in [&["plan"][..], &["status"][..], &apply[..]] {
        let mut args = vec!["-f", file, "--timeout", "2"];
        args.extend_from_slice(cmd);
        let t = Instant::now();
        // linkctl's own retry timings (the CLI tests' are shortened).
        let r: Run = env.run_with(
            &[
                ("LINKCTL_RETRY_BACKOFF_MS", "1000"),
                ("LINKCTL_POLL_INTERVAL_MS", "500"),
            ],
            &args,
        );
        let took = t.elapsed();
        timings.push(format!("{label}: {} {:.2} s", cmd[0], took.as_secs_f64()));
        let code = if cmd[0] == "status" { status_code } else { 1 };
        assert_eq!(r.code, code, "{label} {cmd:?}: {r:#?}");
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(
            took < BOUND + MARGIN,
            "{label} {cmd:?} took {took:?} with --timeout 2: {r:#?}"
        );
        assert!(
            all.contains(names) && all.contains("2 s") && all.contains("--timeout"),
            "{label} {cmd:?}: the message should name {names:?}, the timeout and --timeout: {r:#?}"
        );
    }
    timings
}

#[test]
fn dead_and_frozen_endpoints_end_each_command_within_the_timeout() {
    let env = CliEnv::start();
    let mut timings = Vec::new();
    for (label, endpoint) in [("rest-dead", dead()), ("rest-frozen", frozen())] {
        let m = confluent(&env, &format!("http://{endpoint}/kafka"));
        timings.extend(each_command_is_bounded(&env, label, &m, "europe", 1, &[]));
    }
    // No Kafka here: apply would stop at the apply lock, which lives on
    // europe's Kafka (the kafka-* runs below bound that); without it, the
    // Connect endpoint is what apply waits for.
    for (label, endpoint) in [("connect-dead", dead()), ("connect-frozen", frozen())] {
        let m = mm2(&format!("http://{endpoint}"), &dead(), &dead());
        timings.extend(each_command_is_bounded(
            &env,
            label,
            &m,
            "Kafka Connect",
            1,
            &["--no-lock"],
        ));
    }
    let stub = connect_stub();
    // Two endpoints of the kind, one per cluster: one endpoint for both
    // would be one Kafka cluster declared twice (a validate error).
    type Endpoint = fn() -> String;
    let kinds: [(&str, Endpoint); 2] = [("kafka-dead", dead), ("kafka-frozen", frozen)];
    for (label, endpoint) in kinds {
        let m = mm2(&stub, &endpoint(), &endpoint());
        timings.extend(each_command_is_bounded(&env, label, &m, "europe", 0, &[]));
    }
    println!("{}", timings.join("\n"));
    // Nothing reached the us double but reads.
    assert!(env.us.log().iter().all(|r| r.is_read()));
}

#[test]
fn while_it_retries_one_line_says_what_it_waits_for() {
    let env = CliEnv::start();
    // `plan -f <file> --timeout 2` of a manifest whose europe REST
    // endpoint is `endpoint`.
    let plan_within_2_s = |endpoint: String, file: &str, vars: &[(&str, &str)]| {
        let m = confluent(&env, &format!("http://{endpoint}/kafka"));
        let path = env.write_manifest(file, &m);
        env.run_with(
            vars,
            &[
                "-f",
                path.to_str().expect("utf-8"),
                "--timeout",
                "2",
                "plan",
            ],
        )
    };
    // Retries 200 ms apart: a few of them within the 2 s.
    let r = plan_within_2_s(dead(), "dead.yaml", &[("LINKCTL_RETRY_BACKOFF_MS", "200")]);
    assert_eq!(r.code, 1, "{r:#?}");
    let waiting: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("reading europe (Confluent REST): connection refused, retry "))
        .collect();
    assert!(!waiting.is_empty(), "{r:#?}");
    assert!(waiting[0].ends_with(" s left"), "{waiting:?}");

    // A frozen endpoint: no retry, a line once it has waited a second.
    let r = plan_within_2_s(frozen(), "frozen.yaml", &[]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("reading europe (Confluent REST): no answer yet, ")),
        "{r:#?}"
    );
}
