//! Readable labels for the DORA_IR codes (`it_security` is "IT security"), so an approver reads
//! what a code means next to the code the authority receives.
//!
//! The schemas list codes without labels; the codes are the Annex's wording in snake case, so the
//! label is that wording back, with the acronyms the Annex writes in capitals. Written here
//! rather than as a table: the schemas have some 200 codes, and a table would drift from them.

/// Words the template writes in capitals.
const ACRONYMS: [&str; 12] = [
    "it", "ict", "csirt", "eea", "eu", "ddos", "lei", "api", "nca", "psd2", "ioc", "id",
];

/// The label of `code`: words separated, acronyms in capitals, the first letter capitalised.
pub fn label(code: &str) -> String {
    let words: Vec<String> = code
        .split(['_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            if ACRONYMS.contains(&w.to_ascii_lowercase().as_str()) {
                w.to_ascii_uppercase()
            } else {
                w.to_string()
            }
        })
        .collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A code with its label (`it_security (IT security)`); a value that is not a code (it has
/// spaces or capitals) as it is.
pub fn with_label(code: &str) -> String {
    let is_code = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if is_code && (code.contains('_') || code.contains('-') || code.len() > 3) {
        format!("{code} ({})", label(code))
    } else {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_the_annex_words() {
        assert_eq!(label("it_security"), "IT security");
        assert_eq!(
            label("major_incident_reclassified_as_non-major"),
            "Major incident reclassified as non major"
        );
        assert_eq!(label("csirt"), "CSIRT");
        assert_eq!(
            with_label("monitoring_systems"),
            "monitoring_systems (Monitoring systems)"
        );
        assert_eq!(with_label("Card payments"), "Card payments");
        assert_eq!(with_label("DE"), "DE");
    }
}
