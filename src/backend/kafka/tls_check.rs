//! Why a broker's certificate was refused. librdkafka says only
//! "certificate verify failed" (OpenSSL's error queue has no more), whether
//! the chain leads to no trusted CA or the certificate is not valid for the
//! address connected to. So once it refused one, linkctl opens one TLS
//! connection of its own to the same address, with the same library
//! (OpenSSL), the same CA settings and the same host name check, and reads
//! OpenSSL's verify result code.

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use openssl::ssl::{HandshakeError, SslConnector, SslMethod};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;

use super::errors::TlsRefusal;

// OpenSSL's verify result codes (`include/openssl/x509_vfy.h`, stable).
const X509_V_ERR_CERT_NOT_YET_VALID: i32 = 9;
const X509_V_ERR_CERT_HAS_EXPIRED: i32 = 10;
const X509_V_ERR_HOSTNAME_MISMATCH: i32 = 62;
const X509_V_ERR_IP_ADDRESS_MISMATCH: i32 = 64;

/// Where the client's trusted CAs come from (librdkafka's `ssl.ca.location`,
/// `ssl.ca.pem`, else the system's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    pub ca_location: Option<String>,
    pub ca_pem: Option<String>,
}

/// `host` and `port` of the first address of a bootstrap list
/// (`h1:9092,h2:9092`, `[::1]:9092`, `SASL_SSL://h:9092`).
pub fn first_address(bootstrap: &str) -> Option<(String, u16)> {
    let first = super::reachable::addresses(bootstrap).into_iter().next()?;
    let (host, port) = first.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host.to_string(), port.parse().ok()?))
}

/// The kind of certificate refusal a TLS connection to `host:port` meets
/// with `trust`; `None` when it cannot tell (no connection, the handshake
/// failed otherwise, or it succeeded).
pub fn certificate_refusal(
    host: &str,
    port: u16,
    trust: &Trust,
    timeout: Duration,
) -> Option<TlsRefusal> {
    let code = verify_result(host, port, trust, timeout).ok()??;
    Some(match code {
        X509_V_ERR_HOSTNAME_MISMATCH | X509_V_ERR_IP_ADDRESS_MISMATCH => {
            TlsRefusal::HostnameMismatch
        }
        X509_V_ERR_CERT_HAS_EXPIRED | X509_V_ERR_CERT_NOT_YET_VALID => TlsRefusal::Expired,
        _ => TlsRefusal::UntrustedCa,
    })
}

/// OpenSSL's verify result of a handshake that failed on the certificate
/// (`None`: it did not).
fn verify_result(
    host: &str,
    port: u16,
    trust: &Trust,
    timeout: Duration,
) -> io::Result<Option<i32>> {
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(io::Error::other)?;
    // librdkafka trusts the system's CAs only when no CA is configured.
    let location = trust.ca_location.as_deref().filter(|l| *l != "probe");
    if location.is_some() || trust.ca_pem.is_some() {
        let mut store = X509StoreBuilder::new().map_err(io::Error::other)?;
        let mut pems = trust
            .ca_pem
            .iter()
            .map(|p| p.as_bytes().to_vec())
            .collect::<Vec<_>>();
        if let Some(file) = location.filter(|l| !Path::new(l).is_dir()) {
            pems.push(std::fs::read(file)?);
        }
        for pem in pems {
            for cert in X509::stack_from_pem(&pem).map_err(io::Error::other)? {
                store.add_cert(cert).map_err(io::Error::other)?;
            }
        }
        builder.set_cert_store(store.build());
        if let Some(dir) = location.filter(|l| Path::new(l).is_dir()) {
            builder
                .load_verify_locations(None, Some(Path::new(dir)))
                .map_err(io::Error::other)?;
        }
    }
    let connector = builder.build();
    let addr = (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other("no address"))?;
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let config = connector.configure().map_err(io::Error::other)?;
    match config.verify_hostname(true).connect(host, stream) {
        Ok(_) => Ok(None),
        Err(HandshakeError::Failure(mid)) => {
            let result = mid.ssl().verify_result();
            Ok((result.as_raw() != 0).then_some(result.as_raw()))
        }
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::first_address;

    #[test]
    fn the_first_bootstrap_address() {
        assert_eq!(first_address("h:9092"), Some(("h".into(), 9092)));
        assert_eq!(first_address(" a:1 , b:2"), Some(("a".into(), 1)));
        assert_eq!(first_address("[::1]:9093"), Some(("::1".into(), 9093)));
        assert_eq!(first_address("SASL_SSL://b:9094"), Some(("b".into(), 9094)));
        assert_eq!(first_address("nohost"), None);
    }
}
