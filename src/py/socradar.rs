//! `SocRadarClient` for Python: argument checks with the GIL held, network I/O without it.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::{json, Value};

use super::chain_call::{keywords, Arg, Dict, Obj};
use super::convert::{as_is, time_arg};
use super::errors::{guard, json_arg};
use super::socradar_args as args;
use super::socradar_fetch::{captured_pages, fetch_from, preview_limit, test_fetch};
use crate::http::retry::RetryPolicy;
use crate::input::{self, InputError};
use crate::socradar::actions::{self, ActionRequest};
use crate::socradar::fetch::FetchConfig;
use crate::socradar::incident::IncidentOptions;
use crate::socradar::mirror::MirrorSettings;
use crate::socradar::params::InstanceParams;
use crate::socradar::replay::Replay;
use crate::socradar::search::{DateFormat, SearchFilters, SearchQuery, MAX_PAGE_SIZE, SEVERITIES};
use crate::socradar::tags::TagChange;
use crate::socradar::{ClientConfig, SocRadarClient, SocRadarError};
use crate::timeutil;

/// The SOCRadar Incident API v4 client.
#[pyclass(module = "dora_bridge._core", name = "SocRadarClient", frozen)]
pub struct PySocRadarClient {
    pub(super) client: Arc<SocRadarClient>,
    pub(super) fetch: Result<FetchConfig, InputError>,
    pub(super) incidents: IncidentOptions,
    pub(super) mirror: Result<MirrorSettings, InputError>,
}

impl PySocRadarClient {
    /// `add_tag` / `remove_tag`: `options` are `company_id` and `mirror_state`. The methods take
    /// them as `**kw` (their `text_signature` names them) so that the two declarations stay
    /// one line each.
    fn set_tag(
        &self,
        method: &str,
        alarm_id: &Arg<'_>,
        tag: &Arg<'_>,
        options: Option<&Dict<'_>>,
        change: TagChange,
    ) -> Obj {
        let py = alarm_id.py();
        guard(py, || {
            let function = format!("SocRadarClient.{method}");
            let kw = keywords(&function, options, &["company_id", "mirror_state"])?;
            let (company_id, mirror_state) = (kw[0].as_ref(), kw[1].as_ref());
            super::socradar_mirror::set_tag(
                py,
                &self.client,
                alarm_id,
                tag,
                company_id,
                mirror_state,
                change,
            )
            .map(Bound::unbind)
        })
    }

    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&SocRadarClient) -> Result<T, SocRadarError> + Send,
    ) -> PyResult<T> {
        let client = self.client.clone();
        py.detach(move || f(&client)).map_err(PyErr::from)
    }

    fn act<'py>(
        &self,
        py: Python<'py>,
        action: ActionRequest,
        company_id: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let cid = company_id.unwrap_or(self.client.config().company_id);
        let response = self.run(py, |c| c.act(&action, Some(cid)))?;
        let at = timeutil::to_rfc3339(crate::clock::now());
        let out = json!({
            "alarms": action.context_entries(cid, &response, &at),
            "message": response.get("message").cloned().unwrap_or(Value::Null),
            "response": response,
        });
        as_is(py, &out)
    }
}

#[pymethods]
impl PySocRadarClient {
    /// A client from explicit settings. `from_params` builds one from XSOAR instance parameters.
    #[new]
    #[pyo3(signature = (base_url, api_key, company_id, *, verify_tls=true, use_proxy=false, timeout_seconds=30.0,
                        max_retries=4, backoff_seconds=0.5, retry_budget_seconds=90.0, date_format="epoch", page_concurrency=4,
                        max_response_mb=32))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        base_url: &str,
        api_key: &str,
        company_id: &Bound<'_, PyAny>,
        verify_tls: bool,
        use_proxy: bool,
        timeout_seconds: f64,
        max_retries: u32,
        backoff_seconds: f64,
        retry_budget_seconds: f64,
        date_format: &str,
        page_concurrency: usize,
        max_response_mb: u64,
    ) -> PyResult<Self> {
        guard(py, || {
            let secs = |arg: &str, v: f64, max: f64| {
                input::positive_seconds(arg, &v.to_string(), max).map_err(PyErr::from)
            };
            let cid = args::id("company_id", company_id)?;
            let mut cfg = ClientConfig::new(base_url, api_key, cid)?;
            cfg.verify_tls = verify_tls;
            cfg.use_proxy = use_proxy;
            cfg.timeout = std::time::Duration::from_secs_f64(secs(
                "timeout_seconds",
                timeout_seconds,
                600.0,
            )?);
            cfg.retry = RetryPolicy {
                max_retries,
                base_delay: std::time::Duration::from_secs_f64(secs(
                    "backoff_seconds",
                    backoff_seconds,
                    60.0,
                )?),
                budget: std::time::Duration::from_secs_f64(secs(
                    "retry_budget_seconds",
                    retry_budget_seconds,
                    3600.0,
                )?),
                ..RetryPolicy::default()
            };
            cfg.date_format = DateFormat::parse("date_format", date_format)?;
            cfg.page_concurrency =
                input::bounded_int("page_concurrency", &page_concurrency.to_string(), 1, 8)?
                    as usize;
            cfg.max_response_mb = crate::http::max_body_mb(
                "max_response_mb",
                &max_response_mb.to_string(),
                cfg.max_response_mb,
            )?;
            let fetch = Ok(FetchConfig {
                page_concurrency: cfg.page_concurrency,
                ..FetchConfig::new("3 days", 10_000, 900)
            });
            let client = SocRadarClient::new(cfg)?;
            Ok(PySocRadarClient {
                client: Arc::new(client),
                fetch,
                incidents: IncidentOptions {
                    include_content: true,
                    include_entities: true,
                    ..IncidentOptions::default()
                },
                mirror: Ok(MirrorSettings::default()),
            })
        })
    }

    /// A client from the XSOAR instance parameters (`demisto.params()`), every one honoured;
    /// `instance` is `demisto.integrationInstance()`, for mirroring.
    #[staticmethod]
    #[pyo3(signature = (params, *, instance=None))]
    fn from_params(
        py: Python<'_>,
        params: &Bound<'_, PyDict>,
        instance: Option<&str>,
    ) -> PyResult<Self> {
        guard(py, || {
            let v = json_arg("params", "The instance parameters", params.as_any())?;
            let p = InstanceParams::for_instance(&v, instance, crate::clock::now())?;
            let config = p.client.with_transport_params(&v)?;
            let client = SocRadarClient::new(config)?;
            Ok(PySocRadarClient {
                client: Arc::new(client),
                fetch: p.fetch,
                incidents: p.incidents,
                mirror: p.mirror,
            })
        })
    }

    #[getter]
    fn company_id(&self) -> u64 {
        self.client.config().company_id
    }

    #[getter]
    fn base_url(&self) -> String {
        self.client.config().base_url.clone()
    }

    /// Requests sent and retries made by this client so far.
    #[getter]
    fn traffic<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            use std::sync::atomic::Ordering::Relaxed;
            let t = &self.client.traffic;
            as_is(
                py,
                &json!({"requests": t.requests.load(Relaxed), "retries": t.retries.load(Relaxed)}),
            )
        })
    }

    /// Debug lines since the last call (retries, fetch windows); they never contain the key.
    fn drain_log(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        guard(py, || Ok(self.client.drain_log()))
    }

    /// Checks URL, key and company id with the smallest search; also checks the fetch settings
    /// when `check_fetch` is true.
    #[pyo3(signature = (*, check_fetch=false))]
    fn test_connection(&self, py: Python<'_>, check_fetch: bool) -> PyResult<()> {
        guard(py, || {
            // Wrong triage rules are reported whether or not the instance fetches: they are
            // the admin's statement of how alarms are to be sorted.
            if let Err(e) = &self.fetch {
                if check_fetch || e.argument == "triage_rules" {
                    return Err(PyErr::from(e.clone()));
                }
            }
            let filters = SearchFilters::default();
            self.run(py, |c| {
                c.search(&SearchQuery {
                    filters: &filters,
                    page: 1,
                    limit: 1,
                    start: None,
                    end: None,
                    include_total_records: false,
                })
            })?;
            Ok(())
        })
    }

    /// One page of the search endpoint, as the server sent it.
    #[pyo3(signature = (*, page=1, limit=100, start=None, end=None, include_total_records=true))]
    fn search<'py>(
        &self,
        py: Python<'py>,
        page: u32,
        limit: u32,
        start: Option<&str>,
        end: Option<&str>,
        include_total_records: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            if page == 0 || !(1..=MAX_PAGE_SIZE).contains(&limit) {
                return Err(PyErr::from(InputError::new("limit", format!("page must be 1 or more and limit from 1 to {MAX_PAGE_SIZE}, got page {page}, limit {limit}."))));
            }
            let start = start
                .map(|s| time_arg("start", s).map(|t| t.timestamp()))
                .transpose()?;
            let end = end
                .map(|s| time_arg("end", s).map(|t| t.timestamp()))
                .transpose()?;
            let filters = self
                .fetch
                .as_ref()
                .map(|f| f.filters.clone())
                .unwrap_or_default();
            let p = self.run(py, |c| {
                c.search(&SearchQuery {
                    filters: &filters,
                    page,
                    limit,
                    start,
                    end,
                    include_total_records,
                })
            })?;
            let alarms: Vec<Value> = p
                .alarm_texts()
                .map(|t| serde_json::from_str(t).unwrap_or(Value::Null))
                .collect();
            as_is(
                py,
                &json!({"alarms": alarms, "total_records": p.total_records, "total_pages": p.total_pages}),
            )
        })
    }

    /// One fetch run: `{"incidents", "last_run", "malformed", "notes", "stats", "failure"}`.
    /// When the window could not be read whole, `failure` says why and the incidents and last
    /// run are still to be stored; the error is raised (with that dict as `.partial`) only when
    /// nothing was delivered and the state is unchanged.
    #[pyo3(signature = (last_run, *, now=None))]
    fn fetch_incidents<'py>(
        &self,
        py: Python<'py>,
        last_run: &Bound<'py, PyAny>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let cid = self.client.config().company_id;
            fetch_from(
                py,
                &*self.client,
                self.fetch.clone(),
                &self.incidents,
                cid,
                last_run,
                now,
            )
        })
    }

    /// A fetch run over search answers already received (raw JSON text or bytes, page 1 first)
    /// instead of the server: the same parsing, deduplication against `last_run` and mapping,
    /// with no request sent. Same result and errors as `fetch_incidents`.
    #[pyo3(signature = (pages, last_run, *, now=None))]
    fn fetch_from_pages<'py>(
        &self,
        py: Python<'py>,
        pages: &Bound<'py, PyList>,
        last_run: &Bound<'py, PyAny>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let cid = self.client.config().company_id;
            // The capture is held by Python; the replay reads it in place and is dropped
            // here, with the GIL, after the run.
            let replay = Replay::new(captured_pages(pages)?);
            let (cfg, incidents) = (self.fetch.clone(), &self.incidents);
            fetch_from(py, &replay, cfg, incidents, cid, last_run, now)
        })
    }

    /// The newest alarms of `[now - first_fetch, now]` at the fetch's page size, the window's
    /// true totals, the company id and a hint when nothing matched; stores nothing.
    #[pyo3(signature = (*, first_fetch="3 days", limit=None, now=None))]
    fn test_fetch<'py>(
        &self,
        py: Python<'py>,
        first_fetch: &str,
        limit: Option<&Bound<'py, PyAny>>,
        now: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let limit_text = match limit {
                Some(l) if !l.is_none() => Some(args::arg_text("limit", l)?),
                _ => None,
            };
            let limit = preview_limit(limit_text)?;
            let filters = self
                .fetch
                .as_ref()
                .map(|f| f.filters.clone())
                .unwrap_or_default();
            test_fetch(py, &self.client, filters, first_fetch, limit, now)
        })
    }

    #[pyo3(signature = (alarm_ids, status_reason, comments=None, *, update_related_finding_status=None, email=None, company_id=None))]
    #[allow(clippy::too_many_arguments)] // one per argument of the XSOAR command
    fn change_status<'py>(
        &self,
        py: Python<'py>,
        alarm_ids: &Bound<'py, PyAny>,
        status_reason: &str,
        comments: Option<&Bound<'py, PyAny>>,
        update_related_finding_status: Option<&Bound<'py, PyAny>>,
        email: Option<&Bound<'py, PyAny>>,
        company_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let ids =
                input::positive_id_list("alarm_ids", &args::arg_text("alarm_ids", alarm_ids)?)?;
            let reason = actions::status_reason("status_reason", status_reason)?;
            let related = match update_related_finding_status {
                Some(v) if !v.is_none() => {
                    if let Ok(b) = v.extract::<bool>() {
                        b
                    } else {
                        input::boolean(
                            "update_related_finding_status",
                            &args::arg_text("update_related_finding_status", v)?,
                        )?
                    }
                }
                _ => false,
            };
            let email = match (related, args::optional_text(email, "email")?) {
                (true, Some(e)) => Some(input::email("email", &e)?),
                (true, None) => {
                    return Err(PyErr::from(InputError::new("email", "email is required when update_related_finding_status is true: give the address of the analyst making the change.")))
                }
                (false, _) => None,
            };
            let cid = args::company(company_id)?;
            let action = actions::change_status(
                ids,
                reason,
                args::optional_text(comments, "comments")?,
                email,
            );
            self.act(py, action, cid)
        })
    }

    #[pyo3(signature = (alarm_id, user_email, comment, *, company_id=None))]
    fn add_comment<'py>(
        &self,
        py: Python<'py>,
        alarm_id: &Bound<'py, PyAny>,
        user_email: &Bound<'py, PyAny>,
        comment: &Bound<'py, PyAny>,
        company_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let id = args::id("alarm_id", alarm_id)?;
            let email = input::email("user_email", &args::arg_text("user_email", user_email)?)?;
            let comment = args::text("comment", comment)?;
            let cid = args::company(company_id)?;
            self.act(py, actions::add_comment(id, email, comment), cid)
        })
    }

    #[pyo3(signature = (alarm_id, user_emails, *, company_id=None))]
    fn change_assignee<'py>(
        &self,
        py: Python<'py>,
        alarm_id: &Bound<'py, PyAny>,
        user_emails: &Bound<'py, PyAny>,
        company_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let id = args::id("alarm_id", alarm_id)?;
            let emails =
                input::email_list("user_emails", &args::arg_text("user_emails", user_emails)?)?;
            let cid = args::company(company_id)?;
            self.act(py, actions::change_assignee(id, emails), cid)
        })
    }

    /// Adds the tag; the alarm has it afterwards however often this runs (`mirror_state` lets
    /// the alarm be read first and after a timeout).
    #[pyo3(signature = (alarm_id, tag, **kw), text_signature = "(self, alarm_id, tag, *, company_id=None, mirror_state=None)")]
    fn add_tag(&self, alarm_id: &Arg<'_>, tag: &Arg<'_>, kw: Option<&Dict<'_>>) -> Obj {
        self.set_tag("add_tag", alarm_id, tag, kw, TagChange::Add)
    }

    /// Removes the tag (`DELETE`); the alarm lacks it afterwards however often this runs.
    #[pyo3(signature = (alarm_id, tag, **kw), text_signature = "(self, alarm_id, tag, *, company_id=None, mirror_state=None)")]
    fn remove_tag(&self, alarm_id: &Arg<'_>, tag: &Arg<'_>, kw: Option<&Dict<'_>>) -> Obj {
        self.set_tag("remove_tag", alarm_id, tag, kw, TagChange::Remove)
    }

    #[pyo3(signature = (alarm_id, comment, *, company_id=None))]
    fn ask_analyst<'py>(
        &self,
        py: Python<'py>,
        alarm_id: &Bound<'py, PyAny>,
        comment: &Bound<'py, PyAny>,
        company_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let id = args::id("alarm_id", alarm_id)?;
            let comment = args::text("comment", comment)?;
            let cid = args::company(company_id)?;
            self.act(py, actions::ask_analyst(id, comment), cid)
        })
    }

    #[pyo3(signature = (alarm_id, severity, *, company_id=None))]
    fn change_severity<'py>(
        &self,
        py: Python<'py>,
        alarm_id: &Bound<'py, PyAny>,
        severity: &str,
        company_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let id = args::id("alarm_id", alarm_id)?;
            let severity = input::one_of("severity", severity, SEVERITIES)?;
            let cid = args::company(company_id)?;
            self.act(py, actions::change_severity(id, severity), cid)
        })
    }

    fn __repr__(&self) -> String {
        let c = self.client.config();
        format!(
            "SocRadarClient(base_url={:?}, company_id={})",
            c.base_url, c.company_id
        )
    }
}
