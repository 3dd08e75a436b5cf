//! The two spellings of one result: XSOAR context keys (`IsMajor`, `InitialNotification`) and
//! the snake_case keys Python sees (`is_major`, `initial_notification`).
//!
//! The domain serialises its results in XSOAR's shape (that is what the integrations put into
//! context, and what the evidence chain seals); the binding layer turns them into snake_case on
//! the way out ([`snake`]), and the integrations turn them back ([`context`]) right before
//! `CommandResults`. Only keys that are field names turn: data kept under a key (a DORA_IR
//! document, a figure's value, a map keyed by argument or incident field names) is copied as it
//! is, both ways, from the one list [`OPAQUE`]. heck splits the words; the acronyms the context
//! writes in capitals are in [`ACRONYMS`], the keys no word rule spells in [`KEYS`].
//!
//! SOCRadar's records (the fetch's incidents and state, the alarm actions' `SOCRadar.Alarm`
//! entries, test-fetch) are not turned: their keys are the vendor's and XSOAR's own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::thread::LocalKey;

use heck::{ToPascalCase, ToSnakeCase};
use serde_json::{Map, Value};

/// What is under a key that is not a structure of field names.
#[derive(Clone, Copy, PartialEq)]
pub enum Data {
    /// The whole value is data: copied as it is.
    Whole,
    /// A map keyed by data (argument names) whose values are structures: the keys stay, the
    /// values turn.
    Keys,
    /// Data when it is a map (incident field name to value), structures when it is a list.
    WholeIfMap,
}

/// Keys whose value is data, in the context spelling and the snake_case one (a test holds the
/// second to [`snake_key`] of the first); written once, used both ways.
const OPAQUE: &[(&str, &str, Data)] = &[
    // A draft's DORA_IR / DORA_CYB document (ITS 2025/302 field names, the schema's camelCase).
    ("Document", "document", Data::Whole),
    // A figure as its source gave it: a number, a list, a map keyed by service name.
    ("Value", "value", Data::Whole),
    // A classification's inputs, keyed by argument name (`clients_affected`), each a
    // Value/Source/Estimate structure.
    ("Facts", "facts", Data::Keys),
    // `incident_field_updates`: incident field name (`doraismajor`) to value; a draft's `Fields`
    // is a list of field rows, structures.
    ("Fields", "fields", Data::WholeIfMap),
];

/// Acronyms written in capitals inside a context key (`AffectedEntityLEIs`, `DORA.Context.ICT`),
/// with their snake_case word. Longest first: `LEIs` before `LEI`.
const ACRONYMS: &[(&str, &str)] = &[
    ("LEIs", "leis"),
    ("LEI", "lei"),
    ("ICT", "ict"),
    ("DORA", "dora"),
];

/// Whole keys the word rule cannot spell: the context writes the euro both ways
/// (`Conversion.RatePerEur` but `DailyAverageValueEUR`).
const KEYS: &[(&str, &str)] = &[
    ("DailyAverageValueEUR", "daily_average_value_eur"),
    ("ValueAffectedEUR", "value_affected_eur"),
];

/// The snake_case spelling of a context key.
pub fn snake_key(key: &str) -> String {
    if let Some((_, s)) = KEYS.iter().find(|(c, _)| *c == key) {
        return (*s).to_string();
    }
    if !key.starts_with(|c: char| c.is_ascii_uppercase()) {
        return key.to_string();
    }
    // heck splits `LEIs` into `le_is`: the acronyms are set apart as words first.
    let mut marked = String::with_capacity(key.len() + 8);
    let mut rest = key;
    'scan: while !rest.is_empty() {
        for (acronym, word) in ACRONYMS {
            let ends_word =
                |tail: &str| tail.is_empty() || tail.starts_with(|c: char| c.is_ascii_uppercase());
            if let Some(tail) = rest.strip_prefix(acronym) {
                if ends_word(tail) {
                    marked.push('_');
                    marked.push_str(word);
                    marked.push('_');
                    rest = tail;
                    continue 'scan;
                }
            }
        }
        let mut chars = rest.chars();
        marked.extend(chars.next());
        rest = chars.as_str();
    }
    marked.to_snake_case()
}

/// The context spelling of a snake_case key; a key already in context spelling (it does not
/// start with a lower-case letter) is kept, so a result stored in context can be handed back.
pub fn context_key(key: &str) -> String {
    if !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return key.to_string();
    }
    if let Some((c, _)) = KEYS.iter().find(|(_, s)| *s == key) {
        return (*c).to_string();
    }
    key.split('_')
        .map(|word| match ACRONYMS.iter().find(|(_, w)| *w == word) {
            Some((acronym, _)) => (*acronym).to_string(),
            None => word.to_pascal_case(),
        })
        .collect()
}

/// What the value under `key` (either spelling) is: `None` for a structure of field names.
pub fn data(key: &str, value: &Value) -> Option<Data> {
    match OPAQUE.iter().find(|(c, s, _)| *c == key || *s == key)?.2 {
        Data::WholeIfMap if !value.is_object() => None,
        Data::WholeIfMap => Some(Data::Whole),
        d => Some(d),
    }
}

/// How many spellings each direction remembers. The field names are a fixed set of a few
/// hundred; once the table is full, a key that is not among them (one from a caller's context)
/// is spelled without being remembered, so the table stays bounded whatever comes in.
const REMEMBERED: usize = 2048;

type Spellings = RefCell<HashMap<String, String>>;

thread_local! {
    static SNAKE: Spellings = RefCell::new(HashMap::new());
    static CONTEXT: Spellings = RefCell::new(HashMap::new());
}

/// `f` of `spell(key)`, looked up in `table` before it is worked out (heck's word split is most
/// of the cost of a turn: every result passes through here on its way to Python).
fn remembered<R>(
    table: &'static LocalKey<Spellings>,
    key: &str,
    spell: fn(&str) -> String,
    f: impl FnOnce(&str) -> R,
) -> R {
    table.with(|t| {
        if let Some(s) = t.borrow().get(key) {
            return f(s);
        }
        let s = spell(key);
        let mut t = t.borrow_mut();
        if t.len() < REMEMBERED {
            t.insert(key.to_string(), s.clone());
        }
        f(&s)
    })
}

/// `f` of the snake_case spelling of `key`, borrowed where it is remembered.
pub fn with_snake<R>(key: &str, f: impl FnOnce(&str) -> R) -> R {
    if key.starts_with(|c: char| c.is_ascii_uppercase()) {
        remembered(&SNAKE, key, snake_key, f)
    } else {
        f(key)
    }
}

/// The snake_case spelling of a key the value owns: a key already in it moves over as it is.
fn to_snake(key: String) -> String {
    if key.starts_with(|c: char| c.is_ascii_uppercase()) {
        remembered(&SNAKE, &key, snake_key, str::to_string)
    } else {
        key
    }
}

/// The context spelling of a key the value owns: a key already in it moves over as it is.
fn to_context(key: String) -> String {
    if key.starts_with(|c: char| c.is_ascii_lowercase()) {
        remembered(&CONTEXT, &key, context_key, str::to_string)
    } else {
        key
    }
}

/// `value` with its field names in snake_case; data under an [`OPAQUE`] key unchanged.
pub fn snake(value: Value) -> Value {
    turn(value, to_snake)
}

/// `value` with its field names in XSOAR's context spelling: the inverse of [`snake`], and the
/// identity on a value already in that spelling.
pub fn context(value: Value) -> Value {
    turn(value, to_context)
}

/// Renames the keys of every object with `name`, leaving data as it is ([`OPAQUE`] names a key in
/// both spellings, whichever the value is in).
fn turn(value: Value, name: fn(String) -> String) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let v = match data(&k, &v) {
                        Some(Data::Whole) => v,
                        Some(Data::Keys) => match v {
                            Value::Object(entries) => Value::Object(
                                entries
                                    .into_iter()
                                    .map(|(ek, ev)| (ek, turn(ev, name)))
                                    .collect(),
                            ),
                            other => turn(other, name),
                        },
                        _ => turn(v, name),
                    };
                    (name(k), v)
                })
                .collect::<Map<String, Value>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| turn(v, name)).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_names_turn_and_come_back() {
        let x = json!({
            "IsMajor": true,
            "InitialNotification": {"BaseDue": "2026-11-23T13:14:00Z", "TimeLeftSeconds": 3600},
            "Criteria": [{"Name": "Clients", "Evidence": ["12430 clients"]}],
            "DORA": {"Context": {"ICT": {"Asset": "pay-gw-01"}}},
            "DailyAverageValueEUR": {"Value": "1.50", "Source": "args"},
            "KeyIds": ["k1"],
            "AffectedEntityLEIs": ["529900T8BM49AURSDO55"],
            "ParentUndertakingLEI": null,
            "Conversion": {"RatePerEur": "1.08"},
        });
        let s = snake(x.clone());
        assert_eq!(s["is_major"], true);
        assert_eq!(s["initial_notification"]["time_left_seconds"], 3600);
        assert_eq!(s["criteria"][0]["evidence"][0], "12430 clients");
        assert_eq!(s["dora"]["context"]["ict"]["asset"], "pay-gw-01");
        assert_eq!(s["daily_average_value_eur"]["source"], "args");
        assert_eq!(s["key_ids"][0], "k1");
        assert_eq!(s["affected_entity_leis"][0], "529900T8BM49AURSDO55");
        assert!(s["parent_undertaking_lei"].is_null());
        assert_eq!(s["conversion"]["rate_per_eur"], "1.08");
        assert_eq!(context(s), x);
    }

    #[test]
    fn data_under_an_opaque_key_is_copied_both_ways() {
        let x = json!({
            "Document": {"incidentSubmission": "initial_notification", "Contact": {"eMail": "a@b"}},
            "Facts": {"clients_affected": {"Value": 12430, "Source": "args"}},
            "Value": {"DE": 3, "at": 1},
            "Fields": {"doraismajor": true},
            "Draft": {"Fields": [{"Key": "SubmittingEntityLEI", "Value": {"a_b": 1}}]},
        });
        let s = snake(x.clone());
        assert_eq!(s["document"], x["Document"]);
        assert_eq!(s["facts"]["clients_affected"]["source"], "args");
        assert_eq!(s["fields"], x["Fields"]);
        assert_eq!(s["draft"]["fields"][0]["value"], json!({"a_b": 1}));
        assert_eq!(s["value"], x["Value"]);
        assert_eq!(context(s), x);
    }

    #[test]
    fn the_opaque_keys_snake_spelling_is_the_word_rules() {
        for (c, s, _) in OPAQUE {
            assert_eq!(snake_key(c), *s);
            assert_eq!(context_key(s), *c);
        }
    }

    #[test]
    fn keys_past_the_remembered_bound_are_spelled_all_the_same() {
        let keys: Vec<String> = (0..REMEMBERED + 50)
            .map(|i| format!("FieldNo{i}"))
            .collect();
        let x = Value::Object(keys.iter().map(|k| (k.clone(), json!(1))).collect());
        let s = snake(x.clone());
        let last = &keys[REMEMBERED + 49];
        assert_eq!(s[snake_key(last)], 1, "{last} past the bound");
        assert!(s.as_object().unwrap().keys().all(|k| !k.starts_with('F')));
        assert_eq!(SNAKE.with(|t| t.borrow().len()), REMEMBERED);
        assert_eq!(context(s), x);
        // A remembered key reads back the same as a fresh one.
        let first = snake(json!({"FieldNo7": 2}));
        assert_eq!(first, json!({ snake_key("FieldNo7"): 2 }));
        assert_eq!(
            first.as_object().unwrap().keys().next().unwrap(),
            &"field_no7"
        );
    }

    #[test]
    fn a_value_in_context_spelling_is_handed_back_unchanged() {
        let x =
            json!({"Entries": [{"Seq": 1, "Details": {"IsMajor": false}}], "Head": {"Hash": "ab"}});
        assert_eq!(context(x.clone()), x);
    }
}
