//! RTS 2024/1772 Art. 6: criticality of the services affected.

use super::*;

impl Judge<'_> {
    /// Art. 6(a): from the argument or connector, else from the affected services and the
    /// profile's critical services.
    pub(super) fn critical_services_affected(&self) -> (Option<bool>, String) {
        if let Some(f) = self.facts.get("critical_services_affected") {
            let b = matches!(f.value, crate::dora::facts::FactValue::Flag(true));
            return (Some(b), f.source.to_string());
        }
        match self.facts.list("affected_services") {
            Some(services) if !self.profile.critical_services.is_empty() => {
                let hit: Vec<&String> = services
                    .iter()
                    .filter(|s| self.profile.is_critical(s))
                    .collect();
                (
                    Some(!hit.is_empty()),
                    hit.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
            _ => (None, String::new()),
        }
    }

    pub(super) fn criticality(&self) -> Vec<Point> {
        let art = "RTS 2024/1772 Art. 6(a)";
        let a = match self.critical_services_affected() {
            (Some(true), which) if self.facts.get("critical_services_affected").is_none() => {
                point(art, Status::Met, format!("affects ICT services supporting critical or important functions ({which}) — {art}"), vec![])
            }
            (Some(true), source) => point(art, Status::Met, format!("affects ICT services supporting critical or important functions (per {source}) — {art}"), vec![]),
            (Some(false), _) => point(art, Status::NotMet, format!("no ICT service supporting critical or important functions affected — {art}"), vec![]),
            (None, _) => unknown(art, "ICT services supporting critical or important functions affected", vec!["affected_services", "critical_services_affected"]),
        };
        let art_b = "RTS 2024/1772 Art. 6(b)";
        let b = match self.facts.flag("authorised_services_affected") {
            Some(v) => point(art_b, yes_no(v), format!("{} financial services that require authorisation or registration, or are supervised — {art_b}", if v { "affects" } else { "does not affect" }), vec![]),
            None => match self.facts.list("affected_services") {
                Some(services) if !self.profile.authorised_services.is_empty() => {
                    let hit: Vec<&str> = services.iter().filter(|s| self.profile.is_authorised(s)).map(String::as_str).collect();
                    point(
                        art_b,
                        yes_no(!hit.is_empty()),
                        if hit.is_empty() {
                            format!("no authorised or supervised financial service affected — {art_b}")
                        } else {
                            format!("affects authorised or supervised financial services ({}) — {art_b}", hit.join(", "))
                        },
                        vec![],
                    )
                }
                _ => unknown(art_b, "authorised or supervised financial services affected", vec!["authorised_services_affected"]),
            },
        };
        vec![a, b, self.malicious_access("RTS 2024/1772 Art. 6(c)")]
    }
}
