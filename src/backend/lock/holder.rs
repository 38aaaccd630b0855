//! Who holds an apply lock, and how that is written in a topic name (the one
//! free text that both Confluent REST v3 and the Kafka protocol let a client
//! write and read back): `__linkctl-lock.<generation>.<lock id>.<started>.
//! <pid>.<user>.<host>.<ci job>.<command>`, each field escaped to the
//! characters Kafka allows in a topic name (`[A-Za-z0-9-]` kept, every other
//! byte `_XX`), so `.` only ever separates fields. Pure.

use std::fmt::Write as _;

/// The prefix of every lock topic (see [`super`]).
pub const GUARD: &str = "__linkctl-lock";

/// Kafka's longest topic name.
const MAX_NAME: usize = 249;

/// `…`, escaped: marks a field cut to fit the name.
const CUT: &str = "_E2_80_A6";

/// True for the lock's topics (the guard and the holder records): readers
/// leave them out of every topic list, so no plan, status or export ever
/// sees them.
pub fn is_lock_topic(name: &str) -> bool {
    name == GUARD || name.starts_with(&format!("{GUARD}."))
}

/// The holder of a lock: one apply run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The lock id (`force-unlock ID`): 12 hex digits, one per apply run.
    pub id: String,
    pub user: String,
    pub host: String,
    pub pid: u32,
    /// The CI job, when the environment names one (`GITHUB_RUN_ID=…`).
    pub ci_job: Option<String>,
    /// When the apply started (seconds since the epoch).
    pub started: u64,
    /// What runs (`linkctl apply --auto-approve plan.out`).
    pub command: String,
}

/// A holder record read back from a topic name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The lock generation it holds (the guard's partition count).
    pub generation: u32,
    pub holder: Holder,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(b as char);
        } else {
            let _ = write!(out, "_{b:02X}");
        }
    }
    out
}

fn unescape(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        if b == b'_' {
            let hex = [it.next()?, it.next()?];
            let hex = std::str::from_utf8(&hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// `escaped` cut to at most `room` characters, at an escape boundary, with
/// [`CUT`] at its end when it was cut.
fn fit(escaped: &str, room: usize) -> String {
    if escaped.len() <= room {
        return escaped.to_string();
    }
    let mut end = room.saturating_sub(CUT.len());
    // Never cut inside an `_XX` escape.
    while end > 0 && escaped[..end].rfind('_').is_some_and(|u| end - u < 3) {
        end -= 1;
    }
    format!("{}{CUT}", &escaped[..end])
}

impl Holder {
    /// The holder's topic for lock `generation`: at most 249 characters
    /// (the command, then the host, then the user are cut to fit).
    pub fn topic(&self, generation: u32) -> String {
        let head = format!(
            "{GUARD}.{generation}.{}.{}.{}.",
            escape(&self.id),
            self.started,
            self.pid
        );
        let mut user = escape(&self.user);
        let mut host = escape(&self.host);
        let ci = escape(self.ci_job.as_deref().unwrap_or(""));
        let command = escape(&self.command);
        // Fixed parts, then what is left for the command.
        let fixed = |u: &str, h: &str| head.len() + u.len() + h.len() + ci.len() + 3;
        if fixed(&user, &host) > MAX_NAME - 16 {
            host = fit(&host, 64);
            user = fit(&user, 32);
        }
        let room = MAX_NAME.saturating_sub(fixed(&user, &host));
        format!("{head}{user}.{host}.{ci}.{}", fit(&command, room))
    }

    /// The record a topic name holds (`None`: not a holder topic).
    pub fn parse(name: &str) -> Option<Record> {
        let rest = name.strip_prefix(GUARD)?.strip_prefix('.')?;
        let f: Vec<&str> = rest.split('.').collect();
        let [generation, id, started, pid, user, host, ci, command] = f.as_slice() else {
            return None;
        };
        let ci = unescape(ci)?;
        Some(Record {
            generation: generation.parse().ok()?,
            holder: Holder {
                id: unescape(id)?,
                started: started.parse().ok()?,
                pid: pid.parse().ok()?,
                user: unescape(user)?,
                host: unescape(host)?,
                ci_job: (!ci.is_empty()).then_some(ci),
                command: unescape(command)?,
            },
        })
    }

    /// `alice@ci-runner-7 (pid 4242, CI job GITHUB_RUN_ID=918273), running
    /// `linkctl apply` since 2025-12-07T10:00:01Z`
    pub fn describe(&self) -> String {
        let ci = self
            .ci_job
            .as_deref()
            .map(|c| format!(", CI job {c}"))
            .unwrap_or_default();
        let since = std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.started);
        format!(
            "{}@{} (pid {}{ci}), running `{}` since {}",
            self.user,
            self.host,
            self.pid,
            self.command,
            humantime::format_rfc3339_seconds(since)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Holder {
        Holder {
            id: "3f9a2c1b7e40".into(),
            user: "alice".into(),
            host: "ci-runner-7.example.com".into(),
            pid: 4242,
            ci_job: Some("GITHUB_RUN_ID=918273".into()),
            started: 1_765_101_601,
            command: "linkctl apply --auto-approve plan.out".into(),
        }
    }

    #[test]
    fn a_holder_round_trips_through_its_topic_name() {
        let h = alice();
        let name = h.topic(3);
        assert_eq!(
            name,
            "__linkctl-lock.3.3f9a2c1b7e40.1765101601.4242.alice.ci-runner-7_2Eexample_2Ecom.GITHUB_5FRUN_5FID_3D918273.linkctl_20apply_20--auto-approve_20plan_2Eout"
        );
        assert!(name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)));
        assert_eq!(
            Holder::parse(&name),
            Some(Record {
                generation: 3,
                holder: h
            })
        );
        assert!(is_lock_topic(&name) && is_lock_topic(GUARD));
        assert!(!is_lock_topic("__linkctl-locks") && !is_lock_topic("demo"));
        assert_eq!(Holder::parse(GUARD), None);
        assert_eq!(Holder::parse("__linkctl-lock.x.y"), None);
    }

    #[test]
    fn long_fields_are_cut_to_a_legal_topic_name() {
        let mut h = alice();
        h.command = "linkctl ".to_string() + &"é".repeat(300);
        h.host = "h".repeat(300);
        h.ci_job = None;
        let name = h.topic(12);
        assert!(name.len() <= 249, "{}", name.len());
        let back = Holder::parse(&name).expect("parses").holder;
        assert!(back.command.ends_with('…'), "{}", back.command);
        assert!(back.host.ends_with('…'));
        assert_eq!(back.ci_job, None);
        assert_eq!(back.id, h.id);
    }

    #[test]
    fn a_holder_is_described_for_people() {
        assert_eq!(
            alice().describe(),
            "alice@ci-runner-7.example.com (pid 4242, CI job GITHUB_RUN_ID=918273), running `linkctl apply --auto-approve plan.out` since 2025-12-07T10:00:01Z"
        );
    }
}
