//! Who decides: the authenticated XSOAR user behind a human decision, and the role they hold.
//!
//! A decision (an approval, a rejection, a submission, an override of the classification) is
//! recorded under the XSOAR user the server authenticated, never under a typed name. The
//! integration hands this module what XSOAR tells it (see the pack README, "Who approves"):
//!
//! - `demisto.callingContext["context"]["ParentEntry"]`: the War Room entry that ran the
//!   command. Its `user` is the user name of whoever typed the command; the server sets it from
//!   the session. A command run by a playbook task has an `entryTask` there and runs as DBot:
//!   it acts for nobody, and a decision from it is refused.
//! - `demisto.findUser(username=...)`: that user's e-mail, name and XSOAR roles, when the server
//!   answers it.
//!
//! Roles come from the user's XSOAR roles (a role named like an approver role, for example an
//! XSOAR role "CISO") or from the instance parameter `approver_users`, which maps XSOAR users
//! to approver roles. A wrong guess about either source refuses the decision; it never records
//! one under the wrong name.
//!
//! [`Caller`] is what a decision records; [`RoleDirectory::acting_role`] says in which role the
//! caller decides; [`same_person`] is the rule "one human counts once, however the name is
//! spelled".

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::input::{quote, InputError};

/// What the server calls the automation user: its decisions are nobody's.
const AUTOMATION_USERS: [&str; 2] = ["dbot", "system"];
/// Bounds on what a user record may hand the core.
const MAX_NAME: usize = 256;
const MAX_ROLES: usize = 64;

/// The authenticated user behind a command, as recorded in the evidence chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Caller {
    /// The XSOAR user name (`ParentEntry.user`).
    pub username: String,
    pub email: Option<String>,
    /// Display name, when XSOAR gave one.
    pub name: Option<String>,
    /// The user's XSOAR roles, when XSOAR gave them.
    #[serde(default)]
    pub xsoar_roles: Vec<String>,
}

/// The role a caller decides in, and where that role comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ActingRole {
    pub role: String,
    /// `XSOAR role` or `instance parameter approver_users`.
    pub source: String,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= MAX_NAME)
}

/// Role names from a user record: `roles` as XSOAR 6 gives it (`{"demisto": ["CISO"]}`), or a
/// list, and `allRoles` where the server adds it.
fn roles_of(user: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: &Value| {
        if let Some(s) = v.as_str().map(str::trim).filter(|s| !s.is_empty()) {
            if out.len() < MAX_ROLES && !out.iter().any(|r| same_text(r, s)) {
                out.push(s.to_string());
            }
        }
    };
    for key in ["roles", "allRoles"] {
        match user.get(key) {
            Some(Value::Object(by_scope)) => by_scope
                .values()
                .filter_map(Value::as_array)
                .flatten()
                .for_each(&mut add),
            Some(Value::Array(list)) => list.iter().for_each(&mut add),
            _ => {}
        }
    }
    out
}

impl Caller {
    /// The caller from XSOAR's calling context and, when the server gave one, its user record.
    ///
    /// `what` names the decision for the messages ("approve", "mark a report submitted").
    pub fn from_xsoar(
        calling_context: &Value,
        user: &Value,
        what: &str,
    ) -> Result<Caller, InputError> {
        let context = calling_context.get("context").unwrap_or(calling_context);
        let parent = context.get("ParentEntry").unwrap_or(&Value::Null);
        let by_task = parent
            .get("entryTask")
            .is_some_and(|t| t.as_object().is_some_and(|o| !o.is_empty()));
        let username = text(parent, "user");
        let run_by_automation = by_task
            || username.is_none_or(|u| AUTOMATION_USERS.iter().any(|a| u.eq_ignore_ascii_case(a)));
        if run_by_automation {
            return Err(InputError::new(
                "approver",
                format!(
                    "Only a person can {what}: XSOAR ran this command from a playbook task or an automation, which acts for nobody. The person deciding runs the command in the incident's War Room, signed in as themselves; the playbook then reads the decision from the evidence chain."
                ),
            ));
        }
        let username = username.expect("checked above").to_string();
        let mut caller = Caller {
            username,
            email: None,
            name: None,
            xsoar_roles: Vec::new(),
        };
        if let Some(found) = user.as_object().map(|_| user) {
            // A record for another user would attach someone else's roles: refuse it. (`id` is
            // not compared: XSOAR 8 gives users internal ids that differ from the user name.)
            let found_name = text(found, "username");
            if found_name.is_some_and(|n| !same_text(n, &caller.username)) {
                return Err(InputError::new(
                    "approver",
                    format!(
                        "XSOAR answered the look-up of the user {} with the record of {}: the decision is not recorded. Run the command again; if it persists, report it to the XSOAR administrator.",
                        quote(&caller.username),
                        quote(found_name.unwrap_or(""))
                    ),
                ));
            }
            caller.email = text(found, "email").map(str::to_string);
            caller.name = text(found, "name").map(str::to_string);
            caller.xsoar_roles = roles_of(found);
        }
        Ok(caller)
    }

    /// The typed name a command received (`approver`, `submitted_by`) must name this caller:
    /// their user name, e-mail or display name. A typed name never replaces the caller.
    pub fn check_typed(&self, argument: &str, typed: Option<&str>) -> Result<(), InputError> {
        let Some(typed) = typed.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(());
        };
        let names = [
            Some(self.username.as_str()),
            self.email.as_deref(),
            self.name.as_deref(),
        ];
        if names.into_iter().flatten().any(|n| same_text(n, typed)) {
            return Ok(());
        }
        Err(InputError::new(
            argument,
            format!(
                "{argument} is {} but this command was run by the XSOAR user {}: a decision is recorded under the signed-in user, never under another name. Leave {argument} empty, or have {} run the command signed in as themselves.",
                quote(typed),
                quote(&self.username),
                quote(typed)
            ),
        ))
    }

    /// How the caller is shown: the display name with the user name, or the user name.
    pub fn display(&self) -> String {
        match &self.name {
            Some(n) if n != &self.username => format!("{n} ({})", self.username),
            _ => self.username.clone(),
        }
    }
}

/// Case, accents, spacing and punctuation do not make another person: "Ana Ruíz",
/// "ana ruiz" and "ANA  RUIZ" are one name.
pub fn normalized(s: &str) -> String {
    s.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric() || *c == '@')
        .collect()
}

fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (normalized(a), normalized(b));
    !a.is_empty() && a == b
}

/// Whether two callers are one human: the same user name, the same e-mail, or the same display
/// name, however any of them is spelled. Two accounts of one person (`ana.ruiz` and
/// `aruiz-admin` with one e-mail) count as one.
pub fn same_person(a: &Caller, b: &Caller) -> bool {
    let ids = |c: &Caller| {
        [Some(c.username.clone()), c.email.clone(), c.name.clone()]
            .into_iter()
            .flatten()
            .map(|s| normalized(&s))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    };
    let (x, y) = (ids(a), ids(b));
    x.iter().any(|i| y.contains(i))
}

/// The instance's map of approver roles to XSOAR users (`approver_users`: one
/// `Role: user, user` per line), for entities whose XSOAR roles are not named after them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleDirectory {
    entries: Vec<(String, Vec<String>)>,
}

impl RoleDirectory {
    pub fn from_params(params: &Value) -> Result<RoleDirectory, InputError> {
        let raw = params
            .get("approver_users")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut entries: Vec<(String, Vec<String>)> = Vec::new();
        for (n, line) in raw.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((role, users)) = line.split_once(':') else {
                return Err(InputError::new(
                    "approver_users",
                    format!("Line {} of approver_users must read `Role: user, user` (XSOAR user names or e-mails), got {}.", n + 1, quote(line)),
                ));
            };
            let users: Vec<String> = users
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string)
                .collect();
            if role.trim().is_empty() || users.is_empty() {
                return Err(InputError::new(
                    "approver_users",
                    format!(
                        "Line {} of approver_users names no role or no user: {}.",
                        n + 1,
                        quote(line)
                    ),
                ));
            }
            entries.push((role.trim().to_string(), users));
        }
        Ok(RoleDirectory { entries })
    }

    /// The roles among `allowed` that `caller` holds, each with its source.
    pub fn roles(&self, caller: &Caller, allowed: &[String]) -> Vec<ActingRole> {
        let mut out: Vec<ActingRole> = Vec::new();
        for role in allowed {
            let source = if caller.xsoar_roles.iter().any(|r| same_text(r, role)) {
                Some("XSOAR role")
            } else if self.entries.iter().any(|(r, users)| {
                same_text(r, role)
                    && users.iter().any(|u| {
                        same_text(u, &caller.username)
                            || caller.email.as_deref().is_some_and(|e| same_text(u, e))
                    })
            }) {
                Some("instance parameter approver_users")
            } else {
                None
            };
            if let Some(source) = source {
                out.push(ActingRole {
                    role: role.clone(),
                    source: source.into(),
                });
            }
        }
        out
    }

    /// The role `caller` decides in: `requested` when they hold it; their only approver role
    /// when they hold one and asked for none.
    pub fn acting_role(
        &self,
        caller: &Caller,
        requested: Option<&str>,
        allowed: &[String],
    ) -> Result<ActingRole, InputError> {
        let held = self.roles(caller, allowed);
        let requested = requested.map(str::trim).filter(|s| !s.is_empty());
        if let Some(r) = requested {
            if !allowed.iter().any(|a| same_text(a, r)) {
                return Err(InputError::new(
                    "role",
                    format!(
                        "The role {} may not approve this; allowed roles: {}.",
                        quote(r),
                        allowed.join(", ")
                    ),
                ));
            }
            return held.into_iter().find(|h| same_text(&h.role, r)).ok_or_else(|| {
                InputError::new(
                    "role",
                    format!(
                        "The XSOAR user {} does not hold the role {}: give them that XSOAR role, or list them for it in the instance parameter approver_users.",
                        quote(&caller.username),
                        quote(r)
                    ),
                )
            });
        }
        match held.len() {
            1 => Ok(held.into_iter().next().expect("one role")),
            0 => Err(InputError::new(
                "role",
                format!(
                    "The XSOAR user {} holds none of the approver roles ({}): give them one as an XSOAR role, or list them in the instance parameter approver_users.",
                    quote(&caller.username),
                    allowed.join(", ")
                ),
            )),
            _ => Err(InputError::new(
                "role",
                format!(
                    "The XSOAR user {} holds several approver roles ({}): say in which one they decide with role=.",
                    quote(&caller.username),
                    held.iter().map(|h| h.role.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
