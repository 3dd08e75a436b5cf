//! Reading an error's chain of causes, for the messages operators act on and for classifying a
//! failure by the types it is made of rather than by its wording.

use std::error::Error;

/// The innermost cause of an error chain, which is the part an operator can act on
/// ("connection refused", "invalid peer certificate: UnknownIssuer").
pub fn root_cause(e: &(dyn Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Visits every error of a chain, including the error an `io::Error` wraps (its `source()`
/// skips that one and goes straight to the wrapped error's own source).
pub fn walk(e: &(dyn Error + 'static), visit: &mut dyn FnMut(&(dyn Error + 'static))) {
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(err) = cur {
        visit(err);
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            walk(inner, visit);
        }
        cur = err.source();
    }
}

/// Whether the failure is the TLS handshake's (a certificate the client does not trust, a
/// protocol mismatch): a `rustls::Error` is in the chain. Retrying cannot help; the operator must
/// act.
pub fn is_tls(e: &(dyn Error + 'static)) -> bool {
    let mut found = false;
    walk(e, &mut |err| {
        found |= err.downcast_ref::<rustls::Error>().is_some()
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<dyn Error + Send + Sync>>);
    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }
    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.1.as_deref().map(|l| l as &(dyn Error + 'static))
        }
    }

    #[test]
    fn the_innermost_cause_and_tls_failures_are_found_by_type() {
        let certificate =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let tls = Layer(
            "error sending request",
            Some(Box::new(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                certificate,
            ))),
        );
        assert!(
            root_cause(&tls).contains("UnknownIssuer"),
            "{}",
            root_cause(&tls)
        );
        assert!(is_tls(&tls));
        // Words are not types: a message that mentions a certificate is not a TLS failure.
        let refused = Layer(
            "error sending request",
            Some(Box::new(Layer(
                "Connection refused (certificate tls handshake)",
                None,
            ))),
        );
        assert_eq!(
            root_cause(&refused),
            "Connection refused (certificate tls handshake)"
        );
        assert!(!is_tls(&refused));
    }
}
