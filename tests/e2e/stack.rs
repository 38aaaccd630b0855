//! Which local stack a suite runs on: the plain one (PLAINTEXT, no
//! authentication) or the secure one (SASL_SSL + SCRAM, ACLs, Kafka Connect
//! over HTTPS with basic auth), both started by `scripts/local-kafka.sh`.
//! The seed steps read the stack from here, so the same steps run on both.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// Credentials and files of the secure stack (from `env --secure`).
pub struct Secure {
    /// Every `LINKCTL_SECURE_*` variable: given to linkctl, whose secure
    /// manifests name them as `${env:…}`.
    pub env: Vec<(String, String)>,
}

impl Secure {
    pub fn var(&self, name: &str) -> String {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every password and JAAS line: none may ever appear in linkctl's output.
    pub fn secrets(&self) -> Vec<String> {
        self.env
            .iter()
            .filter(|(k, _)| k.ends_with("_PASSWORD") || k.ends_with("_JAAS"))
            .map(|(_, v)| v.clone())
            .filter(|v| v.len() >= 8)
            .collect()
    }
}

pub struct Stack {
    pub us: String,
    pub europe: String,
    pub connect: String,
    /// The seed manifests of this stack, under `examples/`.
    pub examples: &'static str,
    pub secure: Option<Secure>,
}

static STACK: OnceLock<Stack> = OnceLock::new();

/// The plain stack's brokers, for the steps that run on it only.
pub const US: &str = "127.0.0.1:19092";
pub const EUROPE: &str = "127.0.0.1:29092";

/// The plain stack of `scripts/local-kafka.sh up`.
pub fn plain() -> Stack {
    Stack {
        us: US.into(),
        europe: EUROPE.into(),
        connect: "http://127.0.0.1:28083".into(),
        examples: "examples/mirrormaker2-seed",
        secure: None,
    }
}

/// The secure stack of `scripts/local-kafka.sh up --secure`, with the
/// credentials its `env --secure` prints.
pub fn secure() -> Result<Stack, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/local-kafka.sh");
    let out = Command::new(script)
        .args(["env", "--secure"])
        .output()
        .map_err(|e| format!("cannot run scripts/local-kafka.sh env --secure: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/local-kafka.sh env --secure failed (start the stack with `scripts/local-kafka.sh up --secure`): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let env: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.strip_prefix('\'').unwrap_or(v);
            let v = v.strip_suffix('\'').unwrap_or(v);
            (k.to_string(), v.replace("'\\''", "'"))
        })
        .collect();
    let s = Secure { env };
    Ok(Stack {
        us: s.var("LINKCTL_SECURE_US_BOOTSTRAP"),
        europe: s.var("LINKCTL_SECURE_EUROPE_BOOTSTRAP"),
        connect: s.var("LINKCTL_SECURE_CONNECT_URL"),
        examples: "examples/mirrormaker2-secure",
        secure: Some(s),
    })
}

pub fn init(s: Stack) {
    let _ = STACK.set(s);
}

pub fn get() -> &'static Stack {
    STACK.get_or_init(plain)
}

pub fn us() -> &'static str {
    &get().us
}

pub fn europe() -> &'static str {
    &get().europe
}

/// Every linkctl output that held a secret of the stack (checked at the end
/// of the secure suite): `(command, which output)`.
pub static LEAKS: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// How many linkctl runs were checked for secrets.
pub static CHECKED: AtomicUsize = AtomicUsize::new(0);
/// Secrets made during the run (a rotated password), checked like the stack's.
static MORE_SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub fn add_secret(s: &str) {
    if let Ok(mut m) = MORE_SECRETS.lock() {
        m.push(s.to_string());
    }
}

/// Records `command` if its `stdout` or `stderr` holds a secret.
pub fn check_leaks(command: &str, stdout: &str, stderr: &str) {
    let Some(s) = &get().secure else {
        return;
    };
    CHECKED.fetch_add(1, Ordering::SeqCst);
    let more = MORE_SECRETS.lock().map(|m| m.clone()).unwrap_or_default();
    for secret in s.secrets().into_iter().chain(more) {
        for (name, text) in [("stdout", stdout), ("stderr", stderr)] {
            if text.contains(&secret) {
                if let Ok(mut l) = LEAKS.lock() {
                    l.push(format!("{command}: {name} holds a secret of the stack"));
                }
            }
        }
    }
}
