//! RTS 2024/1772 Art. 2 and Art. 9(2): reputational impact.

use super::*;

impl Judge<'_> {
    pub(super) fn flag_point(
        &self,
        article: &'static str,
        input: &'static str,
        yes: &str,
        no: &str,
    ) -> Point {
        match self.facts.flag(input) {
            Some(true) => point(article, Status::Met, format!("{yes} — {article}"), vec![]),
            Some(false) => point(article, Status::NotMet, format!("{no} — {article}"), vec![]),
            None => unknown(article, yes, vec![input]),
        }
    }

    pub(super) fn reputational(&self) -> Vec<Point> {
        vec![
            self.flag_point("RTS 2024/1772 Art. 9(2)(a)", "media_coverage", "the incident is reflected in the media", "no media coverage"),
            self.flag_point(
                "RTS 2024/1772 Art. 9(2)(b)",
                "repetitive_complaints",
                "repetitive complaints from different clients or counterparts",
                "no repetitive complaints",
            ),
            self.flag_point(
                "RTS 2024/1772 Art. 9(2)(c)",
                "regulatory_requirements_breached",
                "the entity cannot, or is likely not to, meet regulatory requirements",
                "regulatory requirements still met",
            ),
            self.flag_point(
                "RTS 2024/1772 Art. 9(2)(d)",
                "client_loss_likely",
                "the entity is likely to lose clients or counterparts with a material impact on its business",
                "no material loss of clients or counterparts expected",
            ),
        ]
    }
}
