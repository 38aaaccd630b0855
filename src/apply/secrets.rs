//! Resolving a plan's secret references when its actions run, from the
//! manifest the plan was made from (a saved plan is applied only with that
//! manifest: its fingerprint is checked first). The value found must match
//! the fingerprint the plan recorded, so a plan never sends a secret other
//! than the one it was made with.

use crate::backend::Secrets;
use crate::manifest::Manifest;
use crate::plan::desired::expected_objects;
use crate::plan::payload::{wire_fingerprint, SecretRef, SecretSource};

/// Secrets of one manifest.
pub struct ManifestSecrets<'m> {
    manifest: &'m Manifest,
}

impl<'m> ManifestSecrets<'m> {
    pub fn new(manifest: &'m Manifest) -> Self {
        Self { manifest }
    }

    fn lookup(&self, source: &SecretSource) -> Option<String> {
        match source {
            SecretSource::LinkConfig { link, side, key } => {
                let l = self.manifest.link(link)?;
                let objects = expected_objects(l, self.manifest).ok()?;
                let o = objects.into_iter().find(|o| o.side == *side)?;
                o.configs.get(key).map(|d| d.value.expose().to_string())
            }
        }
    }
}

fn describe(source: &SecretSource) -> String {
    match source {
        SecretSource::LinkConfig { link, key, .. } => format!("`{key}` of link `{link}`"),
    }
}

impl Secrets for ManifestSecrets<'_> {
    fn resolve(&self, secret: &SecretRef) -> Result<String, String> {
        let what = describe(&secret.secret);
        let value = self
            .lookup(&secret.secret)
            .ok_or_else(|| format!("the plan sends {what}, which the manifest no longer has"))?;
        if wire_fingerprint(&secret.secret, &value) != secret.fingerprint {
            return Err(format!(
                "{what} changed since the plan was made; plan again"
            ));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::load::{parse, SourceFile};
    use crate::manifest::Text;
    use crate::plan::ObjectSide;

    fn manifest(secret: &'static str) -> Manifest {
        let y = "version: 1\nclusters:\n  us: {bootstrap: a:1, kafka: {sasl.password: \"${env:PW}\"}}\n  europe: {bootstrap: b:1, rest: http://b}\nlinks:\n  l:\n    source: us\n    destination: europe\n    config:\n      sasl.jaas.config: \"${env:JAAS}\"\n";
        parse(&SourceFile::new("t.yaml", y), move |_| {
            Some(secret.to_string())
        })
        .expect("parses")
        .manifest
    }

    #[test]
    fn resolves_what_the_plan_recorded_and_nothing_else() {
        let m = manifest("first");
        let s = ManifestSecrets::new(&m);
        let src = SecretSource::LinkConfig {
            link: "l".into(),
            side: ObjectSide::Destination,
            key: "sasl.jaas.config".into(),
        };
        let r = SecretRef::new(src.clone(), &Text::plain("first"));
        assert_eq!(s.resolve(&r).unwrap(), "first");

        // The environment changed after the plan was made.
        let m2 = manifest("second");
        let e = ManifestSecrets::new(&m2).resolve(&r).unwrap_err();
        assert!(e.contains("changed since the plan was made"), "{e}");
        assert!(!e.contains("second") && !e.contains("first"));
        let gone = SecretRef::new(
            SecretSource::LinkConfig {
                link: "other".into(),
                side: ObjectSide::Destination,
                key: "k".into(),
            },
            &Text::plain("x"),
        );
        assert!(ManifestSecrets::new(&m).resolve(&gone).is_err());
    }
}
