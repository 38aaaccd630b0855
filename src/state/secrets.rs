//! Which live configs hold secrets, and live state without them.
//!
//! A config is secret when the server says it is sensitive, when its name
//! or value says so ([`looks_secret`]), or when linkctl recorded a
//! fingerprint for it (it wrote a secret there: a value from `${env:…}`,
//! say, under a key of no sensitive name). Secret-ness travels with the
//! key: plans (resets and prune deletions too), `status`, `export` and
//! snapshots all ask [`LiveLink::holds_secret`].
//!
//! A snapshot (`plan --save-state`) keeps no secret value: each secret
//! config is stored the way Confluent returns a sensitive one,
//! `"value": null, "is_sensitive": true` (docs/states.md).

use crate::manifest::sensitive::looks_secret;

use super::model::{LiveLink, LiveState};

impl LiveLink {
    /// Whether config `key` of this link holds a secret (see the module documentation).
    pub fn holds_secret(&self, key: &str) -> bool {
        self.secret_fingerprints.contains_key(key)
            || self.configs.get(key).is_some_and(|c| {
                c.is_sensitive || c.value.as_deref().is_some_and(|v| looks_secret(key, v))
            })
            || looks_secret(key, "")
    }

    /// This link with the value of every secret config removed.
    pub fn without_secrets(&self) -> LiveLink {
        let mut out = self.clone();
        for (key, c) in &mut out.configs {
            if self.holds_secret(key) {
                c.value = None;
                c.is_sensitive = true;
            }
        }
        out
    }
}

impl LiveState {
    /// This state with no secret value in it: what a snapshot holds.
    pub fn without_secrets(&self) -> LiveState {
        let mut out = self.clone();
        for c in out.clusters.values_mut() {
            for l in c.links.values_mut().chain(c.clashes.iter_mut()) {
                *l = l.without_secrets();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::LiveConfig;
    use std::collections::BTreeMap;

    fn link() -> LiveLink {
        let mut configs = BTreeMap::new();
        for (k, v) in [
            ("basic.auth.user.info", "user:hunter2hunter2"),
            ("ssl.truststore.password", "changeit-please"),
            ("some.login", "user=a password=x"),
            ("metadata.max.age.ms", "5000"),
        ] {
            configs.insert(k.to_string(), LiveConfig::plain(Some(v), Some(false)));
        }
        LiveLink {
            configs,
            secret_fingerprints: BTreeMap::from([(
                "basic.auth.user.info".to_string(),
                "fp".to_string(),
            )]),
            ..LiveLink::named("l")
        }
    }

    #[test]
    fn secrets_travel_with_the_key() {
        let l = link();
        assert!(
            l.holds_secret("basic.auth.user.info"),
            "recorded by linkctl"
        );
        assert!(l.holds_secret("ssl.truststore.password"), "sensitive name");
        assert!(l.holds_secret("some.login"), "a password inside");
        assert!(!l.holds_secret("metadata.max.age.ms"));
        let clean = l.without_secrets();
        let json = serde_json::to_string(&clean).unwrap();
        for s in ["hunter2", "changeit", "password=x"] {
            assert!(!json.contains(s), "{json}");
        }
        assert!(json.contains("5000"));
        let c = &clean.configs["basic.auth.user.info"];
        assert!(c.is_sensitive && c.value.is_none());
    }
}
