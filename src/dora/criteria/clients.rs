//! RTS 2024/1772 Art. 1 and Art. 9(1): clients, financial counterparts and transactions.

use super::*;

/// A share whose denominator is zero: not assessable until the figure of the affected service
/// is known.
fn zero_denominator(article: &'static str, what: &str, whole: &'static str) -> Point {
    point(
        article,
        Status::NotAssessable,
        format!("share of {what} affected: not assessable, {whole} is 0, so there is no share to compare with the threshold; give the figure of the affected service — {article}"),
        vec![whole],
    )
}

impl Judge<'_> {
    pub(super) fn share(
        &self,
        article: &'static str,
        what: &str,
        part: &'static str,
        whole: &'static str,
        limit: (u64, u64),
    ) -> Point {
        let (p, w) = (self.facts.count(part), self.facts.count(whole));
        match (p, w) {
            // A share of nothing is no share: the denominator is missing data, not a threshold
            // met (1 transaction against a daily average of 0 is not "more than 10%").
            (Some(p), Some(0)) if p > 0 => zero_denominator(article, what, whole),
            (Some(p), Some(w)) => {
                let over = exceeds_share(p, w, limit.0, limit.1);
                let mark = est(self.facts.get(part).or(self.facts.get(whole)));
                point(
                    article,
                    yes_no(over),
                    format!(
                        "{} of {} {what} affected ({}){mark} {} {}% — {article}",
                        group_digits(p),
                        group_digits(w),
                        percent(p, w),
                        if over { ">" } else { "≤" },
                        limit.0
                    ),
                    vec![],
                )
            }
            _ => unknown(
                article,
                &format!("share of {what} affected"),
                [(part, p.is_none()), (whole, w.is_none())]
                    .into_iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| n)
                    .collect(),
            ),
        }
    }

    pub(super) fn clients(&self) -> Vec<Point> {
        let mut pts = vec![self.share(
            "RTS 2024/1772 Art. 9(1)(a)",
            "clients",
            "clients_affected",
            "clients_total",
            TEN_PERCENT,
        )];
        let art = "RTS 2024/1772 Art. 9(1)(b)";
        pts.push(match self.facts.count("clients_affected") {
            Some(n) => point(
                art,
                yes_no(n > CLIENTS_ABSOLUTE),
                format!(
                    "{} clients affected{} {} 100 000 — {art}",
                    group_digits(n),
                    est(self.facts.get("clients_affected")),
                    if n > CLIENTS_ABSOLUTE { ">" } else { "≤" }
                ),
                vec![],
            ),
            None => unknown(art, "number of clients affected", vec!["clients_affected"]),
        });
        pts.push(self.share(
            "RTS 2024/1772 Art. 9(1)(c)",
            "financial counterparts",
            "counterparts_affected",
            "counterparts_total",
            THIRTY_PERCENT,
        ));
        pts.push(self.share(
            "RTS 2024/1772 Art. 9(1)(d)",
            "transactions (against the daily average)",
            "transactions_affected",
            "transactions_daily_average",
            TEN_PERCENT,
        ));
        let art = "RTS 2024/1772 Art. 9(1)(e)";
        pts.push(match (self.facts.money("transaction_value_eur"), self.facts.money("transaction_value_daily_average_eur")) {
            (Some(v), Some(avg)) if avg.cents() == 0 && v.cents() > 0 => zero_denominator(art, "value of transactions", "transaction_value_daily_average_eur"),
            (Some(v), Some(avg)) => {
                let over = exceeds_share(v.cents(), avg.cents(), TEN_PERCENT.0, TEN_PERCENT.1);
                point(
                    art,
                    yes_no(over),
                    format!(
                        "{v} of transactions affected against a daily average of {avg} ({}){} {} 10% — {art}",
                        percent(v.cents(), avg.cents()),
                        est(self.facts.get("transaction_value_eur")),
                        if over { ">" } else { "≤" }
                    ),
                    vec![],
                )
            }
            (v, a) => unknown(
                art,
                "value of transactions affected",
                [("transaction_value_eur", v.is_none()), ("transaction_value_daily_average_eur", a.is_none())]
                    .into_iter()
                    .filter(|(_, m)| *m)
                    .map(|(n, _)| n)
                    .collect(),
            ),
        });
        let art = "RTS 2024/1772 Art. 9(1)(f)";
        pts.push(match (self.facts.flag("relevant_clients_affected"), self.facts.list("affected_counterparts")) {
            (Some(true), _) => point(art, Status::Met, format!("a relevant client or financial counterpart is affected — {art}"), vec![]),
            (Some(false), _) => point(art, Status::NotMet, format!("no relevant client or financial counterpart affected — {art}"), vec![]),
            (None, Some(names)) if !self.profile.relevant_clients.is_empty() => {
                let hit: Vec<&str> = names.iter().filter(|n| self.profile.is_relevant(n)).map(String::as_str).collect();
                if hit.is_empty() {
                    point(art, Status::NotMet, format!("none of the clients or counterparts affected is on the entity's list of relevant ones — {art}"), vec![])
                } else {
                    point(art, Status::Met, format!("relevant clients or counterparts affected: {} — {art}", hit.join(", ")), vec![])
                }
            }
            (None, Some(_)) => {
                let mut p = unknown(art, "relevant clients or counterparts affected", vec!["relevant_clients_affected"]);
                p.justification = format!("clients or counterparts affected are named, but the entity lists no relevant ones (instance parameter relevant_clients): not assessable, relevant_clients_affected unknown — {art}");
                p
            }
            _ => unknown(art, "relevant clients or counterparts affected", vec!["relevant_clients_affected", "affected_counterparts"]),
        });
        pts
    }
}
