//! hyper 1.x over lucid-tokio, shared by `hyper_get`, `hyper_server` and the tests that run
//! their logic: a tower `Service<Uri>` connector ([`HttpsConnector`]) that makes hyper-util's
//! legacy client use lucid for every `https://` URI, a GET helper, and an HTTP/1.1 server over
//! [`TlsAcceptor`] with a Redfish-style JSON endpoint.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::convert::Infallible;
use std::io;
use std::path::Path;
use std::sync::Arc;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use lucid_core::pki_types::ServerName;
use lucid_core::x509::RootStore;
use lucid_core::{ClientConfig, ServerConfig, WebPkiVerifier};
use lucid_tokio::{TlsAcceptor, TlsConnector, client};
use tokio::net::{TcpListener, TcpStream};

/// How long a TLS handshake may take, on either side.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What both halves speak: hyper's HTTP/1 only, said with ALPN (RFC 7301).
pub(crate) const HTTP_1_1: &[u8] = b"http/1.1";

/// A client config trusting the roots in `cafile` (PEM), or the system's store, offering
/// http/1.1 with ALPN.
pub(crate) fn client_config(cafile: Option<&Path>) -> io::Result<Arc<ClientConfig>> {
    let roots = match cafile {
        Some(path) => {
            let mut roots = RootStore::new();
            for der in lucid_blocking::load_pem_certs(path)? {
                roots.add_der(&der).map_err(|e| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{}: {e}", path.display()),
                    )
                })?;
            }
            roots
        }
        None => lucid_blocking::roots::load_native_roots(),
    };
    let mut config = ClientConfig::new(Arc::new(WebPkiVerifier::new(roots)));
    config.alpn_protocols = vec![HTTP_1_1.to_vec()];
    Ok(Arc::new(config))
}

/// A server config from a PEM chain (leaf first) and its PEM key (PKCS#8 or PKCS#1),
/// selecting http/1.1 for clients that offer ALPN.
pub(crate) fn server_config(chain: &Path, key: &Path) -> io::Result<Arc<ServerConfig>> {
    let cert = lucid_blocking::server::load_certified_key(chain, key)?;
    let mut config = ServerConfig::new(cert);
    config.alpn_protocols = vec![HTTP_1_1.to_vec()];
    Ok(Arc::new(config))
}

/// A tower `Service<Uri>` that opens a TCP connection to the URI's host and port (443 by
/// default) and completes a lucid handshake with the host name, within
/// [`HANDSHAKE_TIMEOUT`]. Only `https://` URIs: lucid is for TLS.
#[derive(Debug, Clone)]
pub(crate) struct HttpsConnector {
    tls: TlsConnector,
}

impl HttpsConnector {
    /// A connector whose connections start from `config`.
    pub(crate) fn new(config: Arc<ClientConfig>) -> Self {
        Self {
            tls: TlsConnector::from(config),
        }
    }
}

/// What [`HttpsConnector`] hands hyper: a lucid client stream over TCP.
#[derive(Debug)]
pub(crate) struct HttpsStream(TokioIo<client::TlsStream<TcpStream>>);

impl HttpsStream {
    /// The lucid stream (negotiated parameters, ...).
    pub(crate) fn tls(&self) -> &client::TlsStream<TcpStream> {
        self.0.inner()
    }
}

impl hyper::rt::Read for HttpsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for HttpsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

impl Connection for HttpsStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl tower_service::Service<Uri> for HttpsConnector {
    type Response = HttpsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<HttpsStream>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let tls = self.tls.clone();
        Box::pin(async move {
            let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
            if uri.scheme_str() != Some("https") {
                return Err(invalid(format!("{uri}: lucid serves https:// URIs only")));
            }
            let host = uri
                .host()
                .ok_or_else(|| invalid(format!("{uri}: no host")))?
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned();
            let port = uri.port_u16().unwrap_or(443);
            let name =
                ServerName::try_from(host.clone()).map_err(|e| invalid(format!("{host}: {e}")))?;
            let tcp = TcpStream::connect((host.as_str(), port)).await?;
            tcp.set_nodelay(true)?;
            let stream = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.connect(name, tcp))
                .await
                .map_err(|_| {
                    io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")
                })??;
            Ok(HttpsStream(TokioIo::new(stream)))
        })
    }
}

/// A response, read whole.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// e.g. `HTTP/1.1 200 OK`.
    pub(crate) status_line: String,
    /// The status code.
    pub(crate) status: StatusCode,
    /// The body.
    pub(crate) body: Bytes,
}

/// GET `uri` with a hyper-util legacy client over [`HttpsConnector`].
pub(crate) async fn get(config: Arc<ClientConfig>, uri: Uri) -> Result<Fetched, BoxError> {
    let client =
        Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(HttpsConnector::new(config));
    let response = client.get(uri).await?;
    let status = response.status();
    let status_line = format!(
        "{:?} {} {}",
        response.version(),
        status.as_str(),
        status.canonical_reason().unwrap_or("")
    );
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Fetched {
        status_line: status_line.trim_end().to_owned(),
        status,
        body,
    })
}

/// The Redfish service root `/redfish/v1` answers with (DSP0266 §"Service root").
pub(crate) const REDFISH_ROOT: &str = r##"{"@odata.id":"/redfish/v1","@odata.type":"#ServiceRoot.v1_5_0.ServiceRoot","Id":"RootService","Name":"Root Service","RedfishVersion":"1.6.0","UUID":"92384634-2938-2342-8820-489239905423","Systems":{"@odata.id":"/redfish/v1/Systems"},"Managers":{"@odata.id":"/redfish/v1/Managers"}}"##;

/// What `/` answers: a greeting and the connection's protocol, suite and ALPN protocol.
pub(crate) fn index_page(tls: &lucid_tokio::server::TlsStream<TcpStream>) -> String {
    match tls.negotiated() {
        Some(n) => format!(
            "hello from lucid-tokio over hyper\nProtocol: {}\nCipher: {}\nALPN: {}\n",
            n.version,
            n.suite,
            tls.alpn_protocol()
                .map_or_else(|| "(none)".to_string(), |p| p.escape_ascii().to_string())
        ),
        None => "hello from lucid-tokio over hyper\n".to_owned(),
    }
}

fn route(req: &Request<Incoming>, index: &str) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match req.uri().path() {
        "/" => (StatusCode::OK, "text/plain", index.to_owned()),
        "/redfish/v1" | "/redfish/v1/" => {
            (StatusCode::OK, "application/json", REDFISH_ROOT.to_owned())
        }
        _ => (
            StatusCode::NOT_FOUND,
            "text/plain",
            "not found\n".to_owned(),
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    if content_type == "application/json" {
        response.headers_mut().insert(
            "OData-Version",
            hyper::header::HeaderValue::from_static("4.0"),
        );
    }
    response
}

/// Serves HTTP/1.1 over TLS on `listener` forever, one task per connection, each
/// handshake bounded by [`HANDSHAKE_TIMEOUT`]. Routes: `/` (text, with the negotiated
/// protocol and suite), `/redfish/v1` (a Redfish service root, JSON), else 404.
pub(crate) async fn serve(listener: TcpListener, acceptor: TlsAcceptor) -> io::Result<()> {
    loop {
        let (tcp, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_one(tcp, acceptor).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

async fn serve_one(tcp: TcpStream, acceptor: TlsAcceptor) -> Result<(), BoxError> {
    tcp.set_nodelay(true)?;
    let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp))
        .await
        .map_err(|_| "TLS handshake timed out")??;
    let index: Arc<str> = index_page(&tls).into();
    let service = hyper::service::service_fn(move |req| {
        let index = index.clone();
        async move { Ok::<_, Infallible>(route(&req, &index)) }
    });
    hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await?;
    Ok(())
}
