//! RTS 2024/1772 Art. 5 and Art. 9(5): data losses.

use super::*;

impl Judge<'_> {
    pub(super) fn data_losses(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 9(5)(a)";
        let a = match self.facts.list("data_losses") {
            Some([]) => point(art, Status::NotMet, format!("no impact on the availability, authenticity, integrity or confidentiality of data — {art}"), vec![]),
            Some(kinds) => point(art, Status::Met, format!("impact on the {} of data, with adverse impact on business objectives or regulatory requirements — {art}", kinds.join(", ")), vec![]),
            None => unknown(art, "impact on data", vec!["data_losses"]),
        };
        vec![a, self.malicious_access("RTS 2024/1772 Art. 9(5)(b)")]
    }

    pub(super) fn malicious_access(&self, art: &'static str) -> Point {
        self.flag_point(
            art,
            "malicious_unauthorized_access",
            "successful, malicious, unauthorised access to network and information systems that may result in data losses",
            "no successful malicious unauthorised access",
        )
    }
}
