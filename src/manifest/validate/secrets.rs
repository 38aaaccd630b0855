//! Secrets: `${env:…}` references that cannot be resolved, and secret-looking
//! values written in clear. Never prints a value.

use crate::manifest::diagnostic::Problem;
use crate::manifest::located::Located;
use crate::manifest::model::{Auth, Manifest};
use crate::manifest::sensitive::looks_secret;
use crate::manifest::text::{ConfigValue, InterpolationProblem, InterpolationProblemKind, Text};

/// Problems found while interpolating `${env:…}`.
pub fn interpolation(found: &[InterpolationProblem]) -> Vec<Problem> {
    found
        .iter()
        .map(|p| match &p.kind {
            InterpolationProblemKind::Unset { name } => Problem::error(
                "linkctl::unset_env",
                format!("environment variable `{name}` is not set"),
            )
            .at(p.span, format!("needs `{name}`"))
            .help(format!("export {name}=… before running linkctl (the value is treated as a secret and never printed)")),
            InterpolationProblemKind::Malformed { reference } => Problem::error(
                "linkctl::malformed_reference",
                format!("malformed reference `{reference}`"),
            )
            .at(p.span, "not a `${env:NAME}` reference")
            .help("write `${env:NAME}` with NAME made of letters, digits and `_` (not starting with a digit); to keep a literal `${`, double the dollar sign"),
        })
        .collect()
}

pub fn check(m: &Manifest, out: &mut Vec<Problem>) {
    for (name, cluster) in &m.clusters {
        let where_ = format!("cluster `{}`", name.value);
        config_map(&cluster.kafka, &where_, "kafka", out);
        if let Some(auth) = &cluster.auth {
            match &auth.value {
                Auth::Basic { password, .. } => {
                    clear_field(password, &where_, "auth.basic.password", out)
                }
                Auth::Bearer { token, .. } => clear_field(token, &where_, "auth.bearer.token", out),
                Auth::Mtls { .. } => {}
            }
        }
    }
    for (name, link) in &m.links {
        config_map(
            &link.config,
            &format!("link `{}`", name.value),
            "config",
            out,
        );
    }
}

fn config_map(
    map: &std::collections::BTreeMap<Located<String>, Located<ConfigValue>>,
    where_: &str,
    field: &str,
    out: &mut Vec<Problem>,
) {
    for (key, value) in map {
        let text = value.value.text();
        if text.is_secret() || text.raw().is_empty() {
            continue;
        }
        if looks_secret(&key.value, text.raw()) {
            out.push(clear(
                where_,
                &format!("{field}.{}", key.value),
                value.span.or(text.span()),
            ));
        }
    }
}

fn clear_field(text: &Text, where_: &str, field: &str, out: &mut Vec<Problem>) {
    if !text.is_secret() && !text.raw().is_empty() {
        out.push(clear(where_, field, text.span()));
    }
}

fn clear(where_: &str, field: &str, span: Option<crate::manifest::ByteSpan>) -> Problem {
    // `link `demo-link``, `config.sasl.jaas.config` -> DEMO_LINK_SASL_JAAS_CONFIG
    let owner = where_.split('`').nth(1).unwrap_or("");
    let key = field
        .strip_prefix("config.")
        .or_else(|| field.strip_prefix("kafka."))
        .or_else(|| field.strip_prefix("auth."))
        .unwrap_or(field);
    let var = format!("{owner}_{key}")
        .to_ascii_uppercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_");
    Problem::warning(
        "linkctl::secret_in_clear",
        format!("{where_}: `{field}` looks like a secret written in clear"),
    )
    .at(span, "secret in clear text")
    .help(format!("move it to the environment and write `\"${{env:{var}}}\"` (or the whole value, e.g. the JAAS line, in one variable)"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;

    #[test]
    fn unset_and_malformed_references_are_errors_without_values() {
        let y = with_link("    source: us\n    destination: europe\n    config:\n      sasl.jaas.config: \"${env:SET}\"\n      a.b: \"${env:NOT_SET}\"\n      c.d: \"${nope}\"\n");
        let p = problems(&y);
        let c: Vec<_> = p.iter().map(|p| p.code).collect();
        assert_eq!(c, ["linkctl::unset_env", "linkctl::malformed_reference"]);
        let all = format!("{p:?}");
        assert!(!all.contains("s3cr3t-value"));
        assert!(p.iter().all(|p| p.primary.is_some()));
    }

    #[test]
    fn secrets_in_clear_are_warnings() {
        let y = "version: 1\nclusters:\n  us:\n    bootstrap: a:1\n    rest: https://a\n    auth: {basic: {username: k, password: hunter2}}\n    kafka:\n      sasl.jaas.config: \"x required password=hunter2;\"\n  europe:\n    bootstrap: b:1\n    rest: https://b\n    auth: {bearer: {token: \"${env:SET}\"}}\nlinks:\n  l:\n    source: us\n    destination: europe\n    config:\n      some.login: \"user=a password=hunter2\"\n";
        let p = problems(y);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p
            .iter()
            .all(|p| p.code == "linkctl::secret_in_clear" && !p.is_error()));
        assert!(p
            .iter()
            .all(|p| !p.message.contains("hunter2")
                && !p.help.as_deref().unwrap().contains("hunter2")));
    }
}
