//! The client side of mTLS to Confluent REST: the certificate and key of
//! the manifest's `auth.mtls`, each checked on its own so that an error
//! names the file at fault (its `ca` is trusted with `https_ca`, by
//! [`crate::backend::https_trust`]). Errors name paths and say what is
//! wrong; they never quote a file's content.

use reqwest::ClientBuilder;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::errors::ConfluentError;
use crate::manifest::Text;

/// PEM sections linkctl reads (for messages).
const KEY_KINDS: &str = "an unencrypted `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`";

/// `builder` presenting the client certificate and key of `auth.mtls`.
pub fn configure(
    builder: ClientBuilder,
    cluster: &str,
    cert_path: &Text,
    key_path: &Text,
) -> Result<ClientBuilder, ConfluentError> {
    let bad = |msg: String| ConfluentError::Manifest(format!("cluster {cluster}: {msg}"));
    let cert = format!(
        "the client certificate {} (`auth.mtls.cert`)",
        shown(cert_path)
    );
    let key = format!("the client key {} (`auth.mtls.key`)", shown(key_path));
    let read = |what: &str, path: &Text| {
        std::fs::read(path.expose()).map_err(|e| bad(format!("cannot read {what}: {e}")))
    };
    let cert_pem = read(&cert, cert_path)?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad(format!("{cert} is not valid PEM")))?;
    if certs.is_empty() {
        return Err(bad(format!(
            "{cert} holds no certificate in PEM (`-----BEGIN CERTIFICATE-----`)"
        )));
    }
    let key_pem = read(&key, key_path)?;
    // The key itself is a secret of the run: whatever quotes it is redacted.
    register_key(&key_pem);
    match PrivateKeyDer::from_pem_slice(&key_pem) {
        Ok(_) => {}
        Err(pem::Error::NoItemsFound) => {
            return Err(bad(format!(
                "{key} holds no private key in PEM ({KEY_KINDS})"
            )))
        }
        Err(_) => return Err(bad(format!("{key} is not valid PEM"))),
    }
    let mut both = cert_pem;
    both.push(b'\n');
    both.extend(key_pem);
    let identity = reqwest::Identity::from_pem(&both).map_err(|_| {
        bad(format!(
            "{cert} and {key} hold PEM sections linkctl cannot use (it reads `CERTIFICATE` \
             sections and {KEY_KINDS})"
        ))
    })?;
    Ok(builder.identity(identity))
}

/// Registers the content of a client key file with the redaction layer:
/// the whole file and each line of its Base64 body.
fn register_key(pem: &[u8]) {
    let text = String::from_utf8_lossy(pem);
    crate::redact::register(text.trim());
    for line in text.lines().filter(|l| !l.starts_with("-----")) {
        crate::redact::register(line.trim());
    }
}

/// A path for messages: as written when it came from the environment
/// (`${env:…}`), which is never printed resolved.
fn shown(path: &Text) -> &str {
    path.for_message()
}

/// Why the HTTP client of a cluster with `auth.mtls` could not be built: a
/// key that is not the certificate's, or a file rustls cannot use.
pub fn build_error(
    cluster: &str,
    cert_path: &Text,
    key_path: &Text,
    e: &reqwest::Error,
) -> ConfluentError {
    let cert = format!(
        "the client certificate {} (`auth.mtls.cert`)",
        shown(cert_path)
    );
    let key = format!("the client key {} (`auth.mtls.key`)", shown(key_path));
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut why = None;
    while let Some(err) = next {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            why = Some(tls);
            break;
        }
        next = err.source();
    }
    let msg = match why {
        Some(rustls::Error::InconsistentKeys(_)) => format!("{key} is not the key of {cert}"),
        Some(tls) => format!("{cert} and {key} cannot be used: {tls}"),
        None => format!("cannot build an HTTP client with {cert} and {key}: {e}"),
    };
    ConfluentError::Manifest(format!("cluster {cluster}: {msg}"))
}
