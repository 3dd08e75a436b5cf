//! Page-by-page mapping delivers the same incidents, field for field, as the mapping it
//! replaced: a whole window parsed into `serde_json::Value` trees, each alarm mapped from its
//! tree (kept below, frozen, as the reference). Alarms of every shape the API allows (fields
//! missing, null or of the wrong type, escapes, non-BMP text) go through a capture of the
//! window's pages, compact or pretty-printed, and the fetch.
//!
//! The only deliberate difference: the name's title and asset are escaped for markdown, so the
//! reference escapes them too. `rawJSON` is the alarm's own text now (the vendor's key order)
//! and is compared as JSON. Sizes stay below the mapping's limits (their cuts are tested in
//! `mapping`).

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::collect::RustIncidents;
use super::fetch::{fetch, FetchConfig};
use super::incident::{
    alarm_link, content_field_name, field_name, mapper_raw, xsoar_severity, Incident,
    IncidentOptions, CONTENT_KEYS,
};
use super::mapping::{Mapper, TYPE_DETAIL_KEYS};
use super::mapping_text::{markdown_escape, render_compliance, render_value};
use super::mirror::MirrorFields;
use super::replay::Replay;
use crate::dedup::FetchState;
use crate::timeutil;
use crate::triage::{AlarmKind, TriageRules};

/// `[{key, value}]` lists (entities, related assets) as `key: value` lines.
fn render_key_values_value(v: &Value) -> String {
    match v.as_array() {
        Some(items) => items
            .iter()
            .map(|item| match (item.get("key"), item.get("value")) {
                (Some(k), Some(val)) => format!("{}: {}", render_value(k), render_value(val)),
                _ => render_value(item),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        None => render_value(v),
    }
}

/// The mapping as it was: from the alarm's `Value` tree.
fn reference(
    raw: &Value,
    id: u64,
    date: DateTime<Utc>,
    cid: u64,
    opts: &IncidentOptions,
) -> Incident {
    let str_field = |k: &str| raw.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let detail = |k: &str| {
        raw.get("alarm_type_details")
            .and_then(|d| d.get(k))
            .filter(|v| !v.is_null())
    };
    let main_type = detail("alarm_main_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let sub_type = detail("alarm_sub_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let title = detail("alarm_generic_title")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            [main_type, sub_type]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" / ")
        });
    let asset = str_field("alarm_asset").unwrap_or("");
    let risk = str_field("alarm_risk_level");
    let text = str_field("alarm_text").unwrap_or("");
    let mut f = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            f.insert(field_name(k), v);
        }
    };
    let get = |k: &str| raw.get(k);
    put("socradaralarmid", id.to_string());
    put("socradartitle", title.clone());
    put("socradarstatus", str_field("status").unwrap_or("").into());
    put(
        "socradarstatusreason",
        str_field("alarm_status_reason").unwrap_or("").into(),
    );
    put(
        "socradarassignees",
        crate::socradar::mirror::view::assignees_of(raw).join(", "),
    );
    put("socradarasset", asset.into());
    put("socradaralarmtype", main_type.into());
    put("socradaralarmsubtype", sub_type.into());
    put(
        "socradaralarmtypeid",
        detail("alarm_type_id")
            .map(render_value)
            .unwrap_or_default(),
    );
    put(
        "socradartags",
        get("tags").map(render_value).unwrap_or_default(),
    );
    put("socradarrisklevel", risk.unwrap_or("").into());
    put("socradaralarmtext", text.chars().take(1000).collect());
    put(
        "socradarmitigationplan",
        detail("alarm_default_mitigation_plan")
            .map(render_value)
            .unwrap_or_default(),
    );
    put("socradaralarmlink", alarm_link(cid, id));
    put(
        "socradarcompliance",
        detail("alarm_compliance_list")
            .map(render_compliance)
            .unwrap_or_default(),
    );
    put(
        "socradarrelatedassets",
        get("alarm_related_assets")
            .map(render_key_values_value)
            .unwrap_or_default(),
    );
    if opts.include_company_id {
        let c = get("company_id")
            .map(render_value)
            .filter(|s| !s.is_empty())
            .unwrap_or(cid.to_string());
        put("socradarcompanyid", c);
    }
    if opts.include_entities {
        put(
            "socradarentities",
            get("alarm_related_entities")
                .map(render_key_values_value)
                .unwrap_or_default(),
        );
    }
    if opts.include_content {
        if let Some(content) = get("content").and_then(Value::as_object) {
            let mut other = Map::new();
            for (key, value) in content {
                if value.is_null() {
                    continue;
                }
                if CONTENT_KEYS.contains(&key.as_str()) {
                    put(&content_field_name(key), render_value(value));
                } else {
                    other.insert(key.clone(), value.clone());
                }
            }
            if !other.is_empty() {
                put("socradarcontentother", Value::Object(other).to_string());
            }
        }
    }
    let triage = opts.triage.triage(AlarmKind {
        main_type: Some(main_type).filter(|s| !s.is_empty()),
        sub_type: Some(sub_type).filter(|s| !s.is_empty()),
        asset: Some(asset).filter(|s| !s.is_empty()),
    });
    f.insert("doratriageoutcome".into(), triage.outcome.as_str().into());
    f.insert("doratriagerule".into(), triage.rule.clone());
    f.insert("doratriagereason".into(), triage.reason.clone());
    let mut shaped = mapper_raw(raw, cid, opts);
    shaped["dora_bridge"] = json!({"triage": {"outcome": triage.outcome.as_str(), "rule": triage.rule, "reason": triage.reason}});
    let label = if title.is_empty() { "Alarm" } else { &title };
    let name = if asset.is_empty() {
        format!("SOCRadar {id}: {}", markdown_escape(label))
    } else {
        format!(
            "SOCRadar {id}: {} — {}",
            markdown_escape(label),
            markdown_escape(asset)
        )
    };
    Incident {
        name,
        occurred: timeutil::to_rfc3339(date),
        severity: xsoar_severity(risk),
        details: text.to_string(),
        raw_json: shaped.to_string(),
        dbot_mirror_id: id.to_string(),
        incident_type: opts.incident_type.clone().filter(|t| !t.trim().is_empty()),
        custom_fields: f,
        dbot_mirror_direction: opts.mirror.as_ref().map(|m| m.direction.clone()),
        dbot_mirror_instance: opts.mirror.as_ref().map(|m| m.instance.clone()),
        dbot_mirror_tags: opts.mirror.as_ref().map(|m| m.tags.clone()),
    }
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._-]{0,12}",
        "[a-z_*\\[\\]<>|`#~\"\\\\\n\t\u{7}\u{e9}\u{1F600}]{0,10}",
        Just(String::new()),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|x| json!(x)),
        text().prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => leaf(),
        1 => prop::collection::vec(leaf(), 0..4).prop_map(Value::Array),
        1 => prop::collection::btree_map("[a-z_]{1,6}", leaf(), 0..3)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => prop::collection::vec(
            (prop::option::of(leaf()), prop::option::of(value_leaf_or_list())).prop_map(|(k, v)| {
                let mut m = Map::new();
                if let Some(k) = k { m.insert("key".into(), k); }
                if let Some(v) = v { m.insert("value".into(), v); }
                Value::Object(m)
            }),
            0..3,
        ).prop_map(Value::Array),
    ]
}

fn value_leaf_or_list() -> impl Strategy<Value = Value> {
    prop_oneof![
        leaf(),
        prop::collection::vec(leaf(), 0..3).prop_map(Value::Array)
    ]
}

fn content() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        prop::sample::select(CONTENT_KEYS.to_vec()).prop_map(str::to_string),
        "[a-z-]{1,8}",
    ];
    prop_oneof![
        4 => prop::collection::btree_map(key, value(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        1 => value(),
    ]
}

fn type_details() -> impl Strategy<Value = Value> {
    let keys = TYPE_DETAIL_KEYS;
    prop_oneof![
        5 => prop::collection::vec(prop::option::of(prop_oneof![
                2 => text().prop_map(Value::String),
                2 => value(),
                // Type names the triage defaults and the admin's rules know.
                1 => prop::sample::select(vec!["Brand Protection", "Cyber Threat Intelligence", "Botnet Infection", " data leak "])
                    .prop_map(|s| json!(s)),
            ]), 6)
            .prop_map(move |vs| {
                let mut m = Map::new();
                for (k, v) in keys.iter().zip(vs) {
                    if let Some(v) = v {
                        m.insert(k.to_string(), v);
                    }
                }
                Value::Object(m)
            }),
        1 => value(),
    ]
}

/// An alarm's members besides its id and date, each maybe absent.
fn members() -> BoxedStrategy<Vec<(&'static str, Option<Value>)>> {
    let s =
        || prop::option::of(prop_oneof![4 => text().prop_map(Value::String), 1 => value()]).boxed();
    let v = || prop::option::of(value()).boxed();
    (
        (
            s(),
            prop::option::of(prop_oneof![
                prop::sample::select(vec!["INFO", "LOW", "medium", " HIGH ", "CRITICAL", "?"])
                    .prop_map(|s| json!(s)),
                value(),
            ]),
            prop_oneof![3 => s(), 1 => Just(Some(json!("www.bank.eu")))],
            s(),
        ),
        (
            v(),
            v(),
            v(),
            prop::option::of(content()),
            v(),
            prop::option::of(type_details()),
        ),
        (s(), prop::option::of(assignees())),
    )
        .prop_map(
            |(
                (status, risk, asset, text),
                (tags, entities, assets, content, cid, details),
                (reason, assignees),
            )| {
                vec![
                    ("status", status),
                    ("alarm_risk_level", risk),
                    ("alarm_asset", asset),
                    ("alarm_text", text),
                    ("tags", tags),
                    ("alarm_related_entities", entities),
                    ("alarm_related_assets", assets),
                    ("content", content),
                    ("company_id", cid),
                    ("alarm_type_details", details),
                    ("alarm_status_reason", reason),
                    ("alarm_assignees", assignees),
                ]
            },
        )
        .boxed()
}

/// `alarm_assignees` as servers send it: addresses (any case), objects with an e-mail, a
/// comma-separated string, or anything else.
fn assignees() -> BoxedStrategy<Value> {
    let address = "[a-zA-Z]{1,5}@[a-z]{1,5}\\.eu";
    prop_oneof![
        prop::collection::vec(
            prop_oneof![
                address.prop_map(Value::String),
                address.prop_map(|a| json!({"email": a})),
                leaf(),
            ],
            0..4
        )
        .prop_map(Value::Array),
        prop::collection::vec(address, 0..3).prop_map(|v| json!(v.join(", "))),
        value(),
    ]
    .boxed()
}

const NOW: i64 = 1_795_424_040; // 2026-11-23T09:14:00Z

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn page_by_page_mapping_delivers_the_same_incidents_as_the_value_tree_mapping(
        alarms in prop::collection::vec((0i64..72_000, 0u32..1_000_000, any::<bool>(), members()), 1..40),
        page_size in 1u32..12,
        pretty in any::<bool>(),
        include in (any::<bool>(), any::<bool>(), any::<bool>()),
        mirrored in any::<bool>(),
        admin_rules in any::<bool>(),
        incident_type in prop::option::of("[A-Za-z ]{0,10}"),
    ) {
        let opts = IncidentOptions {
            incident_type,
            include_content: include.0,
            include_entities: include.1,
            include_company_id: include.2,
            mirror: mirrored.then(|| MirrorFields {
                direction: "Both".into(),
                instance: "SOCRadar_instance_1".into(),
                tags: vec!["comment-to-socradar".into()],
            }),
            // An admin's rules, one of them on assets (the triage is then made per alarm).
            triage: if admin_rules {
                TriageRules::parse(r#"[
                    {"asset": "*.bank.eu", "outcome": "candidate-ict-incident", "reason": "production"},
                    {"main_type": "Brand Protection", "outcome": "not-dora-relevant", "reason": "brand team"}
                ]"#).unwrap()
            } else {
                TriageRules::default()
            },
        };
        // Alarms with unique ids, dated in the last 20 hours.
        let mut raws: Vec<(u64, DateTime<Utc>, Value)> = alarms
            .into_iter()
            .enumerate()
            .map(|(i, (ago, micros, id_as_text, members))| {
                let id = 81_000_000 + i as u64;
                let date = Utc.timestamp_opt(NOW - ago, micros * 1000).unwrap();
                let mut m = Map::new();
                m.insert("alarm_id".into(), if id_as_text { json!(id.to_string()) } else { json!(id) });
                m.insert("date".into(), json!(date.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()));
                for (k, v) in members {
                    if let Some(v) = v {
                        m.insert(k.into(), v);
                    }
                }
                (id, date, Value::Object(m))
            })
            .collect();
        // The capture: newest first, `page_size` a page, with the totals.
        raws.sort_by_key(|a| std::cmp::Reverse((a.1, a.0)));
        let total = raws.len() as u64;
        let pages: Vec<Vec<u8>> = raws
            .chunks(page_size as usize)
            .map(|chunk| {
                let alarms: Vec<&Value> = chunk.iter().map(|(_, _, v)| v).collect();
                let body = json!({"is_success": true, "data": {"alarms": alarms,
                    "total_records": total, "total_pages": total.div_ceil(u64::from(page_size))}});
                if pretty { serde_json::to_vec_pretty(&body) } else { serde_json::to_vec(&body) }.unwrap()
            })
            .collect();
        let cfg = FetchConfig {
            page_size,
            ..FetchConfig::new("1 day", 100_000, 900)
        };
        let now = Utc.timestamp_opt(NOW, 0).unwrap();
        let mapper = Mapper::new(789, opts.clone());
        let out = fetch(&Replay::new(pages), &cfg, &FetchState::default(), now, &mapper, &RustIncidents(&opts));
        prop_assert!(out.error.is_none(), "{:?}", out.error);
        prop_assert!(out.malformed.is_empty(), "{:?}", out.malformed);
        raws.sort_by_key(|a| (a.1, a.0));
        prop_assert_eq!(out.incidents.len(), raws.len());
        for (got, (id, date, raw)) in out.incidents.iter().zip(&raws) {
            let want = reference(raw, *id, *date, 789, &opts);
            let got_raw: Value = serde_json::from_str(&got.raw_json).unwrap();
            prop_assert_eq!(&got_raw, &serde_json::from_str::<Value>(&want.raw_json).unwrap());
            let strip = |i: &Incident| Incident { raw_json: String::new(), ..i.clone() };
            prop_assert_eq!(strip(got), strip(&want));
        }
    }
}
