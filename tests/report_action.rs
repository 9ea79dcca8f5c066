//! The GitHub Action's script (scripts/action.sh), run as GitHub would run it: a fake runner
//! environment (RUNNER_TEMP, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_ACTION_PATH, inputs
//! as INPUT_*), with the clawaudit under test already installed where the script installs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    /// A runner whose temp dir already holds this build of clawaudit (the script installs
    /// into `$RUNNER_TEMP/clawaudit` and reuses what is there).
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("runner/clawaudit/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_clawaudit"), bin.join("clawaudit")).unwrap();
        Runner { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, inputs: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = std::process::Command::new("bash");
        cmd.arg(root().join("scripts/action.sh"))
            .current_dir(root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env("HOME", self.dir.path())
            .env("RUNNER_TEMP", self.path("runner"))
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", root())
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output.txt"))
            .env("INPUT_SARIF", self.path("out.sarif"))
            .env("INPUT_JUNIT", self.path("out.xml"));
        for (k, v) in inputs {
            cmd.env(format!("INPUT_{k}"), v);
        }
        cmd.output().unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }
}

fn sarif_results(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["runs"][0]["results"].as_array().unwrap().clone()
}

#[test]
fn a_pass_exits_0_with_a_summary_and_an_empty_sarif() {
    let r = Runner::new();
    let out = r.run(&[
        (
            "PATHS",
            "testvectors/clawsig/valid/commit-sig.json\ntestvectors/clawsig/valid/proof-bundle-minimal.json",
        ),
        ("TRUST", "testvectors/trust/clawsig.json"),
        ("AT", "2026-03-02T00:00:00Z"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = r.read("summary.md");
    assert!(
        summary.starts_with("## clawaudit: PASS\n\n2 subject(s): 2 passed, 0 failed"),
        "{summary}"
    );
    assert_eq!(summary.matches("| PASS |").count(), 2, "{summary}");
    assert!(sarif_results(&r.path("out.sarif")).is_empty());
    let xml = r.read("out.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("testsuite")).count(), 2);
    let output = r.read("output.txt");
    assert!(output.contains("exit-code=0\n"), "{output}");
    assert!(
        output.contains(&format!("sarif={}\n", r.path("out.sarif").display())),
        "{output}"
    );
    // The log shows the text report.
    assert!(String::from_utf8_lossy(&out.stdout).contains("PASS commit-sig"));
}

#[test]
fn a_fail_exits_1_and_leaves_the_sarif_and_the_site() {
    let r = Runner::new();
    // An earlier step's summary stays: the script appends.
    std::fs::write(r.path("summary.md"), "earlier step\n").unwrap();
    let site = r.path("site");
    let out = r.run(&[
        (
            "PATHS",
            "testvectors/audit/valid/every-kind.audit.zip testvectors/audit/invalid/quorum-one-short.audit.zip",
        ),
        ("TRUST", "testvectors/audit/trust.json"),
        ("AT", "2026-02-18T00:01:00Z"),
        ("REPORT_DIR", site.to_str().unwrap()),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = r.read("summary.md");
    assert!(summary.starts_with("earlier step\n## clawaudit: FAIL\n"), "{summary}");
    assert!(summary.contains("| FAIL | audit-bundle | testvectors/audit/invalid/quorum-one-short\\.audit\\.zip | APPROVAL_QUORUM_NOT_MET |"), "{summary}");
    let results = sarif_results(&r.path("out.sarif"));
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "APPROVAL_QUORUM_NOT_MET");
    assert!(site.join("index.html").is_file());
    assert!(r.read("output.txt").contains("exit-code=1\n"));
}

#[test]
fn nothing_judged_exits_2_and_says_so_in_the_summary() {
    let r = Runner::new();
    let out = r.run(&[("PATHS", "no/such/file.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(r.read("summary.md").starts_with("## clawaudit: ERROR\n"));
    assert!(r.read("output.txt").contains("exit-code=2\n"));
    let missing = r.run(&[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("the input 'paths' is required"));
}

#[test]
fn the_action_passes_every_input_to_the_script() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(action.contains("using: composite"));
    for input in ["paths", "trust", "at", "sarif", "junit", "report-dir", "version"] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
        let env = format!(
            "INPUT_{}: ${{{{ inputs.{input} }}}}",
            input.to_uppercase().replace('-', "_")
        );
        assert!(action.contains(&env), "{env}");
    }
}
