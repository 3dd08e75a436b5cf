//! One template file of the register, read as a table: its name recognised, its quoting checked,
//! its header mapped onto the columns the connector relies on, and each row numbered as a
//! spreadsheet numbers it (the header is row 1, so the first data row is row 2).

use super::SOURCE;
use crate::connectors::ConnectorError;
use crate::input::quote;

/// The templates of ITS 2024/2956 that the connector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Template {
    /// B_01.01 entity maintaining the register of information.
    B0101,
    /// B_02.02 contractual arrangements – specific information.
    B0202,
    /// B_05.01 ICT third-party service providers.
    B0501,
    /// B_06.01 functions identification.
    B0601,
    /// B_07.01 assessment of the ICT services.
    B0701,
}

/// Every template of the ITS; the ones not in [`Template`] are accepted and left unread.
const ALL_TEMPLATES: &[&str] = &[
    "B_01.01", "B_01.02", "B_01.03", "B_02.01", "B_02.02", "B_02.03", "B_03.01", "B_03.02",
    "B_03.03", "B_04.01", "B_05.01", "B_05.02", "B_06.01", "B_07.01", "B_99.01",
];

impl Template {
    pub(super) fn code(self) -> &'static str {
        match self {
            Template::B0101 => "B_01.01",
            Template::B0202 => "B_02.02",
            Template::B0501 => "B_05.01",
            Template::B0601 => "B_06.01",
            Template::B0701 => "B_07.01",
        }
    }

    /// The file name the xBRL-CSV reporting package gives the template.
    pub(super) fn file_name(self) -> String {
        format!("{}.csv", self.code().to_ascii_lowercase())
    }

    fn from_code(code: &str) -> Option<Template> {
        [
            Template::B0101,
            Template::B0202,
            Template::B0501,
            Template::B0601,
            Template::B0701,
        ]
        .into_iter()
        .find(|t| t.code() == code)
    }
}

/// What a file or text key names: a template the connector reads, one it leaves alone, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Named {
    Read(Template),
    Unread,
    NotATemplate,
}

/// Recognises `b_06.01.csv` (xBRL-CSV reporting package), `B_06.01`, `b_06_01` (EBA Excel tab
/// names), `b06.01`, `06.01` and `tB_06.01` (DPM table code), case-insensitively.
pub(super) fn template_named(name: &str) -> Named {
    let mut s = name.trim().to_ascii_lowercase();
    if s.ends_with(".csv") {
        s.truncate(s.len() - 4);
    }
    let s = s
        .strip_prefix('t')
        .filter(|r| r.starts_with('b'))
        .unwrap_or(&s);
    let s = s
        .strip_prefix("b_")
        .or_else(|| s.strip_prefix('b'))
        .unwrap_or(s);
    let b = s.as_bytes();
    let well_formed = b.len() == 5
        && b[..2].iter().all(u8::is_ascii_digit)
        && matches!(b[2], b'.' | b'_' | b'-')
        && b[3..].iter().all(u8::is_ascii_digit);
    if !well_formed {
        return Named::NotATemplate;
    }
    let code = format!("B_{}.{}", &s[..2], &s[3..]);
    match Template::from_code(&code) {
        Some(t) => Named::Read(t),
        None if ALL_TEMPLATES.contains(&code.as_str()) => Named::Unread,
        None => Named::NotATemplate,
    }
}

/// A column the connector relies on: its code in the template, what the ITS calls it, the
/// readable header names also accepted, and whether the file must have it.
#[derive(Debug)]
pub(super) struct Column {
    pub code: &'static str,
    pub label: &'static str,
    pub names: &'static [&'static str],
    pub required: bool,
}

/// A template file read into rows, with the connector's columns located in its header.
#[derive(Debug)]
pub(super) struct Table {
    pub file: String,
    columns: &'static [Column],
    index: Vec<Option<usize>>,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub(super) struct Row {
    /// Row number as a spreadsheet shows it: the header is row 1.
    pub number: u64,
    fields: Vec<String>,
}

impl Table {
    /// Reads `text` (the content of `file`, the template `template`) strictly: balanced quotes,
    /// one field per header column in every row, and every required column present.
    pub(super) fn parse(
        file: &str,
        template: Template,
        text: &str,
        columns: &'static [Column],
    ) -> Result<Table, ConnectorError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let delimiter = delimiter(text);
        check_quotes(file, text, delimiter)?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| unreadable(file, &e))?.clone();
        if headers.iter().all(str::is_empty) {
            return Err(err(format!(
                "{file} has no header row; put the column codes (c0010, c0020, …) of {} on its first line.",
                template.code()
            )));
        }
        let mut index = Vec::with_capacity(columns.len());
        for col in columns {
            let found: Vec<usize> = headers
                .iter()
                .enumerate()
                .filter(|(_, h)| header_is(h, template, col))
                .map(|(i, _)| i)
                .collect();
            match found.as_slice() {
                [] if col.required => {
                    return Err(err(format!(
                    "{file} has no column {} ({}); add it to the header row, coded {} or named {}.",
                    col.code, col.label, col.code, col.names[0]
                )))
                }
                [] => index.push(None),
                [i] => index.push(Some(*i)),
                [a, b, ..] => {
                    return Err(err(format!(
                        "{file} has two columns for {} ({}), {} and {}; keep one of them.",
                        col.code,
                        col.label,
                        quote(&headers[*a]),
                        quote(&headers[*b])
                    )))
                }
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| unreadable(file, &e))?;
            if record.iter().all(str::is_empty) {
                continue;
            }
            let number = record.position().map_or(0, |p| p.line());
            rows.push(Row {
                number,
                fields: record.iter().map(str::to_string).collect(),
            });
        }
        Ok(Table {
            file: file.to_string(),
            columns,
            index,
            rows,
        })
    }

    /// The trimmed value of `code` in `row`, or "" when the file has no such column.
    pub(super) fn get<'a>(&self, row: &'a Row, code: &str) -> &'a str {
        self.position(code)
            .and_then(|i| self.index[i])
            .and_then(|i| row.fields.get(i))
            .map_or("", String::as_str)
    }

    /// `b_06.01.csv row 4, column c0050 (criticality or importance assessment)`.
    pub(super) fn at(&self, row: &Row, code: &str) -> String {
        let label = self.position(code).map_or("", |i| self.columns[i].label);
        format!("{} row {}, column {code} ({label})", self.file, row.number)
    }

    /// `b_06.01.csv row 4`.
    pub(super) fn source(&self, row: &Row) -> String {
        format!("{} row {}", self.file, row.number)
    }

    /// The value of a required cell, or an error saying which cell to fill in.
    pub(super) fn required<'a>(&self, row: &'a Row, code: &str) -> Result<&'a str, ConnectorError> {
        let v = self.get(row, code);
        if v.is_empty() {
            return Err(err(format!("{} is empty; fill it in.", self.at(row, code))));
        }
        Ok(v)
    }

    fn position(&self, code: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.code == code)
    }
}

pub(super) fn err(message: String) -> ConnectorError {
    ConnectorError::new(SOURCE, message)
}

/// Lower-case, every run of other characters as one `_`: "Function name" → `function_name`.
pub(super) fn snake(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// A header names a column by its code (`c0030`, `C0030`, `0030`, `B_06.01.0030`,
/// `b_06_01_c0030`) or by one of its readable names, ignoring case, spaces and punctuation.
fn header_is(header: &str, template: Template, col: &Column) -> bool {
    let h = snake(header);
    let prefix = snake(template.code());
    let bare = h
        .strip_prefix(&prefix)
        .map_or(h.as_str(), |r| r.trim_start_matches('_'));
    let digits = bare.strip_prefix('c').unwrap_or(bare);
    if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return digits == &col.code[1..];
    }
    col.names.iter().any(|n| *n == h)
}

/// Comma, as in xBRL-CSV; a semicolon when the header line has semicolons and no comma (a CSV
/// saved by a spreadsheet set to a European locale).
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    if !header.contains(',') && header.contains(';') {
        b';'
    } else {
        b','
    }
}

/// RFC 4180 quoting: a quote may only open a field, `""` inside a quoted field is a quote, and
/// a quoted field must be closed. The csv crate accepts stray quotes silently; a register
/// read wrongly is worse than one refused.
fn check_quotes(file: &str, text: &str, delimiter: u8) -> Result<(), ConnectorError> {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted(u64),
        QuoteSeen(u64),
        Closed,
    }
    let delimiter = char::from(delimiter);
    let mut state = State::FieldStart;
    let mut line: u64 = 1;
    for c in text.chars() {
        state = match (state, c) {
            (State::Quoted(open), '"') => State::QuoteSeen(open),
            (State::Quoted(open), _) => State::Quoted(open),
            (State::QuoteSeen(open), '"') => State::Quoted(open),
            (State::FieldStart, '"') => State::Quoted(line),
            (State::Unquoted, '"') => {
                return Err(err(format!(
                    "{file} row {line} has a quote inside an unquoted field; quote the whole field (\"like this\") and double any quote inside it."
                )))
            }
            (_, c) if c == delimiter || c == '\n' || c == '\r' => State::FieldStart,
            (State::QuoteSeen(_) | State::Closed, ' ' | '\t') => State::Closed,
            (State::QuoteSeen(_) | State::Closed, _) => {
                return Err(err(format!(
                    "{file} row {line} has text after the closing quote of a field; put the whole field inside the quotes and double any quote inside it."
                )))
            }
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
        };
        if c == '\n' {
            line += 1;
        }
    }
    if let State::Quoted(open) = state {
        return Err(err(format!(
            "{file} row {open} opens a quoted field that is never closed; add the closing quote."
        )));
    }
    Ok(())
}

fn unreadable(file: &str, e: &csv::Error) -> ConnectorError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => err(format!(
            "{file} row {} has {len} fields where the header has {expected_len}; check that row for a stray delimiter or a missing field.",
            pos.as_ref().map_or(0, csv::Position::line)
        )),
        csv::ErrorKind::Utf8 { pos, .. } => err(format!(
            "{file} row {} is not UTF-8 text; save the file as UTF-8 (\"CSV UTF-8\").",
            pos.as_ref().map_or(0, csv::Position::line)
        )),
        _ => err(format!("{file} cannot be read as CSV ({e}); export it again as UTF-8 CSV.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column {
            code: "c0010",
            label: "function identifier",
            names: &["function_identifier"],
            required: true,
        },
        Column {
            code: "c0030",
            label: "function name",
            names: &["function_name"],
            required: true,
        },
        Column {
            code: "c0080",
            label: "recovery time objective",
            names: &["rto"],
            required: false,
        },
    ];

    fn parse(text: &str) -> Result<Table, ConnectorError> {
        Table::parse("b_06.01.csv", Template::B0601, text, COLS)
    }

    #[test]
    fn template_names_are_recognised_in_their_documented_spellings() {
        for name in [
            "b_06.01.csv",
            "B_06.01",
            "b_06_01",
            "B06.01.CSV",
            "06.01",
            " tB_06.01 ",
        ] {
            assert_eq!(template_named(name), Named::Read(Template::B0601), "{name}");
        }
        assert_eq!(template_named("b_01.02.csv"), Named::Unread);
        assert_eq!(template_named("b_08.01.csv"), Named::NotATemplate);
        assert_eq!(template_named("functions.csv"), Named::NotATemplate);
        assert_eq!(template_named("FilingIndicators.csv"), Named::NotATemplate);
    }

    #[test]
    fn headers_by_code_or_name_rows_numbered_like_a_spreadsheet() {
        let t = parse("\u{feff}C0010 ; Function Name\n F01 ; Card payments \n\n;\nF02;\"Instant; payments\"\n")
            .unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.get(&t.rows[0], "c0030"), "Card payments");
        assert_eq!(t.rows[0].number, 2);
        assert_eq!(t.rows[1].number, 5);
        assert_eq!(t.get(&t.rows[1], "c0030"), "Instant; payments");
        assert_eq!(t.get(&t.rows[1], "c0080"), "");
        let t = parse("B_06.01.0010,function_name,RTO\nF01,Card,2\n").unwrap();
        assert_eq!(t.get(&t.rows[0], "c0080"), "2");
        assert_eq!(
            t.at(&t.rows[0], "c0080"),
            "b_06.01.csv row 2, column c0080 (recovery time objective)"
        );
    }

    #[test]
    fn structure_is_enforced_with_file_row_and_column() {
        let e = parse("c0010,c0020\nF01,x\n").unwrap_err();
        assert_eq!(e.source, "Register of Information");
        assert_eq!(
            e.message,
            "b_06.01.csv has no column c0030 (function name); add it to the header row, coded c0030 or named function_name."
        );
        let e = parse("c0010,c0030,function_name\nF01,a,b\n").unwrap_err();
        assert!(e.message.contains("two columns for c0030"), "{}", e.message);
        let e = parse("c0010,c0030\nF01,a\nF02,b,c\n").unwrap_err();
        assert_eq!(
            e.message,
            "b_06.01.csv row 3 has 3 fields where the header has 2; check that row for a stray delimiter or a missing field."
        );
        let e = parse("c0010,c0030\nF01,\"Card\nF02,b\n").unwrap_err();
        assert_eq!(
            e.message,
            "b_06.01.csv row 2 opens a quoted field that is never closed; add the closing quote."
        );
        let e = parse("c0010,c0030\nF01,Card \"gold\"\n").unwrap_err();
        assert!(
            e.message
                .starts_with("b_06.01.csv row 2 has a quote inside an unquoted field"),
            "{}",
            e.message
        );
        let e = parse("c0010,c0030\nF01,\"Card\"x\n").unwrap_err();
        assert!(
            e.message
                .starts_with("b_06.01.csv row 2 has text after the closing quote"),
            "{}",
            e.message
        );
        let t = parse("c0010,c0030\r\nF01,\"Card \"\"gold\"\"\" \r\n").unwrap();
        assert_eq!(t.get(&t.rows[0], "c0030"), "Card \"gold\"");
        let e = parse("").unwrap_err();
        assert!(
            e.message.starts_with("b_06.01.csv has no header row"),
            "{}",
            e.message
        );
    }

    #[test]
    fn required_cells_must_be_filled() {
        let t = parse("c0010,c0030\n,Card\n").unwrap();
        let e = t.required(&t.rows[0], "c0010").unwrap_err();
        assert_eq!(
            e.message,
            "b_06.01.csv row 2, column c0010 (function identifier) is empty; fill it in."
        );
    }
}
