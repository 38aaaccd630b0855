//! Which config keys hold secrets.

/// Keys the Confluent API treats as sensitive (returned as `null`), plus any
/// key whose name says it holds a secret.
pub fn is_sensitive_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    // `destination.<property>` is the same client property for another side.
    let k = k
        .strip_prefix(super::link_configs::DESTINATION_CLIENT_PREFIX)
        .map(str::to_string)
        .unwrap_or(k);
    const EXACT: &[&str] = &[
        "sasl.jaas.config",
        "local.sasl.jaas.config",
        "ssl.keystore.key",
        "local.ssl.keystore.key",
        "ssl.key.password",
        "local.ssl.key.password",
        "ssl.truststore.certificates",
        "local.ssl.truststore.certificates",
        "ssl.keystore.certificate.chain",
        "local.ssl.keystore.certificate.chain",
        "ssl.keystore.password",
        "ssl.truststore.password",
        "sasl.password",
        "sasl.oauthbearer.client.secret",
    ];
    EXACT.contains(&k.as_str())
        || k.contains("password")
        || k.contains("secret")
        || k.ends_with(".key")
        || k.contains("jaas")
}

/// True when `key` or its `value` says it holds a secret: a sensitive key,
/// or a value carrying a password (`…password=…`, as JAAS lines do). Such a
/// value is a warning in the manifest when written in clear, and is never
/// shown by a plan, `status` or `export`, whichever side it comes from.
pub fn looks_secret(key: &str, value: &str) -> bool {
    is_sensitive_key(key) || value.to_ascii_lowercase().contains("password=")
}

#[cfg(test)]
mod tests {
    use super::{is_sensitive_key, looks_secret};

    #[test]
    fn values_with_a_password_look_secret() {
        assert!(looks_secret("some.login", "user=a password=hunter2"));
        assert!(looks_secret("sasl.jaas.config", ""));
        assert!(!looks_secret("some.login", "user=a"));
    }

    #[test]
    fn recognises_secrets() {
        assert!(is_sensitive_key("sasl.jaas.config"));
        assert!(is_sensitive_key("ssl.key.password"));
        assert!(is_sensitive_key("sasl.oauthbearer.client.secret"));
        assert!(is_sensitive_key(
            "destination.ssl.keystore.certificate.chain"
        ));
        assert!(!is_sensitive_key("destination.security.protocol"));
        assert!(!is_sensitive_key("metadata.max.age.ms"));
        assert!(!is_sensitive_key("consumer.offset.sync.ms"));
        assert!(!is_sensitive_key("bootstrap.servers"));
    }
}
