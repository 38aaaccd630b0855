//! `apply`'s confirmation prompt through the real binary, on a pseudo
//! terminal (util-linux `script` gives it one; what is typed is written to
//! `script`'s standard input), against the Confluent doubles: a plan that
//! promotes a mirror proceeds only on the exact word `yes`; a plan of
//! reversible actions still takes `y`.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use support::cli::{assert_has, CliEnv, Run};

/// `linkctl ARGS` in `env`'s directory with a terminal as its standard
/// input, `typed` typed at it. stdout and stderr both come back in
/// `stdout` (a terminal has one output), with CR LF line ends.
fn on_terminal(env: &CliEnv, args: &str, typed: &str) -> Run {
    let line = format!("'{}' {args}", env!("CARGO_BIN_EXE_linkctl"));
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &line, "/dev/null"])
        .current_dir(env.dir.path())
        .env_remove("LINKCTL_FILE")
        .env("NO_COLOR", "1")
        .env("LINKCTL_RETRY_BACKOFF_MS", "5")
        .env("LINKCTL_POLL_INTERVAL_MS", "10")
        // The doubles hold no Kafka: promotion readiness is read as unknown, fast.
        .env("LINKCTL_KAFKA_TIMEOUT_MS", "300")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs (it gives linkctl a terminal)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(typed.as_bytes())
        .expect("type the answer");
    child.wait_with_output().expect("script ends").into()
}

#[test]
fn an_irreversible_plan_proceeds_only_on_the_exact_word_yes() {
    let env = CliEnv::seeded("02-mirror.yaml");
    env.run_exits(0, &["apply", "--auto-approve"]);
    env.seed_step("10-promote.yaml");
    env.clear_logs();

    for typed in ["y\n", "Y\n", "YES\n", "\n"] {
        let r = on_terminal(&env, "apply", typed);
        assert_eq!(r.code, 1, "{typed:?}: {r:#?}");
        assert_has(&r.stdout, "! promote mirror demo");
        assert_has(
            &r.stdout,
            "Apply these 2 action(s)? 1 of them cannot be undone:",
        );
        assert_has(&r.stdout, "1 mirror promotion (the mirror stops for good");
        assert_has(&r.stdout, "Only the exact word 'yes' proceeds: ");
        assert_has(&r.stdout, "apply cancelled; nothing was changed");
        assert_eq!(env.writes(), Vec::<String>::new(), "{typed:?}");
        assert_eq!(
            env.eu.mirror_status("demo-link", "demo").as_deref(),
            Some("ACTIVE")
        );
    }

    let r = on_terminal(&env, "apply", "yes\n");
    assert_eq!(r.code, 0, "{r:#?}");
    assert_has(&r.stdout, "Live state matches the manifest.");
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("STOPPED")
    );
}

#[test]
fn a_reversible_plan_still_takes_y() {
    let env = CliEnv::seeded("02-mirror.yaml");
    let r = on_terminal(&env, "apply", "n\n");
    assert_eq!(r.code, 1, "{r:#?}");
    assert_has(&r.stdout, "apply cancelled; nothing was changed");
    assert!(env.eu.link_names().is_empty());

    let r = on_terminal(&env, "apply", "y\n");
    assert_eq!(r.code, 0, "{r:#?}");
    assert_has(
        &r.stdout,
        "Apply these 2 action(s)? Only 'yes' or 'y' proceeds: ",
    );
    assert!(!r.stdout.contains("cannot be undone"), "{}", r.stdout);
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("ACTIVE")
    );
}

#[test]
fn auto_approve_asks_nothing_even_for_irreversible_actions() {
    let env = CliEnv::seeded("02-mirror.yaml");
    env.run_exits(0, &["apply", "--auto-approve"]);
    env.seed_step("10-promote.yaml");
    // Nothing typed: a prompt would read end of input and refuse.
    let r = on_terminal(&env, "apply --auto-approve", "");
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(!r.stdout.contains("proceeds"), "{}", r.stdout);
    assert_eq!(
        env.eu.mirror_status("demo-link", "demo").as_deref(),
        Some("STOPPED")
    );
}
