//! Hostile rotation fixtures (spec 30 §1, issue 8): every malformation is a clear
//! `ROTATION_FIXTURE_INVALID` (or the spec 20 code of a signed artifact) naming the file and
//! the line, never a crash; the judge never panics and is deterministic on mutated timelines.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

use clawaudit::context::VerifyContext;
use clawaudit::reason::ReasonCode;
use clawaudit::rotation::fixture::FixtureFiles;
use clawaudit::rotation::model::{Judgement, Outcome, StepRecord};
use clawaudit::timeutil::parse_rfc3339;
use clawaudit::vectors::rotation_sample::{self as sample, RotationRun};
use proptest::prelude::*;

const EVENTS: &str = "artifacts/rotation/events.ndjson";
const SCENARIO: &str = "artifacts/rotation/scenario.json";

fn judge_with(files: Vec<(String, Vec<u8>)>) -> (Judgement, Vec<StepRecord>) {
    let run = RotationRun::sample();
    let ctx = VerifyContext::new(parse_rfc3339(sample::VERIFY_AT).unwrap(), run.trust());
    sample::judge_with_steps(&FixtureFiles::new(files), &ctx)
}

fn with_events(edit: impl Fn(&str) -> Vec<u8>) -> Judgement {
    let run = RotationRun::sample();
    let mut files = run.files().unwrap();
    let slot = files.iter_mut().find(|(p, _)| p == EVENTS).unwrap();
    slot.1 = edit(std::str::from_utf8(&slot.1).unwrap());
    judge_with(files).0
}

/// The sample's events with line `n` (1-based) replaced.
fn replace_line(n: usize, line: &str) -> Judgement {
    with_events(|text| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[n - 1] = line.to_string();
        (lines.join("\n") + "\n").into_bytes()
    })
}

fn assert_invalid(j: &Judgement, seq: Option<u64>, needle: &str) {
    let v = j
        .first_violation()
        .unwrap_or_else(|| panic!("no violation for {needle}"));
    assert_eq!(
        (v.code, v.seq),
        (ReasonCode::RotationFixtureInvalid, seq),
        "{:#?}",
        j.violations
    );
    assert!(v.detail.contains(needle), "{needle:?} not in {:?}", v.detail);
    assert_eq!(j.outcome, Outcome::Violated);
}

#[test]
fn timeline_framing_faults() {
    assert_invalid(
        &with_events(|t| [b"\xEF\xBB\xBF".as_slice(), t.as_bytes()].concat()),
        None,
        "events.ndjson line 1: is not acceptable JSON",
    );
    assert_invalid(
        &with_events(|t| t.replace('\n', "\r\n").into_bytes()),
        None,
        "line 1: contains a carriage return",
    );
    assert_invalid(
        &with_events(|t| t.replacen('\n', "\n\n", 3).into_bytes()),
        None,
        "line 2: is blank",
    );
    let big = format!(
        "{{\"seq\":1,\"at\":\"2026-03-02T09:00:00Z\",\"type\":\"phase_end\",\"phase\":\"{}\"}}",
        "x".repeat(10 << 20)
    );
    assert_invalid(&replace_line(1, &big), None, "line 1: is 10485827 bytes long");
    assert_invalid(&with_events(|_| Vec::new()), None, "is empty");
    // Without the final LF the run is the same.
    let j = with_events(|t| t.trim_end_matches('\n').as_bytes().to_vec());
    assert_eq!(j.outcome, Outcome::Complete, "{:#?}", j.violations);
}

#[test]
fn malformed_event_lines() {
    let dup =
        r#"{"seq":2,"at":"2026-03-02T09:01:00Z","type":"tool_call","tool":"list_consumers","tool":"x","effect":null}"#;
    assert_invalid(&replace_line(2, dup), None, "line 2: is not acceptable JSON");
    let gap = r#"{"seq":3,"at":"2026-03-02T09:01:00Z","type":"tool_call","tool":"list_consumers","effect":null}"#;
    assert_invalid(
        &replace_line(2, gap),
        Some(3),
        "line 2: has seq 3, but the next seq is 2",
    );
    let repeat = r#"{"seq":1,"at":"2026-03-02T09:01:00Z","type":"tool_call","tool":"list_consumers","effect":null}"#;
    assert_invalid(&replace_line(2, repeat), Some(1), "has seq 1, but the next seq is 2");
    let back = r#"{"seq":2,"at":"2026-03-02T08:59:00Z","type":"tool_call","tool":"list_consumers","effect":null}"#;
    assert_invalid(&replace_line(2, back), Some(2), "earlier than the previous event");
    let unknown_type = r#"{"seq":2,"at":"2026-03-02T09:01:00Z","type":"shell","cmd":"rm"}"#;
    assert_invalid(
        &replace_line(2, unknown_type),
        Some(2),
        "\"shell\" is not an event type",
    );
    let unknown_effect = r#"{"seq":2,"at":"2026-03-02T09:01:00Z","type":"tool_call","tool":"list_consumers","effect":{"kind":"delete","secret":"s"}}"#;
    assert_invalid(
        &replace_line(2, unknown_effect),
        Some(2),
        "\"delete\" is not an effect kind",
    );
    let extra =
        r#"{"seq":2,"at":"2026-03-02T09:01:00Z","type":"tool_call","tool":"list_consumers","effect":null,"note":"x"}"#;
    assert_invalid(&replace_line(2, extra), Some(2), "unknown field 'note'");
    let bad_ok = r#"{"seq":2,"at":"2026-03-02T09:01:00Z","type":"tool_call","tool":"health_check","effect":{"kind":"health_check","consumer":"payments-api","secret":"secret://prod/payments/stripe_api_key","version":"v7","ok":"yes"}}"#;
    assert_invalid(&replace_line(2, bad_ok), Some(2), "effect.ok");
    let bad_time = r#"{"seq":2,"at":"yesterday","type":"phase_end","phase":"discover"}"#;
    assert_invalid(&replace_line(2, bad_time), Some(2), "RFC 3339");
    let path_escape = r#"{"seq":3,"at":"2026-03-02T09:02:00Z","type":"model_call","receipt":"../policy/wpc"}"#;
    assert_invalid(&replace_line(3, path_escape), Some(3), "plain file name");
}

#[test]
fn events_that_name_nothing() {
    let phase = r#"{"seq":1,"at":"2026-03-02T09:00:00Z","type":"phase_start","phase":"explore","token":"discover"}"#;
    assert_invalid(
        &replace_line(1, phase),
        Some(1),
        "line 1: phase_start names phase \"explore\"",
    );
    let token = r#"{"seq":1,"at":"2026-03-02T09:00:00Z","type":"phase_start","phase":"discover","token":"nope"}"#;
    assert_invalid(
        &replace_line(1, token),
        Some(1),
        "artifacts/rotation/tokens/nope.jwt is not in the fixture",
    );
    let plan =
        r#"{"seq":5,"at":"2026-03-02T09:04:00Z","type":"plan_proposed","gate":"stage_new_secret","plan":"nope"}"#;
    assert_invalid(
        &replace_line(5, plan),
        Some(5),
        "artifacts/plans/nope.json is not in the fixture",
    );
    let gate =
        r#"{"seq":5,"at":"2026-03-02T09:04:00Z","type":"plan_proposed","gate":"nope","plan":"stage_new_secret"}"#;
    assert_invalid(&replace_line(5, gate), Some(5), "names gate \"nope\"");
    let wrong_gate = r#"{"seq":5,"at":"2026-03-02T09:04:00Z","type":"plan_proposed","gate":"revoke_old_secret","plan":"stage_new_secret"}"#;
    assert_invalid(
        &replace_line(5, wrong_gate),
        Some(5),
        "but the plan is for gate \"stage_new_secret\"",
    );
    let receipt = r#"{"seq":3,"at":"2026-03-02T09:02:00Z","type":"model_call","receipt":"nope"}"#;
    assert_invalid(
        &replace_line(3, receipt),
        Some(3),
        "artifacts/receipts/nope.json is not in the fixture",
    );
    let consumer = r#"{"seq":4,"at":"2026-03-02T09:03:00Z","type":"tool_call","tool":"health_check","effect":{"kind":"health_check","consumer":"nobody","secret":"secret://prod/payments/stripe_api_key","version":"v7","ok":true}}"#;
    assert_invalid(
        &replace_line(4, consumer),
        Some(4),
        "consumer \"nobody\", which is not in the scenario",
    );
    let secret = r#"{"seq":2,"at":"2026-03-02T09:01:00Z","type":"tool_call","tool":"read_config","effect":{"kind":"read","secret":"secret://nowhere"}}"#;
    assert_invalid(
        &replace_line(2, secret),
        Some(2),
        "secret \"secret://nowhere\", which is not in the scenario",
    );
}

#[test]
fn nothing_after_the_first_unreadable_line_is_judged() {
    let run = RotationRun::sample();
    let mut files = run.files().unwrap();
    let slot = files.iter_mut().find(|(p, _)| p == EVENTS).unwrap();
    let text = String::from_utf8(slot.1.clone()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[9] = "not json";
    slot.1 = (lines.join("\n") + "\n").into_bytes();
    let (j, steps) = judge_with(files);
    assert_eq!(steps.len(), 9);
    assert_eq!(j.events, 9);
    assert_eq!(j.violations.len(), 1);
    assert!(
        j.warnings.is_empty(),
        "no receipt is unreferenced in a timeline read only in part"
    );
    assert_invalid(&j, None, "line 10");
}

fn with_file(path: &str, bytes: Option<Vec<u8>>) -> Judgement {
    let run = RotationRun::sample();
    let mut files = run.files().unwrap();
    files.retain(|(p, _)| p != path);
    if let Some(b) = bytes {
        files.push((path.to_string(), b));
    }
    judge_with(files).0
}

#[test]
fn missing_files_and_bad_scenarios() {
    assert_invalid(
        &with_file(SCENARIO, None),
        None,
        "artifacts/rotation/scenario.json: is missing",
    );
    assert_invalid(
        &with_file(EVENTS, None),
        None,
        "artifacts/rotation/events.ndjson: is missing",
    );
    let j = with_file("artifacts/policy/wpc.json", None);
    assert_invalid(&j, None, "artifacts/policy/wpc.json: is missing");
    // A run-wide token has no place in a rotation run.
    let token = RotationRun::sample()
        .files()
        .unwrap()
        .into_iter()
        .find(|(p, _)| p.ends_with("discover.jwt"))
        .unwrap()
        .1;
    assert_invalid(
        &with_file("artifacts/token/cst.jwt", Some(token)),
        None,
        "artifacts/token/cst.jwt: is not part of a rotation run",
    );
    let scenario = |text: &str| with_file(SCENARIO, Some(text.as_bytes().to_vec()));
    let s = "secret://prod/payments/stripe_api_key";
    let base = |consumers: &str| {
        format!(
            r#"{{"scenario_version":"1","job_id":"{}","agent_did":"did:key:z6Mk","secrets":[{{"id":"{s}","supports_versions":true,"current_version":"v7"}}],"consumers":[{consumers}]}}"#,
            sample::JOB_ID
        )
    };
    assert_invalid(
        &scenario(&base(r#"{"id":"a","secret":"secret://other","version":"v7"}"#)),
        None,
        "consumers[0].secret",
    );
    assert_invalid(
        &scenario(&base(&format!(
            r#"{{"id":"a","secret":"{s}","version":"v7"}},{{"id":"a","secret":"{s}","version":"v7"}}"#
        ))),
        None,
        "consumers[1].id",
    );
    assert_invalid(
        &scenario(&base("").replace(
            "\"scenario_version\":\"1\",",
            "\"colour\":1,\"scenario_version\":\"1\",",
        )),
        None,
        "unknown field 'colour'",
    );
    assert_invalid(
        &scenario("{\"scenario_version\":\"1\",\"scenario_version\":\"1\"}"),
        None,
        "not acceptable JSON",
    );
}

#[test]
fn a_plan_whose_change_set_is_not_the_rotation_shape() {
    let mut run = RotationRun::sample();
    let plan = run.plans.iter_mut().find(|(n, _)| n == "stage_new_secret").unwrap();
    let mut p: serde_json::Value = serde_json::from_str(&clawaudit::json::jcs::to_string(&plan.1)).unwrap();
    p["change_set"]["secrets"][0]["canary"] = serde_json::json!(["nobody"]);
    plan.1 = clawaudit::json::Value::from_serde(&p);
    // The approvals are re-signed over the changed plan, so the change set is what fails.
    let (j, steps) = judge_with(run.files().unwrap());
    assert_invalid(
        &j,
        None,
        "artifacts/plans/stage_new_secret.json: its rotation change_set is invalid",
    );
    assert!(steps.is_empty());
    p["change_set"] = serde_json::json!({"secret": "x", "action": "stage"});
    let mut run = RotationRun::sample();
    run.plans[0].1 = clawaudit::json::Value::from_serde(&p);
    assert_invalid(&judge_with(run.files().unwrap()).0, None, "unknown field 'secret'");
}

#[test]
fn a_policy_without_rotation_rules_cannot_judge_a_run() {
    let mut run = RotationRun::sample();
    let mut p: serde_json::Value = serde_json::from_str(&clawaudit::json::jcs::to_string(&run.policy_payload)).unwrap();
    let ext = p["metadata"]["clawaudit"].as_object_mut().unwrap();
    for k in ["phases", "target_secrets", "rotation_rules"] {
        ext.remove(k);
    }
    ext["token_constraints"]
        .as_object_mut()
        .unwrap()
        .remove("require_secret_scope");
    run.policy_payload = clawaudit::json::Value::from_serde(&p);
    let (j, steps) = judge_with(run.files().unwrap());
    let v = j.first_violation().unwrap();
    assert_eq!((v.code, v.seq), (ReasonCode::PolicyExtensionInvalid, None));
    assert!(v.detail.contains("declares no phases"));
    assert!(steps.is_empty());
}

/// One random edit of a timeline line: a changed byte, a dropped or repeated line, or
/// swapped lines.
fn mutate(text: &str, kind: u8, a: usize, b: usize, byte: u8) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    let n = lines.len();
    match kind % 4 {
        0 => {
            let line = &mut lines[a % n];
            let i = b % line.len();
            line[i] = byte;
        }
        1 => {
            lines.remove(a % n);
        }
        2 => {
            let l = lines[a % n].clone();
            lines.insert(b % n, l);
        }
        _ => lines.swap(a % n, b % n),
    }
    let mut out = lines.join(&b'\n');
    out.push(b'\n');
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]
    #[test]
    fn the_judge_never_panics_and_is_deterministic(edits in proptest::collection::vec((0u8..4, 0usize..64, 0usize..256, any::<u8>()), 1..4)) {
        let run = RotationRun::sample();
        let mut files = run.files().unwrap();
        let slot = files.iter_mut().find(|(p, _)| p == EVENTS).unwrap();
        for (kind, a, b, byte) in &edits {
            let text = String::from_utf8_lossy(&slot.1).to_string();
            slot.1 = mutate(&text, *kind, *a, *b, *byte);
        }
        let first = judge_with(files.clone());
        let again = judge_with(files);
        prop_assert_eq!(&first.0, &again.0);
        prop_assert_eq!(&first.1, &again.1);
        // Whatever was broken, a violation names an event or the timeline file.
        if first.0.outcome == Outcome::Violated {
            prop_assert!(first.0.first_violation().is_some());
        }
    }
}
