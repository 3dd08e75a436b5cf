//! The caller's alias table: the entity's own service names mapped to the register's function
//! identifiers, function names or contractual arrangement references.

use std::collections::BTreeMap;

use crate::input::{quote, InputError};

/// The integration parameter the table comes from, named in its errors.
pub(super) const ARGUMENT: &str = "register_aliases";

/// Reads an alias table, either a JSON object (`{"Card payments": ["F01", "CA-2023-014"]}`,
/// a single string allowed for a list of one) or lines `Card payments = F01; CA-2023-014`
/// (`#` starts a comment line). Names repeated on several lines add up.
pub fn parse_aliases(text: &str) -> Result<BTreeMap<String, Vec<String>>, InputError> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        return from_json(trimmed);
    }
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, targets)) = line.split_once('=') else {
            return Err(InputError::new(
                ARGUMENT,
                format!(
                    "{ARGUMENT} line {} reads {}, which has no '='; write it as: Card payments = F01; CA-2023-014.",
                    n + 1,
                    quote(line)
                ),
            ));
        };
        let targets: Vec<String> = targets
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        add(
            &mut out,
            name,
            targets,
            &format!("{ARGUMENT} line {}", n + 1),
        )?;
    }
    Ok(out)
}

fn from_json(text: &str) -> Result<BTreeMap<String, Vec<String>>, InputError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        InputError::new(ARGUMENT, format!("{ARGUMENT} is not valid JSON ({e}); write an object such as {{\"Card payments\": [\"F01\"]}}."))
    })?;
    let object = value.as_object().ok_or_else(|| {
        InputError::new(
            ARGUMENT,
            format!("{ARGUMENT} must be a JSON object mapping service names to lists of names."),
        )
    })?;
    let mut out = BTreeMap::new();
    for (name, targets) in object {
        let list: Option<Vec<String>> = match targets {
            serde_json::Value::String(s) => Some(vec![s.trim().to_string()]),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map(|s| s.trim().to_string()))
                .collect(),
            _ => None,
        };
        let Some(list) = list else {
            return Err(InputError::new(
                ARGUMENT,
                format!("{ARGUMENT} maps {} to something other than a string or a list of strings; give the names as strings.", quote(name)),
            ));
        };
        add(
            &mut out,
            name,
            list.into_iter().filter(|t| !t.is_empty()).collect(),
            ARGUMENT,
        )?;
    }
    Ok(out)
}

fn add(
    out: &mut BTreeMap<String, Vec<String>>,
    name: &str,
    targets: Vec<String>,
    at: &str,
) -> Result<(), InputError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(InputError::new(
            ARGUMENT,
            format!("{at} has no service name before the '='; write the service name first."),
        ));
    }
    if targets.is_empty() {
        return Err(InputError::new(
            ARGUMENT,
            format!("{at} maps {} to nothing; name at least one function identifier, function name or contract reference.", quote(name)),
        ));
    }
    out.entry(name.to_string()).or_default().extend(targets);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_json_give_the_same_table() {
        let lines = parse_aliases("# services as the SOC names them\nCard payments = F01; CA-2023-014\n\nSEPA Instant = Instant payments\nCard payments = F02\n").unwrap();
        assert_eq!(lines["Card payments"], vec!["F01", "CA-2023-014", "F02"]);
        assert_eq!(lines["SEPA Instant"], vec!["Instant payments"]);
        let json = parse_aliases(r#" {"Card payments": ["F01", "CA-2023-014", "F02"], "SEPA Instant": "Instant payments"} "#).unwrap();
        assert_eq!(lines, json);
        assert!(parse_aliases("").unwrap().is_empty());
    }

    #[test]
    fn bad_tables_name_the_line() {
        let e = parse_aliases("Card payments = F01\nInstant payments F02\n").unwrap_err();
        assert_eq!(e.argument, "register_aliases");
        assert_eq!(
            e.message,
            "register_aliases line 2 reads 'Instant payments F02', which has no '='; write it as: Card payments = F01; CA-2023-014."
        );
        assert!(parse_aliases("= F01")
            .unwrap_err()
            .message
            .contains("line 1 has no service name"));
        assert!(parse_aliases("Card = ;")
            .unwrap_err()
            .message
            .contains("maps 'Card' to nothing"));
        assert!(parse_aliases("{\"Card\": 3}")
            .unwrap_err()
            .message
            .contains("other than a string"));
        assert!(parse_aliases("{\"Card\": [}")
            .unwrap_err()
            .message
            .starts_with("register_aliases is not valid JSON"));
    }
}
