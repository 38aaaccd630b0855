//! The double over HTTPS, requiring and verifying client certificates, and
//! the certificates it needs, made at test time (nothing is committed).
//!
//! [`Pki`] makes a trusted CA (its client and server certificates), a second,
//! unrelated CA with a client certificate of its own, a server certificate
//! from a CA nobody trusts and one of the trusted CA for another host name,
//! and writes the PEM files a manifest points at into a temp dir.
//!
//! Serving is rustls through tokio-rustls (already linked by reqwest) under
//! `axum::serve`, with a listener ([`TlsListener`]) that does each handshake
//! itself, so the double records every refused handshake with the server's
//! own reason ([`Handshakes`]): a test can assert how often the client tried.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::RootCertStore;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

type Issuer = CertifiedIssuer<'static, KeyPair>;

/// Which certificate the double presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerCert {
    /// Signed by the trusted CA, for `127.0.0.1` and `localhost`.
    Trusted,
    /// Signed by a CA that is in no trust store, for `127.0.0.1` and `localhost`.
    UnknownCa,
    /// Signed by the trusted CA, but for `not-this-host.example` only.
    WrongName,
}

/// Which client certificate a manifest's `auth.mtls` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCert {
    /// Signed by the CA the double trusts.
    Trusted,
    /// Signed by another CA, which the double does not trust.
    OtherCa,
}

/// The certificates of one test, as PEM files in a temp dir.
pub struct Pki {
    pub dir: tempfile::TempDir,
    ca: Issuer,
    /// The server certificate and key (PEM) of each [`ServerCert`].
    servers: Vec<(ServerCert, String, String)>,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = new_ca("linkctl test CA");
        let other_ca = new_ca("linkctl unrelated CA");
        let unknown_ca = new_ca("linkctl unknown CA");
        let local = ["127.0.0.1", "localhost"];
        let servers = vec![
            leaf(ServerCert::Trusted, &ca, &local),
            leaf(ServerCert::UnknownCa, &unknown_ca, &local),
            leaf(ServerCert::WrongName, &ca, &["not-this-host.example"]),
        ];
        let write = |name: &str, pem: &str| {
            std::fs::write(dir.path().join(name), pem).expect("write PEM");
        };
        write("ca.pem", &ca.pem());
        for (name, issuer) in [("client", &ca), ("other-client", &other_ca)] {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            let cert = params.signed_by(&key, issuer).expect("client cert");
            write(&format!("{name}.pem"), &cert.pem());
            write(&format!("{name}.key"), &key.serialize_pem());
        }
        Self { dir, ca, servers }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// The trusted CA's certificate (PEM file).
    pub fn ca_file(&self) -> PathBuf {
        self.path("ca.pem")
    }

    /// `auth: { mtls: … }` (YAML flow style) with `client`'s certificate and
    /// key, trusting the test CA.
    pub fn mtls_auth(&self, client: ClientCert) -> String {
        match client {
            ClientCert::Trusted => self.mtls_auth_files("client.pem", "client.key", Some("ca.pem")),
            ClientCert::OtherCa => {
                self.mtls_auth_files("other-client.pem", "other-client.key", Some("ca.pem"))
            }
        }
    }

    /// `auth: { mtls: … }` naming files of the temp dir (which need not exist).
    pub fn mtls_auth_files(&self, cert: &str, key: &str, ca: Option<&str>) -> String {
        let ca = match ca {
            Some(ca) => format!(", ca: {}", self.path(ca).display()),
            None => String::new(),
        };
        format!(
            "auth: {{ mtls: {{ cert: {}, key: {}{ca} }} }}",
            self.path(cert).display(),
            self.path(key).display(),
        )
    }

    /// `https_ca:` trusting the test CA.
    pub fn https_ca(&self) -> String {
        format!("https_ca: {}", self.ca_file().display())
    }

    /// What the double serves with: `server`'s certificate, and client
    /// certificates required and verified against the trusted CA.
    pub fn server(&self, server: ServerCert) -> TlsSetup {
        let (_, cert, key) = self
            .servers
            .iter()
            .find(|(s, _, _)| *s == server)
            .expect("server certificate");
        let mut roots = RootCertStore::empty();
        roots.add(self.ca.der().clone()).expect("trusted CA");
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .expect("client verifier");
        let chain = vec![CertificateDer::from_pem_slice(cert.as_bytes()).expect("cert PEM")];
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key PEM");
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .expect("server config");
        TlsSetup {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }
    }
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

fn new_ca(name: &str) -> Issuer {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("CA")
}

fn leaf(which: ServerCert, issuer: &Issuer, names: &[&str]) -> (ServerCert, String, String) {
    let key = KeyPair::generate().expect("key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "confluent double");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, issuer).expect("server cert");
    (which, cert.pem(), key.serialize_pem())
}

/// How a TLS double serves.
#[derive(Clone)]
pub struct TlsSetup {
    acceptor: TlsAcceptor,
}

/// Every handshake the double refused or that failed, with the server's
/// reason (`rustls` error text), in order.
#[derive(Default)]
pub struct Handshakes {
    pub refused: Mutex<Vec<String>>,
}

/// Accepts TCP connections and hands `axum::serve` those whose TLS handshake
/// succeeded; the others are recorded in [`Handshakes`].
pub struct TlsListener {
    addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
}

impl TlsListener {
    pub fn start(tcp: TcpListener, setup: TlsSetup, seen: Arc<Handshakes>) -> Self {
        let addr = tcp.local_addr().expect("addr");
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            while let Ok((stream, peer)) = tcp.accept().await {
                let (acceptor, tx, seen) = (setup.acceptor.clone(), tx.clone(), seen.clone());
                // Each handshake on its own task: a stuck client cannot hold the others.
                tokio::spawn(async move {
                    let accept = acceptor.accept(stream).into_fallible();
                    match tokio::time::timeout(Duration::from_secs(10), accept).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err((e, stream))) => {
                            record(&seen, e.to_string());
                            linger(stream).await;
                        }
                        Err(_) => record(&seen, "handshake timed out".into()),
                    }
                });
            }
        });
        Self { addr, ready }
    }
}

fn record(seen: &Handshakes, reason: String) {
    match seen.refused.lock() {
        Ok(mut g) => g.push(reason),
        Err(p) => p.into_inner().push(reason),
    }
}

/// After a refused handshake (the alert is sent), reads what the client
/// still sends until it closes, as servers that close gracefully do: closing
/// with unread data would reset the connection, and the client could lose
/// the alert that says why.
async fn linger(mut stream: TcpStream) {
    let mut buf = [0u8; 4096];
    let drain = async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept task ended (its runtime is shutting down).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.addr)
    }
}
