//! The audit site as a person sees it (spec 40 §3): real pages rendered by Debian's Chromium,
//! headless. `--dump-dom` gives the DOM a browser builds (the verdict, the reason code and
//! the key facts must be in it; no element or attribute may come from a hostile bundle);
//! playwright-core drives the same Chromium to run axe-core (no serious or critical
//! violation, light and dark), to measure the page at 360 px and to write screenshots into
//! `target/report-screenshots/`.
//!
//! With `CI` set, a missing Chromium or missing node modules fail these tests; elsewhere
//! they say so and stop (`.ci/run` installs both).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

#[path = "support/site.rs"]
mod site;
use site::{
    assert_safe_page, hostile_bundle, marked_seqs, sealed_rotation, timeline_rows, tokenize, CSP, ROTATION_AT,
    ROTATION_TRUST,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Chromium, or `None` (said on stderr) on a machine without it outside CI.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CLAWAUDIT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: CI must install Debian's chromium (.ci/run does)",
        path.display()
    );
    eprintln!(
        "{} is missing: browser tests not run (apt-get install chromium)",
        path.display()
    );
    None
}

/// The spec's flags, a new empty profile each time.
fn headless(chromium: &Path, profile: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(chromium);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

fn dump_dom(chromium: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = headless(chromium, profile.path())
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A site of three subjects: a PASS sealed bundle, a FAIL one and the hostile one.
struct Site {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Site {
    fn build() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let hostile = hostile_bundle(tmp.path());
        let subjects = [
            PathBuf::from("testvectors/audit/valid/every-kind.audit.zip"),
            PathBuf::from("testvectors/audit/invalid/quorum-one-short.audit.zip"),
            hostile,
        ];
        Site::report(
            tmp,
            &[
                "--at",
                "2026-02-18T00:01:00Z",
                "--trust",
                "testvectors/audit/trust.json",
            ],
            &subjects,
        )
    }

    /// A site of one sealed rotation run that broke its rules (`token-reused`): its page
    /// has the rotation timeline with violations marked.
    fn rotation() -> Site {
        let tmp = tempfile::tempdir().unwrap();
        let bundle = sealed_rotation(tmp.path(), "token-reused");
        Site::report(tmp, &["--at", ROTATION_AT, "--trust", ROTATION_TRUST], &[bundle])
    }

    /// `clawaudit report ARGS SUBJECTS -o <tmp>/site`, which must exit 1 (a subject FAILs).
    fn report(tmp: tempfile::TempDir, args: &[&str], subjects: &[PathBuf]) -> Site {
        let dir = tmp.path().join("site");
        let out = Command::cargo_bin("clawaudit")
            .unwrap()
            .current_dir(root())
            .arg("report")
            .args(args)
            .args(subjects)
            .arg("-o")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        Site { _tmp: tmp, dir }
    }

    fn page(&self, slug_part: &str) -> PathBuf {
        let found = std::fs::read_dir(self.dir.join("subjects"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_str().unwrap().contains(slug_part));
        found.unwrap_or_else(|| panic!("no page for {slug_part}"))
    }
}

/// The text of a dumped DOM, a space between text nodes, whitespace collapsed.
fn text(dom: &str) -> String {
    tokenize(dom)
        .texts
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// One Chromium at a time: the timing test must not share the CPU with the others.
static CHROMIUM: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    CHROMIUM.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn chromium_shows_the_verdict_reason_code_and_key_facts_of_a_pass_and_a_fail_page() {
    let Some(chromium) = chromium() else { return };
    let _one = one_at_a_time();
    let site = Site::build();
    let pass = text(&dump_dom(&chromium, &site.page("every-kind")));
    for fact in [
        "PASS testvectors/audit/valid/every-kind.audit.zip",
        "reason code OK",
        "The audit bundle verified: 48 checks passed.",
        "bundle id ab_sample",
        "job job_rotate_db_secret",
        "run run_sample_001",
        "tree size 9",
        "Merkle root 2mGes1trQiHATzl4WC1K…jMMMJQ",
        "2 of 2 distinct approvers, requester excluded",
        "Trust file SHA-256",
    ] {
        assert!(pass.contains(fact), "PASS page: {fact:?} not in {pass}");
    }
    assert!(!pass.contains("Failure triage"), "a PASS has no triage");
    let fail = text(&dump_dom(&chromium, &site.page("quorum-one-short")));
    for fact in [
        "FAIL testvectors/audit/invalid/quorum-one-short.audit.zip",
        "reason code APPROVAL_QUORUM_NOT_MET",
        "1 of 2 distinct approvers, requester excluded",
        "Failure triage: APPROVAL_QUORUM_NOT_MET",
        clawaudit::reason::ReasonCode::ApprovalQuorumNotMet.explanation().title,
    ] {
        assert!(fail.contains(fact), "FAIL page: {fact:?} not in {fail}");
    }
    let index = text(&dump_dom(&chromium, &site.dir.join("index.html")));
    assert!(index.contains("3 subject(s) 1 passed 2 failed"), "{index}");
    assert!(
        index.contains("FAIL testvectors/audit/invalid/quorum-one-short.audit.zip audit-bundle"),
        "{index}"
    );
}

#[test]
fn the_dom_chromium_builds_from_a_hostile_bundle_has_no_element_attribute_or_link_from_it() {
    let Some(chromium) = chromium() else { return };
    let _one = one_at_a_time();
    let site = Site::build();
    let page = site.page("onerror");
    let dom = dump_dom(&chromium, &page);
    // The serialized DOM, tokenized again: exactly the elements and attributes Chromium made.
    let seen = assert_safe_page("hostile page (Chromium DOM)", &dom);
    assert!(seen.text.contains("<script>alert(1)</script>"), "shown as text");
    assert!(dom.contains(CSP));
    let index = dump_dom(&chromium, &site.dir.join("index.html"));
    assert_safe_page("index (Chromium DOM)", &index);
}

/// The rotation timeline as Chromium builds it (spec 40 §1 item 5): the outcome and the
/// recommendation on top, one row per event (22 in events.ndjson), the violations marked in
/// the rows of their seqs (18 to 22: the reused stage token's window ends at 09:35).
#[test]
fn chromium_shows_the_rotation_timeline_with_its_violations_in_place() {
    let Some(chromium) = chromium() else { return };
    let _one = one_at_a_time();
    let site = Site::rotation();
    let dom = dump_dom(&chromium, &site.page("token-reused"));
    assert_safe_page("rotation page (Chromium DOM)", &dom);
    let shown = text(&dom);
    for fact in [
        "FAIL",
        "reason code ROTATION_TOKEN_REUSED",
        "Rotation timeline",
        "Outcome: violated. Recommendation: NO-GO",
        "phase revoke_old_secret starts (token stage)",
    ] {
        assert!(shown.contains(fact), "rotation page: {fact:?} not in {shown}");
    }
    let rows = timeline_rows(&dom);
    assert_eq!(rows.len(), 22);
    let marked = marked_seqs(&rows);
    assert_eq!(marked, ["18", "19", "20", "21", "22"]);
    assert!(rows[17].cells[6].contains("ROTATION_TOKEN_REUSED"), "{:?}", rows[17]);
}

#[test]
fn axe_finds_no_serious_violation_pages_fit_360_px_and_screenshots_are_written() {
    let Some(chromium) = chromium() else { return };
    let _one = one_at_a_time();
    let browser = root().join("tests/browser");
    if !browser.join("node_modules/playwright-core").is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tests/browser/node_modules is missing: CI must run npm ci there (.ci/run does)"
        );
        eprintln!("tests/browser/node_modules is missing: axe not run (cd tests/browser && npm ci)");
        return;
    }
    let site = Site::build();
    let rotation = Site::rotation();
    let shots = root().join("target/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let pages = [
        ("index", site.dir.join("index.html")),
        ("pass", site.page("every-kind")),
        ("fail", site.page("quorum-one-short")),
        ("hostile", site.page("onerror")),
        ("rotation", rotation.page("token-reused")),
    ];
    let out = std::process::Command::new("node")
        .current_dir(&browser)
        .arg("check_pages.mjs")
        .arg(&chromium)
        .arg(&shots)
        .args(pages.iter().map(|(n, p)| format!("{n}={}", p.display())))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let results: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), pages.len());
    for r in &results {
        let name = r["name"].as_str().unwrap();
        for key in ["desktop_violations", "dark_violations"] {
            let bad: Vec<&Value> = r[key]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
                .collect();
            assert!(bad.is_empty(), "{name} {key}: {bad:#?}");
        }
        assert!(
            r["mobile_overflow"].as_i64().unwrap() <= 0,
            "{name} is wider than 360 px: {r}"
        );
        assert_eq!(r["requests"], serde_json::json!([]), "{name} loaded something");
        for shot in ["desktop", "dark", "mobile"] {
            let png = std::fs::read(shots.join(format!("{name}-{shot}.png"))).unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{name}-{shot}");
        }
    }
}

#[test]
fn a_1000_receipt_page_is_under_2_mb_and_chromium_renders_it_whole() {
    let Some(chromium) = chromium() else { return };
    let _one = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    let sample = clawaudit::vectors::clawsig_sample::SampleBundle::new(1000, 1000);
    let bundle = tmp.path().join("s1000-bundle.json");
    let config = tmp.path().join("config.json");
    std::fs::write(&bundle, clawaudit::json::pretty::to_string_pretty(&sample.build())).unwrap();
    std::fs::write(
        &config,
        clawaudit::json::pretty::to_string_pretty(&sample.clawsig_config()),
    )
    .unwrap();
    let dir = tmp.path().join("site");
    let out = Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["report", "--at", "2026-03-02T00:00:00Z", "--trust"])
        .arg(&config)
        .arg(&bundle)
        .arg("-o")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let page = std::fs::read_dir(dir.join("subjects"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 2 * 1024 * 1024, "{size} bytes");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Receipts (1000)") && html.contains("800 more receipts"));
    // Warm Chromium's own caches once, then time a render; a blank page's time says how
    // much of it is Chromium starting.
    let blank = tmp.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><title>blank</title>").unwrap();
    dump_dom(&chromium, &blank);
    let start = Instant::now();
    dump_dom(&chromium, &blank);
    let startup = start.elapsed();
    let start = Instant::now();
    let dom = dump_dom(&chromium, &page);
    let took = start.elapsed();
    // The project keeps speed targets out of assertions (a loaded machine would fail them):
    // the 2 s target is printed here and its figure is in the README.
    eprintln!(
        "1000-receipt page: {size} bytes, rendered (--dump-dom) in {took:?} (target: under {:?}); a blank page takes {startup:?}",
        Duration::from_secs(2)
    );
    let shown = text(&dom);
    assert!(shown.contains("Receipts (1000)") && shown.contains("800 more receipts"));
    assert!(shown.contains("receipts[999]"), "the last receipt is in the DOM");
}
