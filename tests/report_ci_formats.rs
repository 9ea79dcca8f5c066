//! The CI formats of spec 40 §2, read back by independent tools: SARIF validated against the
//! official OASIS SARIF 2.1.0 schema (tests/data/, by Python's `jsonschema`), JUnit parsed by
//! `roxmltree`, and the expected counts taken from the `--format json` report of the same
//! run, not from the renderers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;
use serde_json::Value;

const AT: &str = "2026-03-02T00:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// PASS subjects, a warn check (the export bundle's weak log proof) and FAILs, one of them a
/// sealed bundle whose failing check is about a ZIP entry.
fn subjects() -> Vec<PathBuf> {
    let v = root().join("testvectors");
    vec![
        v.join("clawsig/valid"),
        v.join("clawsig/invalid"),
        v.join("audit/invalid/entry-tampered.audit.zip"),
    ]
}

fn verify(extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(root())
        .args(["verify", "--at", AT, "--trust", "testvectors/trust/clawsig.json"])
        .args(extra)
        .args(subjects().iter().map(|p| p.strip_prefix(root()).unwrap()))
        .output()
        .unwrap()
}

fn json_report() -> Value {
    serde_json::from_slice(&verify(&["--format", "json"]).stdout).unwrap()
}

/// (subject path, check) for every check of the JSON report.
fn checks(report: &Value) -> Vec<(String, Value)> {
    report["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            let path = s["path"].as_str().unwrap().to_string();
            s["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |c| (path.clone(), c.clone()))
        })
        .collect()
}

/// Validate with Python's jsonschema (Draft 4, the schema's `$schema`). In CI a missing
/// validator fails the test; elsewhere it is said and the structural checks still run.
fn validate_against_schema(sarif: &str) {
    let schema = root().join("tests/data/sarif-schema-2.1.0.json");
    let script = "import json,sys,jsonschema\n\
schema=json.load(open(sys.argv[1]))\n\
doc=json.load(sys.stdin)\n\
errors=sorted(jsonschema.Draft4Validator(schema).iter_errors(doc), key=lambda e: list(e.path))\n\
for e in errors: print('/'.join(map(str,e.path)), e.message)\n\
sys.exit(1 if errors else 0)\n";
    let child = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if std::env::var("CI").is_err() => {
            eprintln!("python3 is missing ({e}): SARIF schema validation not run (CI installs it)");
            return;
        }
        Err(e) => panic!("python3: {e}"),
    };
    use std::io::Write;
    child.stdin.take().unwrap().write_all(sarif.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("No module named 'jsonschema'") && std::env::var("CI").is_err() {
        eprintln!("python3 has no jsonschema: SARIF schema validation not run (CI installs python3-jsonschema)");
        return;
    }
    assert!(
        out.status.success(),
        "SARIF fails the 2.1.0 schema:\n{}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn sarif_is_valid_2_1_0_with_one_rule_per_code_and_one_result_per_fail_or_warn() {
    let out = verify(&["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    validate_against_schema(&text);
    let sarif: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "clawaudit");
    assert!(driver.get("informationUri").is_none(), "offline: no informationUri");
    // Expected from the JSON report: every fail and warn check, in order.
    let report = json_report();
    let expected: Vec<(String, Value)> = checks(&report)
        .into_iter()
        .filter(|(_, c)| c["status"] == "fail" || c["status"] == "warn")
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    assert!(
        expected.iter().any(|(_, c)| c["status"] == "warn"),
        "the sample has a warning"
    );
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut codes: Vec<&str> = expected
        .iter()
        .map(|(_, c)| c["reason_code"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let mut sorted_rules = rule_ids.clone();
    sorted_rules.sort_unstable();
    assert_eq!(sorted_rules, codes, "one rule per code that appears, each once");
    for (r, (path, c)) in results.iter().zip(&expected) {
        let code = c["reason_code"].as_str().unwrap();
        assert_eq!(r["ruleId"], code);
        assert_eq!(rule_ids[r["ruleIndex"].as_u64().unwrap() as usize], code);
        let level = if c["status"] == "fail" { "error" } else { "warning" };
        assert_eq!(r["level"], level);
        assert_eq!(r["message"]["text"], c["detail"]);
        let loc = &r["locations"][0];
        assert_eq!(loc["physicalLocation"]["artifactLocation"]["uri"], path.as_str());
        if let Some(artifact) = c.get("artifact") {
            assert_eq!(loc["logicalLocations"][0]["fullyQualifiedName"], *artifact);
        }
        assert!(r["partialFingerprints"]["clawauditCheck/v1"].is_string());
    }
    // Rules carry the explanation table's text.
    for rule in rules {
        let code = clawaudit::reason::ReasonCode::from_name(rule["id"].as_str().unwrap()).unwrap();
        let e = code.explanation();
        assert_eq!(rule["shortDescription"]["text"], e.title);
        assert_eq!(rule["fullDescription"]["text"], e.meaning);
        assert!(rule["help"]["text"].as_str().unwrap().contains(e.next_steps[0]));
    }
    // A failing check about a ZIP entry: the entry is a logical location, the ZIP the artifact.
    let zip = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with(".audit.zip")
        })
        .unwrap();
    assert_eq!(
        zip["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "testvectors/audit/invalid/entry-tampered.audit.zip"
    );
    assert_eq!(
        zip["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "checkpoint.json"
    );
    assert_eq!(zip["locations"][0]["logicalLocations"][0]["kind"], "resource");
    // Fingerprints: unique per result and the same in another run.
    let prints: Vec<&Value> = results.iter().map(|r| &r["partialFingerprints"]).collect();
    let mut unique: Vec<String> = prints.iter().map(|p| p.to_string()).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), prints.len());
    let again: Value = serde_json::from_slice(&verify(&["--format", "sarif"]).stdout).unwrap();
    let prints_again: Vec<&Value> = again["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["partialFingerprints"])
        .collect();
    assert_eq!(prints, prints_again);
}

#[test]
fn a_path_with_spaces_and_hashes_is_a_percent_encoded_uri() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a dir#1");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("bad é.json"), b"{\"x\":").unwrap();
    let out = Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(tmp.path())
        .args(["verify", "--format", "sarif", "--at", AT, "a dir#1/bad é.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    validate_against_schema(&text);
    let sarif: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%20dir%231/bad%20%C3%A9.json"
    );
}

#[test]
fn junit_parses_with_one_suite_per_subject_and_one_case_per_check() {
    let out = verify(&["--format", "junit"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let report = json_report();
    let subjects = report["subjects"].as_array().unwrap();
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), subjects.len());
    for (suite, s) in suites.iter().zip(subjects) {
        assert_eq!(suite.attribute("name"), s["path"].as_str());
        let checks = s["checks"].as_array().unwrap();
        let n = |st: &str| checks.iter().filter(|c| c["status"] == st).count().to_string();
        assert_eq!(suite.attribute("tests"), Some(checks.len().to_string().as_str()));
        assert_eq!(suite.attribute("failures"), Some(n("fail").as_str()));
        assert_eq!(suite.attribute("skipped"), Some(n("skip").as_str()));
        let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(cases.len(), checks.len());
        for (case, c) in cases.iter().zip(checks) {
            assert_eq!(case.attribute("classname"), s["kind"].as_str());
            assert_eq!(case.attribute("name"), c["id"].as_str());
            let failure = case.children().find(|n| n.has_tag_name("failure"));
            let skipped = case.children().find(|n| n.has_tag_name("skipped"));
            match c["status"].as_str().unwrap() {
                "fail" => {
                    let f = failure.expect("a failure element");
                    assert_eq!(f.attribute("message"), c["reason_code"].as_str());
                    assert!(f.text().unwrap().starts_with(c["detail"].as_str().unwrap()));
                }
                "skip" => assert_eq!(skipped.unwrap().attribute("message"), c["detail"].as_str()),
                _ => assert!(failure.is_none() && skipped.is_none()),
            }
        }
    }
}

#[test]
fn junit_escapes_hostile_text_and_characters_xml_cannot_carry() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "x\"<&]]>\u{1}'.json";
    std::fs::write(tmp.path().join(name), b"{\"a\":1}").unwrap();
    let out = Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(tmp.path())
        .args(["verify", "--format", "junit", "--at", AT, name])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    assert_eq!(suite.attribute("name"), Some("x\"<&]]>\u{FFFD}'.json"));
}

#[test]
fn markdown_has_a_summary_table_and_the_first_failing_check_of_each_fail() {
    let out = verify(&["--format", "markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    let report = json_report();
    let subjects = report["subjects"].as_array().unwrap();
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| PASS") || l.starts_with("| FAIL"))
        .collect();
    assert_eq!(rows.len(), subjects.len());
    let fails = subjects.iter().filter(|s| s["status"] == "FAIL").count();
    assert!(rows[..fails].iter().all(|r| r.starts_with("| FAIL")), "FAILs first");
    let listed = md.lines().filter(|l| l.starts_with("- ")).count();
    assert_eq!(listed, fails);
    // The sealed bundle's row and its first failing check, with the code's title.
    let title = clawaudit::reason::ReasonCode::SignerNotTrusted.explanation().title;
    assert!(
        md.contains(
            "| FAIL | audit-bundle | testvectors/audit/invalid/entry-tampered\\.audit\\.zip | SIGNER_NOT_TRUSTED |"
        ),
        "{md}"
    );
    assert!(md.contains("check checkpoint\\.trust at checkpoint\\.json"), "{md}");
    assert!(md.contains(&format!("(SIGNER_NOT_TRUSTED: {title})")), "{md}");
}

#[test]
fn ci_files_are_written_in_the_same_run_as_the_text_output() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = tmp.path().join("out.sarif");
    let junit = tmp.path().join("out.xml");
    let md = tmp.path().join("summary.md");
    let args = [
        "--sarif",
        sarif.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ];
    let out = verify(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, verify(&[]).stdout, "the text output is unchanged");
    assert_eq!(std::fs::read(&sarif).unwrap(), verify(&["--format", "sarif"]).stdout);
    assert_eq!(std::fs::read(&junit).unwrap(), verify(&["--format", "junit"]).stdout);
    assert_eq!(std::fs::read(&md).unwrap(), verify(&["--format", "markdown"]).stdout);
    assert!(Path::new(&sarif).exists());
}
