//! From template tables to the register's records, with the cross-checks between templates:
//! every provider code and function identifier that B_02.02 and B_07.01 name must be listed.
//! Each lookup goes through a hash map built once, so a register loads in time linear in its
//! rows (a million B_02.02 rows included).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::table::{err, Table, Template};
use super::templates::{self as tpl, key};
use super::{Arrangement, Assessment, Entity, Function, Provider, Register};
use crate::connectors::ConnectorError;
use crate::input::quote;

/// Builds the register from `(template, file name, text)`; `origin` says where the files came
/// from, for the message when a required one is missing.
pub(super) fn build(
    files: Vec<(Template, String, String)>,
    origin: &str,
) -> Result<Register, ConnectorError> {
    let mut by_template: BTreeMap<Template, (String, String)> = BTreeMap::new();
    for (template, name, text) in files {
        if let Some((other, _)) = by_template.get(&template) {
            return Err(err(format!(
                "{other} and {name} are both template {}; keep one of them.",
                template.code()
            )));
        }
        by_template.insert(template, (name, text));
    }
    let table = |template: Template, columns| -> Result<Option<Table>, ConnectorError> {
        by_template
            .get(&template)
            .map(|(name, text)| Table::parse(name, template, text, columns))
            .transpose()
    };
    let required = |template: Template,
                    columns,
                    what: &str,
                    needed: &str|
     -> Result<Table, ConnectorError> {
        table(template, columns)?.ok_or_else(|| {
            err(format!(
                "The Register of Information ({origin}) has no {} file ({what}); add {} with the columns {needed}.",
                template.code(),
                template.file_name()
            ))
        })
    };
    let b0601 = required(
        Template::B0601,
        tpl::B_06_01,
        "functions",
        "c0010, c0030 and c0050",
    )?;
    let b0501 = required(
        Template::B0501,
        tpl::B_05_01,
        "ICT third-party service providers",
        "c0010, c0020, c0050 and c0080",
    )?;
    let b0202 = required(
        Template::B0202,
        tpl::B_02_02,
        "contractual arrangements – specific information",
        "c0010, c0030, c0050, c0060 and c0130",
    )?;
    let functions = functions(&b0601)?;
    let (providers, provider_codes) = providers(&b0501)?;
    let arrangements = arrangements(
        &b0202,
        &b0601,
        &functions,
        &b0501,
        &providers,
        &provider_codes,
    )?;
    let assessments = match table(Template::B0701, tpl::B_07_01)? {
        Some(t) => assessments(&t, &b0202, &arrangements, &b0501, &provider_codes)?,
        None => Vec::new(),
    };
    let entity = match table(Template::B0101, tpl::B_01_01)? {
        Some(t) => entity(&t)?,
        None => None,
    };
    Ok(Register::indexed(
        functions,
        providers,
        arrangements,
        assessments,
        entity,
    ))
}

fn optional(raw: &str) -> Option<String> {
    (!raw.is_empty()).then(|| raw.to_string())
}

fn functions(t: &Table) -> Result<Vec<Function>, ConnectorError> {
    let mut out: Vec<Function> = Vec::with_capacity(t.rows.len());
    let mut seen: HashMap<(String, Option<String>), usize> = HashMap::with_capacity(t.rows.len());
    for row in &t.rows {
        let id = t.required(row, "c0010")?;
        let name = t.required(row, "c0030")?;
        let entity_lei = optional(t.get(row, "c0040")).map(|l| l.to_ascii_uppercase());
        let identity = (key(id), entity_lei.as_deref().map(key));
        if let Some(first) = seen.get(&identity).map(|i| &out[*i]) {
            return Err(err(format!(
                "{} repeats function identifier {} of {} for the same entity; give each function one row.",
                t.at(row, "c0010"),
                quote(id),
                first.source
            )));
        }
        seen.insert(identity, out.len());
        out.push(Function {
            id: id.to_string(),
            name: name.to_string(),
            criticality: tpl::criticality(t, row)?,
            licensed_activity: optional(t.get(row, "c0020")).map(|a| tpl::licensed_activity(&a)),
            entity_lei,
            rto_hours: tpl::hours(t, row, "c0080")?,
            rpo_hours: tpl::hours(t, row, "c0090")?,
            source: t.source(row),
        });
    }
    Ok(out)
}

/// The providers, and each one's index by its code's key.
fn providers(t: &Table) -> Result<(Vec<Provider>, HashMap<String, usize>), ConnectorError> {
    let mut out: Vec<Provider> = Vec::with_capacity(t.rows.len());
    let mut codes: HashMap<String, usize> = HashMap::with_capacity(t.rows.len());
    for row in &t.rows {
        let code = t.required(row, "c0010")?;
        if let Some(first) = codes.get(&key(code)).map(|i| &out[*i]) {
            return Err(err(format!(
                "{} repeats provider code {} of {}; list each provider once.",
                t.at(row, "c0010"),
                quote(code),
                first.source
            )));
        }
        codes.insert(key(code), out.len());
        let latin = t.get(row, "c0060");
        let name = if t.get(row, "c0050").is_empty() && !latin.is_empty() {
            latin
        } else {
            t.required(row, "c0050")?
        };
        out.push(Provider {
            code: code.to_string(),
            code_type: tpl::code_type(t.required(row, "c0020")?),
            name: name.to_string(),
            country: tpl::required_country(t, row, "c0080")?,
            source: t.source(row),
        });
    }
    Ok((out, codes))
}

fn provider_index(
    t: &Table,
    row: &super::table::Row,
    code_column: &str,
    b0501: &Table,
    codes: &HashMap<String, usize>,
) -> Result<usize, ConnectorError> {
    let code = t.required(row, code_column)?;
    codes.get(&key(code)).copied().ok_or_else(|| {
        err(format!(
            "{} names provider {}, which {} does not list; add the provider to {} or correct the code.",
            t.at(row, code_column),
            quote(code),
            b0501.file,
            b0501.file
        ))
    })
}

fn arrangements(
    t: &Table,
    b0601: &Table,
    functions: &[Function],
    b0501: &Table,
    providers: &[Provider],
    codes: &HashMap<String, usize>,
) -> Result<Vec<Arrangement>, ConnectorError> {
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::with_capacity(functions.len());
    for (i, f) in functions.iter().enumerate() {
        by_id.entry(key(&f.id)).or_default().push(i);
    }
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let reference = t.required(row, "c0010")?;
        let provider = provider_index(t, row, "c0030", b0501, codes)?;
        let stated = t.get(row, "c0040");
        if !stated.is_empty() && key(&tpl::code_type(stated)) != key(&providers[provider].code_type)
        {
            return Err(err(format!(
                "{} gives provider {} as {}, but {} gives it as {}; make the two agree.",
                t.at(row, "c0040"),
                quote(&providers[provider].code),
                tpl::code_type(stated),
                providers[provider].source,
                providers[provider].code_type
            )));
        }
        let id = t.required(row, "c0050")?;
        let candidates: &[usize] = by_id.get(&key(id)).map_or(&[], Vec::as_slice);
        let lei = t.get(row, "c0020");
        let function = match candidates {
            [] => {
                return Err(err(format!(
                    "{} names function {}, which {} does not list; add the function to {} or correct the identifier.",
                    t.at(row, "c0050"),
                    quote(id),
                    b0601.file,
                    b0601.file
                )))
            }
            [only] => *only,
            several => several
                .iter()
                .copied()
                .find(|i| functions[*i].entity_lei.as_deref().is_some_and(|l| key(l) == key(lei)))
                .ok_or_else(|| {
                    err(format!(
                        "{} names function {}, which {} lists for several entities, none of them {}; fill in c0020 with the LEI of the entity using the service.",
                        t.at(row, "c0050"),
                        quote(id),
                        b0601.file,
                        quote(lei)
                    ))
                })?,
        };
        out.push(Arrangement {
            reference: reference.to_string(),
            provider,
            function,
            ict_service: tpl::ict_service(t, row, "c0060")?,
            provision: tpl::required_country(t, row, "c0130")?,
            storage: tpl::iso_country(t, row, "c0150")?,
            processing: tpl::iso_country(t, row, "c0160")?,
            source: t.source(row),
        });
    }
    Ok(out)
}

fn assessments(
    t: &Table,
    b0202: &Table,
    arrangements: &[Arrangement],
    b0501: &Table,
    codes: &HashMap<String, usize>,
) -> Result<Vec<Assessment>, ConnectorError> {
    let references: HashSet<String> = arrangements.iter().map(|a| key(&a.reference)).collect();
    let mut out = Vec::with_capacity(t.rows.len());
    for row in &t.rows {
        let reference = t.required(row, "c0010")?;
        if !references.contains(&key(reference)) {
            return Err(err(format!(
                "{} names contractual arrangement {}, which {} does not list; add its rows to {} or correct the reference.",
                t.at(row, "c0010"),
                quote(reference),
                b0202.file,
                b0202.file
            )));
        }
        let provider = provider_index(t, row, "c0020", b0501, codes)?;
        let ict_service = if t.get(row, "c0040").is_empty() {
            None
        } else {
            Some(tpl::ict_service(t, row, "c0040")?)
        };
        if let Some(substitutability) = tpl::substitutability(t.get(row, "c0050")) {
            out.push(Assessment {
                reference: reference.to_string(),
                provider,
                ict_service,
                substitutability,
                source: t.source(row),
            });
        }
    }
    Ok(out)
}

fn entity(t: &Table) -> Result<Option<Entity>, ConnectorError> {
    let row = match t.rows.as_slice() {
        [] => return Ok(None),
        [row] => row,
        [_, second, ..] => {
            return Err(err(format!(
                "{} has a second entity in row {}; B_01.01 holds the one entity maintaining the register, so remove the other rows.",
                t.file, second.number
            )))
        }
    };
    Ok(Some(Entity {
        lei: t.required(row, "c0010")?.to_ascii_uppercase(),
        name: t.required(row, "c0020")?.to_string(),
        country: tpl::iso_country(t, row, "c0030")?,
        source: t.source(row),
    }))
}
