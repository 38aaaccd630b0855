//! `--link` with a name the manifest does not declare is an error with a
//! did-you-mean in every command that takes it (issue 18): a nightly drift
//! job with a typo must fail, not report "No changes" forever.

mod support;

use support::cli::{assert_has, CliEnv};

#[test]
fn a_typo_in_link_is_exit_1_with_a_suggestion_in_every_command() {
    let env = CliEnv::seeded("02-mirror.yaml");
    for args in [
        &["plan", "--link", "demolink", "--detailed-exitcode"][..],
        &["apply", "--auto-approve", "--link", "demolink"][..],
        &["status", "--link", "demolink"][..],
        &["plan", "--link", "demo-link", "--link", "demolink"][..],
    ] {
        let r = env.run_exits(1, args);
        assert_has(
            &r.stderr,
            "--link `demolink`: the manifest declares no link of that name; did you mean `demo-link`? (declared links: `demo-link`)",
        );
        assert!(!r.stdout.contains("No changes"), "{args:?}: {r:#?}");
    }
    // Nothing was read, nothing was written.
    assert!(env.eu.log().is_empty(), "{:?}", env.eu.rendered_log());
    assert!(env.us.log().is_empty(), "{:?}", env.us.rendered_log());
    // A declared name still works (and proves the runs above were refused
    // for the name alone).
    env.run_exits(2, &["plan", "--link", "demo-link", "--detailed-exitcode"]);
}
