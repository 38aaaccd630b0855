//! Extra certificate authorities trusted for a cluster's HTTPS endpoints
//! (Confluent REST, Kafka Connect): `https_ca` on the cluster, and the `ca`
//! of its mTLS credentials. Shared by both REST clients so a private CA is
//! read, checked and reported the same way.

use reqwest::ClientBuilder;

use crate::manifest::model::Auth;
use crate::manifest::{Cluster, Text};

/// The CA bundle paths `cluster` asks to trust, with what each is (for
/// messages): `https_ca`, then `auth.mtls.ca`.
fn bundles(cluster: &Cluster) -> Vec<(&'static str, &Text)> {
    let mut out = Vec::new();
    if let Some(ca) = &cluster.https_ca {
        out.push(("`https_ca`", &ca.value));
    }
    if let Some(Auth::Mtls { ca: Some(ca), .. }) = cluster.auth.as_ref().map(|a| &a.value) {
        out.push(("`auth.mtls.ca`", ca));
    }
    out
}

/// `builder` trusting every CA bundle `cluster` names. The error names the
/// cluster, the field and the file (never its content).
pub fn trust(
    name: &str,
    cluster: &Cluster,
    mut builder: ClientBuilder,
) -> Result<ClientBuilder, String> {
    for (field, text) in bundles(cluster) {
        // Named as written: a path from `${env:…}` is a secret.
        let path = text.for_message();
        let pem = std::fs::read(text.expose()).map_err(|e| {
            format!("cluster {name}: cannot read the CA bundle {path} ({field}): {e}")
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
            format!("cluster {name}: the CA bundle {path} ({field}) is not valid PEM")
        })?;
        if certs.is_empty() {
            return Err(format!(
                "cluster {name}: the CA bundle {path} ({field}) holds no certificate"
            ));
        }
        for c in certs {
            builder = builder.add_root_certificate(c);
        }
    }
    Ok(builder)
}
