//! Kafka-protocol security failures, against the real secure local stack
//! (`scripts/local-kafka.sh up --secure`: SASL_SSL + SCRAM-SHA-512 brokers
//! with ACLs, see `scripts/kafka/SECURE.md`). Without it every test FAILS
//! with a message saying how to start it: nothing here is ever skipped.
//!
//! Each test runs the real `linkctl` binary on a manifest whose clusters
//! carry librdkafka `kafka:` properties, and checks the exit code, that the
//! message names the cluster, its bootstrap, what failed and what to check,
//! that it came well before the request timeout, that no librdkafka log line
//! reached the terminal, and that no password of the stack appears anywhere
//! in the output, even at `-vvv`.
//!
//! The path through the binary: `plan` (and `status`) of a MirrorMaker 2
//! link whose Kafka Connect is a stub in this process answering "no
//! connectors", so the first request that can fail is the Kafka metadata
//! read of the source cluster (`status` also reads topic configs on both
//! clusters). The hostname mismatch is a TLS server in this process serving
//! the stack's `mismatch` certificate (from the stack's CA, not valid for
//! 127.0.0.1). The missing ACL is `status` as principal `app`, which may
//! Describe topic `kafkasec-sec` (an ACL this test adds, and removes) but
//! not DescribeConfigs it.
//!
//! Shared stack: this test creates only topic `kafkasec-sec` and one ACL on
//! it, and removes both (also leftovers of an interrupted run, first).
//!
//! Run: `scripts/local-kafka.sh up --secure && cargo test --test kafka_security`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;

#[path = "e2e/harness.rs"]
#[allow(dead_code, unused_macros, unused_imports)]
mod harness;
#[path = "e2e/http_stub.rs"]
mod http_stub;
#[path = "e2e/stack.rs"]
#[allow(dead_code)]
mod stack;

type R<T> = Result<T, String>;

const TOPIC: &str = "kafkasec-sec";
/// The request timeout the manifests set: permanent failures must end far
/// below it.
const REQUEST_MS: u64 = 30_000;
const BOUND: Duration = Duration::from_secs(10);
const START_HINT: &str = "start it with scripts/local-kafka.sh up --secure";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The secure stack, from `scripts/local-kafka.sh env --secure`.
struct Stack {
    secure: stack::Secure,
    us: String,
    europe: String,
}

impl Stack {
    fn load() -> R<Self> {
        let s =
            stack::secure().map_err(|e| format!("the secure local stack is not set up: {e}"))?;
        let Some(secure) = s.secure else {
            return Err("`scripts/local-kafka.sh env --secure` gave no credentials".into());
        };
        for addr in [&s.us, &s.europe] {
            TcpStream::connect_timeout(
                &addr.parse().map_err(|e| format!("bootstrap {addr}: {e}"))?,
                Duration::from_secs(2),
            )
            .map_err(|e| {
                format!("the secure local stack is not running ({addr}: {e}): {START_HINT}")
            })?;
        }
        Ok(Self {
            secure,
            us: s.us,
            europe: s.europe,
        })
    }

    fn get(&self, k: &str) -> R<String> {
        Some(self.secure.var(k))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("`scripts/local-kafka.sh env --secure` has no {k}"))
    }

    fn password(&self, principal: &str) -> R<String> {
        self.get(&format!("LINKCTL_SECURE_{principal}_PASSWORD"))
    }

    /// librdkafka properties of `principal` on this stack.
    fn client(&self, bootstrap: &str, principal: &str) -> R<ClientConfig> {
        let mut c = ClientConfig::new();
        c.set("bootstrap.servers", bootstrap)
            .set("security.protocol", "SASL_SSL")
            .set("sasl.mechanism", "SCRAM-SHA-512")
            .set(
                "sasl.username",
                self.get(&format!("LINKCTL_SECURE_{principal}_USER"))?,
            )
            .set("sasl.password", self.password(principal)?)
            .set("ssl.ca.location", self.get("LINKCTL_SECURE_CA_PEM")?);
        Ok(c)
    }

    /// `kafka-class CLASS ARGS` as admin, through the stack's script.
    fn kafka_class(&self, class: &str, args: &[&str]) -> R<String> {
        let admin = self.get("LINKCTL_SECURE_ADMIN_PROPERTIES")?;
        let us = self.us.clone();
        let mut all = vec![
            "kafka-class",
            class,
            "--bootstrap-server",
            &us,
            "--command-config",
            &admin,
        ];
        all.extend_from_slice(args);
        let out = Command::new(repo().join("scripts/local-kafka.sh"))
            .args(&all)
            .output()
            .map_err(|e| format!("cannot run {class}: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!("{class} {args:?} failed: {text}"))
        }
    }

    /// `app` may Describe [`TOPIC`] on us (so it sees it), nothing more.
    fn app_acl(&self, op: &str) -> R<()> {
        let mut args = vec![
            op,
            "--allow-principal",
            "User:app",
            "--operation",
            "Describe",
            "--topic",
            TOPIC,
        ];
        if op == "--remove" {
            args.push("--force");
        }
        self.kafka_class("org.apache.kafka.tools.AclCommand", &args)
            .map(|_| ())
    }

    async fn admin(&self) -> R<AdminClient<DefaultClientContext>> {
        self.client(&self.us, "ADMIN")?
            .create()
            .map_err(|e| format!("admin client: {e}"))
    }

    /// Creates (or deletes) [`TOPIC`] on us; already there (or gone) is fine.
    async fn topic(&self, create: bool) -> R<()> {
        use rdkafka::types::RDKafkaErrorCode::{TopicAlreadyExists, UnknownTopicOrPartition};
        let opts = AdminOptions::new().request_timeout(Some(Duration::from_secs(20)));
        let admin = self.admin().await?;
        let results = if create {
            let new = NewTopic::new(TOPIC, 1, TopicReplication::Fixed(1));
            admin.create_topics([&new], &opts).await
        } else {
            admin.delete_topics(&[TOPIC], &opts).await
        };
        for r in results.map_err(|e| format!("{TOPIC}: {e}"))? {
            match r {
                Ok(_) | Err((_, TopicAlreadyExists | UnknownTopicOrPartition)) => {}
                Err((t, e)) => return Err(format!("{t}: {e}")),
            }
        }
        Ok(())
    }

    /// Waits until `linkctl` sees the topic on us (metadata propagates).
    fn wait_visible(&self) -> R<()> {
        use rdkafka::consumer::{BaseConsumer, Consumer};
        let c: BaseConsumer = self
            .client(&self.us, "LINKCTL")?
            .create()
            .map_err(|e| format!("client: {e}"))?;
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if let Ok(md) = c.fetch_metadata(Some(TOPIC), Duration::from_secs(5)) {
                if md
                    .topics()
                    .iter()
                    .any(|t| t.name() == TOPIC && t.error().is_none() && !t.partitions().is_empty())
                {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!("{TOPIC} did not appear on us"))
    }
}

/// A Kafka Connect REST stub: `GET /` answers a worker attached to no known
/// cluster, every `GET /connectors…` answers `{}` (no connectors), anything
/// else 404.
fn connect_stub() -> R<String> {
    http_stub::start(|request| {
        if request.starts_with("GET /connectors") {
            ("200 OK", "{}")
        } else if request.starts_with("GET / ") {
            ("200 OK", r#"{"version":"4.3.1","commit":"stub"}"#)
        } else {
            ("404 Not Found", r#"{"error_code":404,"message":"stub"}"#)
        }
    })
}

/// A TLS server on 127.0.0.1 serving the stack's `mismatch` certificate
/// (signed by the stack's CA, valid only for wrong-host.invalid and
/// 127.0.0.2); its address.
fn mismatch_server(stack: &Stack) -> R<String> {
    let mut b =
        SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).map_err(|e| e.to_string())?;
    b.set_certificate_chain_file(stack.get("LINKCTL_SECURE_MISMATCH_CERT_PEM")?)
        .map_err(|e| format!("mismatch cert: {e}"))?;
    b.set_private_key_file(
        stack.get("LINKCTL_SECURE_MISMATCH_KEY_PEM")?,
        SslFiletype::PEM,
    )
    .map_err(|e| format!("mismatch key: {e}"))?;
    let acceptor = b.build();
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("tls server: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("tls server: {e}"))?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // The client refuses the certificate: the handshake fails.
            let _ = acceptor.accept(stream);
        }
    });
    Ok(addr.to_string())
}

/// One cluster of a test manifest: how linkctl reaches it.
#[derive(Clone)]
struct Side {
    bootstrap: String,
    user: String,
    password: String,
    ca: String,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The `error:` line (or the status warning naming `cluster`).
    fn line(&self, starts: &str) -> String {
        self.stderr
            .lines()
            .chain(self.stdout.lines())
            .find(|l| l.starts_with(starts))
            .unwrap_or("")
            .to_string()
    }
}

struct Fixture {
    stack: Stack,
    dir: tempfile::TempDir,
    bin: PathBuf,
    connect: String,
}

impl Fixture {
    /// Cluster `bootstrap` as `principal` of the stack, trusting its CA.
    fn side(&self, bootstrap: &str, principal: &str) -> R<Side> {
        Ok(Side {
            bootstrap: bootstrap.to_string(),
            user: self
                .stack
                .get(&format!("LINKCTL_SECURE_{principal}_USER"))?,
            password: self.stack.password(principal)?,
            ca: self.stack.get("LINKCTL_SECURE_CA_PEM")?,
        })
    }

    /// `linkctl ARGS -f MANIFEST` on a MirrorMaker 2 link from `us` to
    /// `europe` (mirroring [`TOPIC`]); the passwords reach it as `${env:…}`.
    fn linkctl(&self, label: &str, args: &[&str], us: &Side, europe: &Side) -> R<Run> {
        let cluster = |s: &Side, var: &str, connect: Option<&str>| {
            format!(
                "    bootstrap: {}\n{}    timeouts: {{ request_ms: {REQUEST_MS} }}\n    kafka:\n      security.protocol: SASL_SSL\n      sasl.mechanism: SCRAM-SHA-512\n      sasl.username: {}\n      sasl.password: \"${{env:{var}}}\"\n      ssl.ca.location: {}\n",
                s.bootstrap,
                connect.map(|c| format!("    connect: {c}\n")).unwrap_or_default(),
                s.user,
                s.ca
            )
        };
        let yaml = format!(
            "version: 1\nclusters:\n  us:\n{}  europe:\n{}links:\n  kafkasec-link:\n    source: us\n    destination: europe\n    engine: mirrormaker2\n    consumer_offset_sync:\n      groups:\n        - include: \"*\"\n    mirrors:\n      - topic: {TOPIC}\n",
            cluster(us, "KAFKASEC_US_PW", None),
            cluster(europe, "KAFKASEC_EUROPE_PW", Some(&self.connect)),
        );
        let manifest = self
            .dir
            .path()
            .join(format!("{}.yaml", label.replace(' ', "_")));
        std::fs::write(&manifest, yaml).map_err(|e| format!("write manifest: {e}"))?;
        let env = [
            ("KAFKASEC_US_PW", us.password.as_str()),
            ("KAFKASEC_EUROPE_PW", europe.password.as_str()),
        ];
        self.run(label, args, &manifest, &env)
    }

    fn run(&self, label: &str, args: &[&str], manifest: &Path, env: &[(&str, &str)]) -> R<Run> {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .arg("-f")
            .arg(manifest)
            .env_remove("RUST_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let t = Instant::now();
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run linkctl: {e}"))?;
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            took: t.elapsed(),
        };
        println!(
            "--- {label}: linkctl {} (exit {:?}, {:.2} s)\n{}",
            args.join(" "),
            run.code,
            run.took.as_secs_f64(),
            self.scrub(&run.all()).trim()
        );
        self.no_secrets(&run, label)?;
        Ok(run)
    }

    /// `text` with the stack's passwords hidden (for the test log only: a
    /// password in linkctl's output fails the test anyway).
    fn scrub(&self, text: &str) -> String {
        self.stack
            .secure
            .secrets()
            .iter()
            .fold(text.to_string(), |t, s| t.replace(s.as_str(), "<PASSWORD>"))
    }

    fn no_secrets(&self, run: &Run, label: &str) -> R<()> {
        let all = run.all();
        if self
            .stack
            .secure
            .secrets()
            .iter()
            .any(|s| all.contains(s.as_str()))
        {
            return Err(format!(
                "{label}: a password of the stack is in linkctl's output"
            ));
        }
        Ok(())
    }
}

fn check(cond: bool, what: &str, run: &Run) -> R<()> {
    if cond {
        Ok(())
    } else {
        Err(format!(
            "{what}\n--- stdout:\n{}\n--- stderr:\n{}",
            run.stdout, run.stderr
        ))
    }
}

/// `line` (linkctl's message) says each of `words`.
fn says(line: &str, words: &[&str], run: &Run) -> R<()> {
    for w in words {
        check(
            line.contains(w),
            &format!("the message should say `{w}`"),
            run,
        )?;
    }
    Ok(())
}

/// No librdkafka log line reached the terminal.
fn no_librdkafka_lines(run: &Run) -> R<()> {
    let all = run.all();
    check(
        !all.lines().any(|l| l.starts_with('%'))
            && !all.contains("rdkafka#")
            && !all.contains("librdkafka "),
        "librdkafka's log lines reached the terminal without -v",
        run,
    )
}

/// A permanent failure of cluster `us` (reached as `us`; europe is fine):
/// `plan` exits 1 at once with one plan error naming the cluster, its
/// bootstrap, and each of `words` (an unreadable cluster is reported in the
/// plan, and nothing that uses it is planned); no log line, no secret, even
/// at `-vvv` (where librdkafka's lines are shown).
fn refused(f: &Fixture, label: &str, us: Side, words: &[&str]) -> R<()> {
    let europe = f.side(&f.stack.europe, "LINKCTL")?;
    let run = f.linkctl(label, &["plan"], &us, &europe)?;
    check(run.code == Some(1), "plan should exit 1", &run)?;
    let error = run.line("  - us: cluster `us` could not be read");
    check(
        error.contains("cannot read topic metadata") && error.contains(&us.bootstrap),
        &format!(
            "the error should name cluster `us`, what failed and {}",
            us.bootstrap
        ),
        &run,
    )?;
    says(&error, words, &run)?;
    check(
        run.took < BOUND,
        &format!(
            "a permanent failure should end well under the {} s request timeout (took {:.1} s)",
            REQUEST_MS / 1000,
            run.took.as_secs_f64()
        ),
        &run,
    )?;
    check(
        run.stdout.contains("The plan has 1 error:"),
        "exactly one error",
        &run,
    )?;
    no_librdkafka_lines(&run)?;
    let verbose = f.linkctl(&format!("{label} -vvv"), &["-vvv", "plan"], &us, &europe)?;
    check(verbose.code == Some(1), "plan -vvv should exit 1", &verbose)?;
    check(
        verbose.stderr.contains("librdkafka"),
        "at -vvv librdkafka's own lines are in linkctl's log",
        &verbose,
    )
}

const WRONG: &str = "not-the-password";

fn good_credentials_read_both_clusters(f: &Fixture) -> R<()> {
    let us = f.side(&f.stack.us, "LINKCTL")?;
    let europe = f.side(&f.stack.europe, "LINKCTL")?;
    let plan = f.linkctl("good plan", &["plan"], &us, &europe)?;
    check(plan.code == Some(0), "plan should succeed", &plan)?;
    check(
        plan.stdout.contains("+ create link kafkasec-link")
            && !plan.all().contains("does not exist"),
        "the plan creates the link and sees the source topic on us",
        &plan,
    )?;
    no_librdkafka_lines(&plan)?;
    let status = f.linkctl("good status", &["status", "--groups"], &us, &europe)?;
    check(status.code == Some(0), "status should succeed", &status)?;
    check(
        !status.all().contains("could not be read"),
        "status reads both clusters (topics, configs, groups)",
        &status,
    )?;
    no_librdkafka_lines(&status)
}

fn wrong_password(f: &Fixture) -> R<()> {
    let us = Side {
        password: WRONG.into(),
        ..f.side(&f.stack.us, "LINKCTL")?
    };
    let words = [
        "SASL authentication",
        "invalid credentials",
        "`sasl.username` (`linkctl`)",
        "`sasl.password`",
        "under `kafka:` of cluster `us`",
    ];
    refused(f, "wrong-password", us, &words)
}

fn unknown_user(f: &Fixture) -> R<()> {
    // A real principal's password, for a user that does not exist.
    let us = Side {
        user: "kafkasec-nobody".into(),
        ..f.side(&f.stack.us, "LINKCTL")?
    };
    let words = [
        "SASL authentication",
        "`sasl.username` (`kafkasec-nobody`)",
        "unknown user",
    ];
    refused(f, "unknown-user", us, &words)
}

fn untrusted_ca(f: &Fixture) -> R<()> {
    let other = f.stack.get("LINKCTL_SECURE_OTHER_CA_PEM")?;
    let us = Side {
        ca: other.clone(),
        ..f.side(&f.stack.us, "LINKCTL")?
    };
    let words = [
        "TLS handshake",
        "not signed by a CA linkctl trusts",
        "`ssl.ca.location`",
        &other,
    ];
    refused(f, "untrusted-ca", us, &words)
}

fn hostname_mismatch(f: &Fixture) -> R<()> {
    let us = f.side(&mismatch_server(&f.stack)?, "LINKCTL")?;
    let words = [
        "TLS handshake",
        "not valid for the address linkctl connected to",
        "subjectAltName",
    ];
    refused(f, "hostname-mismatch", us, &words)
}

/// `app` sees the topic (Describe) but may not read its configs: `status`
/// says which ACL it lacks, and still shows what it could read.
fn missing_acl(f: &Fixture) -> R<()> {
    let us = &f.stack.us;
    let app = f.side(us, "APP")?;
    let linkctl = f.side(&f.stack.europe, "LINKCTL")?;
    let run = f.linkctl("missing-acl", &["status"], &app, &linkctl)?;
    check(
        run.code == Some(0),
        "status shows what it can (exit 0)",
        &run,
    )?;
    let warning = run.line("warning: cluster `us`");
    let words = [
        "could not be read over the Kafka protocol",
        &format!("cannot describe the configs of topic `{TOPIC}`"),
        "not authorized",
        &format!("principal `User:app` needs ALLOW DescribeConfigs on topic `{TOPIC}` on {us}"),
        "kafka-acls --add --allow-principal User:app --operation DescribeConfigs",
    ];
    says(&warning, &words, &run)?;
    check(
        run.took < BOUND,
        &format!("status took {:.1} s", run.took.as_secs_f64()),
        &run,
    )?;
    check(
        !run.all().contains("cluster `europe` could not be read"),
        "europe (as linkctl) is read",
        &run,
    )?;
    no_librdkafka_lines(&run)
}

/// `status` with a wrong password on both clusters: both are reported, each
/// at once (the clusters are read concurrently, and every later read of a
/// cluster fails with the first failure).
fn status_with_both_clusters_refused(f: &Fixture) -> R<()> {
    let (us, europe) = (&f.stack.us, &f.stack.europe);
    let wrong = |b: &str| {
        Ok::<_, String>(Side {
            password: WRONG.into(),
            ..f.side(b, "LINKCTL")?
        })
    };
    let run = f.linkctl(
        "status-refused",
        &["status", "--groups"],
        &wrong(us)?,
        &wrong(europe)?,
    )?;
    check(
        run.code == Some(0),
        "status shows what it can (exit 0)",
        &run,
    )?;
    for (c, b) in [("us", us), ("europe", europe)] {
        let w = run.line(&format!("warning: cluster `{c}`"));
        check(
            w.contains("SASL authentication") && w.contains(b.as_str()),
            &format!("status names the refused login of `{c}` ({b})"),
            &run,
        )?;
    }
    check(
        run.took < BOUND,
        &format!("status took {:.1} s", run.took.as_secs_f64()),
        &run,
    )?;
    no_librdkafka_lines(&run)
}

type Test = fn(&Fixture) -> R<()>;

fn tests() -> Vec<(&'static str, Test)> {
    vec![
        (
            "good_credentials_read_both_clusters",
            good_credentials_read_both_clusters,
        ),
        ("wrong_password", wrong_password),
        ("unknown_user", unknown_user),
        ("untrusted_ca", untrusted_ca),
        ("hostname_mismatch", hostname_mismatch),
        ("missing_acl", missing_acl),
        (
            "status_with_both_clusters_refused",
            status_with_both_clusters_refused,
        ),
    ]
}

/// Topic and ACL of the suite, from scratch (leftovers removed first).
fn set_up(stack: &Stack, rt: &tokio::runtime::Runtime) -> R<()> {
    let _ = stack.app_acl("--remove");
    rt.block_on(stack.topic(true))?;
    stack.wait_visible()?;
    stack.app_acl("--add")
}

fn tear_down(stack: &Stack, rt: &tokio::runtime::Runtime) -> R<()> {
    stack.app_acl("--remove")?;
    rt.block_on(stack.topic(false))
}

fn fixture(stack: Stack) -> R<Fixture> {
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    // A copy: the shared target dir's binary may be rebuilt meanwhile.
    let bin = dir.path().join("linkctl");
    std::fs::copy(env!("CARGO_BIN_EXE_linkctl"), &bin).map_err(|e| format!("copy linkctl: {e}"))?;
    same_commit(&bin)?;
    Ok(Fixture {
        connect: connect_stub()?,
        stack,
        dir,
        bin,
    })
}

/// The binary was built from this checkout: another checkout building into
/// the same `CARGO_TARGET_DIR` replaces `target/debug/linkctl`.
fn same_commit(bin: &Path) -> R<()> {
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(repo())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let Some(head) = head else {
        return Ok(()); // not a git checkout: nothing to compare
    };
    let out = Command::new(bin)
        .arg("--version")
        .output()
        .map_err(|e| format!("linkctl --version: {e}"))?;
    let version = String::from_utf8_lossy(&out.stdout);
    if version.contains(&head) {
        Ok(())
    } else {
        Err(format!(
            "{} is `{}`, not a build of this checkout (commit {head}): another checkout \
             built into the same CARGO_TARGET_DIR since (checkouts overwrite each other's binaries there): \
             build again (e.g. touch src/main.rs), or use a CARGO_TARGET_DIR of this checkout's own",
            env!("CARGO_BIN_EXE_linkctl"),
            version.trim()
        ))
    }
}

fn main() {
    // libtest-like arguments: names filter, `--skip NAME` leaves out.
    let mut filter = Vec::new();
    let mut skip = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--skip" {
            skip.extend(args.next());
        } else if !a.starts_with('-') {
            filter.push(a);
        }
    }
    let all = tests();
    let total = all.len();
    let selected: Vec<_> = all
        .into_iter()
        .filter(|(n, _)| filter.is_empty() || filter.iter().any(|f| n.contains(f.as_str())))
        .filter(|(n, _)| !skip.iter().any(|s| n.contains(s.as_str())))
        .collect();
    println!("\nrunning {} tests", selected.len());
    let mut tally = harness::Tally::new("kafka_security");
    if !selected.is_empty() {
        let rt = harness::runtime();
        let fx = Stack::load().and_then(fixture);
        let ready = fx
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|f| set_up(&f.stack, &rt));
        for (name, test) in &selected {
            let result = match (&fx, &ready) {
                (Ok(f), Ok(())) => test(f),
                (Err(e), _) | (_, Err(e)) => Err(e.clone()),
            };
            tally.record(name, result);
        }
        if let Ok(f) = &fx {
            if let Err(e) = tear_down(&f.stack, &rt) {
                tally.record("tear_down", Err(e));
            }
        }
    }
    tally.finish(total - selected.len());
}
