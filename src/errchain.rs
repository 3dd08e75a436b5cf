//! Reading an error's chain of causes, for the messages operators act on.

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

/// Whether the failure is the TLS handshake's: a certificate the client does not trust, a
/// protocol mismatch. Retrying cannot help; the operator must act.
pub fn is_tls(e: &(dyn Error + 'static)) -> bool {
    let mut cur: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string().to_ascii_lowercase();
        if [
            "certificate",
            "tls",
            "handshake",
            "corrupt message",
            "peer is incompatible",
        ]
        .iter()
        .any(|w| text.contains(w))
        {
            return true;
        }
        cur = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);
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
    fn the_innermost_cause_and_tls_failures_are_found() {
        let tls = Layer(
            "error sending request",
            Some(Box::new(Layer(
                "invalid peer certificate: UnknownIssuer",
                None,
            ))),
        );
        assert_eq!(root_cause(&tls), "invalid peer certificate: UnknownIssuer");
        assert!(is_tls(&tls));
        let refused = Layer(
            "error sending request",
            Some(Box::new(Layer("Connection refused (os error 111)", None))),
        );
        assert_eq!(root_cause(&refused), "Connection refused (os error 111)");
        assert!(!is_tls(&refused));
    }
}
