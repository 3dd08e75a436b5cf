//! The context connectors for Python: the ICT registry, the transaction scope and the
//! geographical scope, network and database I/O without the GIL.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::{json, Value};

use super::convert::{time_arg, to_py};
use super::errors::{guard, json_arg};
use crate::connectors::geo::{geo_scope, GeoRequest, ImpactList, ImpactType};
use crate::connectors::ict::{ict_context, IctSources};
use crate::connectors::params::{ConnectorSet, TransactionSource};
use crate::connectors::transactions::ScopeRequest;
use crate::input::{self, InputError};

fn list_arg(name: &str, v: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    Ok(match json_arg(name, name, v)? {
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| x.to_string())
            })
            .collect(),
        Value::String(s) => input::split_list(&s),
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    })
}

#[pyclass(module = "dora_bridge._core", name = "ContextConnectors", frozen)]
pub struct PyConnectors {
    set: ConnectorSet,
}

#[pymethods]
impl PyConnectors {
    #[staticmethod]
    fn from_params(py: Python<'_>, params: &Bound<'_, PyDict>) -> PyResult<Self> {
        guard(py, || {
            let v = json_arg("params", "The instance parameters", params.as_any())?;
            let set = py.detach(|| ConnectorSet::from_params(&v))?;
            Ok(PyConnectors { set })
        })
    }

    /// The sources this instance has.
    fn sources(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        guard(py, || Ok(self.set.describe()))
    }

    /// Contacts every configured source once; one line per source, or `ConnectorError` naming
    /// each that failed.
    fn test_connection(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        guard(py, || {
            if self.set.describe().is_empty() {
                return Err(PyErr::from(InputError::new("register_path", "No source is configured: set a Register of Information, a CMDB, an ICT mapping or a transaction source.")));
            }
            let now = crate::clock::now();
            py.detach(|| self.set.check(now)).map_err(|failed| {
                PyErr::from(crate::connectors::ConnectorError::new(
                    "test-module",
                    failed.join(" "),
                ))
            })
        })
    }

    /// `DORA.Context.ICT` for an asset, or for named services.
    #[pyo3(signature = (*, asset=None, services=None))]
    fn ict_context<'py>(
        &self,
        py: Python<'py>,
        asset: Option<&str>,
        services: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let services = list_arg("services", services)?;
            let asset = asset
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string);
            if asset.is_none() && services.is_empty() {
                return Err(PyErr::from(InputError::new(
                    "asset",
                    "Give an asset (host, IP address, domain) or the affected services.",
                )));
            }
            let src = IctSources {
                cmdb: self.set.cmdb.as_ref(),
                register: self.set.register.as_ref(),
                mapping: self.set.mapping.as_ref(),
                depth: self.set.cmdb_depth,
            };
            let ctx = py.detach(|| ict_context(&src, asset.as_deref(), &services))?;
            to_py(py, &ctx)
        })
    }

    /// `DORA.Context.Transactions` for the affected services and the incident window.
    #[pyo3(signature = (services, window_start, window_end, *, reference_days=None))]
    fn transaction_scope<'py>(
        &self,
        py: Python<'py>,
        services: &Bound<'py, PyAny>,
        window_start: &str,
        window_end: &str,
        reference_days: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let source = self.set.transactions.as_ref().ok_or_else(|| {
                PyErr::from(InputError::new("transaction_source", "No transaction source is configured: set transaction_source (postgresql or rest) in the instance."))
            })?;
            let services = list_arg("services", Some(services))?;
            if services.is_empty() {
                return Err(PyErr::from(InputError::new("services", "services must name at least one affected service (the ICT context names them).")));
            }
            let reference_days = match reference_days.filter(|d| !d.is_none()) {
                None => None,
                Some(d) => Some(d.extract::<i64>().map_err(|_| {
                    PyErr::from(InputError::new(
                        "reference_days",
                        format!(
                            "reference_days must be a whole number of days from 1 to 366, got {}.",
                            d
                        ),
                    ))
                })?),
            };
            let req = ScopeRequest::new(
                services,
                time_arg("window_start", window_start)?,
                time_arg("window_end", window_end)?,
                reference_days,
            )?;
            let scope = py.detach(|| match source {
                TransactionSource::Sql(s) => s.scope(&req),
                TransactionSource::Rest(r) => r.scope(&req),
            })?;
            to_py(py, &scope.to_context())
        })
    }

    /// `DORA.Context.Geo` from where clients, counterparts, branches, group entities, market
    /// infrastructures and third-party providers were affected. Each list takes `CC` or
    /// `CC: detail` items; `providers` takes `{Country, Reason}` objects (DORA.Context.ICT.Countries).
    #[pyo3(signature = (*, clients=None, counterparts=None, branches=None, group_entities=None, market_infrastructures=None, providers=None, all_branches=false, all_group_entities=false))]
    #[allow(clippy::too_many_arguments)] // one per kind of impact of RTS 2024/1772 Art. 4
    fn geo_scope<'py>(
        &self,
        py: Python<'py>,
        clients: Option<&Bound<'py, PyAny>>,
        counterparts: Option<&Bound<'py, PyAny>>,
        branches: Option<&Bound<'py, PyAny>>,
        group_entities: Option<&Bound<'py, PyAny>>,
        market_infrastructures: Option<&Bound<'py, PyAny>>,
        providers: Option<&Bound<'py, PyAny>>,
        all_branches: bool,
        all_group_entities: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            // The source each reason records keeps the integration's argument names, which
            // the context has always carried.
            let mut lists = Vec::new();
            for (argument, source, kind, v) in [
                ("clients", "argument client_countries", ImpactType::Clients, clients),
                ("counterparts", "argument counterpart_countries", ImpactType::FinancialCounterparts, counterparts),
                ("branches", "argument branch_countries", ImpactType::BranchOfTheFinancialEntity, branches),
                ("group_entities", "argument group_entity_countries", ImpactType::FinancialEntitiesWithinTheGroupCarryingOutActivitiesInTheRespectiveMemberState, group_entities),
                ("market_infrastructures", "argument market_infrastructure_countries", ImpactType::FinancialMarketInfrastructure, market_infrastructures),
            ] {
                let items = list_arg(argument, v)?;
                lists.push(ImpactList { argument, source, kind, items });
            }
            let mut configured = Vec::new();
            if all_branches {
                configured.extend(self.set.branches.iter().cloned());
            }
            if all_group_entities {
                configured.extend(self.set.group_entities.iter().cloned());
            }
            let providers = match providers
                .map(|p| json_arg("providers", "providers", p).map(crate::casing::context))
                .transpose()?
            {
                Some(Value::Array(a)) => a,
                None | Some(Value::Null) => Vec::new(),
                Some(one) => vec![one],
            };
            let obs = GeoRequest {
                lists,
                configured,
                providers,
            }
            .observations()?;
            let g = geo_scope(&obs, false)?;
            to_py(
                py,
                &json!({"MemberStates": g.member_states, "ImpactTypes": g.impact_types, "Reasons": g.reasons, "OutsideEea": g.outside_eea}),
            )
        })
    }
}
