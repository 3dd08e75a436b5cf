//! RTS 2024/1772 Art. 4 and Art. 9(4): geographical spread.

use super::*;

impl Judge<'_> {
    pub(super) fn geography(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 9(4)";
        let Some(states) = self.facts.list("member_states") else {
            return vec![unknown(
                art,
                "Member States impacted",
                vec!["member_states"],
            )];
        };
        let home = self.profile.home_member_state.as_str();
        let (counted, reading): (Vec<&String>, &str) = match self.profile.geo_reading {
            GeoReading::AllMemberStates => (states.iter().collect(), "home Member State included"),
            GeoReading::OtherMemberStates => (
                states.iter().filter(|s| s.as_str() != home).collect(),
                "Member States other than the home one",
            ),
        };
        let met = counted.len() >= MEMBER_STATES_MIN;
        let list = if counted.is_empty() {
            "none".to_string()
        } else {
            counted
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        vec![point(
            art,
            yes_no(met),
            format!(
                "impact in {} EU/EEA Member State(s) ({list}; {reading}) {} 2 — {art}",
                counted.len(),
                if met { "≥" } else { "<" }
            ),
            vec![],
        )]
    }
}
