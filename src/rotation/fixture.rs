//! A recorded rotation run (spec 30 §1): the files it consists of, and its two formats of
//! our own, `scenario.json` and `events.ndjson`, parsed strictly into typed values.
//!
//! Every malformation is a [`FixtureError`] (`ROTATION_FIXTURE_INVALID`) naming the file and,
//! for the timeline, the line. The timeline is read one line at a time ([`EventLines`]), so
//! judging it needs memory for one line, not for the whole run.

use std::collections::HashMap;

use crate::audit::manifest::{ROTATION_EVENTS_PATH, ROTATION_SCENARIO_PATH, ROTATION_TOKENS_DIR};
use crate::json::{self, ParseLimits, Value};
use crate::schema_rules::{array, boolean, text, Obj, Path, RuleResult, SchemaViolation};
use crate::timeutil::{parse_rfc3339, Millis};

/// Longest line of `events.ndjson` accepted: an event is a few short fields, and a line of
/// megabytes is a malformation, not an event.
pub const MAX_EVENT_LINE_BYTES: usize = 16 * 1024;
/// Most secrets and consumers a scenario may list.
pub const MAX_SECRETS: usize = 64;
pub const MAX_CONSUMERS: usize = 1024;
/// Longest id, name or version label, in characters.
pub const MAX_NAME_CHARS: usize = 256;

/// The files of a fixture by path (`artifacts/…`), as a directory or a sealed bundle holds them.
#[derive(Clone, Debug, Default)]
pub struct FixtureFiles {
    files: HashMap<String, Vec<u8>>,
}

impl FixtureFiles {
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> FixtureFiles {
        FixtureFiles {
            files: files.into_iter().collect(),
        }
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    pub fn remove(&mut self, path: &str) -> Option<Vec<u8>> {
        self.files.remove(path)
    }

    pub fn insert(&mut self, path: String, bytes: Vec<u8>) {
        self.files.insert(path, bytes);
    }

    /// Paths under `prefix`, in byte order.
    pub fn paths_under(&self, prefix: &str) -> Vec<&str> {
        let mut paths: Vec<&str> = self
            .files
            .keys()
            .map(String::as_str)
            .filter(|p| p.starts_with(prefix))
            .collect();
        paths.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        paths
    }

    /// Every `(path, bytes)`, in path order.
    pub fn sorted(&self) -> Vec<(String, Vec<u8>)> {
        let mut all: Vec<(String, Vec<u8>)> = self.files.iter().map(|(p, b)| (p.clone(), b.clone())).collect();
        all.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        all
    }

    /// Whether this is a rotation run (it has a timeline).
    pub fn is_rotation_run(&self) -> bool {
        self.files.contains_key(ROTATION_EVENTS_PATH)
    }
}

/// Why a fixture file cannot be judged: the file, the line (1-based, timeline only), the
/// event's `seq` when the line had a readable one, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureError {
    pub file: String,
    pub line: Option<usize>,
    pub seq: Option<u64>,
    pub why: String,
}

impl FixtureError {
    pub fn file(file: &str, why: impl Into<String>) -> FixtureError {
        FixtureError {
            file: file.to_string(),
            line: None,
            seq: None,
            why: why.into(),
        }
    }

    /// `artifacts/rotation/events.ndjson line 4: …`
    pub fn detail(&self) -> String {
        match self.line {
            Some(line) => format!("{} line {line}: {}", self.file, self.why),
            None => format!("{}: {}", self.file, self.why),
        }
    }
}

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail())
    }
}

/// One secret of the inventory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioSecret {
    pub id: String,
    pub supports_versions: bool,
    pub current_version: String,
}

/// One consumer of a secret, on `version` when the run starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioConsumer {
    pub id: String,
    pub secret: String,
    pub version: String,
}

/// `scenario.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub job_id: String,
    pub agent_did: String,
    pub secrets: Vec<ScenarioSecret>,
    pub consumers: Vec<ScenarioConsumer>,
}

impl Scenario {
    pub fn secret(&self, id: &str) -> Option<(usize, &ScenarioSecret)> {
        self.secrets.iter().enumerate().find(|(_, s)| s.id == id)
    }

    pub fn consumer(&self, id: &str) -> Option<(usize, &ScenarioConsumer)> {
        self.consumers.iter().enumerate().find(|(_, c)| c.id == id)
    }
}

/// Parse `scenario.json` strictly: closed objects, unique ids, every consumer's secret listed.
pub fn parse_scenario(bytes: &[u8], limits: &ParseLimits) -> Result<Scenario, FixtureError> {
    let err = |why: String| FixtureError::file(ROTATION_SCENARIO_PATH, why);
    let value = json::parse(bytes, limits).map_err(|e| err(format!("not acceptable JSON: {e}")))?;
    scenario_from_value(&value).map_err(|v| err(v.to_string()))
}

fn scenario_from_value(v: &Value) -> RuleResult<Scenario> {
    let o = Obj::new(v, "scenario")?;
    o.closed_optional(
        &["scenario_version", "job_id", "agent_did", "secrets", "consumers"],
        &[],
    )?;
    o.konst("scenario_version", "1")?;
    let job_id = o.require("job_id", name)?.to_string();
    let agent_did = o.require("agent_did", name)?.to_string();
    let secrets = o.require("secrets", |v, at| {
        let items = array(v, 1, MAX_SECRETS, at)?;
        items
            .iter()
            .enumerate()
            .map(|(i, s)| parse_secret(s, &at.index(i)))
            .collect()
    })?;
    let consumers = o.require("consumers", |v, at| {
        let items = array(v, 0, MAX_CONSUMERS, at)?;
        items
            .iter()
            .enumerate()
            .map(|(i, c)| parse_consumer(c, &at.index(i)))
            .collect()
    })?;
    let scenario = Scenario {
        job_id,
        agent_did,
        secrets,
        consumers,
    };
    check_scenario_ids(&scenario)?;
    Ok(scenario)
}

fn parse_secret(v: &Value, at: &Path<'_>) -> RuleResult<ScenarioSecret> {
    let o = Obj::new(v, at)?;
    o.closed_optional(&["id", "supports_versions", "current_version"], &[])?;
    Ok(ScenarioSecret {
        id: o.require("id", name)?.to_string(),
        supports_versions: o.require("supports_versions", |v, at| boolean(v, at))?,
        current_version: o.require("current_version", name)?.to_string(),
    })
}

fn parse_consumer(v: &Value, at: &Path<'_>) -> RuleResult<ScenarioConsumer> {
    let o = Obj::new(v, at)?;
    o.closed_optional(&["id", "secret", "version"], &[])?;
    Ok(ScenarioConsumer {
        id: o.require("id", name)?.to_string(),
        secret: o.require("secret", name)?.to_string(),
        version: o.require("version", name)?.to_string(),
    })
}

/// Unique secret and consumer ids, and every consumer's secret in the inventory.
fn check_scenario_ids(s: &Scenario) -> RuleResult {
    for (i, secret) in s.secrets.iter().enumerate() {
        if s.secrets.iter().take(i).any(|o| o.id == secret.id) {
            return Err(SchemaViolation::new(
                format!("scenario.secrets[{i}].id"),
                format!("repeats \"{}\"", crate::schema_rules::short(&secret.id)),
            ));
        }
    }
    for (i, c) in s.consumers.iter().enumerate() {
        if s.consumers.iter().take(i).any(|o| o.id == c.id) {
            return Err(SchemaViolation::new(
                format!("scenario.consumers[{i}].id"),
                format!("repeats \"{}\"", crate::schema_rules::short(&c.id)),
            ));
        }
        if s.secret(&c.secret).is_none() {
            return Err(SchemaViolation::new(
                format!("scenario.consumers[{i}].secret"),
                format!(
                    "names \"{}\", which is not one of the scenario's secrets",
                    crate::schema_rules::short(&c.secret)
                ),
            ));
        }
    }
    Ok(())
}

/// A non-blank string of at most `MAX_NAME_CHARS` characters.
fn name<'v>(v: &'v Value, at: &Path<'_>) -> RuleResult<&'v str> {
    match text(v, 1, MAX_NAME_CHARS, at)? {
        s if s.trim().is_empty() => Err(SchemaViolation::new(at, "must not be blank")),
        s => Ok(s),
    }
}

/// A name that is also one path segment of a fixture file (`tokens/<name>.jwt`,
/// `plans/<name>.json`, `receipts/<name>.json`): letters, digits, `.`, `_`, `-`, not
/// starting with a dot, so an event can never name a file outside its folder.
fn file_name<'v>(v: &'v Value, at: &Path<'_>) -> RuleResult<&'v str> {
    let s = name(v, at)?;
    let safe = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !s.starts_with('.');
    if safe {
        Ok(s)
    } else {
        Err(SchemaViolation::new(
            at,
            "must be a plain file name (letters, digits, '.', '_', '-'; not starting with '.')",
        ))
    }
}

/// The secret operation an effect performs (spec 30 §1 table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretOp {
    Read,
    Write,
    Revoke,
}

impl SecretOp {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretOp::Read => "read",
            SecretOp::Write => "write",
            SecretOp::Revoke => "revoke",
        }
    }
}

/// What a `tool_call` did to a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Read {
        secret: String,
    },
    SecretVersionCreated {
        secret: String,
        version: String,
    },
    Deploy {
        consumer: String,
        secret: String,
        version: String,
    },
    HealthCheck {
        consumer: String,
        secret: String,
        version: String,
        ok: bool,
    },
    Revoke {
        secret: String,
        version: String,
    },
    InvalidateSessions {
        secret: String,
    },
}

impl Effect {
    pub fn secret(&self) -> &str {
        match self {
            Effect::Read { secret }
            | Effect::SecretVersionCreated { secret, .. }
            | Effect::Deploy { secret, .. }
            | Effect::HealthCheck { secret, .. }
            | Effect::Revoke { secret, .. }
            | Effect::InvalidateSessions { secret } => secret,
        }
    }

    /// The consumer it concerns, for a deploy or a health check.
    pub fn consumer(&self) -> Option<&str> {
        match self {
            Effect::Deploy { consumer, .. } | Effect::HealthCheck { consumer, .. } => Some(consumer),
            _ => None,
        }
    }

    /// `None` for a health check, which reads nothing secret.
    pub fn op(&self) -> Option<SecretOp> {
        match self {
            Effect::Read { .. } => Some(SecretOp::Read),
            Effect::SecretVersionCreated { .. } | Effect::Deploy { .. } => Some(SecretOp::Write),
            Effect::Revoke { .. } | Effect::InvalidateSessions { .. } => Some(SecretOp::Revoke),
            Effect::HealthCheck { .. } => None,
        }
    }

    /// The effect in one line: its kind and the fields it names.
    pub fn describe(&self) -> String {
        match self {
            Effect::Read { secret } => format!("read {secret}"),
            Effect::SecretVersionCreated { secret, version } => format!("create version {version} of {secret}"),
            Effect::Deploy {
                consumer,
                secret,
                version,
            } => format!("deploy {version} of {secret} to {consumer}"),
            Effect::HealthCheck {
                consumer,
                secret,
                version,
                ok,
            } => format!(
                "health check of {consumer} on {version} of {secret}: {}",
                if *ok { "ok" } else { "failed" }
            ),
            Effect::Revoke { secret, version } => format!("revoke version {version} of {secret}"),
            Effect::InvalidateSessions { secret } => format!("invalidate the sessions of {secret}"),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Effect::Read { .. } => "read",
            Effect::SecretVersionCreated { .. } => "secret_version_created",
            Effect::Deploy { .. } => "deploy",
            Effect::HealthCheck { .. } => "health_check",
            Effect::Revoke { .. } => "revoke",
            Effect::InvalidateSessions { .. } => "invalidate_sessions",
        }
    }
}

/// What an event is (the `type` and its fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    PhaseStart { phase: String, token: String },
    PhaseEnd { phase: String },
    PlanProposed { gate: String, plan: String },
    ToolCall { tool: String, effect: Option<Effect> },
    ModelCall { receipt: String },
}

impl EventKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::PhaseStart { .. } => "phase_start",
            EventKind::PhaseEnd { .. } => "phase_end",
            EventKind::PlanProposed { .. } => "plan_proposed",
            EventKind::ToolCall { .. } => "tool_call",
            EventKind::ModelCall { .. } => "model_call",
        }
    }

    /// What the event did, in one line (the timeline row of a report): its type and the
    /// fields it names, as recorded.
    pub fn describe(&self) -> String {
        match self {
            EventKind::PhaseStart { phase, token } => format!("phase {phase} starts (token {token})"),
            EventKind::PhaseEnd { phase } => format!("phase {phase} ends"),
            EventKind::PlanProposed { gate, plan } => format!("plan {plan} proposed to gate {gate}"),
            EventKind::ModelCall { receipt } => format!("model call (receipt {receipt})"),
            EventKind::ToolCall { tool, effect: None } => format!("tool {tool}, no effect on a secret"),
            EventKind::ToolCall {
                tool,
                effect: Some(effect),
            } => format!("tool {tool}: {}", effect.describe()),
        }
    }
}

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub seq: u64,
    /// The seq the event had in the recorded timeline (differs only in a what-if run, whose
    /// events are renumbered after a fault removed or moved some).
    pub recorded_seq: u64,
    pub at: Millis,
    /// `at` as recorded.
    pub at_text: String,
    pub kind: EventKind,
}

/// Parse one event object (its `seq`, `at` and order are judged by [`EventLines`]).
pub fn event_from_value(v: &Value) -> RuleResult<Event> {
    let o = Obj::new(v, "event")?;
    let kind_name = o.require("type", |v, at| text(v, 1, 64, at))?;
    let fields: &[&str] = match kind_name {
        "phase_start" => &["seq", "at", "type", "phase", "token"],
        "phase_end" => &["seq", "at", "type", "phase"],
        "plan_proposed" => &["seq", "at", "type", "gate", "plan"],
        "tool_call" => &["seq", "at", "type", "tool", "effect"],
        "model_call" => &["seq", "at", "type", "receipt"],
        other => {
            return Err(SchemaViolation::new(
                o.at("type"),
                format!("\"{}\" is not an event type", crate::schema_rules::short(other)),
            ))
        }
    };
    o.closed_optional(fields, &[])?;
    let seq = o.require("seq", |v, at| crate::schema_rules::uint(v, 1, at))?;
    let at_text = o.require("at", |v, at| text(v, 1, 64, at))?;
    let at = parse_rfc3339(at_text).ok_or_else(|| SchemaViolation::new(o.at("at"), "must be an RFC 3339 date-time"))?;
    let s = |key: &str| o.require(key, name).map(str::to_string);
    let f = |key: &str| o.require(key, file_name).map(str::to_string);
    let kind = match kind_name {
        "phase_start" => EventKind::PhaseStart {
            phase: s("phase")?,
            token: f("token")?,
        },
        "phase_end" => EventKind::PhaseEnd { phase: s("phase")? },
        "plan_proposed" => EventKind::PlanProposed {
            gate: s("gate")?,
            plan: f("plan")?,
        },
        "tool_call" => EventKind::ToolCall {
            tool: s("tool")?,
            effect: o.require("effect", |v, at| match v {
                Value::Null => Ok(None),
                other => parse_effect(other, at).map(Some),
            })?,
        },
        _ => EventKind::ModelCall { receipt: f("receipt")? },
    };
    Ok(Event {
        seq,
        recorded_seq: seq,
        at,
        at_text: at_text.to_string(),
        kind,
    })
}

fn parse_effect(v: &Value, at: &Path<'_>) -> RuleResult<Effect> {
    let o = Obj::new(v, at)?;
    let kind = o.require("kind", |v, at| text(v, 1, 64, at))?;
    let fields: &[&str] = match kind {
        "read" | "invalidate_sessions" => &["kind", "secret"],
        "secret_version_created" | "revoke" => &["kind", "secret", "version"],
        "deploy" => &["kind", "consumer", "secret", "version"],
        "health_check" => &["kind", "consumer", "secret", "version", "ok"],
        other => {
            return Err(SchemaViolation::new(
                o.at("kind"),
                format!("\"{}\" is not an effect kind", crate::schema_rules::short(other)),
            ))
        }
    };
    o.closed_optional(fields, &[])?;
    let s = |key: &str| o.require(key, name).map(str::to_string);
    Ok(match kind {
        "read" => Effect::Read { secret: s("secret")? },
        "invalidate_sessions" => Effect::InvalidateSessions { secret: s("secret")? },
        "secret_version_created" => Effect::SecretVersionCreated {
            secret: s("secret")?,
            version: s("version")?,
        },
        "revoke" => Effect::Revoke {
            secret: s("secret")?,
            version: s("version")?,
        },
        "deploy" => Effect::Deploy {
            consumer: s("consumer")?,
            secret: s("secret")?,
            version: s("version")?,
        },
        _ => Effect::HealthCheck {
            consumer: s("consumer")?,
            secret: s("secret")?,
            version: s("version")?,
            ok: o.require("ok", |v, at| boolean(v, at))?,
        },
    })
}

/// The events of `events.ndjson`, one line at a time, in order; the first malformed line
/// ends the iteration with its error. Lines are LF-terminated UTF-8 JSON objects (a final
/// LF is optional); a blank line, a CR, a line over `MAX_EVENT_LINE_BYTES`, a `seq` that is
/// not the previous one plus 1 (starting at 1) or an `at` earlier than the previous one is
/// an error.
pub struct EventLines<'a> {
    rest: &'a [u8],
    line: usize,
    last: Option<(u64, Millis)>,
    limits: ParseLimits,
    done: bool,
}

impl<'a> EventLines<'a> {
    /// The timeline `bytes`; a file over the input limit is refused as a whole.
    pub fn new(bytes: &'a [u8], limits: &ParseLimits) -> Result<EventLines<'a>, FixtureError> {
        if bytes.len() > limits.max_bytes {
            return Err(FixtureError::file(
                ROTATION_EVENTS_PATH,
                format!(
                    "is {} bytes, more than the input limit of {} bytes",
                    bytes.len(),
                    limits.max_bytes
                ),
            ));
        }
        if bytes.is_empty() {
            return Err(FixtureError::file(
                ROTATION_EVENTS_PATH,
                "is empty: a run has at least one event",
            ));
        }
        Ok(EventLines {
            rest: bytes,
            line: 0,
            last: None,
            limits: *limits,
            done: false,
        })
    }

    fn error(&mut self, seq: Option<u64>, why: impl Into<String>) -> Option<Result<Event, FixtureError>> {
        self.done = true;
        Some(Err(FixtureError {
            file: ROTATION_EVENTS_PATH.to_string(),
            line: Some(self.line),
            seq,
            why: why.into(),
        }))
    }
}

impl Iterator for EventLines<'_> {
    type Item = Result<Event, FixtureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let (line, rest) = match self.rest.iter().position(|&b| b == b'\n') {
            Some(i) => (
                self.rest.get(..i).unwrap_or_default(),
                self.rest.get(i + 1..).unwrap_or_default(),
            ),
            None => (self.rest, &[][..]),
        };
        self.rest = rest;
        if line.len() > MAX_EVENT_LINE_BYTES {
            return self.error(
                None,
                format!(
                    "is {} bytes long; an event line is at most {MAX_EVENT_LINE_BYTES} bytes",
                    line.len()
                ),
            );
        }
        if line.is_empty() {
            return self.error(None, "is blank; events.ndjson has no blank lines");
        }
        if line.contains(&b'\r') {
            return self.error(None, "contains a carriage return; lines end with LF only");
        }
        let value = match json::parse(line, &self.limits) {
            Ok(v) => v,
            Err(e) => return self.error(None, format!("is not acceptable JSON: {e}")),
        };
        let seq = value.get("seq").and_then(Value::as_u64);
        let event = match event_from_value(&value) {
            Ok(e) => e,
            Err(why) => return self.error(seq, why.to_string()),
        };
        let expected = self.last.map_or(1, |(s, _)| s.saturating_add(1));
        if event.seq != expected {
            return self.error(
                Some(event.seq),
                format!("has seq {}, but the next seq is {expected}", event.seq),
            );
        }
        if let Some((_, prev)) = self.last.filter(|(_, prev)| event.at < *prev) {
            return self.error(
                Some(event.seq),
                format!(
                    "is dated {}, earlier than the previous event ({})",
                    event.at_text,
                    crate::timeutil::format_rfc3339(prev)
                ),
            );
        }
        self.last = Some((event.seq, event.at));
        Some(Ok(event))
    }
}

/// `artifacts/rotation/tokens/<name>.jwt`.
pub fn token_path(name: &str) -> String {
    format!("{ROTATION_TOKENS_DIR}{name}.jwt")
}

/// `artifacts/plans/<name>.json`.
pub fn plan_path(name: &str) -> String {
    format!("artifacts/plans/{name}.json")
}

/// `artifacts/receipts/<name>.json`.
pub fn receipt_path(name: &str) -> String {
    format!("artifacts/receipts/{name}.json")
}
