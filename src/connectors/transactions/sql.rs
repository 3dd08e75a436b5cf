//! The transaction scope read from PostgreSQL with the operator's queries.
//!
//! Each query is one SELECT/WITH statement returning one row whose columns are named after the
//! figures (`FIGURE_NAMES`): usually
//! - `affected_query`: `transactions_affected`, `value_affected_eur`, `clients_affected`,
//!   `counterparts_affected` for the window;
//! - `reference_query`: `daily_average_transactions`, `daily_average_value_eur` over the
//!   reference period;
//! - `totals_query` (optional): `clients_total`, `counterparts_total`.
//!
//! Any query may return any figure column; other columns are ignored. Integer, numeric, float and
//! numeric-text columns are accepted; numeric is read from its exact decimal digits. NULL leaves
//! the figure unknown. The parameters `:services` (text[]), `:window_start`, `:window_end`,
//! `:reference_start`, `:reference_end` (timestamptz) and `:reference_days` (integer) are bound as
//! `$n` parameters.
//!
//! Safety: the text must be a single reading statement (`sql_text`), and it runs in a
//! `BEGIN READ ONLY` transaction with `SET LOCAL statement_timeout`, `lock_timeout` and
//! `TimeZone = 'UTC'`, rolled back afterwards. Grant the connector's role SELECT only.
//!
//! Bounds: the result is read through a portal two rows at most (a query that returns a second
//! row is wrong, and the rest is never sent); connecting (TCP, TLS and login) and each query run
//! under a client-side deadline, so a server that accepts the connection and then never answers
//! costs `connect_timeout`, or the statement timeout plus [`QUERY_DEADLINE_MARGIN`], and no more.
//! The blocking `postgres` crate bounds only the TCP connect, so the connector drives
//! `tokio-postgres` on a runtime of its own and drops the connection when a deadline passes.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::SecondsFormat;
use tokio::runtime::Runtime;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls, Row};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::decimal::Dec;
use super::dsn::{Dsn, SslMode};
use super::sql_text::{self, Param, Prepared};
use super::sql_values::PgValue;
use super::{assemble, figure_name, figure_value, Reading, ScopeRequest, TransactionScope};
use crate::connectors::ConnectorError;
use crate::errchain::{is_tls, root_cause, walk};
use crate::input::{quote, InputError};
use crate::timeutil::to_rfc3339;

/// Transactions of the services that failed for technical reasons in the window (the sample
/// schema, devtools/transactions/schema.sql).
pub const DEFAULT_AFFECTED_QUERY: &str = "\
SELECT count(*)                       AS transactions_affected,
       coalesce(sum(amount_eur), 0)   AS value_affected_eur,
       count(DISTINCT client_id)      AS clients_affected,
       count(DISTINCT counterpart_id) AS counterparts_affected
FROM payments.transactions
WHERE service = ANY (:services)
  AND created_at >= :window_start AND created_at < :window_end
  AND failure_kind = 'technical'";

/// Every transaction of the services in the reference period, per day; NULL (unknown) when the
/// period holds no data at all rather than a misleading zero.
pub const DEFAULT_REFERENCE_QUERY: &str = "\
SELECT CASE WHEN count(*) > 0 THEN count(*)::numeric / :reference_days END AS daily_average_transactions,
       CASE WHEN count(*) > 0 THEN sum(amount_eur) / :reference_days END   AS daily_average_value_eur
FROM payments.transactions
WHERE service = ANY (:services)
  AND created_at >= :reference_start AND created_at < :reference_end";

/// Clients and counterparts with a contract for the services.
pub const DEFAULT_TOTALS_QUERY: &str = "\
SELECT (SELECT count(DISTINCT client_id) FROM payments.client_services
        WHERE service = ANY (:services))      AS clients_total,
       (SELECT count(DISTINCT counterpart_id) FROM payments.counterpart_services
        WHERE service = ANY (:services))      AS counterparts_total";

#[derive(Debug, Clone)]
pub struct SqlConfig {
    pub dsn: Dsn,
    /// `None` leaves the query out. At least one query is needed.
    pub affected_query: Option<String>,
    pub reference_query: Option<String>,
    pub totals_query: Option<String>,
    /// Per query (`SET LOCAL statement_timeout`); 100 ms to 10 min.
    pub statement_timeout: Duration,
    /// How long a query may wait for a lock (`SET LOCAL lock_timeout`); at most the statement timeout.
    pub lock_timeout: Duration,
    /// Deadline of the whole connection: TCP, TLS and login (`pg_connect_timeout`); 1 s to 120 s.
    pub connect_timeout: Duration,
    /// What sources name, e.g. `payments.transactions`; default `<dbname> on <host>:<port>`.
    pub label: Option<String>,
    /// Estimate transactions affected and their value from the daily averages when the
    /// affected query does not give them (RTS 2024/1772 Art. 1). Default true.
    pub estimate_from_reference: bool,
}

impl SqlConfig {
    /// A configuration with the default queries of the sample schema and default timeouts.
    pub fn new(dsn: &str) -> Result<SqlConfig, InputError> {
        Ok(SqlConfig {
            dsn: Dsn::parse("dsn", dsn)?,
            affected_query: Some(DEFAULT_AFFECTED_QUERY.into()),
            reference_query: Some(DEFAULT_REFERENCE_QUERY.into()),
            totals_query: Some(DEFAULT_TOTALS_QUERY.into()),
            statement_timeout: Duration::from_secs(10),
            lock_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(10),
            label: None,
            estimate_from_reference: true,
        })
    }
}

#[derive(Debug)]
pub(super) struct Query {
    /// The configuration parameter it came from: `affected_query`, …
    pub(super) name: &'static str,
    pub(super) prepared: Prepared,
}

#[derive(Debug)]
pub struct SqlSource {
    cfg: SqlConfig,
    pub(super) queries: Vec<Query>,
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// How long past the statement timeout the client waits for a query's answer before it drops
/// the connection: the server cancels at the statement timeout and says so; this catches a
/// server that never answers at all.
pub const QUERY_DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// Rows fetched of a result: the one the connector reads and a second that shows the query wrong.
const ROWS_READ: i32 = 2;

/// A connection and the runtime that drives it; dropping it closes the socket.
struct Session {
    runtime: Runtime,
    client: Client,
    /// Set when a query passed its deadline: the connection is abandoned.
    abandoned: Option<String>,
}

impl SqlSource {
    /// Checks the configuration: every query one reading statement with known parameters, the
    /// timeouts in range. Nothing is sent.
    pub fn new(cfg: SqlConfig) -> Result<SqlSource, InputError> {
        let mut queries = Vec::new();
        for (name, text) in [
            ("affected_query", &cfg.affected_query),
            ("reference_query", &cfg.reference_query),
            ("totals_query", &cfg.totals_query),
        ] {
            if let Some(t) = text.as_deref().filter(|t| !t.trim().is_empty()) {
                queries.push(Query {
                    name,
                    prepared: sql_text::prepare(name, t)?,
                });
            }
        }
        if queries.is_empty() {
            return Err(InputError::new(
                "affected_query",
                "No query is configured; give at least affected_query (or reference_query / totals_query).",
            ));
        }
        let st = cfg.statement_timeout;
        if st < Duration::from_millis(100) || st > Duration::from_secs(600) {
            return Err(InputError::new(
                "statement_timeout",
                format!(
                    "statement_timeout must be from 0.1 s to 600 s, got {}.",
                    seconds(st)
                ),
            ));
        }
        if cfg.lock_timeout.is_zero() || cfg.lock_timeout > st {
            return Err(InputError::new(
                "lock_timeout",
                format!(
                    "lock_timeout must be above 0 and at most the statement timeout ({}), got {}.",
                    seconds(st),
                    seconds(cfg.lock_timeout)
                ),
            ));
        }
        if cfg.connect_timeout < Duration::from_secs(1)
            || cfg.connect_timeout > Duration::from_secs(120)
        {
            return Err(InputError::new(
                "connect_timeout",
                format!(
                    "connect_timeout must be from 1 s to 120 s, got {}.",
                    seconds(cfg.connect_timeout)
                ),
            ));
        }
        Ok(SqlSource { cfg, queries })
    }

    fn label(&self) -> String {
        self.cfg
            .label
            .clone()
            .unwrap_or_else(|| self.cfg.dsn.label())
    }

    fn error(&self, message: String) -> ConnectorError {
        ConnectorError::new(format!("PostgreSQL {}", self.label()), self.scrub(&message))
    }

    fn scrub(&self, text: &str) -> String {
        match &self.cfg.dsn.password {
            Some(p) => p.scrub(text),
            None => text.to_string(),
        }
    }

    /// Runs the configured queries, each in its own read-only transaction on one connection.
    /// A query that fails leaves its figures unknown and the scope `partial`; a failed
    /// connection, or every query failing, is an error.
    pub fn scope(&self, req: &ScopeRequest) -> Result<TransactionScope, ConnectorError> {
        req.validate().map_err(|e| self.error(e.message))?;
        let mut session = self.connect()?;
        let mut reading = Reading::default();
        let mut failed = 0;
        for q in &self.queries {
            match self.run(&mut session, q, req) {
                Ok(row) => self.read_row(q, req, &row, &mut reading),
                Err(problem) => {
                    failed += 1;
                    reading.fail(self.scrub(&problem));
                }
            }
        }
        if failed == self.queries.len() {
            let mut message = reading.problems.first().cloned().unwrap_or_default();
            match failed {
                1 => {}
                2 => message.push_str(" The other query failed too."),
                n => {
                    let _ = write!(message, " The other {} queries failed too.", n - 1);
                }
            }
            return Err(self.error(message));
        }
        Ok(assemble(req, reading, self.cfg.estimate_from_reference))
    }

    /// Connects, logs in and has the server prepare every query (parse, names, types) without
    /// running it: test-module's check.
    pub fn check(&self) -> Result<(), ConnectorError> {
        let mut session = self.connect()?;
        let deadline = self.cfg.statement_timeout + QUERY_DEADLINE_MARGIN;
        for q in &self.queries {
            let client = &mut session.client;
            let prepared = session.runtime.block_on(async {
                tokio::time::timeout(deadline, client.prepare(q.prepared.sql.as_str())).await
            });
            match prepared {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(self.error(self.query_problem(q.name, &e))),
                Err(_) => {
                    return Err(self.error(format!(
                        "PostgreSQL gave no answer within {} while preparing query {}; check the server's health and load.",
                        seconds(deadline),
                        q.name
                    )))
                }
            }
        }
        Ok(())
    }

    fn connect(&self) -> Result<Session, ConnectorError> {
        let d = &self.cfg.dsn;
        let mut c = tokio_postgres::Config::new();
        c.host(&d.host)
            .port(d.port)
            .dbname(&d.dbname)
            .user(&d.user)
            .application_name("dora-bridge transaction scope")
            .connect_timeout(self.cfg.connect_timeout)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        if let Some(p) = &d.password {
            c.password(p.expose());
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| self.error(format!("The PostgreSQL client could not start ({e}).")))?;
        // The connection task runs on this runtime whenever the session blocks on it.
        let connecting = async {
            match d.sslmode {
                SslMode::Disable => {
                    c.ssl_mode(tokio_postgres::config::SslMode::Disable);
                    let (client, conn) = c.connect(NoTls).await?;
                    tokio::spawn(conn);
                    Ok(client)
                }
                SslMode::Require | SslMode::VerifyFull => {
                    c.ssl_mode(tokio_postgres::config::SslMode::Require);
                    let (client, conn) = c.connect(tls()).await?;
                    tokio::spawn(conn);
                    Ok(client)
                }
            }
        };
        let deadline = self.cfg.connect_timeout;
        match runtime.block_on(async { tokio::time::timeout(deadline, connecting).await }) {
            Ok(Ok(client)) => Ok(Session {
                runtime,
                client,
                abandoned: None,
            }),
            Ok(Err(e)) => Err(self.error(self.connect_problem(&e))),
            Err(_) => Err(self.error(format!(
                "PostgreSQL at {}:{} did not complete the connection and login within {} (pg_connect_timeout); check that the host and port are a PostgreSQL server's, and the firewall.",
                d.host,
                d.port,
                seconds(deadline)
            ))),
        }
    }

    fn connect_problem(&self, e: &tokio_postgres::Error) -> String {
        let d = &self.cfg.dsn;
        let at = format!("{}:{}", d.host, d.port);
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            return if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
            {
                format!("PostgreSQL at {at} refused the login of user {} to database {} ({}); check the user and the password.", quote(&d.user), quote(&d.dbname), db.message())
            } else if *code == SqlState::INVALID_CATALOG_NAME {
                format!(
                    "PostgreSQL at {at} has no database {}; check dbname in the DSN.",
                    quote(&d.dbname)
                )
            } else {
                format!(
                    "PostgreSQL at {at} refused the connection: {} (SQLSTATE {}).",
                    db.message(),
                    code.code()
                )
            };
        }
        let cause = root_cause(e);
        let mut timed_out = false;
        walk(e, &mut |err| {
            timed_out |= err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        });
        if is_tls(e) {
            format!(
                "The TLS connection to PostgreSQL at {at} failed ({cause}); with sslmode={} the server must offer TLS with a certificate valid for {} from a CA this machine trusts, or use sslmode=disable on a trusted local network only.",
                d.sslmode.as_str(),
                d.host
            )
        } else if timed_out {
            format!("PostgreSQL at {at} did not answer within {}; check the host, the port and the firewall.", seconds(self.cfg.connect_timeout))
        } else {
            format!("Could not connect to PostgreSQL at {at} ({cause}); check the host, the port and that the server runs.")
        }
    }

    fn query_problem(&self, name: &str, e: &tokio_postgres::Error) -> String {
        let Some(db) = e.as_db_error() else {
            return if e.is_closed() {
                format!("The connection to PostgreSQL closed during query {name}; run it again.")
            } else {
                format!("Query {name} failed: {} ({}).", e, root_cause(e))
            };
        };
        let code = db.code();
        if *code == SqlState::QUERY_CANCELED {
            format!(
                "The query ran longer than the {} statement timeout (query {name}) and PostgreSQL cancelled it; make it cheaper (an index on the service and time columns) or raise the statement timeout.",
                seconds(self.cfg.statement_timeout)
            )
        } else if *code == SqlState::LOCK_NOT_AVAILABLE {
            format!("The query waited longer than the {} lock timeout for a lock (query {name}); run it again later.", seconds(self.cfg.lock_timeout))
        } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            format!(
                "PostgreSQL refused query {name} because it tries to write ({}); every query runs in a READ ONLY transaction, so give one that only reads.",
                db.message()
            )
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            format!("PostgreSQL refused query {name}: {}; grant the connector's user SELECT on what the query reads.", db.message())
        } else {
            let at = match db.position() {
                Some(tokio_postgres::error::ErrorPosition::Original(p)) => {
                    format!(" at character {p}")
                }
                _ => String::new(),
            };
            format!(
                "PostgreSQL rejected query {name}: {}{at} (SQLSTATE {}); fix the query.",
                db.message(),
                code.code()
            )
        }
    }

    /// One query in a read-only transaction, bounded by the statement and lock timeouts on the
    /// server and by a deadline on the client; at most two rows are fetched.
    fn run(&self, session: &mut Session, q: &Query, req: &ScopeRequest) -> Result<Row, String> {
        if let Some(why) = &session.abandoned {
            return Err(format!("Query {} was not run: {why}", q.name));
        }
        let fail = |e: tokio_postgres::Error| self.query_problem(q.name, &e);
        let values = bind(&q.prepared.params, req);
        let params: Vec<&(dyn ToSql + Sync)> = values
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let settings = format!(
            "SET LOCAL statement_timeout = {}; SET LOCAL lock_timeout = {}; SET LOCAL TimeZone = 'UTC'",
            self.cfg.statement_timeout.as_millis(),
            self.cfg.lock_timeout.as_millis()
        );
        let client = &mut session.client;
        let work = async {
            let tx = client
                .build_transaction()
                .read_only(true)
                .start()
                .await
                .map_err(fail)?;
            tx.batch_execute(&settings).await.map_err(fail)?;
            // A portal, so that the server sends two rows at most, however many the query makes.
            let portal = tx
                .bind(q.prepared.sql.as_str(), &params)
                .await
                .map_err(fail)?;
            let rows = tx.query_portal(&portal, ROWS_READ).await.map_err(fail)?;
            let _ = tx.rollback().await;
            Ok::<_, String>(rows)
        };
        let deadline = self.cfg.statement_timeout + QUERY_DEADLINE_MARGIN;
        let outcome = session
            .runtime
            .block_on(async { tokio::time::timeout(deadline, work).await });
        let mut rows = match outcome {
            Ok(result) => result?,
            Err(_) => {
                let why = format!(
                    "PostgreSQL gave no answer to query {} within {} (the statement timeout and {} more), so the connection was dropped",
                    q.name,
                    seconds(deadline),
                    seconds(QUERY_DEADLINE_MARGIN)
                );
                session.abandoned = Some(format!("{why}."));
                return Err(format!("{why}; check the server's health and load."));
            }
        };
        match rows.len() {
            1 => Ok(rows.remove(0)),
            0 => Err(format!("Query {} returned no row; it must return exactly one (an aggregate such as count(*) without GROUP BY always does).", q.name)),
            _ => Err(format!("Query {} returned more than one row; it must return exactly one (aggregate with count(*) and sum() without GROUP BY).", q.name)),
        }
    }

    fn source(&self, q: &Query, req: &ScopeRequest) -> String {
        if q.prepared.params.iter().any(|p| {
            matches!(
                p,
                Param::ReferenceStart | Param::ReferenceEnd | Param::ReferenceDays
            )
        }) {
            format!(
                "PostgreSQL {} (query {}: {} days, {} to {})",
                self.label(),
                q.name,
                req.reference_days,
                to_rfc3339(req.reference_start()),
                to_rfc3339(req.reference_end())
            )
        } else {
            format!("PostgreSQL {} (query {})", self.label(), q.name)
        }
    }

    fn read_row(&self, q: &Query, req: &ScopeRequest, row: &Row, reading: &mut Reading) {
        let source = self.source(q, req);
        let mut named = 0;
        for (idx, col) in row.columns().iter().enumerate() {
            let Some(name) = figure_name(col.name()) else {
                continue;
            };
            named += 1;
            let problem = match row.try_get::<_, Option<PgValue>>(idx) {
                Ok(None) => continue, // NULL: the figure is unknown, not zero
                Ok(Some(PgValue::Number(text))) => match Dec::parse(&text) {
                    Ok(v) => match figure_value(name, v) {
                        Ok(_) => {
                            reading.set(name, v, source.clone());
                            continue;
                        }
                        Err(why) => why,
                    },
                    Err(e) => format!("{} ({})", e.describe(), quote(&text)),
                },
                Ok(Some(PgValue::Other(ty))) => {
                    format!("is of type {ty}, not a number; cast it to bigint or numeric")
                }
                Err(e) => format!("could not be read ({})", root_cause(&e)),
            };
            reading.fail(format!(
                "Column {name} of query {} {problem}; the figure is left unknown.",
                q.name
            ));
        }
        if named == 0 {
            reading.fail(format!(
                "Query {} returned none of the columns the connector reads ({}); name the result columns with AS.",
                q.name,
                super::FIGURE_NAMES.join(", ")
            ));
        }
    }
}

/// The values of `$1…$n`. Timestamps travel as RFC 3339 text (cast by the placeholder).
fn bind(params: &[Param], req: &ScopeRequest) -> Vec<Box<dyn ToSql + Sync>> {
    let time = |t: chrono::DateTime<chrono::Utc>| -> Box<dyn ToSql + Sync> {
        Box::new(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    };
    params
        .iter()
        .map(|p| match p {
            Param::Services => Box::new(req.services.clone()) as Box<dyn ToSql + Sync>,
            Param::WindowStart => time(req.window_start),
            Param::WindowEnd => time(req.window_end),
            Param::ReferenceStart => time(req.reference_start()),
            Param::ReferenceEnd => time(req.reference_end()),
            Param::ReferenceDays => Box::new(i32::try_from(req.reference_days).unwrap_or(i32::MAX)),
        })
        .collect()
}

/// TLS for sslmode=require and verify-full: rustls with the machine's trusted roots (Mozilla's
/// when none are installed), checking the certificate and the host name. libpq's `require`
/// skips the certificate check; that needs a custom rustls verifier and `rustls` as a direct
/// dependency, so here `require` checks as strictly as `verify-full`.
fn tls() -> MakeRustlsConnect {
    match MakeRustlsConnect::with_native_certs() {
        Ok((connector, _)) => connector,
        Err(_) => MakeRustlsConnect::with_webpki_roots(),
    }
}
