//! `_mpsim_tls`: TLS sessions on rustls, for py/tls.py (the firmware's `tls` module, which
//! `ssl` stands on). A session is a state machine over bytes: py/tls.py moves its records over
//! whatever stream the script wrapped (a board socket, or any object with the stream methods),
//! so timeouts, non-blocking use, `select` and asyncio behave as the socket under it does.
//!
//! The firmware's checks are followed (extmod/modtls_mbedtls.c): a certificate is checked only
//! with CERT_REQUIRED (CERT_OPTIONAL lets the handshake go on), against the CA certificates
//! loaded with `load_verify_locations` (a CA certificate presented as the peer's own is trusted,
//! as mbedtls trusts a self-signed one), at the board's clock (its RTC, 2000-01-01 until set), its
//! name against the subject alternative names or else the CN; a failed check is ValueError with
//! mbedtls' verify-info lines, any other failure OSError(code, 'MBEDTLS_ERR_…'). The ESP8266's
//! firmware has axTLS instead: only CERT_NONE, TLS 1.2, and axTLS' codes.

pub(crate) use _mpsim_tls::module_def;

#[rustpython_vm::pymodule]
mod _mpsim_tls {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{
        CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
    };
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
    use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
    use rustls::server::{ClientHello, ResolvesServerCert};
    use rustls::sign::CertifiedKey;
    use rustls::{
        ClientConfig, ClientConnection, Connection, DigitallySignedStruct, DistinguishedName,
        Error, ServerConfig, ServerConnection, SignatureScheme,
    };
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyListRef, PyStrRef};
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{Py, PyPayload, PyRef, PyResult, TryFromObject, VirtualMachine, pyclass};
    use std::cell::RefCell;
    use std::io::{ErrorKind, Read, Write};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    const CERT_NONE: i32 = 0;
    const CERT_REQUIRED: i32 = 2;

    // mbedtls' codes for what a session can meet (mbedtls/ssl.h).
    const SSL_CONN_EOF: i32 = -0x7280;
    const SSL_FATAL_ALERT: i32 = -0x7780;
    const SSL_NO_CLIENT_CERTIFICATE: i32 = -0x7480;
    const SSL_HANDSHAKE_FAILURE: i32 = -0x6E00;
    const SSL_BAD_PROTOCOL_VERSION: i32 = -0x6E80;
    const SSL_INVALID_RECORD: i32 = -0x7200;
    const SSL_INVALID_MAC: i32 = -0x7180;
    const SSL_DECODE_ERROR: i32 = -0x7300;
    const SSL_UNEXPECTED_MESSAGE: i32 = -0x7700;
    const SSL_INTERNAL_ERROR: i32 = -0x6C00;
    const SSL_BAD_CONFIG: i32 = -0x5E80;
    const SSL_BAD_CERTIFICATE: i32 = -0x7A00;

    const MBEDTLS_NAMES: &[(i32, &str)] = &[
        (SSL_CONN_EOF, "MBEDTLS_ERR_SSL_CONN_EOF"),
        (SSL_FATAL_ALERT, "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"),
        (
            SSL_NO_CLIENT_CERTIFICATE,
            "MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE",
        ),
        (SSL_HANDSHAKE_FAILURE, "MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE"),
        (
            SSL_BAD_PROTOCOL_VERSION,
            "MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION",
        ),
        (SSL_INVALID_RECORD, "MBEDTLS_ERR_SSL_INVALID_RECORD"),
        (SSL_INVALID_MAC, "MBEDTLS_ERR_SSL_INVALID_MAC"),
        (SSL_DECODE_ERROR, "MBEDTLS_ERR_SSL_DECODE_ERROR"),
        (SSL_UNEXPECTED_MESSAGE, "MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE"),
        (SSL_INTERNAL_ERROR, "MBEDTLS_ERR_SSL_INTERNAL_ERROR"),
        (SSL_BAD_CONFIG, "MBEDTLS_ERR_SSL_BAD_CONFIG"),
        (SSL_BAD_CERTIFICATE, "MBEDTLS_ERR_SSL_BAD_CERTIFICATE"),
    ];

    // axTLS' codes (the ESP8266's firmware): what extmod/modtls_axtls.c names, and the
    // end of stream during the handshake, which it raises as ENOTCONN.
    const AX_NAMES: &[(i32, &str)] = &[
        (-256, "CONN_LOST"),
        (-257, "RECORD_OVERFLOW"),
        (-260, "INVALID_HANDSHAKE"),
        (-261, "INVALID_PROT_MSG"),
        (-262, "INVALID_HMAC"),
        (-263, "INVALID_VERSION"),
        (-266, "NO_CIPHER"),
        (-268, "BAD_CERTIFICATE"),
        (-269, "INVALID_KEY"),
        (-272, "NO_CERT_DEFINED"),
    ];

    /// mbedtls' verify-info lines (x509_crt.c), in the order it prints them.
    const BADCERT_EXPIRED: u32 = 1;
    const BADCERT_CN_MISMATCH: u32 = 4;
    const BADCERT_NOT_TRUSTED: u32 = 8;
    const BADCERT_FUTURE: u32 = 0x200;
    const VERIFY_INFO: &[(u32, &str)] = &[
        (BADCERT_EXPIRED, "The certificate validity has expired"),
        (
            BADCERT_CN_MISMATCH,
            "The certificate Common Name (CN) does not match with the expected CN",
        ),
        (
            BADCERT_NOT_TRUSTED,
            "The certificate is not correctly signed by the trusted CA",
        ),
        (
            BADCERT_FUTURE,
            "The certificate validity starts in the future",
        ),
    ];

    /// A failure as the firmware reports it.
    #[derive(Debug, Clone)]
    enum Failure {
        /// OSError(code) with the library's name for it when it has one.
        Os(i32),
        /// ValueError with this text.
        Value(String),
    }

    fn raise(f: &Failure, axtls: bool, vm: &VirtualMachine) -> PyBaseExceptionRef {
        match f {
            Failure::Value(s) => vm.new_value_error(s.clone()),
            Failure::Os(code) => {
                let names = if axtls { AX_NAMES } else { MBEDTLS_NAMES };
                let mut args = vec![vm.ctx.new_int(*code).into()];
                if let Some((_, n)) = names.iter().find(|(c, _)| c == code) {
                    args.push(vm.ctx.new_str(*n).into());
                }
                let e = vm.new_exception(vm.ctx.exceptions.os_error.to_owned(), args);
                let _ = rustpython_vm::AsObject::as_object(&e).set_attr(
                    "errno",
                    vm.ctx.new_int(*code),
                    vm,
                );
                e
            }
        }
    }

    /// A certificate in DER, or the first one of a PEM text.
    fn certs_of(data: &[u8]) -> Vec<CertificateDer<'static>> {
        if data.starts_with(b"-----") || data.windows(11).any(|w| w == b"-----BEGIN ") {
            CertificateDer::pem_slice_iter(data)
                .filter_map(Result::ok)
                .collect()
        } else {
            vec![CertificateDer::from(data.to_vec())]
        }
    }

    fn parse_certs(data: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
        let certs = certs_of(data);
        if certs.is_empty()
            || certs
                .iter()
                .any(|c| x509_parser::parse_x509_certificate(c).is_err())
        {
            return None;
        }
        Some(certs)
    }

    fn parse_key(data: &[u8]) -> Option<PrivateKeyDer<'static>> {
        if data.windows(11).any(|w| w == b"-----BEGIN ") {
            PrivateKeyDer::from_pem_slice(data).ok()
        } else {
            PrivateKeyDer::try_from(data.to_vec()).ok()
        }
    }

    /// `load_cert_chain`'s check of a key: ValueError('invalid key') unless it parses.
    #[pyfunction]
    fn check_key(data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        match data.with_ref(parse_key) {
            Some(_) => Ok(()),
            None => Err(vm.new_value_error("invalid key")),
        }
    }

    /// `load_cert_chain`'s and `load_verify_locations`' check of certificates.
    #[pyfunction]
    fn check_cert(data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
        match data.with_ref(parse_certs) {
            Some(_) => Ok(()),
            None => Err(vm.new_value_error("invalid cert")),
        }
    }

    /// mbedtls' name for a suite (TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256, TLS1-3-AES-128-GCM-SHA256).
    fn suite_name(s: &rustls::SupportedCipherSuite) -> String {
        let n = format!("{:?}", s.suite());
        match n.strip_prefix("TLS13_") {
            Some(rest) => format!("TLS1-3-{}", rest.replace('_', "-")),
            None => n.replace('_', "-"),
        }
    }

    fn provider(ciphers: &Option<Vec<String>>, axtls: bool) -> Result<CryptoProvider, Failure> {
        let mut p = rustls::crypto::ring::default_provider();
        if axtls {
            p.cipher_suites.retain(|s| s.tls13().is_none());
        }
        if let Some(names) = ciphers {
            p.cipher_suites.retain(|s| names.contains(&suite_name(s)));
            if p.cipher_suites.is_empty() {
                return Err(Failure::Os(SSL_BAD_CONFIG));
            }
        }
        Ok(p)
    }

    /// The suites the board offers, by mbedtls' names (`SSLContext.get_ciphers()`).
    #[pyfunction]
    fn ciphers(axtls: bool, vm: &VirtualMachine) -> PyListRef {
        let names = rustls::crypto::ring::default_provider()
            .cipher_suites
            .iter()
            .filter(|s| !axtls || s.tls13().is_none())
            .map(|s| vm.ctx.new_str(suite_name(s)).into())
            .collect();
        vm.ctx.new_list(names)
    }

    /// Whether `name` (as asked for) is what a certificate's DNS name or CN says.
    fn name_matches(pattern: &str, name: &str) -> bool {
        let (p, n) = (pattern.to_ascii_lowercase(), name.to_ascii_lowercase());
        if let Some(rest) = p.strip_prefix("*.") {
            return n
                .split_once('.')
                .is_some_and(|(first, tail)| !first.is_empty() && tail == rest);
        }
        p == n
    }

    /// The peer's certificate checked as mbedtls checks it: the flags of its verify info.
    #[derive(Debug)]
    struct Checker {
        mode: i32,
        cas: Vec<CertificateDer<'static>>,
        now: UnixTime,
        hostname: Option<String>,
        algs: WebPkiSupportedAlgorithms,
        /// The verify-info text of the last failed check (the ValueError's).
        failure: Mutex<Option<String>>,
    }

    impl Checker {
        fn flags(
            &self,
            ee: &CertificateDer<'_>,
            inter: &[CertificateDer<'_>],
            server: bool,
        ) -> u32 {
            let mut flags = 0;
            let Ok((_, cert)) = x509_parser::parse_x509_certificate(ee) else {
                return BADCERT_NOT_TRUSTED;
            };
            let now = self.now.as_secs() as i64;
            let validity = cert.validity();
            if now > validity.not_after.timestamp() {
                flags |= BADCERT_EXPIRED;
            }
            if now < validity.not_before.timestamp() {
                flags |= BADCERT_FUTURE;
            }
            if server && let Some(host) = &self.hostname {
                let mut names: Vec<String> = Vec::new();
                if let Ok(Some(san)) = cert.subject_alternative_name() {
                    for g in &san.value.general_names {
                        match g {
                            x509_parser::extensions::GeneralName::DNSName(d) => {
                                names.push((*d).to_string())
                            }
                            x509_parser::extensions::GeneralName::IPAddress(ip) => {
                                if let Ok(a) = <[u8; 4]>::try_from(*ip) {
                                    names.push(std::net::Ipv4Addr::from(a).to_string());
                                }
                            }
                            _ => {}
                        }
                    }
                }
                if names.is_empty() {
                    names = cert
                        .subject()
                        .iter_common_name()
                        .filter_map(|cn| cn.as_str().ok().map(str::to_string))
                        .collect();
                }
                if !names.iter().any(|n| name_matches(n, host)) {
                    flags |= BADCERT_CN_MISMATCH;
                }
            }
            // A CA certificate presented as the peer's own is trusted as it is.
            if !self.cas.iter().any(|c| c.as_ref() == ee.as_ref()) {
                let anchors: Vec<_> = self
                    .cas
                    .iter()
                    .filter_map(|c| webpki::anchor_from_trusted_cert(c).ok())
                    .collect();
                let usage = if server {
                    webpki::KeyUsage::server_auth()
                } else {
                    webpki::KeyUsage::client_auth()
                };
                let trusted = match webpki::EndEntityCert::try_from(ee) {
                    Err(_) => false,
                    Ok(ee) => match ee.verify_for_usage(
                        self.algs.all,
                        &anchors,
                        inter,
                        self.now,
                        usage,
                        None,
                        None,
                    ) {
                        Ok(_) => true,
                        // The validity is judged above, on the certificate itself.
                        Err(
                            webpki::Error::CertExpired { .. }
                            | webpki::Error::CertNotValidYet { .. },
                        ) => true,
                        Err(_) => false,
                    },
                };
                if !trusted {
                    flags |= BADCERT_NOT_TRUSTED;
                }
            }
            flags
        }

        fn check(
            &self,
            ee: &CertificateDer<'_>,
            inter: &[CertificateDer<'_>],
            server: bool,
        ) -> Result<(), Error> {
            if self.mode != CERT_REQUIRED {
                return Ok(());
            }
            let flags = self.flags(ee, inter, server);
            if flags == 0 {
                return Ok(());
            }
            let mut text = String::new();
            for (f, line) in VERIFY_INFO {
                if flags & f != 0 {
                    text.push('\n');
                    text.push_str(line);
                    text.push('\n');
                }
            }
            if let Ok(mut slot) = self.failure.lock() {
                *slot = Some(text);
            }
            // The alert mbedtls sends for the first of its reasons.
            use rustls::CertificateError as C;
            Err(Error::InvalidCertificate(if flags & BADCERT_EXPIRED != 0 {
                C::Expired
            } else if flags & BADCERT_NOT_TRUSTED != 0 {
                C::UnknownIssuer
            } else if flags & BADCERT_FUTURE != 0 {
                C::NotValidYet
            } else {
                C::BadEncoding
            }))
        }
    }

    /// The handshake's signatures, checked with the peer's key whatever the verify mode (as
    /// mbedtls does): the same in both directions.
    macro_rules! handshake_signatures {
        () => {
            fn verify_tls12_signature(
                &self,
                message: &[u8],
                cert: &CertificateDer<'_>,
                dss: &DigitallySignedStruct,
            ) -> Result<HandshakeSignatureValid, Error> {
                verify_tls12_signature(message, cert, dss, &self.algs)
            }

            fn verify_tls13_signature(
                &self,
                message: &[u8],
                cert: &CertificateDer<'_>,
                dss: &DigitallySignedStruct,
            ) -> Result<HandshakeSignatureValid, Error> {
                verify_tls13_signature(message, cert, dss, &self.algs)
            }

            fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
                self.algs.supported_schemes()
            }
        };
    }

    impl ServerCertVerifier for Checker {
        fn verify_server_cert(
            &self,
            ee: &CertificateDer<'_>,
            inter: &[CertificateDer<'_>],
            _name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            self.check(ee, inter, true)
                .map(|()| ServerCertVerified::assertion())
        }

        handshake_signatures!();
    }

    impl ClientCertVerifier for Checker {
        fn offer_client_auth(&self) -> bool {
            self.mode != CERT_NONE
        }

        fn client_auth_mandatory(&self) -> bool {
            self.mode == CERT_REQUIRED
        }

        fn root_hint_subjects(&self) -> &[DistinguishedName] {
            &[]
        }

        fn verify_client_cert(
            &self,
            ee: &CertificateDer<'_>,
            inter: &[CertificateDer<'_>],
            _now: UnixTime,
        ) -> Result<ClientCertVerified, Error> {
            self.check(ee, inter, false)
                .map(|()| ClientCertVerified::assertion())
        }

        handshake_signatures!();
    }

    /// A server without its certificate: the handshake fails, as mbedtls' does.
    #[derive(Debug)]
    struct NoCert;

    impl ResolvesServerCert for NoCert {
        fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
            None
        }
    }

    /// What `wrap_socket` was given.
    #[derive(rustpython_vm::FromArgs)]
    struct SessionArgs {
        #[pyarg(positional)]
        server_side: bool,
        #[pyarg(positional)]
        verify_mode: i32,
        #[pyarg(positional)]
        cadata: PyListRef,
        #[pyarg(positional)]
        cert: Option<ArgBytesLike>,
        #[pyarg(positional)]
        key: Option<ArgBytesLike>,
        #[pyarg(positional)]
        hostname: Option<PyStrRef>,
        /// The board's clock in seconds since 1970.
        #[pyarg(positional)]
        now: i64,
        #[pyarg(positional)]
        axtls: bool,
        #[pyarg(positional)]
        ciphers: Option<PyListRef>,
    }

    fn config_error(e: Error) -> Failure {
        match e {
            Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
                Failure::Os(SSL_BAD_CONFIG)
            }
            _ => Failure::Value("invalid key".into()),
        }
    }

    fn new_connection(
        a: &SessionArgs,
        vm: &VirtualMachine,
    ) -> Result<(Connection, Arc<Checker>), Failure> {
        let bytes_list = |l: &PyListRef| -> Vec<Vec<u8>> {
            l.borrow_vec()
                .iter()
                .filter_map(|o| ArgBytesLike::try_from_object(vm, o.clone()).ok())
                .map(|b| b.borrow_buf().to_vec())
                .collect()
        };
        let ciphers = a.ciphers.as_ref().map(|l| {
            l.borrow_vec()
                .iter()
                .filter_map(|o| o.str(vm).ok().map(|s| s.to_string()))
                .collect::<Vec<_>>()
        });
        let provider = Arc::new(provider(&ciphers, a.axtls)?);
        let versions: &[&rustls::SupportedProtocolVersion] = if a.axtls {
            &[&rustls::version::TLS12]
        } else {
            rustls::ALL_VERSIONS
        };
        let cas = bytes_list(&a.cadata)
            .iter()
            .flat_map(|d| certs_of(d))
            .collect();
        let checker = Arc::new(Checker {
            mode: if a.axtls { CERT_NONE } else { a.verify_mode },
            cas,
            now: UnixTime::since_unix_epoch(Duration::from_secs(a.now.max(0) as u64)),
            hostname: a.hostname.as_ref().map(|h| h.to_string()),
            algs: provider.signature_verification_algorithms,
            failure: Mutex::new(None),
        });
        let own = match (&a.cert, &a.key) {
            (Some(c), Some(k)) => {
                let certs = c
                    .with_ref(parse_certs)
                    .ok_or_else(|| Failure::Value("invalid cert".into()))?;
                let key = k
                    .with_ref(parse_key)
                    .ok_or_else(|| Failure::Value("invalid key".into()))?;
                Some((certs, key))
            }
            _ => None,
        };
        let conn: Connection = if a.server_side {
            let b = ServerConfig::builder_with_provider(provider)
                .with_protocol_versions(versions)
                .map_err(|_| Failure::Os(SSL_BAD_CONFIG))?
                .with_client_cert_verifier(checker.clone());
            let cfg = match own {
                Some((certs, key)) => b.with_single_cert(certs, key).map_err(config_error)?,
                None => b.with_cert_resolver(Arc::new(NoCert)),
            };
            ServerConnection::new(Arc::new(cfg))
                .map_err(|_| Failure::Os(SSL_INTERNAL_ERROR))?
                .into()
        } else {
            let b = ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(versions)
                .map_err(|_| Failure::Os(SSL_BAD_CONFIG))?
                .dangerous()
                .with_custom_certificate_verifier(checker.clone());
            let cfg = match own {
                Some((certs, key)) => b.with_client_auth_cert(certs, key).map_err(config_error)?,
                None => b.with_no_client_auth(),
            };
            // Without a name there is no SNI: an address as the name sends none.
            let name = match &checker.hostname {
                Some(h) => ServerName::try_from(h.clone()).unwrap_or(ServerName::IpAddress(
                    std::net::Ipv4Addr::UNSPECIFIED.into(),
                )),
                None => ServerName::IpAddress(std::net::Ipv4Addr::UNSPECIFIED.into()),
            };
            ClientConnection::new(Arc::new(cfg), name)
                .map_err(|_| Failure::Os(SSL_INTERNAL_ERROR))?
                .into()
        };
        Ok((conn, checker))
    }

    /// One TLS session: records in with `feed`, records out with `take`, the application's
    /// bytes with `read`/`write`.
    #[pyattr]
    #[pyclass(name = "Session")]
    #[derive(PyPayload)]
    struct Session {
        conn: RefCell<Connection>,
        checker: Arc<Checker>,
        axtls: bool,
        /// The failure that ended the session: every later call raises it again.
        failed: RefCell<Option<Failure>>,
        /// The peer's end of stream has been fed.
        eof: RefCell<bool>,
    }

    impl std::fmt::Debug for Session {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Session")
        }
    }

    #[pyfunction]
    fn session(args: SessionArgs, vm: &VirtualMachine) -> PyResult<PyRef<Session>> {
        let axtls = args.axtls;
        let (conn, checker) = crate::heap::untracked(|| new_connection(&args, vm))
            .map_err(|f| raise(&f, axtls, vm))?;
        Ok(Session {
            conn: RefCell::new(conn),
            checker,
            axtls,
            failed: RefCell::new(None),
            eof: RefCell::new(false),
        }
        .into_ref(&vm.ctx))
    }

    impl Session {
        fn fail(&self, f: Failure, vm: &VirtualMachine) -> PyBaseExceptionRef {
            *self.failed.borrow_mut() = Some(f.clone());
            raise(&f, self.axtls, vm)
        }

        fn check_failed(&self, vm: &VirtualMachine) -> PyResult<()> {
            match &*self.failed.borrow() {
                Some(f) => Err(raise(f, self.axtls, vm)),
                None => Ok(()),
            }
        }

        fn failure_of(&self, e: &Error) -> Failure {
            if let Error::InvalidCertificate(_) = e
                && let Some(text) = self.checker.failure.lock().ok().and_then(|s| s.clone())
            {
                return Failure::Value(text);
            }
            if self.axtls {
                return Failure::Os(match e {
                    Error::AlertReceived(a) => -i32::from(u8::from(*a)),
                    Error::DecryptError => -262,
                    Error::PeerIncompatible(_) => -266,
                    Error::InvalidCertificate(_) | Error::NoCertificatesPresented => -268,
                    Error::InvalidMessage(_) => -261,
                    _ => -260,
                });
            }
            Failure::Os(match e {
                Error::AlertReceived(_) => SSL_FATAL_ALERT,
                Error::NoCertificatesPresented => SSL_NO_CLIENT_CERTIFICATE,
                Error::PeerIncompatible(_) | Error::PeerMisbehaved(_) => SSL_HANDSHAKE_FAILURE,
                Error::DecryptError => SSL_INVALID_MAC,
                Error::InvalidMessage(_) => SSL_DECODE_ERROR,
                Error::InappropriateMessage { .. }
                | Error::InappropriateHandshakeMessage { .. } => SSL_UNEXPECTED_MESSAGE,
                Error::InvalidCertificate(_) => SSL_BAD_CERTIFICATE,
                Error::General(_) => SSL_HANDSHAKE_FAILURE,
                _ => SSL_INTERNAL_ERROR,
            })
        }

        fn eof_failure(&self) -> Failure {
            Failure::Os(if self.axtls { 107 } else { SSL_CONN_EOF })
        }
    }

    #[pyclass]
    impl Session {
        /// Records from the peer (`b""`: its end of stream).
        #[pymethod]
        fn feed(zelf: &Py<Self>, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<()> {
            zelf.check_failed(vm)?;
            let mut conn = zelf.conn.borrow_mut();
            let r = crate::heap::untracked(|| {
                data.with_ref(|mut buf| -> Result<(), Error> {
                    if buf.is_empty() {
                        *zelf.eof.borrow_mut() = true;
                        let _ = conn.read_tls(&mut buf);
                        return conn.process_new_packets().map(|_| ());
                    }
                    while !buf.is_empty() {
                        match conn.read_tls(&mut buf) {
                            Ok(0) => break,
                            Ok(_) => {
                                conn.process_new_packets()?;
                            }
                            Err(_) => {
                                // rustls' buffer is full: the application must read first.
                                conn.process_new_packets()?;
                                if conn.wants_read() {
                                    continue;
                                }
                                break;
                            }
                        }
                    }
                    Ok(())
                })
            });
            if let Err(e) = r {
                let f = zelf.failure_of(&e);
                return Err(zelf.fail(f, vm));
            }
            if *zelf.eof.borrow() && conn.is_handshaking() {
                let f = zelf.eof_failure();
                return Err(zelf.fail(f, vm));
            }
            Ok(())
        }

        /// Records to send to the peer (`b""` when there are none).
        #[pymethod]
        fn take(zelf: &Py<Self>) -> Vec<u8> {
            let mut conn = zelf.conn.borrow_mut();
            let mut out = Vec::new();
            while conn.wants_write() {
                if conn.write_tls(&mut out).is_err() {
                    break;
                }
            }
            out
        }

        /// Up to `n` bytes of the peer's data: None when none has arrived yet, `b""` at its
        /// end (close_notify; its end of stream without one is CONN_EOF).
        #[pymethod]
        fn read(zelf: &Py<Self>, n: usize, vm: &VirtualMachine) -> PyResult<Option<Vec<u8>>> {
            zelf.check_failed(vm)?;
            let mut conn = zelf.conn.borrow_mut();
            let mut buf = vec![0u8; n.min(1 << 20)];
            match conn.reader().read(&mut buf) {
                Ok(k) => {
                    buf.truncate(k);
                    Ok(Some(buf))
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if *zelf.eof.borrow() {
                        drop(conn);
                        let f = zelf.eof_failure();
                        return Err(zelf.fail(f, vm));
                    }
                    Ok(None)
                }
                Err(_) => {
                    drop(conn);
                    let f = zelf.eof_failure();
                    Err(zelf.fail(f, vm))
                }
            }
        }

        /// The script's bytes, to go out (encrypted) once the handshake allows.
        #[pymethod]
        fn write(zelf: &Py<Self>, data: ArgBytesLike, vm: &VirtualMachine) -> PyResult<usize> {
            zelf.check_failed(vm)?;
            let mut conn = zelf.conn.borrow_mut();
            data.with_ref(|b| conn.writer().write_all(b))
                .map_err(|_| vm.new_os_error("write failed"))?;
            Ok(data.len())
        }

        #[pymethod]
        fn handshaking(zelf: &Py<Self>) -> bool {
            zelf.conn.borrow().is_handshaking()
        }

        /// Data from the peer waits to be read.
        #[pymethod]
        fn pending(zelf: &Py<Self>) -> bool {
            let mut conn = zelf.conn.borrow_mut();
            conn.process_new_packets()
                .is_ok_and(|s| s.plaintext_bytes_to_read() > 0 || s.peer_has_closed())
        }

        #[pymethod]
        fn failed(zelf: &Py<Self>) -> bool {
            zelf.failed.borrow().is_some()
        }

        /// The last failure raised again (a poll of a failed socket, a later read).
        #[pymethod]
        fn reraise(zelf: &Py<Self>, vm: &VirtualMachine) -> PyResult<()> {
            zelf.check_failed(vm)
        }

        /// (suite, version) by mbedtls' names, None before the handshake.
        #[pymethod]
        fn cipher(zelf: &Py<Self>) -> Option<(String, String)> {
            let conn = zelf.conn.borrow();
            let suite = conn.negotiated_cipher_suite()?;
            let version = match conn.protocol_version()? {
                rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
                _ => "TLSv1.2",
            };
            Some((suite_name(&suite), version.to_string()))
        }

        /// The peer's certificate in DER (None without one).
        #[pymethod]
        fn peercert(zelf: &Py<Self>) -> Option<Vec<u8>> {
            let conn = zelf.conn.borrow();
            conn.peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec())
        }
    }
}
