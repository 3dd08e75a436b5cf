//! The DORA Register of Information (Art. 28(3) DORA) as a source of ICT context: which
//! functions an incident's services are, whether they are critical or important, which ICT
//! third-party providers support them and from which countries.
//!
//! # Files
//! The templates of Commission Implementing Regulation (EU) 2024/2956, one CSV per template as
//! in an xBRL-CSV reporting package (`reports/b_06.01.csv`, columns coded `c0010`, `c0020`, …).
//! Required: B_06.01 (functions), B_05.01 (ICT third-party service providers), B_02.02
//! (contractual arrangements – specific information). Read when present: B_07.01 (assessment
//! of the ICT services) and B_01.01 (entity maintaining the register). The other templates are
//! accepted and left unread. File names are recognised case-insensitively as `b_06.01.csv`,
//! `B_06.01`, `b_06_01` (EBA Excel tab names), `b06.01` or `06.01`; a folder holding a
//! reporting package's `reports/` sub-folder is read from there.
//!
//! # Columns relied on
//! Each column is found by its code (`c0030`, `C0030`, `0030`, `B_06.01.0030`) or by a
//! readable header (`function_name`, "Function name"); case, spaces and punctuation are
//! ignored. Codes are those of Annex I of the ITS, cross-checked against the EBA DPM
//! validation rules for the DORA taxonomy (e.g. v8825_m: B_07.01 c0050 = `eba_ZZ:x959` needs
//! c0060) and against open-source register exporters and validators.
//! - B_06.01 c0010 function identifier*, c0020 licensed activity, c0030 function name*,
//!   c0040 LEI of the financial entity, c0050 criticality or importance assessment*,
//!   c0080 RTO and c0090 RPO of the function (hours). Confidence: high.
//! - B_05.01 c0010 identification code*, c0020 type of code*, c0050 legal name*, c0060 name in
//!   Latin alphabet, c0080 country of headquarters*. Confidence: high.
//! - B_02.02 c0010 contractual arrangement reference*, c0020 LEI of the entity making use of
//!   the services, c0030 provider identification code*, c0040 type of code, c0050 function
//!   identifier*, c0060 type of ICT services*, c0130 country of provision*, c0150 location of
//!   the data at rest, c0160 location of management (processing) of the data. Confidence: high.
//! - B_07.01 c0010 contractual arrangement reference*, c0020 provider identification code*,
//!   c0040 type of ICT services, c0050 substitutability*. Confidence: medium-high (drafts of
//!   the ITS numbered B_07.01 differently; the final text and the DPM rules agree on these).
//! - B_01.01 c0010 LEI*, c0020 name*, c0030 country. Confidence: high.
//!
//! (* = the file must have the column.) Values may be EBA codes or plain words: criticality
//! `eba_BT:x28` Yes / `eba_BT:x29` No / `eba_BT:x21` Assessment not performed; countries
//! `eba_GA:IE` or `IE` (`eba_GA:qx2007`, not applicable, is skipped); types of ICT services
//! `eba_TA:S01` … `eba_TA:S19` (Annex III); type of code `eba_qCO:qx2000` LEI, `eba_qCO:qx2002`
//! EUID; substitutability `eba_ZZ:x959` … `eba_ZZ:x962`.
//!
//! # Checks
//! Strict on structure, tolerant on case and whitespace: every required file and column must be
//! there, quoting must be balanced, every row must have the header's number of fields, the
//! text must be UTF-8, country codes must be ISO 3166-1, and every provider code and function
//! identifier B_02.02 (and B_07.01) names must be listed in B_05.01 and B_06.01. Each failure
//! is one sentence naming the file, row (the header is row 1) and column, and the fix.
//!
//! # Bounds
//! A file larger than [`DEFAULT_MAX_FILE_MB`] (the instance's `register_max_mb`) is refused
//! before it is read; loading and matching are linear in the register's rows.
//!
//! # Matching services
//! A service name matches, after trimming, collapsing inner whitespace and ignoring case,
//! *exactly* a B_06.01 function identifier, a B_06.01 function name, or a B_02.02 contractual
//! arrangement reference — nothing fuzzier, so "Card payments" does not match "Card payments
//! processing" unless an alias says so. An alias table (see [`Register::with_aliases`]) maps a
//! service name to further names, identifiers or references, tried in addition to the name
//! itself. A function matched brings every B_02.02 row that supports it; a contract matched
//! brings its rows and the functions they support. The type of ICT services is not a match
//! key: "Cloud services: SaaS" would name every SaaS contract at once.

mod aliases;
mod index;
mod records;
mod table;
mod templates;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use serde::Serialize;

pub use aliases::parse_aliases;
use table::{err, template_named, Named, Template};
use templates::key;

use super::ConnectorError;
use crate::input::{quote, InputError};

/// The `source` of every error and figure from this connector.
pub const SOURCE: &str = "Register of Information";

/// The largest template file read by default, in MB (`register_max_mb`). The EBA's register of
/// a large group runs to a few MB per template.
pub const DEFAULT_MAX_FILE_MB: u64 = 64;
const MIB: u64 = 1024 * 1024;

/// The criticality or importance assessment of a function (B_06.01 c0050).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Criticality {
    #[serde(rename = "yes")]
    Yes,
    #[serde(rename = "no")]
    No,
    #[serde(rename = "not assessed")]
    NotAssessed,
}

impl Criticality {
    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::Yes => "yes",
            Criticality::No => "no",
            Criticality::NotAssessed => "not assessed",
        }
    }
}

/// A function the services touch (B_06.01).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionInfo {
    pub id: String,
    pub name: String,
    pub critical_or_important: Criticality,
    pub licensed_activity: Option<String>,
    pub entity_lei: Option<String>,
    pub rto_hours: Option<f64>,
    pub rpo_hours: Option<f64>,
    /// The service names asked for that led to this function, as the caller wrote them.
    pub services: Vec<String>,
    /// Types of ICT services supporting it in the matched B_02.02 rows.
    pub ict_services: Vec<String>,
    /// `b_06.01.csv row 3`.
    pub source: String,
}

/// An ICT third-party service provider supporting the services (B_05.01).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderInfo {
    pub code: String,
    pub code_type: String,
    pub name: String,
    /// Country of headquarters, ISO 3166-1 alpha-2.
    pub country: String,
    /// Types of ICT services it provides in the matched B_02.02 rows.
    pub ict_services: Vec<String>,
    /// Names of the matched functions it supports.
    pub functions: Vec<String>,
    /// Contractual arrangement references of the matched rows.
    pub contracts: Vec<String>,
    /// Substitutability from B_07.01 for those arrangements, each with its row.
    pub substitutability: Vec<String>,
    /// `b_05.01.csv row 2`.
    pub source: String,
}

/// The entity maintaining the register (B_01.01), when the file is there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub lei: String,
    pub name: String,
    pub country: Option<String>,
    pub source: String,
}

/// What the register says about a list of services.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServicesContext {
    pub functions: Vec<FunctionInfo>,
    pub providers: Vec<ProviderInfo>,
    /// ISO code and why: `("IE", "ICT services provided from IE by … for Card payments (b_02.02.csv row 2)")`;
    /// one entry per country, reasons joined with "; ".
    pub countries: Vec<(String, String)>,
    /// `Some(true)` if a matched function is critical or important, `Some(false)` if every
    /// matched function is assessed as neither, `None` if none matched or one is not assessed.
    pub critical_services_affected: Option<bool>,
    /// Service names the register does not know, as the caller wrote them.
    pub unmatched: Vec<String>,
}

#[derive(Debug, Clone)]
struct Function {
    id: String,
    name: String,
    criticality: Criticality,
    licensed_activity: Option<String>,
    entity_lei: Option<String>,
    rto_hours: Option<f64>,
    rpo_hours: Option<f64>,
    source: String,
}

#[derive(Debug, Clone)]
struct Provider {
    code: String,
    code_type: String,
    name: String,
    country: String,
    source: String,
}

/// One B_02.02 row.
#[derive(Debug, Clone)]
struct Arrangement {
    reference: String,
    provider: usize,
    function: usize,
    ict_service: String,
    provision: String,
    storage: Option<String>,
    processing: Option<String>,
    source: String,
}

/// One B_07.01 row.
#[derive(Debug, Clone)]
struct Assessment {
    reference: String,
    provider: usize,
    ict_service: Option<String>,
    substitutability: String,
    source: String,
}

/// The parsed, cross-checked register.
#[derive(Debug, Clone)]
pub struct Register {
    functions: Vec<Function>,
    providers: Vec<Provider>,
    arrangements: Vec<Arrangement>,
    assessments: Vec<Assessment>,
    entity: Option<Entity>,
    /// Lower-cased service name → lower-cased names, identifiers or references.
    aliases: BTreeMap<String, Vec<String>>,
    index: index::Index,
}

impl Register {
    /// Reads the templates from a folder (or from its `reports/` sub-folder, as laid out in an
    /// xBRL-CSV reporting package). Files that are not templates are ignored.
    pub fn from_dir(path: &Path) -> Result<Register, ConnectorError> {
        Register::from_dir_within(path, DEFAULT_MAX_FILE_MB * MIB)
    }

    /// [`Register::from_dir`], refusing a file larger than `max_file_bytes` before reading it.
    pub fn from_dir_within(path: &Path, max_file_bytes: u64) -> Result<Register, ConnectorError> {
        let shown = path.display().to_string();
        let mut files = templates_in(path)?;
        if files.is_empty() && path.join("reports").is_dir() {
            files = templates_in(&path.join("reports"))?;
        }
        let mut read = Vec::with_capacity(files.len());
        for (template, name, file) in files {
            let unreadable = |e: std::io::Error| {
                err(format!(
                    "{name} in {shown} cannot be read ({e}); check the file's permissions."
                ))
            };
            let f = std::fs::File::open(&file).map_err(unreadable)?;
            let size = f.metadata().map_err(unreadable)?.len();
            let too_large = || too_large(&name, max_file_bytes);
            if size > max_file_bytes {
                return Err(too_large());
            }
            // Read with the bound too: the file may grow between the size check and the read.
            let mut bytes = Vec::with_capacity(size as usize);
            f.take(max_file_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(unreadable)?;
            if bytes.len() as u64 > max_file_bytes {
                return Err(too_large());
            }
            let text = utf8(&name, bytes)?;
            read.push((template, name, text));
        }
        records::build(read, &format!("folder {shown}"))
    }

    /// Reads the templates from CSV texts keyed by template name (`B_06.01`, `b_06.01.csv`, …),
    /// e.g. from an integration parameter or an XSOAR list.
    pub fn from_texts(files: &BTreeMap<String, String>) -> Result<Register, ConnectorError> {
        Register::from_texts_within(files, DEFAULT_MAX_FILE_MB * MIB)
    }

    /// [`Register::from_texts`], refusing a text larger than `max_file_bytes`.
    pub fn from_texts_within(
        files: &BTreeMap<String, String>,
        max_file_bytes: u64,
    ) -> Result<Register, ConnectorError> {
        let mut read = Vec::with_capacity(files.len());
        for (name, text) in files {
            if text.len() as u64 > max_file_bytes {
                return Err(too_large(name.trim(), max_file_bytes));
            }
            match template_named(name) {
                Named::Read(t) => read.push((t, name.trim().to_string(), text.clone())),
                Named::Unread => {}
                Named::NotATemplate => {
                    return Err(err(format!(
                        "The Register of Information text {} is not named after a template; key each text by its template, such as B_06.01 or b_06.01.csv.",
                        quote(name)
                    )))
                }
            }
        }
        records::build(read, "texts given")
    }

    /// Adds the caller's alias table: each service name (any case) maps to function
    /// identifiers, function names or contractual arrangement references, which must all be in
    /// the register.
    pub fn with_aliases(
        mut self,
        aliases: &BTreeMap<String, Vec<String>>,
    ) -> Result<Register, InputError> {
        for (name, targets) in aliases {
            let entry = self.aliases.entry(key(name)).or_default();
            for target in targets {
                let t = key(target);
                if !self.index.knows(&t) {
                    return Err(InputError::new(
                        aliases::ARGUMENT,
                        format!(
                            "{} maps {} to {}, which is no function identifier or function name in B_06.01 and no contractual arrangement reference in B_02.02; correct it or remove it.",
                            aliases::ARGUMENT,
                            quote(name),
                            quote(target)
                        ),
                    ));
                }
                if !entry.contains(&t) {
                    entry.push(t);
                }
            }
        }
        Ok(self)
    }

    /// The entity maintaining the register, when B_01.01 was given.
    pub fn entity(&self) -> Option<&Entity> {
        self.entity.as_ref()
    }

    /// What the register says about these services; see the module doc for the matching rule.
    /// Functions, providers and countries come in the order of the register's rows.
    pub fn services_context(&self, services: &[String]) -> ServicesContext {
        let mut functions: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut rows: BTreeSet<usize> = BTreeSet::new();
        let mut unmatched = Vec::new();
        let mut seen = BTreeSet::new();
        for service in services {
            let k = key(service);
            if k.is_empty() || !seen.insert(k.clone()) {
                continue;
            }
            let mut targets = vec![k.clone()];
            targets.extend(self.aliases.get(&k).into_iter().flatten().cloned());
            let mut hit = false;
            for t in &targets {
                for &i in self.index.functions(t) {
                    hit = true;
                    push_unique(functions.entry(i).or_default(), service.trim());
                    rows.extend(self.index.arrangements_of(i));
                }
                for &j in self.index.arrangements(t) {
                    hit = true;
                    rows.insert(j);
                    let f = self.arrangements[j].function;
                    push_unique(functions.entry(f).or_default(), service.trim());
                }
            }
            if !hit {
                unmatched.push(service.trim().to_string());
            }
        }
        let rows: Vec<&Arrangement> = rows.into_iter().map(|j| &self.arrangements[j]).collect();
        let function_infos: Vec<FunctionInfo> = functions
            .iter()
            .map(|(i, services)| self.function_info(*i, services, &rows))
            .collect();
        let critical_services_affected = match function_infos
            .iter()
            .map(|f| f.critical_or_important)
            .collect::<Vec<_>>()
        {
            c if c.contains(&Criticality::Yes) => Some(true),
            c if c.is_empty() || c.contains(&Criticality::NotAssessed) => None,
            _ => Some(false),
        };
        ServicesContext {
            functions: function_infos,
            providers: self.provider_infos(&rows),
            countries: self.countries(&rows),
            critical_services_affected,
            unmatched,
        }
    }

    fn function_info(&self, i: usize, services: &[String], rows: &[&Arrangement]) -> FunctionInfo {
        let f = &self.functions[i];
        let mut ict_services = Unique::default();
        for a in rows.iter().filter(|a| a.function == i) {
            ict_services.push(&a.ict_service);
        }
        let ict_services = ict_services.into_vec();
        FunctionInfo {
            id: f.id.clone(),
            name: f.name.clone(),
            critical_or_important: f.criticality,
            licensed_activity: f.licensed_activity.clone(),
            entity_lei: f.entity_lei.clone(),
            rto_hours: f.rto_hours,
            rpo_hours: f.rpo_hours,
            services: services.to_vec(),
            ict_services,
            source: f.source.clone(),
        }
    }

    fn provider_infos(&self, rows: &[&Arrangement]) -> Vec<ProviderInfo> {
        let mut by_provider: BTreeMap<usize, Vec<&Arrangement>> = BTreeMap::new();
        for a in rows {
            by_provider.entry(a.provider).or_default().push(a);
        }
        by_provider
            .into_iter()
            .map(|(p, rows)| {
                let provider = &self.providers[p];
                let (mut ict_services, mut functions, mut contracts, mut substitutability) = (
                    Unique::default(),
                    Unique::default(),
                    Unique::default(),
                    Unique::default(),
                );
                for a in rows {
                    ict_services.push(&a.ict_service);
                    functions.push(&self.functions[a.function].name);
                    contracts.push(&a.reference);
                    for &k in self.index.assessments(p, &a.reference) {
                        let s = &self.assessments[k];
                        if s.ict_service
                            .as_ref()
                            .is_none_or(|t| key(t) == key(&a.ict_service))
                        {
                            substitutability
                                .push(&format!("{} ({})", s.substitutability, s.source));
                        }
                    }
                }
                ProviderInfo {
                    code: provider.code.clone(),
                    code_type: provider.code_type.clone(),
                    name: provider.name.clone(),
                    country: provider.country.clone(),
                    ict_services: ict_services.into_vec(),
                    functions: functions.into_vec(),
                    contracts: contracts.into_vec(),
                    substitutability: substitutability.into_vec(),
                    source: provider.source.clone(),
                }
            })
            .collect()
    }

    fn countries(&self, rows: &[&Arrangement]) -> Vec<(String, String)> {
        let mut out: Vec<(String, Unique)> = Vec::new();
        for a in rows {
            let provider = &self.providers[a.provider].name;
            let function = &self.functions[a.function].name;
            let roles = [
                (Some(&a.provision), "ICT services provided from"),
                (a.storage.as_ref(), "data stored in"),
                (a.processing.as_ref(), "data processed in"),
            ];
            for (country, role) in roles {
                let Some(c) = country else { continue };
                let reason = format!("{role} {c} by {provider} for {function} ({})", a.source);
                // A few dozen countries at most: a scan of `out` is cheaper than a map.
                match out.iter_mut().find(|(k, _)| k == c) {
                    Some((_, reasons)) => reasons.push(&reason),
                    None => {
                        let mut reasons = Unique::default();
                        reasons.push(&reason);
                        out.push((c.clone(), reasons));
                    }
                }
            }
        }
        out.into_iter()
            .map(|(c, reasons)| (c, reasons.into_vec().join("; ")))
            .collect()
    }

    fn indexed(
        functions: Vec<Function>,
        providers: Vec<Provider>,
        arrangements: Vec<Arrangement>,
        assessments: Vec<Assessment>,
        entity: Option<Entity>,
    ) -> Register {
        let index = index::Index::new(&functions, &arrangements, &assessments);
        Register {
            functions,
            providers,
            arrangements,
            assessments,
            entity,
            aliases: BTreeMap::new(),
            index,
        }
    }
}

/// Values in their first order, each once, in linear time.
#[derive(Default)]
struct Unique {
    seen: std::collections::HashSet<String>,
    order: Vec<String>,
}

impl Unique {
    fn push(&mut self, value: &str) {
        if self.seen.insert(value.to_string()) {
            self.order.push(value.to_string());
        }
    }

    fn into_vec(self) -> Vec<String> {
        self.order
    }
}

fn too_large(name: &str, max_file_bytes: u64) -> ConnectorError {
    err(format!(
        "{name} is larger than {} MB, so it was not read; a register template is a few MB, so check that this is the right file, or raise register_max_mb.",
        max_file_bytes.div_ceil(MIB)
    ))
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}

/// The template files directly in `dir`, sorted by name.
fn templates_in(dir: &Path) -> Result<Vec<(Template, String, std::path::PathBuf)>, ConnectorError> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        err(format!(
            "The Register of Information folder {} cannot be read ({e}); set the path to the folder holding b_06.01.csv, b_05.01.csv and b_02.02.csv.",
            dir.display()
        ))
    })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.to_ascii_lowercase().ends_with(".csv") || !entry.path().is_file() {
            continue;
        }
        if let Named::Read(t) = template_named(&name) {
            out.push((t, name, entry.path()));
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// The file's text, or an error naming the row of the first byte that is not UTF-8.
fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, ConnectorError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let row = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        err(format!(
            "{name} row {row} is not UTF-8 text (byte 0x{:02X}); save the file as UTF-8 (\"CSV UTF-8\" in Excel).",
            e.as_bytes()[at]
        ))
    })
}
