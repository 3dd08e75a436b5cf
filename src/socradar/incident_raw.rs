//! The incident's rawJSON: the alarm as the pack's incoming mapper reads it.
//!
//! The mapper cannot see the instance's settings, so the alarm is shaped here to say what they
//! say: without `content` when Include alarm content is off, without `alarm_related_entities`
//! when Include related entities is off, with `company_id` when Include company ID is on (the
//! search only sends it when asked, and the instance's company is the alarm's otherwise), and,
//! when mirroring is on, with `mirror_direction`, `mirror_instance` and `mirror_tags` for the
//! mapper's `dbotMirror*` fields. The same shape serves fetch and `get-remote-data`.

use serde_json::{json, Value};

use super::incident::IncidentOptions;

/// Whether the alarm can go to rawJSON exactly as the server sent it.
fn unchanged(opts: &IncidentOptions) -> bool {
    opts.include_content
        && opts.include_entities
        && !opts.include_company_id
        && opts.mirror.is_none()
}

/// The alarm shaped for the mapper (see the module documentation).
pub fn mapper_raw(raw: &Value, company_id: u64, opts: &IncidentOptions) -> Value {
    let mut out = raw.clone();
    if unchanged(opts) {
        return out;
    }
    if let Value::Object(o) = &mut out {
        if !opts.include_content {
            o.remove("content");
        }
        if !opts.include_entities {
            o.remove("alarm_related_entities");
        }
        if opts.include_company_id {
            let given = o.get("company_id").is_some_and(|c| !c.is_null());
            if !given {
                o.insert("company_id".into(), json!(company_id));
            }
        }
        if let Some(m) = &opts.mirror {
            o.insert("mirror_direction".into(), json!(m.direction));
            o.insert("mirror_instance".into(), json!(m.instance));
            o.insert("mirror_tags".into(), json!(m.tags));
        }
    }
    out
}

/// rawJSON text; the alarm's own text when nothing needs changing (the common case costs no
/// copy of the alarm).
pub fn raw_json(raw: &Value, company_id: u64, opts: &IncidentOptions) -> String {
    if unchanged(opts) {
        raw.to_string()
    } else {
        mapper_raw(raw, company_id, opts).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socradar::mirror::MirrorFields;

    fn alarm() -> Value {
        json!({"alarm_id": 1, "content": {"a": 1}, "alarm_related_entities": [{"key": "k", "value": "v"}],
               "alarm_type_details": {"alarm_main_type": "Brand Protection"}})
    }

    #[test]
    fn the_include_settings_reach_the_mapper() {
        let all = IncidentOptions {
            include_content: true,
            include_entities: true,
            ..Default::default()
        };
        assert_eq!(mapper_raw(&alarm(), 789, &all), alarm());
        let none = IncidentOptions::default();
        let r = mapper_raw(&alarm(), 789, &none);
        assert!(r.get("content").is_none() && r.get("alarm_related_entities").is_none());
        assert_eq!(r["alarm_type_details"], alarm()["alarm_type_details"]);
        assert!(r.get("company_id").is_none());
        let cid = IncidentOptions {
            include_company_id: true,
            ..all.clone()
        };
        assert_eq!(mapper_raw(&alarm(), 789, &cid)["company_id"], 789);
        let mut sent = alarm();
        sent["company_id"] = json!(456);
        assert_eq!(mapper_raw(&sent, 789, &cid)["company_id"], 456);
        let mirrored = IncidentOptions {
            mirror: Some(MirrorFields {
                direction: "Both".into(),
                instance: "inst".into(),
                tags: vec!["comment-to-socradar".into()],
            }),
            ..all
        };
        let m = mapper_raw(&alarm(), 789, &mirrored);
        assert_eq!(
            (
                &m["mirror_direction"],
                &m["mirror_instance"],
                &m["mirror_tags"]
            ),
            (
                &json!("Both"),
                &json!("inst"),
                &json!(["comment-to-socradar"])
            )
        );
        assert_eq!(
            raw_json(&alarm(), 789, &mirrored),
            mapper_raw(&alarm(), 789, &mirrored).to_string()
        );
    }
}
