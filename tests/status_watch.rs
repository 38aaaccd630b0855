//! `linkctl status --watch`: the status read and shown again every interval
//! until Ctrl-C, through the real binary against the Confluent doubles.

mod support;

use support::cli::CliEnv;

#[test]
fn watch_shows_a_new_block_each_interval_until_ctrl_c() {
    let env = CliEnv::seeded("01-link.yaml");
    env.run_exits(0, &["apply", "--auto-approve"]);
    let mut running = env.spawn(&["status", "--watch", "0.3"]);
    // Two refreshes, each with the link in it, then Ctrl-C.
    running.read_until(|line| line.starts_with("status, refresh 3,"));
    let (r, _) = running.interrupt();
    println!("{}", r.stdout);
    assert_eq!(r.code, 0, "{r:#?}");
    let out = r.stdout;
    // Every complete refresh names the link; the headers count up.
    let blocks: Vec<&str> = out.split("status, refresh ").skip(1).collect();
    assert!(blocks.len() >= 3, "three refreshes before Ctrl-C:\n{out}");
    for (i, b) in blocks.iter().take(2).enumerate() {
        assert!(
            b.starts_with(&format!("{}, every 300ms (Ctrl-C to stop)", i + 1)),
            "header of refresh {}:\n{b}",
            i + 1
        );
        assert!(
            b.contains("demo-link"),
            "refresh {} shows the link:\n{b}",
            i + 1
        );
    }
    // Each refresh read the live state again (not one reading shown thrice).
    assert!(
        env.eu.count("GET", "/links") >= 3,
        "{:?}",
        env.eu.log().len()
    );
    // Piped output is plain: no escape sequences.
    assert!(!out.contains('\u{1b}'), "{out:?}");
}

#[test]
fn a_watch_interval_below_a_tenth_of_a_second_is_refused() {
    let env = CliEnv::seeded("01-link.yaml");
    env.clear_logs();
    let r = env.run(&["status", "--watch", "0"]);
    assert_eq!(r.code, 1, "{r:#?}");
    assert!(
        r.stderr
            .contains("`--watch 0`: the interval must be at least 0.1 seconds"),
        "{r:#?}"
    );
    assert!(r.stdout.is_empty(), "{r:#?}");
    assert!(
        env.eu.log().is_empty(),
        "nothing is read: {:?}",
        env.eu.log().len()
    );
}
