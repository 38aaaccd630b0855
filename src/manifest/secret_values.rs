//! The secret values a manifest holds in clear, for the redaction layer
//! (values from `${env:…}` are registered as they are looked up): Basic
//! and bearer credentials, and every config value that looks like a
//! secret (a sensitive key, a `password=` inside). Pure.

use std::collections::BTreeMap;

use super::located::Located;
use super::model::{Auth, Manifest};
use super::sensitive::looks_secret;
use super::text::ConfigValue;

/// What to register: plain values, and Basic credentials (`user`, `password`);
/// and the user names, which identify rather than authenticate and are
/// never filtered (even when read from `${env:…}`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SecretValues {
    pub values: Vec<String>,
    pub basic: Vec<(String, String)>,
    pub users: Vec<String>,
}

/// The secret values of `m`.
pub fn secret_values(m: &Manifest) -> SecretValues {
    let mut out = SecretValues::default();
    for c in m.clusters.values() {
        if let Some(auth) = &c.auth {
            match &auth.value {
                Auth::Basic { username, password } => {
                    out.users.push(username.expose().into());
                    out.basic
                        .push((username.expose().into(), password.expose().into()))
                }
                Auth::Bearer { token, .. } => out.values.push(token.expose().into()),
                Auth::Mtls { .. } => {}
            }
        }
        configs(&c.kafka, &mut out.values);
        out.users.extend(
            c.kafka
                .iter()
                .filter(|(k, _)| k.value == "sasl.username")
                .map(|(_, v)| v.value.text().expose().to_string()),
        );
    }
    for l in m.links.values() {
        configs(&l.config, &mut out.values);
    }
    out.values.retain(|v| !v.is_empty());
    out
}

fn configs(map: &BTreeMap<Located<String>, Located<ConfigValue>>, out: &mut Vec<String>) {
    for (k, v) in map {
        let text = v.value.text();
        if looks_secret(&k.value, text.expose()) {
            out.push(text.expose().to_string());
        }
    }
}
