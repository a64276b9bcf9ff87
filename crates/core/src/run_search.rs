//! Run search: MLflow's run-search syntax over run records, with `OR` and parentheses, which
//! MLflow lacks.
//!
//! ```text
//! expression := and ("OR" and)*
//! and        := term ("AND" term)*
//! term       := "(" expression ")" | comparison
//! comparison := key op value | key ["NOT"] "IN" "(" value ("," value)* ")"
//! key        := ("metrics" | "params" | "tags" | "attributes") "." name
//!               (singular forms too; a name with other characters in backticks or double quotes)
//! op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE"
//! value      := a number, or a string in single or double quotes
//! ```
//!
//! As in MLflow: metrics compare as numbers, params and tags as strings (`=`, `!=`, `LIKE`,
//! `ILIKE`, `IN`); a run without the key never matches a comparison on it (not even `!=`);
//! `LIKE` takes `%` for any run of characters and `_` for one, case-sensitive (`ILIKE`: not).
//! Attributes: `status`, `run_id`, `experiment_id`, `experiment` (the name the run recorded) (strings) and `start_time`, `end_time`
//! (numbers, milliseconds). Keywords are case-insensitive. An error says where, as a 1-based
//! column of the expression.

use std::fmt;

use crate::tracking::RunRecord;

/// A parse error at a 1-based column of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "filter, column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for SearchError {}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Compare { key: Key, op: Op, value: Literal },
    In { key: Key, values: Vec<Literal>, negated: bool },
}

/// What a comparison reads of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Metric(String),
    Param(String),
    Tag(String),
    Attribute(Attribute),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribute {
    Status,
    RunId,
    ExperimentId,
    Experiment,
    StartTime,
    EndTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    ILike,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Number(f64),
    Text(String),
}

/// A value read off a run.
enum Field<'a> {
    Number(f64),
    Text(&'a str),
    Owned(String),
}

impl Filter {
    /// Parses `expression`; an empty one is `None` (every run matches).
    pub fn parse(expression: &str) -> Result<Option<Filter>, SearchError> {
        let tokens = tokenize(expression)?;
        if tokens.is_empty() {
            return Ok(None);
        }
        let mut parser = Parser { tokens: &tokens, at: 0, end: expression.chars().count() + 1 };
        let filter = parser.expression()?;
        if let Some(token) = parser.peek() {
            return Err(parser.error_at(token.column, format!("unexpected {} after a complete filter", token.kind.describe())));
        }
        Ok(Some(filter))
    }

    pub fn matches(&self, run: &RunRecord) -> bool {
        match self {
            Filter::And(a, b) => a.matches(run) && b.matches(run),
            Filter::Or(a, b) => a.matches(run) || b.matches(run),
            Filter::Compare { key, op, value } => key.read(run).is_some_and(|field| compare(&field, *op, value)),
            Filter::In { key, values, negated } => {
                key.read(run).is_some_and(|field| values.iter().any(|v| compare(&field, Op::Eq, v)) != *negated)
            }
        }
    }
}

impl Key {
    fn read<'a>(&self, run: &'a RunRecord) -> Option<Field<'a>> {
        match self {
            Key::Metric(name) => run.metrics.get(name).map(|v| Field::Number(*v)),
            Key::Param(name) => run.params.get(name).map(|v| Field::Text(v)),
            Key::Tag(name) => run.tags.get(name).map(|v| Field::Text(v)),
            Key::Attribute(Attribute::Status) => Some(Field::Owned(format!("{:?}", run.status).to_uppercase())),
            Key::Attribute(Attribute::RunId) => Some(Field::Text(&run.run_id)),
            Key::Attribute(Attribute::ExperimentId) => Some(Field::Text(&run.experiment_id)),
            Key::Attribute(Attribute::Experiment) => Some(Field::Text(&run.experiment)),
            Key::Attribute(Attribute::StartTime) => Some(Field::Number(run.start_time_ms as f64)),
            Key::Attribute(Attribute::EndTime) => run.end_time_ms.map(|t| Field::Number(t as f64)),
        }
    }

    /// Whether the key's values are numbers (metrics and times).
    fn numeric(&self) -> bool {
        matches!(self, Key::Metric(_) | Key::Attribute(Attribute::StartTime | Attribute::EndTime))
    }
}

fn compare(field: &Field<'_>, op: Op, value: &Literal) -> bool {
    match (field, value) {
        (Field::Number(x), Literal::Number(y)) => match op {
            Op::Eq => x == y,
            Op::Ne => x != y,
            Op::Lt => x < y,
            Op::Le => x <= y,
            Op::Gt => x > y,
            Op::Ge => x >= y,
            Op::Like | Op::ILike => false,
        },
        (Field::Text(text), Literal::Text(pattern)) => compare_text(text, op, pattern),
        (Field::Owned(text), Literal::Text(pattern)) => compare_text(text, op, pattern),
        _ => false,
    }
}

fn compare_text(text: &str, op: Op, value: &str) -> bool {
    match op {
        Op::Eq => text == value,
        Op::Ne => text != value,
        Op::Like => like(text, value),
        Op::ILike => like(&text.to_lowercase(), &value.to_lowercase()),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => false,
    }
}

/// SQL `LIKE`: `%` matches any run of characters, `_` one character.
fn like(text: &str, pattern: &str) -> bool {
    let (t, p): (Vec<char>, Vec<char>) = (text.chars().collect(), pattern.chars().collect());
    // Classic two-pointer matching with backtracking to the last `%`.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < t.len() {
        if j < p.len() && (p[j] == '_' || p[j] == t[i]) {
            i += 1;
            j += 1;
        } else if j < p.len() && p[j] == '%' {
            star = Some((j, i));
            j += 1;
        } else if let Some((sj, si)) = star {
            j = sj + 1;
            i = si + 1;
            star = Some((sj, si + 1));
        } else {
            return false;
        }
    }
    p[j..].iter().all(|&c| c == '%')
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Word(String),
    Quoted(String),
    Number(f64),
    Op(Op),
    Open,
    Close,
    Comma,
    Dot,
}

impl TokenKind {
    fn describe(&self) -> String {
        match self {
            TokenKind::Word(w) => format!("\"{w}\""),
            TokenKind::Quoted(q) => format!("'{q}'"),
            TokenKind::Number(n) => format!("{n}"),
            TokenKind::Op(op) => format!("operator {op:?}"),
            TokenKind::Open => "\"(\"".into(),
            TokenKind::Close => "\")\"".into(),
            TokenKind::Comma => "\",\"".into(),
            TokenKind::Dot => "\".\"".into(),
        }
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self, TokenKind::Word(w) if w.eq_ignore_ascii_case(word))
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    /// 1-based column of the token's first character.
    column: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, SearchError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let error = |column: usize, message: String| SearchError { column, message };
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let mut push = |kind, len: usize| {
            tokens.push(Token { kind, column });
            len
        };
        i += match c {
            _ if c.is_whitespace() => 1,
            '(' => push(TokenKind::Open, 1),
            ')' => push(TokenKind::Close, 1),
            ',' => push(TokenKind::Comma, 1),
            '.' if !chars.get(i + 1).is_some_and(char::is_ascii_digit) => push(TokenKind::Dot, 1),
            '=' => push(TokenKind::Op(Op::Eq), 1),
            '!' if chars.get(i + 1) == Some(&'=') => push(TokenKind::Op(Op::Ne), 2),
            '<' if chars.get(i + 1) == Some(&'=') => push(TokenKind::Op(Op::Le), 2),
            '>' if chars.get(i + 1) == Some(&'=') => push(TokenKind::Op(Op::Ge), 2),
            '<' if chars.get(i + 1) == Some(&'>') => push(TokenKind::Op(Op::Ne), 2),
            '<' => push(TokenKind::Op(Op::Lt), 1),
            '>' => push(TokenKind::Op(Op::Gt), 1),
            '\'' | '"' | '`' => {
                let close = chars[i + 1..].iter().position(|&d| d == c).ok_or_else(|| error(column, format!("the quote {c} is not closed")))?;
                let inner: String = chars[i + 1..i + 1 + close].iter().collect();
                // Backticks and double quotes may quote a key's name; single and double quotes a value.
                let kind = if c == '`' { TokenKind::Word(inner) } else { TokenKind::Quoted(inner) };
                push(kind, close + 2)
            }
            _ if c.is_ascii_digit() || c == '-' || c == '.' => {
                let len = chars[i..].iter().take_while(|d| d.is_ascii_digit() || matches!(d, '.' | '-' | '+' | 'e' | 'E')).count();
                let number: String = chars[i..i + len].iter().collect();
                let value = number.parse::<f64>().map_err(|_| error(column, format!("\"{number}\" is not a number")))?;
                push(TokenKind::Number(value), len)
            }
            _ if c.is_alphanumeric() || c == '_' => {
                let len = chars[i..].iter().take_while(|d| d.is_alphanumeric() || matches!(d, '_' | '-' | '/' | ':')).count();
                let word: String = chars[i..i + len].iter().collect();
                let kind = if word.eq_ignore_ascii_case("like") {
                    TokenKind::Op(Op::Like)
                } else if word.eq_ignore_ascii_case("ilike") {
                    TokenKind::Op(Op::ILike)
                } else {
                    TokenKind::Word(word)
                };
                push(kind, len)
            }
            _ => return Err(error(column, format!("unexpected character \"{c}\""))),
        };
    }
    Ok(tokens)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    /// The column just past the expression, for errors at its end.
    end: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self, wanted: &str) -> Result<Token, SearchError> {
        let token = self.tokens.get(self.at).cloned().ok_or_else(|| self.error_at(self.end, format!("the filter ends where {wanted} should follow")))?;
        self.at += 1;
        Ok(token)
    }

    fn error_at(&self, column: usize, message: String) -> SearchError {
        SearchError { column, message }
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = self.peek().is_some_and(|t| t.kind.keyword(word));
        if found {
            self.at += 1;
        }
        found
    }

    fn expression(&mut self) -> Result<Filter, SearchError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, SearchError> {
        let mut left = self.term()?;
        while self.keyword("and") {
            left = Filter::And(Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Filter, SearchError> {
        if self.peek().is_some_and(|t| t.kind == TokenKind::Open) {
            let open = self.next("\"(\"")?;
            let inner = self.expression()?;
            match self.tokens.get(self.at) {
                Some(t) if t.kind == TokenKind::Close => self.at += 1,
                Some(t) => return Err(self.error_at(t.column, format!("expected \")\" for the \"(\" at column {}, found {}", open.column, t.kind.describe()))),
                None => return Err(self.error_at(self.end, format!("the \"(\" at column {} is not closed", open.column))),
            }
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, SearchError> {
        let (key, key_column) = self.key()?;
        let negated = self.keyword("not");
        if negated || self.peek().is_some_and(|t| t.kind.keyword("in")) {
            let token = self.next("IN")?;
            if !token.kind.keyword("in") {
                return Err(self.error_at(token.column, format!("expected IN after NOT, found {}", token.kind.describe())));
            }
            let open = self.next("\"(\"")?;
            if open.kind != TokenKind::Open {
                return Err(self.error_at(open.column, format!("expected \"(\" after IN, found {}", open.kind.describe())));
            }
            let mut values = Vec::new();
            loop {
                values.push(self.value(&key, key_column, Op::Eq)?);
                let token = self.next("\",\" or \")\"")?;
                match token.kind {
                    TokenKind::Comma => continue,
                    TokenKind::Close => break,
                    other => return Err(self.error_at(token.column, format!("expected \",\" or \")\" in the IN list, found {}", other.describe()))),
                }
            }
            return Ok(Filter::In { key, values, negated });
        }
        let token = self.next("an operator")?;
        let TokenKind::Op(op) = token.kind else {
            return Err(self.error_at(token.column, format!("expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE), found {}", token.kind.describe())));
        };
        if key.numeric() && matches!(op, Op::Like | Op::ILike) {
            return Err(self.error_at(token.column, "LIKE and ILIKE compare text; this key holds numbers".into()));
        }
        if !key.numeric() && matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) {
            return Err(self.error_at(token.column, "<, <=, > and >= compare numbers; this key holds text".into()));
        }
        let value = self.value(&key, key_column, op)?;
        Ok(Filter::Compare { key, op, value })
    }

    fn key(&mut self) -> Result<(Key, usize), SearchError> {
        let token = self.next("a key such as metrics.test_wmae")?;
        let TokenKind::Word(entity) = &token.kind else {
            return Err(self.error_at(token.column, format!("expected a key such as metrics.test_wmae, found {}", token.kind.describe())));
        };
        let dot = self.next("\".\"")?;
        if dot.kind != TokenKind::Dot {
            return Err(self.error_at(dot.column, format!("expected \".\" after \"{entity}\", found {}", dot.kind.describe())));
        }
        let name_token = self.next("a name")?;
        let name = match name_token.kind {
            TokenKind::Word(name) | TokenKind::Quoted(name) => name,
            other => return Err(self.error_at(name_token.column, format!("expected a name after \"{entity}.\", found {}", other.describe()))),
        };
        let key = match entity.to_lowercase().as_str() {
            "metrics" | "metric" => Key::Metric(name),
            "params" | "param" => Key::Param(name),
            "tags" | "tag" => Key::Tag(name),
            "attributes" | "attribute" | "attr" | "run" => Key::Attribute(match name.as_str() {
                "status" => Attribute::Status,
                "run_id" => Attribute::RunId,
                "experiment_id" => Attribute::ExperimentId,
                "experiment" => Attribute::Experiment,
                "start_time" => Attribute::StartTime,
                "end_time" => Attribute::EndTime,
                _ => {
                    return Err(self.error_at(
                        name_token.column,
                        format!("unknown attribute \"{name}\"; valid: status, run_id, experiment_id, experiment, start_time, end_time"),
                    ))
                }
            }),
            _ => return Err(self.error_at(token.column, format!("unknown entity \"{entity}\"; valid: metrics, params, tags, attributes"))),
        };
        Ok((key, token.column))
    }

    fn value(&mut self, key: &Key, key_column: usize, op: Op) -> Result<Literal, SearchError> {
        let token = self.next("a value")?;
        match (token.kind, key.numeric()) {
            (TokenKind::Number(n), true) => Ok(Literal::Number(n)),
            (TokenKind::Quoted(text), false) => Ok(Literal::Text(text)),
            (TokenKind::Number(_), false) => Err(self.error_at(token.column, format!("the key at column {key_column} holds text: quote the value ({op:?})"))),
            (TokenKind::Quoted(_), true) => Err(self.error_at(token.column, format!("the key at column {key_column} holds numbers: the value must be a number"))),
            (other, _) => Err(self.error_at(token.column, format!("expected a value, found {}", other.describe()))),
        }
    }
}

/// The runs of `runs` that `filter` keeps (all of them without a filter), in their order.
pub fn search<'a>(runs: &'a [RunRecord], filter: Option<&Filter>) -> Vec<&'a RunRecord> {
    runs.iter().filter(|r| filter.is_none_or(|f| f.matches(r))).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::tracking::{DatasetFingerprint, RunStatus, RUN_RECORD_VERSION};

    fn run(id: &str, model: &str, wmae: Option<f64>, status: RunStatus, tags: &[(&str, &str)]) -> RunRecord {
        RunRecord {
            schema_version: RUN_RECORD_VERSION,
            run_id: id.into(),
            experiment_id: "0".into(),
            experiment: "walmart_week3_baselines".into(),
            status,
            start_time_ms: 1_700_000_000_000,
            end_time_ms: Some(1_700_000_001_000),
            params: BTreeMap::from([("model".to_string(), model.to_string())]),
            metrics: wmae.map(|w| BTreeMap::from([("test_wmae".to_string(), w)])).unwrap_or_default(),
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            stages: Vec::new(),
            dataset: DatasetFingerprint::new(Vec::new()),
            contracts: Vec::new(),
            registrable: true,
            error: None,
        }
    }

    fn runs() -> Vec<RunRecord> {
        vec![
            run("a", "ridge", Some(2858.4), RunStatus::Finished, &[("team", "east")]),
            run("b", "gbdt", Some(1372.8), RunStatus::Finished, &[("team", "West")]),
            run("c", "random-forest", Some(1411.4), RunStatus::Finished, &[]),
            run("d", "gbdt", None, RunStatus::Failed, &[("team", "east")]),
        ]
    }

    fn ids(expression: &str) -> Vec<String> {
        let filter = Filter::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        search(&runs(), filter.as_ref()).into_iter().map(|r| r.run_id.clone()).collect()
    }

    #[test]
    fn each_operator() {
        assert_eq!(ids("metrics.test_wmae < 1500"), ["b", "c"]);
        assert_eq!(ids("metrics.test_wmae <= 1372.8"), ["b"]);
        assert_eq!(ids("metrics.test_wmae > 1400"), ["a", "c"]);
        assert_eq!(ids("metrics.test_wmae >= 2858.4"), ["a"]);
        assert_eq!(ids("metrics.test_wmae = 1411.4"), ["c"]);
        assert_eq!(ids("metrics.test_wmae != 1411.4"), ["a", "b"], "a run without the metric never matches");
        assert_eq!(ids("params.model = 'gbdt'"), ["b", "d"]);
        assert_eq!(ids("params.model != \"gbdt\""), ["a", "c"]);
        assert_eq!(ids("params.model LIKE '%forest'"), ["c"]);
        assert_eq!(ids("params.model like 'r_dge'"), ["a"]);
        assert_eq!(ids("tags.team LIKE 'west'"), Vec::<String>::new(), "LIKE is case-sensitive");
        assert_eq!(ids("tags.team ILIKE 'west'"), ["b"]);
        assert_eq!(ids("attributes.status = 'FAILED'"), ["d"]);
        assert_eq!(ids("attribute.run_id IN ('a', 'c')"), ["a", "c"]);
        assert_eq!(ids("params.model NOT IN ('gbdt', 'ridge')"), ["c"]);
        assert_eq!(ids("attributes.start_time >= 1700000000000"), ["a", "b", "c", "d"]);
        assert_eq!(ids(""), ["a", "b", "c", "d"], "no filter keeps every run");
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        assert_eq!(ids("params.model = 'gbdt' AND tags.team = 'east' OR params.model = 'ridge'"), ["a", "d"]);
        assert_eq!(ids("params.model = 'gbdt' and (tags.team = 'east' or metrics.test_wmae < 1400)"), ["b", "d"]);
        assert_eq!(ids("(params.model = 'ridge' OR params.model = 'random-forest') AND metrics.test_wmae < 2000"), ["c"]);
        assert_eq!(ids("((metrics.test_wmae < 1400))"), ["b"]);
        assert_eq!(ids("params.`model` = 'ridge'"), ["a"], "a key's name in backticks");
    }

    #[test]
    fn errors_say_where() {
        let error = |expression: &str| Filter::parse(expression).unwrap_err();
        assert_eq!(error("metrics.test_wmae < 'x'").to_string(), "filter, column 21: the key at column 1 holds numbers: the value must be a number");
        assert_eq!(error("params.model = 3").column, 16);
        assert_eq!(error("metric.test_wmae 1500").to_string(), "filter, column 18: expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE), found 1500");
        assert_eq!(error("foo.bar = 'x'").to_string(), "filter, column 1: unknown entity \"foo\"; valid: metrics, params, tags, attributes");
        assert_eq!(error("(params.model = 'x'").to_string(), "filter, column 20: the \"(\" at column 1 is not closed");
        assert_eq!(error("params.model = 'x' )").to_string(), "filter, column 20: unexpected \")\" after a complete filter");
        assert_eq!(error("params.model = 'x").to_string(), "filter, column 16: the quote ' is not closed");
        assert_eq!(error("params.model IN ('a' 'b')").column, 22);
        assert_eq!(error("attributes.colour = 'red'").column, 12);
        assert_eq!(error("metrics.test_wmae LIKE '1%'").column, 19);
        assert_eq!(error("params.model < 'x'").column, 14);
        assert_eq!(error("params.model =").to_string(), "filter, column 15: the filter ends where a value should follow");
    }

    #[test]
    fn a_query_over_a_thousand_runs() {
        let many: Vec<RunRecord> = (0..1000)
            .map(|i| run(&format!("r{i:04}"), if i % 3 == 0 { "gbdt" } else { "ridge" }, Some(1000.0 + i as f64), RunStatus::Finished, &[]))
            .collect();
        let filter = Filter::parse("params.model = 'gbdt' AND (metrics.test_wmae < 1100 OR metrics.test_wmae >= 1990)").unwrap();
        let found = search(&many, filter.as_ref());
        let expected = (0..1000).filter(|i| i % 3 == 0 && (*i < 100 || *i >= 990)).count();
        assert_eq!(found.len(), expected);
        assert!(found.iter().all(|r| r.params["model"] == "gbdt"));
    }

    #[test]
    fn like_patterns() {
        assert!(like("random-forest", "%forest"));
        assert!(like("abc", "a%c") && like("ac", "a%c") && !like("ab", "a%c"));
        assert!(like("abc", "_b_") && !like("abcd", "_b_"));
        assert!(like("", "%") && !like("", "_"));
        assert!(like("a%b", "a%b"));
    }
}
