//! An alarm as an XSOAR incident, mapped from its borrowed view ([`AlarmView`]).
//!
//! Text fields are decoded from the alarm's own JSON and borrowed from the page where they hold
//! no escapes. The fields that depend only on the alarm type (title, types, mitigation plan,
//! compliance) are rendered once per type and shared ([`Text::Shared`]): they are most of an
//! alarm's bytes and repeat across alarms. `rawJSON` is the alarm's own text, in the vendor's key
//! order, not written again.
//!
//! Everything from the alarm is bounded here: the name, `details`, each CustomField and `rawJSON`
//! are cut above their limits with a note that says so, and the name is escaped for markdown
//! (XSOAR shows it in tables and war-room entries). How values become text is `mapping_text`;
//! how the alarm becomes `rawJSON` is `mapping_raw`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::alarm::{AlarmView, MalformedAlarm};
use super::incident::{
    alarm_link, content_field_name, field_name, xsoar_severity, IncidentOptions, CONTENT_KEYS,
};
use super::mapping_raw::raw_json;
pub use super::mapping_raw::RAW_JSON_LIMIT;
pub use super::mapping_text::markdown_escape;
use super::mapping_text::{cap_text, prefix, render, render_compliance, render_key_values};
use super::rawjson::{self, string};
use crate::triage::{AlarmKind, Triage};

/// Characters of the incident name; longer names end in `…`.
pub const NAME_LIMIT: usize = 300;
/// Characters of `details` (the alarm text) and of each CustomField.
pub const TEXT_LIMIT: usize = 50_000;
/// `socradaralarmtext` holds the first characters of the alarm text (as the vendor's guide says).
const ALARM_TEXT_LIMIT: usize = 1000;
/// Alarm types whose rendered fields are remembered in one run; a server sending a new type with
/// every alarm costs a rendering per alarm, never memory.
const TYPE_CACHE_LIMIT: usize = 4096;

/// The members of `alarm_type_details` the mapping reads.
pub(super) const TYPE_DETAIL_KEYS: [&str; 6] = [
    "alarm_main_type",
    "alarm_sub_type",
    "alarm_type_id",
    "alarm_generic_title",
    "alarm_default_mitigation_plan",
    "alarm_compliance_list",
];

/// A field's text: from this alarm, or shared by every alarm of its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Text<'a> {
    Own(Cow<'a, str>),
    Shared(Arc<str>),
}

impl Text<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Text::Own(s) => s,
            Text::Shared(s) => s,
        }
    }
}

/// What an alarm type gives every alarm of that type, rendered once.
#[derive(Debug, Default)]
struct TypeFields {
    main_type: Arc<str>,
    sub_type: Arc<str>,
    title: Arc<str>,
    type_id: Arc<str>,
    mitigation: Arc<str>,
    compliance: Arc<str>,
    /// The type's triage, when no rule reads the asset (then the type alone decides).
    triage: Option<TriageTexts>,
}

/// A triage as the incident carries it: outcome, rule and reason.
#[derive(Debug, Clone)]
struct TriageTexts {
    outcome: Arc<str>,
    rule: Arc<str>,
    reason: Arc<str>,
    /// `{"triage": {...}}` as rawJSON's `dora_bridge` member carries it.
    raw: Arc<str>,
}

impl TriageTexts {
    fn of(t: &Triage) -> TriageTexts {
        let raw =
            json!({"triage": {"outcome": t.outcome.as_str(), "rule": t.rule, "reason": t.reason}});
        TriageTexts {
            outcome: t.outcome.as_str().into(),
            rule: t.rule.as_str().into(),
            reason: t.reason.as_str().into(),
            raw: raw.to_string().into(),
        }
    }
}

/// An alarm as an incident, before it is handed over (as a Rust [`super::incident::Incident`] or
/// directly as Python objects).
#[derive(Debug)]
pub struct MappedIncident<'a> {
    pub id: u64,
    pub date: DateTime<Utc>,
    pub name: String,
    pub severity: f64,
    pub details: Cow<'a, str>,
    pub raw_json: Cow<'a, str>,
    /// CustomFields, sorted by name, none empty.
    pub custom_fields: Vec<(&'static str, Text<'a>)>,
    /// The parts that were cut to their limits, for the log.
    pub cut: Vec<&'static str>,
}

/// Maps alarms for one instance; shared by the threads that read pages.
pub struct Mapper {
    company_id: u64,
    opts: IncidentOptions,
    /// Whether an admin rule reads the asset: then the triage is made per alarm, else per type.
    triage_per_alarm: bool,
    types: Mutex<HashMap<Box<str>, Arc<TypeFields>, foldhash::fast::RandomState>>,
}

static CONTENT_FIELDS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    CONTENT_KEYS
        .iter()
        .map(|k| (*k, field_name(&content_field_name(k))))
        .collect()
});

fn content_field(key: &str) -> Option<&'static str> {
    CONTENT_FIELDS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, name)| name.as_str())
}

impl Mapper {
    pub fn new(company_id: u64, opts: IncidentOptions) -> Mapper {
        Mapper {
            company_id,
            triage_per_alarm: opts.triage.rules.iter().any(|r| r.asset.is_some()),
            opts,
            types: Mutex::new(HashMap::default()),
        }
    }

    pub fn options(&self) -> &IncidentOptions {
        &self.opts
    }

    pub fn company_id(&self) -> u64 {
        self.company_id
    }

    /// The incident of one alarm. An alarm whose text cannot be decoded where the mapping reads
    /// it is refused on its own, with the field named.
    pub fn map<'a>(&self, a: &AlarmView<'a>) -> Result<MappedIncident<'a>, MalformedAlarm> {
        let bad = |what: &str, e: serde_json::Error| {
            MalformedAlarm::new(Some(a.id), format!("{what} cannot be read ({e})"))
        };
        let f = &a.fields;
        let text_of = |what: &str, raw| {
            string(raw)
                .map(|s| s.filter(|s| !s.is_empty()))
                .map_err(|e| bad(what, e))
        };
        let t = self
            .type_fields(f.alarm_type_details)
            .map_err(|e| bad("alarm_type_details", e))?;
        let asset = text_of("alarm_asset", f.alarm_asset)?;
        let risk = text_of("alarm_risk_level", f.alarm_risk_level)?;
        let text = text_of("alarm_text", f.alarm_text)?;
        let status = text_of("status", f.status)?;
        let status_reason = text_of("alarm_status_reason", f.alarm_status_reason)?;
        let assignees = match f.alarm_assignees {
            Some(raw) => {
                let v: Value =
                    serde_json::from_str(raw.get()).map_err(|e| bad("alarm_assignees", e))?;
                super::mirror::view::assignees_in(Some(&v)).join(", ")
            }
            None => String::new(),
        };

        let mut fields: Vec<(&'static str, Text<'a>)> = Vec::with_capacity(24);
        let mut put = |k: &'static str, v: Text<'a>| {
            if !v.as_str().is_empty() {
                fields.push((k, v));
            }
        };
        let own = |s: Option<Cow<'a, str>>| Text::Own(s.unwrap_or_default());
        let triage = match &t.triage {
            Some(tt) => tt.clone(),
            None => self.triage(&t, asset.as_deref()),
        };
        put("doratriageoutcome", Text::Shared(triage.outcome.clone()));
        put("doratriagerule", Text::Shared(triage.rule.clone()));
        put("doratriagereason", Text::Shared(triage.reason.clone()));
        put("dorasocradaralarmid", Text::Own(a.id.to_string().into()));
        put("dorasocradartitle", Text::Shared(t.title.clone()));
        put("dorasocradarstatus", own(status));
        put("dorasocradarstatusreason", own(status_reason));
        put("dorasocradarassignees", Text::Own(assignees.into()));
        put("dorasocradarasset", own(asset.clone()));
        put("dorasocradaralarmtype", Text::Shared(t.main_type.clone()));
        put("dorasocradaralarmsubtype", Text::Shared(t.sub_type.clone()));
        put("dorasocradaralarmtypeid", Text::Shared(t.type_id.clone()));
        put(
            "dorasocradartags",
            Text::Own(render(f.tags).map_err(|e| bad("tags", e))?),
        );
        put("dorasocradarrisklevel", own(risk.clone()));
        put(
            "dorasocradaralarmtext",
            Text::Own(
                text.as_ref()
                    .map(|s| prefix(s, ALARM_TEXT_LIMIT))
                    .unwrap_or_default(),
            ),
        );
        put(
            "dorasocradarmitigationplan",
            Text::Shared(t.mitigation.clone()),
        );
        put(
            "dorasocradaralarmlink",
            Text::Own(alarm_link(self.company_id, a.id).into()),
        );
        put("dorasocradarcompliance", Text::Shared(t.compliance.clone()));
        put(
            "dorasocradarrelatedassets",
            Text::Own(
                render_key_values(f.alarm_related_assets)
                    .map_err(|e| bad("alarm_related_assets", e))?,
            ),
        );
        if self.opts.include_company_id {
            let cid = render(f.company_id).map_err(|e| bad("company_id", e))?;
            put(
                "dorasocradarcompanyid",
                Text::Own(if cid.is_empty() {
                    self.company_id.to_string().into()
                } else {
                    cid
                }),
            );
        }
        if self.opts.include_entities {
            put(
                "dorasocradarentities",
                Text::Own(
                    render_key_values(f.alarm_related_entities)
                        .map_err(|e| bad("alarm_related_entities", e))?,
                ),
            );
        }
        if self.opts.include_content {
            if let Some(content) = f.content.filter(|c| c.get().starts_with('{')) {
                let mut other = Map::new();
                let members = rawjson::all_members(content.get()).map_err(|e| bad("content", e))?;
                for (key, value) in members {
                    if value.get() == "null" {
                        continue;
                    }
                    match content_field(&key) {
                        Some(name) => put(
                            name,
                            Text::Own(render(Some(value)).map_err(|e| bad("content", e))?),
                        ),
                        None => {
                            let v =
                                serde_json::from_str(value.get()).map_err(|e| bad("content", e))?;
                            other.insert(key.into_owned(), v);
                        }
                    }
                }
                if !other.is_empty() {
                    put(
                        "dorasocradarcontentother",
                        Text::Own(Value::Object(other).to_string().into()),
                    );
                }
            }
        }
        fields.sort_unstable_by_key(|(k, _)| *k);

        let mut cut = Vec::new();
        for (key, value) in &mut fields {
            if let Text::Own(s) = value {
                if let Some(short) = cap_text(s, TEXT_LIMIT) {
                    *s = short.into();
                    cut.push(*key);
                }
            } else if let Some(short) = cap_text(value.as_str(), TEXT_LIMIT) {
                *value = Text::Own(short.into());
                cut.push(*key);
            }
        }
        let label = if t.title.is_empty() {
            "Alarm"
        } else {
            &t.title
        };
        let mut name = match asset.as_deref() {
            Some(asset) => format!(
                "SOCRadar {}: {} — {}",
                a.id,
                markdown_escape(label),
                markdown_escape(asset)
            ),
            None => format!("SOCRadar {}: {}", a.id, markdown_escape(label)),
        };
        if name.chars().count() > NAME_LIMIT {
            name = name.chars().take(NAME_LIMIT - 1).chain(['…']).collect();
            cut.push("name");
        }
        let mut details = text.unwrap_or_default();
        if let Some(short) = cap_text(&details, TEXT_LIMIT) {
            details = short.into();
            cut.push("details");
        }
        let (raw_json, raw_cut) = raw_json(a, self.company_id, &self.opts, &triage.raw)
            .map_err(|e| bad("the alarm", e))?;
        if raw_cut {
            cut.push("rawJSON");
        }
        Ok(MappedIncident {
            id: a.id,
            date: a.date,
            name,
            severity: xsoar_severity(risk.as_deref()),
            details,
            raw_json,
            custom_fields: fields,
            cut,
        })
    }

    /// The triage of an alarm of type `t` (and `asset`, when a rule reads it).
    fn triage(&self, t: &TypeFields, asset: Option<&str>) -> TriageTexts {
        fn given(s: &Arc<str>) -> Option<&str> {
            Some(&**s).filter(|s| !s.is_empty())
        }
        TriageTexts::of(&self.opts.triage.triage(AlarmKind {
            main_type: given(&t.main_type),
            sub_type: given(&t.sub_type),
            asset,
        }))
    }

    fn type_fields(&self, raw: Option<&RawValue>) -> Result<Arc<TypeFields>, serde_json::Error> {
        let key = raw.map_or("", RawValue::get);
        let lock = || self.types.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = lock().get(key) {
            return Ok(t.clone());
        }
        let mut t = TypeFields::read(raw)?;
        if !self.triage_per_alarm {
            t.triage = Some(self.triage(&t, None));
        }
        let t = Arc::new(t);
        let mut cache = lock();
        if cache.len() < TYPE_CACHE_LIMIT {
            cache.insert(key.into(), t.clone());
        }
        Ok(t)
    }
}

impl TypeFields {
    fn read(raw: Option<&RawValue>) -> Result<TypeFields, serde_json::Error> {
        let Some(raw) = raw.filter(|r| r.get().starts_with('{')) else {
            return Ok(TypeFields::default());
        };
        let [main, sub, type_id, title, mitigation, compliance] =
            rawjson::members(raw.get(), TYPE_DETAIL_KEYS)?;
        let main = string(main)?.unwrap_or_default();
        let sub = string(sub)?.unwrap_or_default();
        let title = match string(title)?.filter(|s| !s.is_empty()) {
            Some(t) => t.into_owned(),
            None => [main.as_ref(), sub.as_ref()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" / "),
        };
        let compliance = match compliance {
            Some(c) => render_compliance(&serde_json::from_str(c.get())?),
            None => String::new(),
        };
        Ok(TypeFields {
            main_type: main.as_ref().into(),
            sub_type: sub.as_ref().into(),
            title: title.into(),
            type_id: render(type_id)?.as_ref().into(),
            mitigation: render(mitigation)?.as_ref().into(),
            compliance: compliance.into(),
            triage: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::mapping_raw::RAW_STRING_LIMIT;
    use super::*;

    fn view(text: &str) -> AlarmView<'_> {
        AlarmView::parse(text).unwrap()
    }

    #[test]
    fn names_are_escaped_and_bounded() {
        let m = Mapper::new(789, IncidentOptions::default());
        let text = r#"{"alarm_id": 1, "date": "2024-01-15", "alarm_asset": "[click](http://x) <b>*a*</b> | `c`\nnext",
            "alarm_type_details": {"alarm_generic_title": "Title_with_underscores"}}"#;
        let i = m.map(&view(text)).unwrap();
        assert_eq!(
            i.name,
            r"SOCRadar 1: Title\_with\_underscores — \[click\](http://x) \<b\>\*a\*\</b\> \| \`c\` next"
        );
        let long = format!(
            r#"{{"alarm_id": 2, "date": "2024-01-15", "alarm_asset": "{}"}}"#,
            "a".repeat(1_000_000)
        );
        let i = m.map(&view(&long)).unwrap();
        assert_eq!(i.name.chars().count(), NAME_LIMIT);
        assert!(i.name.ends_with('…'));
        assert!(i.cut.contains(&"name") && i.cut.contains(&"dorasocradarasset"));
    }

    #[test]
    fn details_fields_and_raw_json_are_cut_with_a_note() {
        let m = Mapper::new(789, IncidentOptions::default());
        let big = "é".repeat(3_000_000);
        let text = format!(
            r#"{{"alarm_id": 3, "date": "2024-01-15", "alarm_text": "{big}", "status": "OPEN"}}"#
        );
        let i = m.map(&view(&text)).unwrap();
        assert!(i.details.starts_with(&"é".repeat(TEXT_LIMIT)));
        assert!(i
            .details
            .ends_with("[Cut by DORA Bridge: 3000000 characters, the first 50000 kept. The whole alarm is in SOCRadar.]"));
        assert!(i.raw_json.len() <= RAW_JSON_LIMIT);
        let raw: Value = serde_json::from_str(&i.raw_json).unwrap();
        assert_eq!(raw["alarm_id"], 3);
        assert_eq!(raw["status"], "OPEN");
        assert_eq!(
            raw["alarm_text"].as_str().unwrap().chars().count(),
            RAW_STRING_LIMIT + 1
        );
        assert!(raw["_dora_bridge_cut"]
            .as_str()
            .unwrap()
            .contains(&format!("{} bytes", text.len())));
        let alarm_text = i
            .custom_fields
            .iter()
            .find(|(k, _)| *k == "dorasocradaralarmtext")
            .unwrap();
        assert_eq!(alarm_text.1.as_str().chars().count(), ALARM_TEXT_LIMIT);
        assert_eq!(i.cut, ["details", "rawJSON"]);
    }

    #[test]
    fn an_undecodable_field_refuses_the_alarm_alone_and_names_the_field() {
        let m = Mapper::new(789, IncidentOptions::default());
        let e = m
            .map(&view(
                r#"{"alarm_id": 4, "date": "2024-01-15", "alarm_text": "\ud800"}"#,
            ))
            .unwrap_err();
        assert_eq!(e.alarm_id, Some(4));
        assert!(
            e.reason.starts_with("alarm_text cannot be read"),
            "{}",
            e.reason
        );
    }

    #[test]
    fn type_fields_are_rendered_once_per_type() {
        let m = Mapper::new(789, IncidentOptions::default());
        let a = r#"{"alarm_id": 5, "date": "2024-01-15", "alarm_type_details": {"alarm_main_type": "M", "alarm_sub_type": "S"}}"#;
        let b = r#"{"alarm_id": 6, "date": "2024-01-15", "alarm_type_details": {"alarm_main_type": "M", "alarm_sub_type": "S"}}"#;
        let (x, y) = (m.map(&view(a)).unwrap(), m.map(&view(b)).unwrap());
        let title = |i: &MappedIncident<'_>| match &i
            .custom_fields
            .iter()
            .find(|(k, _)| *k == "dorasocradartitle")
            .unwrap()
            .1
        {
            Text::Shared(s) => s.clone(),
            Text::Own(_) => panic!("the title is shared"),
        };
        assert_eq!(&*title(&x), "M / S");
        assert!(Arc::ptr_eq(&title(&x), &title(&y)));
    }
}
