//! The client against a small fake CMDB served over HTTP: walks, paging, asset keys and
//! configuration. Authentication and bad answers are in http_tests.rs.

use std::time::Duration;

use serde_json::{json, Value};

use super::*;
use crate::http::canned::{Canned, Req, Resp};

pub(super) const PASSWORD: &str = "pw-Under-Test-1234";
pub(super) const CLIENT_SECRET: &str = "client-Secret-5678";

pub(super) fn basic() -> CmdbAuth {
    CmdbAuth::Basic {
        username: "svc-dora".into(),
        password: PASSWORD.into(),
    }
}

pub(super) fn oauth(with_user: bool) -> CmdbAuth {
    CmdbAuth::OAuth {
        client_id: "dora-client".into(),
        client_secret: CLIENT_SECRET.into(),
        username: with_user.then(|| "svc-dora".to_string()),
        password: with_user.then(|| Secret::from(PASSWORD)),
    }
}

pub(super) fn fast() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        budget: Duration::from_secs(5),
    }
}

pub(super) fn client(url: &str, auth: CmdbAuth) -> CmdbClient {
    let mut cfg = CmdbConfig::new(url, auth);
    cfg.timeout = Duration::from_secs(5);
    CmdbClient::new(cfg).unwrap().with_retry(fast())
}

// -- a fake CMDB ----------------------------------------------------------------------------------

fn ci(id: &str, name: &str, class: &str, ip: &str, fqdn: &str) -> Value {
    json!({"sys_id": id, "name": name, "sys_class_name": class, "ip_address": ip, "fqdn": fqdn})
}

fn service(id: &str, name: &str, crit: &str, critical: &str, country: &str, status: &str) -> Value {
    json!({"sys_id": id, "name": name, "sys_class_name": "cmdb_ci_service", "ip_address": "", "fqdn": "",
           "busines_criticality": crit, "u_critical_or_important": critical, "u_dora_function": format!("{name} function"),
           "location.country": country, "operational_status": status})
}

fn cis() -> Vec<Value> {
    vec![
        ci(
            "h1",
            "cardgw-01",
            "cmdb_ci_linux_server",
            "203.0.113.4",
            "cardgw-01.zb.internal",
        ),
        ci("a1", "Card gateway", "cmdb_ci_appl", "", ""),
        ci("lb", "lb-dmz-01", "cmdb_ci_lb_bigip", "203.0.113.2", ""),
        ci("a2", "Online banking portal", "cmdb_ci_appl", "", ""),
        ci(
            "d1",
            "example-bank.com",
            "cmdb_ci_dns_name",
            "",
            "example-bank.com",
        ),
        ci(
            "o1",
            "careers-01",
            "cmdb_ci_linux_server",
            "203.0.113.250",
            "",
        ),
        ci("c1", "loop-a", "cmdb_ci_appl", "10.0.0.1", ""),
        ci("c2", "loop-b", "cmdb_ci_appl", "", ""),
        ci("r1", "legacy-01", "cmdb_ci_linux_server", "10.0.0.9", ""),
        ci("v1", "esx-01", "cmdb_ci_server", "203.0.113.200", ""),
        service(
            "s1",
            "Card payments",
            "1 - most critical",
            "true",
            "Germany",
            "1",
        ),
        service(
            "s2",
            "Customer portal",
            "3 - less critical",
            "false",
            "DE",
            "1",
        ),
        service("s3", "Legacy banking", "2 - somewhat critical", "", "", "6"),
    ]
}

fn rels() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("a1", "h1", "Runs on::Runs"),
        ("s1", "a1", "Depends on::Used by"),
        ("a1", "lb", "Depends on::Used by"),
        ("a2", "lb", "Depends on::Used by"),
        ("s2", "a2", "Depends on::Used by"),
        ("s2", "d1", "Depends on::Used by"),
        ("c2", "c1", "Depends on::Used by"),
        ("c1", "c2", "Depends on::Used by"),
        ("s3", "r1", "Depends on::Used by"),
        ("v1", "a2", "Hosts::Hosted on"),
    ]
}

pub(super) fn all(v: &str, display: &str) -> Value {
    json!({"display_value": display, "value": v})
}

fn matches(rec: &Value, query: &str) -> bool {
    query.split("^OR").any(|cond| {
        if let Some((f, v)) = cond.split_once('=') {
            rec[f]
                .as_str()
                .is_some_and(|x| !x.is_empty() && x.eq_ignore_ascii_case(v))
        } else if let Some((f, list)) = cond.split_once("IN") {
            list.split(',').any(|v| rec[f].as_str() == Some(v))
        } else {
            false
        }
    })
}

/// Table API over `cis()` and `rels()`, with paging and X-Total-Count; `sysparm_display_value=all`
/// shapes services and relations as an instance does.
pub(super) fn fake(req: &Req) -> Resp {
    let table = req.path.trim_start_matches("/api/now/table/");
    let query = req.param("sysparm_query").unwrap_or("");
    let name_of = |id: &str| {
        cis()
            .into_iter()
            .find(|c| c["sys_id"] == id)
            .map(|c| c["name"].clone())
    };
    let rows: Vec<Value> = match table {
        "cmdb_ci" => cis().into_iter().filter(|c| matches(c, query)).collect(),
        "cmdb_ci_service" => cis()
            .into_iter()
            .filter(|c| c["sys_class_name"] == "cmdb_ci_service" && matches(c, query))
            .map(|c| {
                let o = c.as_object().unwrap();
                Value::Object(o.iter().map(|(k, v)| (k.clone(), all(v.as_str().unwrap(), v.as_str().unwrap()))).collect())
            })
            .collect(),
        "cmdb_rel_ci" => rels()
            .into_iter()
            .enumerate()
            .map(|(i, (p, c, t))| json!({"sys_id": format!("rel{i}"), "parent": p, "child": c, "type": t}))
            .filter(|r| matches(r, query))
            .map(|r| {
                let (p, c) = (r["parent"].as_str().unwrap(), r["child"].as_str().unwrap());
                json!({"sys_id": all(r["sys_id"].as_str().unwrap(), r["sys_id"].as_str().unwrap()),
                       "parent": {"display_value": name_of(p), "value": p},
                       "child": {"display_value": name_of(c), "value": c},
                       "type": {"display_value": r["type"], "value": "0123456789abcdef"}})
            })
            .collect(),
        _ => return Resp::json(400, json!({"error": {"message": format!("Invalid table {table}"), "detail": null}, "status": "failure"})),
    };
    let limit: usize = req
        .param("sysparm_limit")
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let offset: usize = req
        .param("sysparm_offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let page: Vec<Value> = rows.iter().skip(offset).take(limit).cloned().collect();
    Resp::json(200, json!({ "result": page })).header("X-Total-Count", &rows.len().to_string())
}

pub(super) fn names(found: &AssetServices) -> Vec<&str> {
    found.services.iter().map(|s| s.name.as_str()).collect()
}

// -- walking --------------------------------------------------------------------------------------

#[test]
fn a_host_reaches_its_service_through_the_application_it_runs() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    let found = c.services_for_asset("203.0.113.4", 5).unwrap();
    assert_eq!(found.ci.as_deref(), Some("cardgw-01"));
    assert_eq!(names(&found), ["Card payments"]);
    let s = &found.services[0];
    assert_eq!(s.sys_id, "s1");
    assert_eq!(s.criticality.as_deref(), Some("1 - most critical"));
    assert_eq!(s.critical_or_important, Some(true));
    assert_eq!(s.function.as_deref(), Some("Card payments function"));
    assert_eq!(s.country.as_deref(), Some("DE"));
    assert_eq!(s.source, format!("CMDB {} cmdb_ci_service/s1", srv.url));
    assert_eq!(
        found.path,
        ["Card payments: 203.0.113.4 is the CI cardgw-01 (cmdb_ci_linux_server); Card gateway runs on cardgw-01; Card payments depends on Card gateway."]
    );
    assert!(found.notes.is_empty(), "{:?}", found.notes);
    let lookup = &srv.requests()[0];
    assert_eq!(lookup.path, "/api/now/table/cmdb_ci");
    assert_eq!(
        lookup.param("sysparm_query"),
        Some("name=203.0.113.4^ORip_address=203.0.113.4^ORfqdn=203.0.113.4")
    );
    assert_eq!(lookup.param("sysparm_exclude_reference_link"), Some("true"));
}

#[test]
fn a_shared_load_balancer_reaches_every_service_sorted_by_criticality() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    let found = c.services_for_asset("lb-dmz-01", 3).unwrap();
    assert_eq!(names(&found), ["Card payments", "Customer portal"]);
    assert_eq!(found.services[1].critical_or_important, Some(false));
    assert_eq!(found.path.len(), 2);
    assert!(
        found.path[1].contains("Customer portal depends on Online banking portal"),
        "{:?}",
        found.path
    );
}

#[test]
fn relationship_types_whose_parent_serves_the_child_are_followed_downwards() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    let found = c.services_for_asset("203.0.113.200", 3).unwrap();
    assert_eq!(names(&found), ["Customer portal"]);
    assert_eq!(
        found.path,
        ["Customer portal: 203.0.113.200 is the CI esx-01 (cmdb_ci_server); Online banking portal hosted on esx-01; Customer portal depends on Online banking portal."]
    );
    let rel = srv
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("cmdb_rel_ci"))
        .unwrap();
    assert_eq!(rel.param("sysparm_query"), Some("childINv1^ORparentINv1"));
    // The hypervisor is not reached from what it hosts.
    let portal = c.services_for_asset("Online banking portal", 3).unwrap();
    assert!(
        portal.path.iter().all(|p| !p.contains("esx-01")),
        "{:?}",
        portal.path
    );
}

#[test]
fn depth_bounds_the_walk_and_says_so() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    let found = c.services_for_asset("203.0.113.2", 1).unwrap();
    assert!(found.services.is_empty());
    assert!(
        found.notes[0].contains("within 1 relationship level(s)"),
        "{:?}",
        found.notes
    );
    assert!(
        found.notes[0].contains("greater depth"),
        "{:?}",
        found.notes
    );
    assert!(c.services_for_asset("203.0.113.2", MAX_DEPTH + 1).is_err());
}

#[test]
fn urls_ports_and_service_names_are_found() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    let url = c
        .services_for_asset("https://example-bank.com/online-banking/verify", 4)
        .unwrap();
    assert_eq!(names(&url), ["Customer portal"]);
    assert!(srv.requests()[0]
        .param("sysparm_query")
        .unwrap()
        .contains("^ORfqdn=example-bank.com"));
    assert_eq!(
        names(&c.services_for_asset("203.0.113.4:3389", 4).unwrap()),
        ["Card payments"]
    );
    let itself = c.services_for_asset("Card payments", 0).unwrap();
    assert_eq!(names(&itself), ["Card payments"]);
    assert_eq!(
        itself.path,
        ["Card payments: Card payments is the CI Card payments (cmdb_ci_service)."]
    );
}

#[test]
fn an_unknown_asset_is_an_answer_with_a_note_not_an_error() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    let found = c.services_for_asset("examp1e-bank.com", 4).unwrap();
    assert_eq!(found.ci, None);
    assert!(found.services.is_empty() && found.path.is_empty());
    assert!(
        found.notes[0].contains("no configuration item named 'examp1e-bank.com'"),
        "{:?}",
        found.notes
    );
    let orphan = c.services_for_asset("careers-01", 4).unwrap();
    assert_eq!(orphan.ci.as_deref(), Some("careers-01"));
    assert!(
        orphan.notes[0].contains("no business service"),
        "{:?}",
        orphan.notes
    );
    assert!(!orphan.notes[0].contains("greater depth"));
}

#[test]
fn retired_services_are_left_out_and_cycles_end() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    let legacy = c.services_for_asset("10.0.0.9", 4).unwrap();
    assert!(legacy.services.is_empty());
    assert!(
        legacy
            .notes
            .iter()
            .any(|n| n.contains("Retired services are left out: Legacy banking")),
        "{:?}",
        legacy.notes
    );
    let looped = c.services_for_asset("loop-a", MAX_DEPTH).unwrap();
    assert!(looped.services.is_empty());
    // loop-a, then loop-b once: the walk does not go round.
    assert_eq!(srv.count("cmdb_rel_ci"), 1 + 2);
}

#[test]
fn bad_assets_are_refused() {
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    for bad in ["", "   ", "a\nb", &"x".repeat(300)] {
        let e = c.services_for_asset(bad, 3).unwrap_err();
        assert_eq!(e.source, "CMDB");
        assert!(
            e.message
                .contains("give a hostname, IP address, domain or CI name"),
            "{e}"
        );
    }
    assert!(srv.requests().is_empty());
    // A caret cannot add conditions to the query.
    c.services_for_asset("x^ORname=cardgw-01", 3).unwrap();
    assert!(srv.requests()[0]
        .param("sysparm_query")
        .unwrap()
        .starts_with("name=x^^ORname=cardgw-01^OR"));
}

// -- paging ---------------------------------------------------------------------------------------

fn numbered(req: &Req, total: usize, headers: &str) -> Resp {
    let limit: usize = req.param("sysparm_limit").unwrap().parse().unwrap();
    let offset: usize = req.param("sysparm_offset").unwrap().parse().unwrap();
    let page: Vec<Value> = (offset..total.min(offset + limit))
        .map(|i| json!({"sys_id": format!("id{i}")}))
        .collect();
    let mut resp = Resp::json(200, json!({ "result": page }));
    if headers.contains("count") {
        resp = resp.header("X-Total-Count", &total.to_string());
    }
    if headers.contains("link") && offset + limit < total {
        resp = resp.header(
            "Link",
            &format!(
                "<{}?sysparm_offset={}>;rel=\"next\"",
                req.path,
                offset + limit
            ),
        );
    }
    resp
}

#[test]
fn pages_are_followed_by_total_count_by_link_or_by_full_pages() {
    for headers in ["count", "link", "none"] {
        let srv = Canned::start(move |req| numbered(req, 5, headers));
        let mut c = client(&srv.url, basic());
        c.transport.page_size = 2;
        let (got, complete) = c
            .transport
            .table("cmdb_ci", "", "sys_id", Display::False, usize::MAX)
            .unwrap();
        assert_eq!(got.len(), 5, "{headers}");
        assert!(complete);
        let offsets: Vec<String> = srv
            .requests()
            .iter()
            .map(|r| r.param("sysparm_offset").unwrap().to_string())
            .collect();
        assert_eq!(offsets, ["0", "2", "4"], "{headers}");
        assert!(srv
            .requests()
            .iter()
            .all(|r| r.param("sysparm_limit") == Some("2")));
    }
}

#[test]
fn older_instances_answer_an_empty_list_as_404_no_record_found() {
    let srv = Canned::start(|_| {
        Resp::json(
            404,
            json!({"error": {"message": "No Record found", "detail": "Records not found"}, "status": "failure"}),
        )
    });
    let found = client(&srv.url, basic())
        .services_for_asset("203.0.113.4", 3)
        .unwrap();
    assert!(found.ci.is_none() && found.services.is_empty());
}

// -- configuration --------------------------------------------------------------------------------

#[test]
fn base_urls_are_checked_and_pasted_api_paths_dropped() {
    assert_eq!(
        normalise_base("https://x.service-now.com/").unwrap(),
        "https://x.service-now.com"
    );
    assert_eq!(
        normalise_base("https://x.service-now.com/api/now/table").unwrap(),
        "https://x.service-now.com"
    );
    assert_eq!(
        normalise_base("https://x.service-now.com/api/now").unwrap(),
        "https://x.service-now.com"
    );
    assert!(normalise_base("x.service-now.com").is_err());
    let e = normalise_base(&format!("https://svc:{PASSWORD}@x.service-now.com"))
        .err()
        .unwrap();
    assert!(!e.message.contains(PASSWORD), "{e}");
    assert!(CmdbClient::new(CmdbConfig {
        timeout: Duration::ZERO,
        ..CmdbConfig::new("https://x.example", basic())
    })
    .is_err());
}

#[test]
fn lookup_keys_add_the_host_of_urls_and_ports() {
    assert_eq!(lookup_keys("203.0.113.4"), ["203.0.113.4"]);
    assert_eq!(
        lookup_keys("203.0.113.4:3389"),
        ["203.0.113.4:3389", "203.0.113.4"]
    );
    assert_eq!(
        lookup_keys("https://u@online.example-bank.com:8443/a?b"),
        [
            "https://u@online.example-bank.com:8443/a?b",
            "online.example-bank.com"
        ]
    );
    assert_eq!(
        lookup_keys("example-bank.com."),
        ["example-bank.com.", "example-bank.com"]
    );
    assert_eq!(
        lookup_keys("[2001:db8::1]:443"),
        ["[2001:db8::1]:443", "2001:db8::1"]
    );
    assert_eq!(lookup_keys("2001:db8::1"), ["2001:db8::1"]);
    assert_eq!(
        lookup_keys("j.doe@example-bank.com"),
        ["j.doe@example-bank.com"]
    );
}

#[test]
fn the_client_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<CmdbClient>();
    let srv = Canned::start(fake);
    let c = client(&srv.url, basic());
    std::thread::scope(|s| {
        for asset in ["203.0.113.4", "lb-dmz-01", "example-bank.com"] {
            let c = &c;
            s.spawn(move || assert!(!c.services_for_asset(asset, 3).unwrap().services.is_empty()));
        }
    });
}
