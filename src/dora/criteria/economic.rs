//! RTS 2024/1772 Art. 7 and Art. 9(6): economic impact.

use super::*;

impl Judge<'_> {
    pub(super) fn economic(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 9(6)";
        vec![match self.facts.money("economic_impact_eur") {
            Some(v) => {
                let over = v > ECONOMIC_IMPACT_LIMIT;
                point(
                    art,
                    yes_no(over),
                    format!(
                        "gross direct and indirect costs and losses {v}{} {} {ECONOMIC_IMPACT_LIMIT} — {art}",
                        est(self.facts.get("economic_impact_eur")),
                        if over { ">" } else { "≤" }
                    ),
                    vec![],
                )
            }
            None => unknown(art, "economic impact", vec!["economic_impact_eur"]),
        }]
    }
}
