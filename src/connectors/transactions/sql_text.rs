//! The operator's SQL: named parameters (`:services`, `:window_start`, …) become real bind
//! parameters (`$1`, …), never interpolated text, and a query that is not one SELECT/WITH
//! statement, or that calls a function acting beyond it, is refused before anything is sent.
//!
//! The guard that holds is the server's: every query runs in a `BEGIN READ ONLY` transaction
//! with `SET LOCAL statement_timeout` and `lock_timeout`, rolled back afterwards (`sql.rs`), as a
//! role that should hold SELECT only. This check refuses only what that does not stop:
//!
//! - Anything but one SELECT or WITH statement. A statement of its own could end or change the
//!   transaction (`COMMIT`, `SET TRANSACTION`, `SET statement_timeout`), run code (`DO`,
//!   `CALL`) or act outside any transaction (`COPY … TO PROGRAM`, `VACUUM`, `LISTEN`). The
//!   extended protocol the connector speaks already refuses a second statement in one query;
//!   the check says so clearly instead of sending the text cut at its first `;`.
//! - Calls to functions whose effect neither READ ONLY nor the rollback undoes
//!   ([`BEYOND_THE_TRANSACTION`]): signalling other sessions, session-level advisory locks
//!   (held past the rollback, in a pooled session for as long as it lives), dblink (a second
//!   connection whose transaction is not read-only), queries given as text (`query_to_xml`, which
//!   this check cannot read), and the administrator's functions a role with more than SELECT
//!   might hold (reload, WAL switch, server files, statistics reset).
//!
//! Left to the server (`sql_tests.rs` runs these against PostgreSQL): a write, also inside a
//! WITH, `SELECT … INTO` and row locks (`FOR UPDATE`/`SHARE`) are refused in a READ ONLY
//! transaction ("cannot execute … in a read-only transaction", PostgreSQL's `SET TRANSACTION`
//! page), and so are `nextval`/`setval` on any but a temporary sequence (`PreventCommandIfReadOnly`
//! in its sequence code). The rollback undoes the rest: a setting (`set_config`) made in a
//! transaction that rolls back disappears, a notification (`pg_notify`) is delivered only on
//! commit, a transaction-level advisory lock ends with the transaction, and a large object
//! (which PostgreSQL 15 still lets a READ ONLY transaction create) is rows that roll back.
//!
//! A function is matched by the name PostgreSQL resolves, however it is spelled: bare
//! (`pg_cancel_backend`), quoted (`"pg_cancel_backend"`), Unicode-escaped
//! (`U&"pg\005fcancel\005fbackend"`, with or without
//! `UESCAPE`), schema-qualified, with comments or spaces before the parenthesis. The list cannot
//! know the entity's own functions: the deployment guide asks for a role with SELECT only and,
//! where the database allows, EXECUTE on these functions revoked from PUBLIC.

use crate::input::InputError;

/// A value the connector binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param {
    Services,
    WindowStart,
    WindowEnd,
    ReferenceStart,
    ReferenceEnd,
    ReferenceDays,
}

const PARAMS: [(&str, Param); 6] = [
    ("services", Param::Services),
    ("window_start", Param::WindowStart),
    ("window_end", Param::WindowEnd),
    ("reference_start", Param::ReferenceStart),
    ("reference_end", Param::ReferenceEnd),
    ("reference_days", Param::ReferenceDays),
];

const PARAM_LIST: &str =
    ":services, :window_start, :window_end, :reference_start, :reference_end or :reference_days";

impl Param {
    /// How the placeholder is written into the SQL. The timestamps travel as RFC 3339 text
    /// and are cast by the server, so `$n` has a fixed type whatever the query compares it with.
    fn placeholder(self, n: usize) -> String {
        match self {
            Param::Services => format!("(${n}::text[])"),
            Param::ReferenceDays => format!("(${n}::int4)"),
            _ => format!("(${n}::text::timestamptz)"),
        }
    }
}

/// A query ready to send: `$n` placeholders and, for each n, the value to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Functions whose effect outlives the READ ONLY transaction and its rollback (module comment).
/// `pg_sleep` is allowed: it only waits, and the statement timeout bounds it.
const BEYOND_THE_TRANSACTION: &[&str] = &[
    // Other sessions: signalled at once, whatever becomes of this transaction.
    "pg_terminate_backend",
    "pg_cancel_backend",
    // Session-level advisory locks outlive the rollback.
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    // SQL given as text, out of this check's sight.
    "query_to_xml",
    "query_to_xml_and_xmlschema",
    // The administrator's: granted to no one by default, refused in case the role holds them.
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_switch_wal",
    "pg_create_restore_point",
    "pg_promote",
    "pg_stat_reset",
    "pg_logical_emit_message",
    "pg_file_write",
    "lo_export",
];

/// dblink's functions (`dblink`, `dblink_exec`, `dblink_connect`, `dblink_send_query`, …) run SQL
/// over a second connection, outside this transaction.
const DBLINK: &str = "dblink";

fn acts_beyond_the_transaction(name: &str) -> bool {
    let name = name.to_lowercase();
    BEYOND_THE_TRANSACTION.contains(&name.as_str()) || name.starts_with(DBLINK)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An unquoted word (keyword or identifier), upper-cased.
    Word(String),
    /// A quoted identifier (`"name"`, `U&"n\0061me"`), decoded to the name it denotes.
    Name(String),
    Param(String),
    Positional,
    Semicolon,
    Punct(char),
}

/// A token and the byte range it covers.
struct Lexed {
    tok: Tok,
    start: usize,
    end: usize,
}

fn position(text: &str, byte: usize) -> usize {
    text[..byte].chars().count() + 1
}

fn lex(argument: &str, text: &str) -> Result<Vec<Lexed>, InputError> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut bracket_depth = 0usize;
    let unterminated = |what: &str, at: usize| {
        InputError::new(
            argument,
            format!(
                "{argument} has an unterminated {what} starting at character {}; close it.",
                position(text, at)
            ),
        )
    };
    let is_word_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            _ if c.is_ascii_whitespace() => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut depth = 0;
                loop {
                    if i + 1 >= b.len() {
                        return Err(unterminated("comment (/*)", start));
                    }
                    if b[i] == b'/' && b[i + 1] == b'*' {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b[i + 1] == b'/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            b'\'' => {
                // E'…' strings allow backslash escapes; standard strings only ''.
                let escapes = matches!(out.last(), Some(Lexed { tok: Tok::Word(w), end, .. }) if *end == start && w == "E");
                if escapes {
                    out.pop();
                }
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err(unterminated("string literal", start)),
                        Some(b'\\') if escapes => i += 2,
                        Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                        Some(b'\'') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            b'"' => {
                i += 1;
                let mut raw = String::new();
                loop {
                    match b.get(i) {
                        None => return Err(unterminated("quoted identifier", start)),
                        Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                            raw.push('"');
                            i += 2;
                        }
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => {
                            let ch = text[i..].chars().next().unwrap_or('?');
                            raw.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                // U&"…": the `U` and `&` right before the quote make it a Unicode identifier.
                let unicode = matches!(
                    out.as_slice(),
                    [.., Lexed { tok: Tok::Word(u), start: us, end: ue }, Lexed { tok: Tok::Punct('&'), start: amp, end: ae }]
                        if u == "U" && *ae == start && *ue == *amp && ue - us == 1
                );
                let (name, name_start) = if unicode {
                    out.pop();
                    let u = out.pop().map_or(start, |l| l.start);
                    let (escape, consumed) = uescape(&text[i..]);
                    i += consumed;
                    let decoded = unicode_name(&raw, escape).ok_or_else(|| {
                        InputError::new(
                            argument,
                            format!(
                                "{argument} has a Unicode identifier (U&\"…\") at character {} with an escape that is not four or six hexadecimal digits; write the name plainly.",
                                position(text, u)
                            ),
                        )
                    })?;
                    (decoded, u)
                } else {
                    (raw, start)
                };
                out.push(Lexed {
                    tok: Tok::Name(name),
                    start: name_start,
                    end: i,
                });
            }
            b'$' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(Lexed {
                    tok: Tok::Positional,
                    start,
                    end: i,
                });
            }
            b'$' => {
                // Dollar quoting: $$…$$ or $tag$…$tag$.
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if b.get(j) != Some(&b'$') {
                    out.push(Lexed {
                        tok: Tok::Punct('$'),
                        start,
                        end: i + 1,
                    });
                    i += 1;
                    continue;
                }
                let tag = &text[i..=j];
                match text[j + 1..].find(tag) {
                    Some(k) => i = j + 1 + k + tag.len(),
                    None => return Err(unterminated("dollar-quoted string", start)),
                }
            }
            b':' if b.get(i + 1) == Some(&b':') => {
                out.push(Lexed {
                    tok: Tok::Punct(':'),
                    start,
                    end: i + 2,
                });
                i += 2;
            }
            b':' if bracket_depth == 0 && b.get(i + 1).is_some_and(|c| is_word_start(*c)) => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                out.push(Lexed {
                    tok: Tok::Param(text[start + 1..i].to_string()),
                    start,
                    end: i,
                });
            }
            b';' => {
                out.push(Lexed {
                    tok: Tok::Semicolon,
                    start,
                    end: i + 1,
                });
                i += 1;
            }
            _ if is_word_start(c) => {
                while i < b.len() && is_word(b[i]) {
                    i += 1;
                }
                out.push(Lexed {
                    tok: Tok::Word(text[start..i].to_ascii_uppercase()),
                    start,
                    end: i,
                });
            }
            _ => {
                match c {
                    b'[' => bracket_depth += 1,
                    b']' => bracket_depth = bracket_depth.saturating_sub(1),
                    _ => {}
                }
                let ch = text[i..].chars().next().unwrap_or('?');
                i += ch.len_utf8();
                out.push(Lexed {
                    tok: Tok::Punct(ch),
                    start,
                    end: i,
                });
            }
        }
    }
    Ok(out)
}

/// The escape character of a Unicode identifier: the one `UESCAPE 'c'` after it names, else a
/// backslash; and the bytes of that clause.
fn uescape(after: &str) -> (char, usize) {
    let trimmed = after.trim_start();
    let skipped = after.len() - trimmed.len();
    let Some(rest) = trimmed
        .get(..7)
        .filter(|w| w.eq_ignore_ascii_case("UESCAPE"))
        .map(|_| &trimmed[7..])
    else {
        return ('\\', 0);
    };
    let quoted = rest.trim_start();
    let mut chars = quoted.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some('\''), Some(c), Some('\'')) => {
            let used = skipped + 7 + (rest.len() - quoted.len()) + 2 + c.len_utf8();
            (c, used)
        }
        _ => ('\\', 0),
    }
}

/// The name a Unicode identifier denotes: `\XXXX` and `\+XXXXXX` code points (with `escape`
/// for the backslash), a doubled escape for itself. `None` when an escape is malformed.
fn unicode_name(raw: &str, escape: char) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != escape {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&escape) {
            chars.next();
            out.push(escape);
            continue;
        }
        let width = if chars.peek() == Some(&'+') {
            chars.next();
            6
        } else {
            4
        };
        let hex: String = chars.by_ref().take(width).collect();
        if hex.len() != width || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
            return None;
        }
        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
    }
    Some(out)
}

/// Replaces the named parameters with `$n` placeholders, numbered in order of first use.
/// Does not check that the query only reads: `prepare` does both.
pub(crate) fn substitute(argument: &str, text: &str) -> Result<Prepared, InputError> {
    let tokens = lex(argument, text)?;
    let mut sql = String::with_capacity(text.len() + 32);
    let mut params: Vec<Param> = Vec::new();
    let mut copied = 0;
    let mut cut_at = text.len();
    for t in &tokens {
        match &t.tok {
            Tok::Param(name) => {
                let p = PARAMS.iter().find(|(n, _)| n == name).map(|(_, p)| *p).ok_or_else(|| {
                    InputError::new(
                        argument,
                        format!("{argument} uses the parameter :{name}, which the connector does not bind; use {PARAM_LIST}."),
                    )
                })?;
                let n = match params.iter().position(|q| *q == p) {
                    Some(k) => k + 1,
                    None => {
                        params.push(p);
                        params.len()
                    }
                };
                sql.push_str(&text[copied..t.start]);
                sql.push_str(&p.placeholder(n));
                copied = t.end;
            }
            Tok::Positional => {
                return Err(InputError::new(
                    argument,
                    format!(
                        "{argument} uses the positional parameter {} at character {}; write the named parameters ({PARAM_LIST}) and the connector binds them.",
                        &text[t.start..t.end],
                        position(text, t.start)
                    ),
                ))
            }
            Tok::Semicolon => {
                cut_at = t.start;
                break;
            }
            _ => {}
        }
    }
    sql.push_str(&text[copied..cut_at]);
    Ok(Prepared {
        sql: sql.trim().to_string(),
        params,
    })
}

/// Refuses a text that is not a single SELECT/WITH statement, or that calls a function whose
/// effect outlives the READ ONLY transaction.
pub(crate) fn check_reads_only(argument: &str, text: &str) -> Result<(), InputError> {
    let tokens = lex(argument, text)?;
    let refuse = |what: String| {
        InputError::new(
            argument,
            format!(
                "{argument} must be a single SELECT or WITH statement that only reads, but {what}"
            ),
        )
    };
    let first_word = tokens.iter().find(|t| !matches!(t.tok, Tok::Punct('(')));
    match first_word.map(|t| &t.tok) {
        None => {
            return Err(InputError::new(
                argument,
                format!("{argument} is empty; give a SELECT statement, or leave the query out."),
            ))
        }
        Some(Tok::Word(w)) if w == "SELECT" || w == "WITH" => {}
        Some(Tok::Word(w)) => {
            return Err(refuse(format!(
                "it starts with {w}; the connector only reads."
            )))
        }
        Some(_) => return Err(refuse("it does not start with SELECT or WITH.".to_string())),
    }
    for (k, t) in tokens.iter().enumerate() {
        let next = tokens.get(k + 1).map(|n| &n.tok);
        match &t.tok {
            Tok::Semicolon if next.is_some() => {
                return Err(refuse(format!(
                    "it holds more than one statement (a ';' at character {}); remove everything after the first.",
                    position(text, t.start)
                )))
            }
            Tok::Word(w) | Tok::Name(w) if matches!(next, Some(Tok::Punct('('))) && acts_beyond_the_transaction(w) => {
                return Err(refuse(format!(
                    "it calls {}() at character {}, which acts beyond reading; remove the call.",
                    w.to_lowercase(),
                    position(text, t.start)
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks the text and substitutes its parameters.
pub(crate) fn prepare(argument: &str, text: &str) -> Result<Prepared, InputError> {
    check_reads_only(argument, text)?;
    substitute(argument, text)
}
