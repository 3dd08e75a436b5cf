//! The register read from the sample folder `devtools/register/` and from in-memory variants:
//! services to functions, criticality, providers and countries; aliases; every kind of bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::*;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("devtools/register")
}

fn sample() -> Register {
    Register::from_dir(&sample_dir()).expect("the sample register reads")
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A fresh, empty folder under the system temp dir, unique to this test.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dora-register-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A minimal valid register with readable headers, keyed by file name.
fn mini() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "b_06.01.csv".to_string(),
            "function_identifier,function_name,critical_or_important\nF1,Card payments,Yes\nF2,Statements,Assessment not performed\nF3,Newsletter,no\n".to_string(),
        ),
        (
            "b_05.01.csv".to_string(),
            "provider_code,type_of_code,legal_name,country_of_headquarters\nP1,LEI,Card Processor Ltd,IE\nP2,EUID,Print Shop GmbH,de\n".to_string(),
        ),
        (
            "b_02.02.csv".to_string(),
            "contract_reference,provider_code,function_identifier,type_of_ict_services,country_of_provision\nK1,P1,F1,S14,IE\nK2,P2,F2,Software licensing,DE\nK2,P2,F3,S19,DE\n".to_string(),
        ),
    ])
}

fn mini_with(file: &str, text: &str) -> Result<Register, ConnectorError> {
    let mut files = mini();
    files.insert(file.to_string(), text.to_string());
    Register::from_texts(&files)
}

fn message(r: Result<Register, ConnectorError>) -> String {
    let e = r.expect_err("the register is refused");
    assert_eq!(e.source, "Register of Information");
    e.message
}

#[test]
fn card_payments_is_critical_and_provided_from_ireland_and_austria() {
    let ctx = sample().services_context(&names(&["Card payments"]));
    assert_eq!(ctx.unmatched, Vec::<String>::new());
    assert_eq!(ctx.critical_services_affected, Some(true));
    let [f] = ctx.functions.as_slice() else {
        panic!("one function: {:?}", ctx.functions)
    };
    assert_eq!((f.id.as_str(), f.name.as_str()), ("F01", "Card payments"));
    assert_eq!(f.critical_or_important, Criticality::Yes);
    assert_eq!(f.critical_or_important.as_str(), "yes");
    assert_eq!(
        f.licensed_activity.as_deref(),
        Some("Issuing of payment instruments and/or acquiring of payment transactions")
    );
    assert_eq!(f.entity_lei.as_deref(), Some("529900T8BM49AURSDO55"));
    assert_eq!((f.rto_hours, f.rpo_hours), (Some(2.0), Some(1.0)));
    assert_eq!(f.services, names(&["Card payments"]));
    assert_eq!(
        f.ict_services,
        names(&["ICT operation management (including maintenance)"])
    );
    assert_eq!(f.source, "b_06.01.csv row 2");
    let [p] = ctx.providers.as_slice() else {
        panic!("one provider: {:?}", ctx.providers)
    };
    assert_eq!(p.name, "CardTech Processing Ireland Limited");
    assert_eq!(
        (p.code.as_str(), p.code_type.as_str(), p.country.as_str()),
        ("984500CARDTECHIE0130", "LEI", "IE")
    );
    assert_eq!(p.functions, names(&["Card payments"]));
    assert_eq!(p.contracts, names(&["CA-2023-014"]));
    assert_eq!(
        p.substitutability,
        names(&["highly complex substitutability (b_07.01.csv row 2)"])
    );
    assert_eq!(p.source, "b_05.01.csv row 2");
    let by = "by CardTech Processing Ireland Limited for Card payments";
    assert_eq!(
        ctx.countries,
        vec![
            (
                "IE".to_string(),
                format!("ICT services provided from IE {by} (b_02.02.csv row 2); data stored in IE {by} (b_02.02.csv row 2); data processed in IE {by} (b_02.02.csv row 2)")
            ),
            (
                "AT".to_string(),
                format!("ICT services provided from AT {by} (b_02.02.csv row 3); data stored in AT {by} (b_02.02.csv row 3); data processed in AT {by} (b_02.02.csv row 3)")
            ),
        ]
    );
}

#[test]
fn several_services_in_register_order_with_the_unknown_ones_listed() {
    let ctx = sample().services_context(&names(&[
        " customer   PORTAL",
        "Instant payments",
        "Mobile app",
        "card payments",
        "Mobile App",
    ]));
    let ids: Vec<&str> = ctx.functions.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["F01", "F02", "F03"]);
    assert_eq!(ctx.functions[2].critical_or_important, Criticality::No);
    assert_eq!(ctx.functions[2].services, names(&["customer   PORTAL"]));
    let providers: Vec<&str> = ctx.providers.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        providers,
        [
            "CardTech Processing Ireland Limited",
            "Nimbus Cloud Europe B.V.",
            "Kernbank Software AG",
            "Alpen Rechenzentrum GmbH"
        ]
    );
    // Only the matched functions: Kernbank also serves Account information and Reporting.
    let kernbank = &ctx.providers[2];
    assert_eq!(kernbank.functions, names(&["Instant payments"]));
    assert_eq!(kernbank.ict_services, names(&["Cloud services: SaaS"]));
    let countries: Vec<&str> = ctx.countries.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(countries, ["IE", "AT", "NL", "DE"]);
    let at = &ctx.countries[1].1;
    assert!(
        at.contains("by Alpen Rechenzentrum GmbH for Instant payments (b_02.02.csv row 9)"),
        "{at}"
    );
    assert_eq!(ctx.critical_services_affected, Some(true));
    assert_eq!(ctx.unmatched, names(&["Mobile app"]));
}

#[test]
fn non_critical_services_unknown_services_and_identifiers() {
    let r = sample();
    let ctx = r.services_context(&names(&["Customer portal", "F05"]));
    assert_eq!(ctx.critical_services_affected, Some(false));
    assert_eq!(
        ctx.functions
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["Customer portal", "Reporting"]
    );
    let ctx = r.services_context(&names(&["Mobile app", "Card payments processing", " "]));
    assert_eq!(ctx.critical_services_affected, None);
    assert!(ctx.functions.is_empty() && ctx.providers.is_empty() && ctx.countries.is_empty());
    assert_eq!(
        ctx.unmatched,
        names(&["Mobile app", "Card payments processing"])
    );
}

#[test]
fn a_contract_reference_brings_its_rows_and_functions() {
    let ctx = sample().services_context(&names(&["ca-2022-007"]));
    let ids: Vec<&str> = ctx.functions.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["F03", "F04"]);
    assert_eq!(ctx.critical_services_affected, Some(true));
    assert_eq!(ctx.providers.len(), 1);
    assert_eq!(
        ctx.providers[0].ict_services,
        names(&["Cloud services: IaaS", "Cloud services: PaaS"])
    );
    assert_eq!(
        ctx.providers[0].substitutability,
        names(&["easily substitutable (b_07.01.csv row 3)"])
    );
    let countries: Vec<&str> = ctx.countries.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(countries, ["NL", "DE"]);
    assert_eq!(
        ctx.countries[1].1,
        "data stored in DE by Nimbus Cloud Europe B.V. for Account information (b_02.02.csv row 5)"
    );
}

#[test]
fn not_assessed_leaves_criticality_open_unless_another_is_critical() {
    let r = Register::from_texts(&mini()).unwrap();
    let ctx = r.services_context(&names(&["Statements"]));
    assert_eq!(
        ctx.functions[0].critical_or_important,
        Criticality::NotAssessed
    );
    assert_eq!(ctx.critical_services_affected, None);
    assert_eq!(
        r.services_context(&names(&["Statements", "Newsletter"]))
            .critical_services_affected,
        None
    );
    assert_eq!(
        r.services_context(&names(&["Statements", "card payments"]))
            .critical_services_affected,
        Some(true)
    );
    assert_eq!(
        r.services_context(&names(&["Newsletter"]))
            .critical_services_affected,
        Some(false)
    );
    let ctx = r.services_context(&names(&["K2"]));
    assert_eq!(ctx.providers[0].code_type, "EUID");
    assert_eq!(
        ctx.providers[0].ict_services,
        names(&["Software licensing", "Cloud services: SaaS"])
    );
    assert_eq!(ctx.countries, vec![(
        "DE".to_string(),
        "ICT services provided from DE by Print Shop GmbH for Statements (b_02.02.csv row 3); ICT services provided from DE by Print Shop GmbH for Newsletter (b_02.02.csv row 4)".to_string()
    )]);
}

#[test]
fn aliases_map_the_entitys_names_onto_the_register() {
    let aliases = BTreeMap::from([
        ("Card processing".to_string(), names(&["Card payments"])),
        ("SEPA instant".to_string(), names(&["f02"])),
        (
            "Open banking".to_string(),
            names(&["CA-2022-007", "CA-2021-003"]),
        ),
    ]);
    let r = sample().with_aliases(&aliases).unwrap();
    let ctx = r.services_context(&names(&["card processing", "SEPA Instant"]));
    assert_eq!(
        ctx.functions
            .iter()
            .map(|f| f.id.as_str())
            .collect::<Vec<_>>(),
        ["F01", "F02"]
    );
    assert_eq!(ctx.functions[1].services, names(&["SEPA Instant"]));
    assert!(ctx.unmatched.is_empty());
    let ctx = r.services_context(&names(&["Open banking"]));
    assert_eq!(
        ctx.functions
            .iter()
            .map(|f| f.id.as_str())
            .collect::<Vec<_>>(),
        ["F02", "F03", "F04", "F05"]
    );
    // The name itself is still tried: an alias adds, it does not hide.
    assert_eq!(
        r.services_context(&names(&["Card payments"]))
            .functions
            .len(),
        1
    );
    let from_text = parse_aliases("Card processing = Card payments").unwrap();
    assert_eq!(
        sample()
            .with_aliases(&from_text)
            .unwrap()
            .services_context(&names(&["Card processing"]))
            .functions[0]
            .id,
        "F01"
    );

    let bad = BTreeMap::from([(
        "Card processing".to_string(),
        names(&["Card payments processing"]),
    )]);
    let e = sample().with_aliases(&bad).unwrap_err();
    assert_eq!(e.argument, "register_aliases");
    assert_eq!(
        e.message,
        "register_aliases maps 'Card processing' to 'Card payments processing', which is no function identifier or function name in B_06.01 and no contractual arrangement reference in B_02.02; correct it or remove it."
    );
}

#[test]
fn texts_and_reporting_package_folders_read_like_the_sample_folder() {
    let mut texts = BTreeMap::new();
    for (file, key) in [
        ("b_01.01.csv", "B_01.01"),
        ("b_02.02.csv", "B_02.02"),
        ("b_05.01.csv", "b_05_01"),
        ("b_06.01.csv", "06.01"),
        ("b_07.01.csv", "b_07.01.CSV"),
    ] {
        texts.insert(
            key.to_string(),
            std::fs::read_to_string(sample_dir().join(file)).unwrap(),
        );
    }
    texts.insert("B_99.01".to_string(), "c0010\nignored\n".to_string());
    let services = names(&["Card payments", "Account information", "Reporting"]);
    let from_texts = Register::from_texts(&texts)
        .unwrap()
        .services_context(&services);
    let from_dir = sample().services_context(&services);
    assert_eq!(from_texts.functions.len(), 3);
    assert_eq!(
        from_texts
            .countries
            .iter()
            .map(|(c, _)| c)
            .collect::<Vec<_>>(),
        from_dir
            .countries
            .iter()
            .map(|(c, _)| c)
            .collect::<Vec<_>>()
    );
    assert_eq!(from_texts.functions[0].source, "06.01 row 2");

    let dir = temp_dir("package");
    std::fs::create_dir(dir.join("reports")).unwrap();
    for file in ["b_02.02.csv", "b_05.01.csv", "b_06.01.csv", "b_01.01.csv"] {
        std::fs::copy(
            sample_dir().join(file),
            dir.join("reports").join(file.to_uppercase()),
        )
        .unwrap();
    }
    std::fs::write(
        dir.join("reports/FilingIndicators.csv"),
        "templateID,reported\nB_06.01,true\n",
    )
    .unwrap();
    let r = Register::from_dir(&dir).unwrap();
    assert_eq!(
        r.services_context(&services),
        {
            let s = sample();
            Register::indexed(
                s.functions,
                s.providers,
                s.arrangements,
                Vec::new(),
                s.entity,
            )
        }
        .services_context(&services)
        .with_sources_renamed()
    );
    let entity = r.entity().unwrap();
    assert_eq!(
        (entity.lei.as_str(), entity.name.as_str()),
        ("529900T8BM49AURSDO55", "Zahlungsinstitut Beispiel GmbH")
    );
    assert_eq!(entity.country.as_deref(), Some("DE"));
    let _ = std::fs::remove_dir_all(&dir);
}

impl ServicesContext {
    /// The same context as read from upper-cased file names (`B_06.01.CSV row 2`).
    fn with_sources_renamed(mut self) -> ServicesContext {
        let up = |s: &mut String| {
            if let Some((file, rest)) = s.split_once(" row ") {
                *s = format!("{} row {rest}", file.to_uppercase());
            }
        };
        self.functions.iter_mut().for_each(|f| up(&mut f.source));
        self.providers.iter_mut().for_each(|p| up(&mut p.source));
        for (_, reason) in &mut self.countries {
            *reason = reason.replace("b_02.02.csv", "B_02.02.CSV");
        }
        self
    }
}

#[test]
fn a_missing_required_file_is_named_with_its_columns() {
    let mut files = mini();
    files.remove("b_02.02.csv");
    assert_eq!(
        message(Register::from_texts(&files)),
        "The Register of Information (texts given) has no B_02.02 file (contractual arrangements – specific information); add b_02.02.csv with the columns c0010, c0030, c0050, c0060 and c0130."
    );
    let dir = temp_dir("empty");
    std::fs::write(dir.join("notes.csv"), "a,b\n").unwrap();
    let m = message(Register::from_dir(&dir));
    assert!(
        m.starts_with(&format!(
            "The Register of Information (folder {}) has no B_06.01 file (functions)",
            dir.display()
        )),
        "{m}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let m = message(Register::from_dir(Path::new("/nonexistent/register")));
    assert!(
        m.starts_with("The Register of Information folder /nonexistent/register cannot be read"),
        "{m}"
    );
    let mut files = mini();
    files.insert("functions".to_string(), String::new());
    assert_eq!(
        message(Register::from_texts(&files)),
        "The Register of Information text 'functions' is not named after a template; key each text by its template, such as B_06.01 or b_06.01.csv."
    );
    let mut files = mini();
    files.insert("B_06_01".to_string(), files["b_06.01.csv"].clone());
    assert_eq!(
        message(Register::from_texts(&files)),
        "B_06_01 and b_06.01.csv are both template B_06.01; keep one of them."
    );
}

#[test]
fn a_missing_required_column_is_named() {
    assert_eq!(
        message(mini_with("b_06.01.csv", "function_identifier,function_name\nF1,Card payments\n")),
        "b_06.01.csv has no column c0050 (criticality or importance assessment); add it to the header row, coded c0050 or named criticality_or_importance_assessment."
    );
    assert_eq!(
        message(mini_with("b_02.02.csv", "c0010,c0030,c0050,c0060\nK1,P1,F1,S14\n")),
        "b_02.02.csv has no column c0130 (country of provision of the ICT services); add it to the header row, coded c0130 or named country_of_provision_of_the_ict_services."
    );
    assert_eq!(
        message(mini_with(
            "b_06.01.csv",
            "c0010,c0030,c0050\nF1,Card payments,yes\nF2,,no\n"
        )),
        "b_06.01.csv row 3, column c0030 (function name) is empty; fill it in."
    );
}

#[test]
fn dangling_references_name_the_row_and_the_missing_entry() {
    let b0202 = "contract_reference,provider_code,function_identifier,type_of_ict_services,country_of_provision\nK1,P1,F1,S14,IE\nK2,P9,F2,S19,DE\n";
    assert_eq!(
        message(mini_with("b_02.02.csv", b0202)),
        "b_02.02.csv row 3, column c0030 (identification code of the ICT third-party service provider) names provider 'P9', which b_05.01.csv does not list; add the provider to b_05.01.csv or correct the code."
    );
    let b0202 = "contract_reference,provider_code,function_identifier,type_of_ict_services,country_of_provision\nK1,p1,F1,S14,IE\nK2,P2,F9,S19,DE\n";
    assert_eq!(
        message(mini_with("b_02.02.csv", b0202)),
        "b_02.02.csv row 3, column c0050 (function identifier) names function 'F9', which b_06.01.csv does not list; add the function to b_06.01.csv or correct the identifier."
    );
    let b0202 = "c0010,c0030,c0040,c0050,c0060,c0130\nK1,P1,eba_qCO:qx2002,F1,S14,IE\n";
    assert_eq!(
        message(mini_with("b_02.02.csv", b0202)),
        "b_02.02.csv row 2, column c0040 (type of code to identify the ICT third-party service provider) gives provider 'P1' as EUID, but b_05.01.csv row 2 gives it as LEI; make the two agree."
    );
    assert_eq!(
        message(mini_with("b_07.01.csv", "c0010,c0020,c0050\nK1,P1,eba_ZZ:x959\nK7,P1,eba_ZZ:x959\n")),
        "b_07.01.csv row 3, column c0010 (contractual arrangement reference number) names contractual arrangement 'K7', which b_02.02.csv does not list; add its rows to b_02.02.csv or correct the reference."
    );
    assert!(message(mini_with(
        "b_07.01.csv",
        "c0010,c0020,c0050\nK1,P5,eba_ZZ:x959\n"
    ))
    .starts_with("b_07.01.csv row 2, column c0020"));
    assert_eq!(
        message(mini_with("b_05.01.csv", "c0010,c0020,c0050,c0080\nP1,LEI,A,IE\nP2,LEI,B,DE\n p1 ,LEI,C,FR\n")),
        "b_05.01.csv row 4, column c0010 (identification code of the ICT third-party service provider) repeats provider code 'p1' of b_05.01.csv row 2; list each provider once."
    );
    assert!(message(mini_with("b_06.01.csv", "c0010,c0030,c0050\nF1,A,yes\nF2,B,no\nF3,C,no\nf1,D,no\n"))
        .starts_with("b_06.01.csv row 5, column c0010 (function identifier) repeats function identifier 'f1' of b_06.01.csv row 2"));
}

#[test]
fn unknown_country_codes_are_refused_where_they_stand() {
    let b0202 = "contract_reference,provider_code,function_identifier,type_of_ict_services,country_of_provision,storage_location\nK1,P1,F1,S14,IE,eba_GA:IE\nK2,P2,F2,S19,DE,eba_GA:XK\n";
    assert_eq!(
        message(mini_with("b_02.02.csv", b0202)),
        "b_02.02.csv row 3, column c0150 (location of the data at rest) holds 'eba_GA:XK', which is not an ISO 3166-1 alpha-2 country code; write a code such as IE or eba_GA:IE."
    );
    assert_eq!(
        message(mini_with("b_05.01.csv", "c0010,c0020,c0050,c0080\nP1,LEI,A,Ireland\nP2,LEI,B,DE\n")),
        "b_05.01.csv row 2, column c0080 (country of the ICT third-party service provider headquarters) holds 'Ireland', which is not an ISO 3166-1 alpha-2 country code; write a code such as IE or eba_GA:IE."
    );
}

#[test]
fn unreadable_csv_bad_quoting_and_wrong_encoding() {
    let b0601 = "c0010,c0030,c0050\nF1,\"Card payments,yes\nF2,Statements,no\nF3,Newsletter,no\n";
    assert_eq!(
        message(mini_with("b_06.01.csv", b0601)),
        "b_06.01.csv row 2 opens a quoted field that is never closed; add the closing quote."
    );
    assert_eq!(
        message(mini_with("b_06.01.csv", "c0010,c0030,c0050\nF1,Card payments,yes,extra\n")),
        "b_06.01.csv row 2 has 4 fields where the header has 3; check that row for a stray delimiter or a missing field."
    );
    let dir = temp_dir("latin1");
    for file in ["b_02.02.csv", "b_06.01.csv"] {
        std::fs::copy(sample_dir().join(file), dir.join(file)).unwrap();
    }
    // "München" in Windows-1252, as Excel's plain "CSV" saves it.
    let mut latin1 = b"c0010,c0020,c0050,c0080\n984500CARDTECHIE0130,LEI,CardTech,IE\n".to_vec();
    latin1.extend_from_slice(b"529900KERNBANKDE0189,LEI,Kernbank M\xfcnchen,DE\n");
    std::fs::write(dir.join("b_05.01.csv"), latin1).unwrap();
    assert_eq!(
        message(Register::from_dir(&dir)),
        "b_05.01.csv row 3 is not UTF-8 text (byte 0xFC); save the file as UTF-8 (\"CSV UTF-8\" in Excel)."
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn values_are_checked_too() {
    assert!(message(mini_with(
        "b_06.01.csv",
        "c0010,c0030,c0050\nF1,A,eba_BT:x99\nF2,B,no\nF3,C,no\n"
    ))
    .starts_with(
        "b_06.01.csv row 2, column c0050 (criticality or importance assessment) holds 'eba_BT:x99'"
    ));
    assert!(message(mini_with(
        "b_02.02.csv",
        "c0010,c0030,c0050,c0060,c0130\nK1,P1,F1,eba_TA:S20,IE\n"
    ))
    .starts_with("b_02.02.csv row 2, column c0060 (type of ICT services) holds 'eba_TA:S20'"));
    assert!(
        message(mini_with("b_01.01.csv", "c0010,c0020\nL1,A\nL2,B\n"))
            .starts_with("b_01.01.csv has a second entity in row 3")
    );
}
