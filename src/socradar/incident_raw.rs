//! The incident's rawJSON: the alarm as the pack's incoming mapper reads it.
//!
//! The mapper cannot see the instance's settings, so the alarm is shaped here to say what they
//! say: without `content` when Include alarm content is off, without `alarm_related_entities`
//! when Include related entities is off, with `company_id` when Include company ID is on (the
//! search only sends it when asked, and the instance's company is the alarm's otherwise), and,
//! when mirroring is on, with `mirror_direction`, `mirror_instance` and `mirror_tags` for the
//! mapper's `dbotMirror*` fields. The same shape serves fetch and `get-remote-data`.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::incident::IncidentOptions;
use super::rawjson;

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

/// [`mapper_raw`] on the alarm's own JSON text, for the fetch: the text itself when nothing
/// needs changing (no copy), else its members rewritten without building a `Value` tree of the
/// alarm (each member's text is copied as the server sent it; members come in name order, the
/// order `mapper_raw`'s object has).
pub fn shaped_raw<'a>(
    text: &'a str,
    company_id: u64,
    opts: &IncidentOptions,
) -> Result<Cow<'a, str>, serde_json::Error> {
    if unchanged(opts) || !text.trim_start().starts_with('{') {
        return Ok(Cow::Borrowed(text));
    }
    let mirror = opts.mirror.as_ref();
    let mut out = String::with_capacity(text.len() + 64);
    out.push('{');
    let put = |out: &mut String, key: &str, value: &str| {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&Value::String(key.to_string()).to_string());
        out.push(':');
        out.push_str(value);
    };
    let mut company_given = false;
    for (key, value) in rawjson::all_members(text)? {
        let drop = match key.as_ref() {
            "content" => !opts.include_content,
            "alarm_related_entities" => !opts.include_entities,
            "mirror_direction" | "mirror_instance" | "mirror_tags" => mirror.is_some(),
            "company_id" if opts.include_company_id => {
                company_given = value.get() != "null";
                !company_given
            }
            _ => false,
        };
        if !drop {
            put(&mut out, &key, value.get());
        }
    }
    if opts.include_company_id && !company_given {
        put(&mut out, "company_id", &company_id.to_string());
    }
    if let Some(m) = mirror {
        put(
            &mut out,
            "mirror_direction",
            &json!(m.direction).to_string(),
        );
        put(&mut out, "mirror_instance", &json!(m.instance).to_string());
        put(&mut out, "mirror_tags", &json!(m.tags).to_string());
    }
    out.push('}');
    Ok(Cow::Owned(out))
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
            ..all.clone()
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
        let shaped = |a: &Value, o: &IncidentOptions| -> Value {
            serde_json::from_str(&shaped_raw(&a.to_string(), 789, o).unwrap()).unwrap()
        };
        for o in [&all, &none, &cid, &mirrored] {
            assert_eq!(shaped(&alarm(), o), mapper_raw(&alarm(), 789, o));
            assert_eq!(shaped(&sent, o), mapper_raw(&sent, 789, o));
        }
        let text = alarm().to_string();
        assert!(matches!(
            shaped_raw(&text, 789, &all).unwrap(),
            Cow::Borrowed(_)
        ));
    }
}
