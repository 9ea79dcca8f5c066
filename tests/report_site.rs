//! `clawaudit report`: the audit site it writes, read back with an independent HTML
//! tokenizer (html5gum, WHATWG tokenization: every element and attribute a browser would
//! create from the bytes). Hostile strings in a bundle must stay text: no element,
//! attribute or link may come from them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;

#[path = "support/site.rs"]
mod site;
use site::{
    assert_safe_page, hostile_bundle, marked_seqs, read_site, row_seqs, seal_fixture, sealed_rotation, timeline_rows,
    tokenize, IMG, ROTATION_AT, ROTATION_TRUST, SCRIPT,
};

const AT: &str = "2026-02-18T00:01:00Z";

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors")
}

fn report(args: &[&str], paths: &[&Path], out: &Path) -> std::process::Output {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .arg("report")
        .args(["--at", AT, "--trust"])
        .arg(vectors().join("audit/trust.json"))
        .args(args)
        .args(paths)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn hostile_strings_in_a_bundle_never_become_markup_attributes_or_links() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = hostile_bundle(tmp.path());
    let site = tmp.path().join("site");
    let out = report(&[], &[&bundle], &site);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let pages = read_site(&site);
    assert_eq!(pages.len(), 2);
    let mut seen = String::new();
    for (name, html) in &pages {
        let dom = assert_safe_page(name, html);
        seen.push_str(&dom.text);
    }
    // The strings are on the pages, as text: the subject path, the ids, the trust pulse.
    let summary = format!("Plan summary (as written): {SCRIPT}{IMG}javascript:alert(1)");
    for shown in [
        SCRIPT,
        IMG,
        "javascript:alert(1)[U+202E]",
        "src/\"><img src=x onerror=alert(1)>.rs",
        &summary,
    ] {
        assert!(seen.contains(shown), "{shown:?} is not shown as text");
    }
    // The page slug is made of the path's letters and digits only.
    assert!(
        pages[1]
            .0
            .ends_with("-img-src-x-onerror-alert-1-javascript-alert-1-audit-zip.html"),
        "{}",
        pages[1].0
    );
}

#[test]
fn a_site_has_every_subject_fails_first_and_is_byte_identical_on_re_run() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = vectors().join("audit/valid/every-kind.audit.zip");
    let invalid = vectors().join("audit/invalid/quorum-one-short.audit.zip");
    let site = tmp.path().join("site");
    let out = report(&[], &[&valid, &invalid], &site);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The same text as verify, then where the site is.
    let verify = Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", AT, "--trust"])
        .arg(vectors().join("audit/trust.json"))
        .arg(&valid)
        .arg(&invalid)
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(1));
    let expected = format!(
        "{}audit site: {} (2 subject page(s))\n",
        String::from_utf8(verify.stdout).unwrap(),
        site.join("index.html").display()
    );
    assert_eq!(stdout, expected);
    let first = read_site(&site);
    let json = std::fs::read_to_string(site.join("report.json")).unwrap();
    let verify_json = Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--format", "json", "--at", AT, "--trust"])
        .arg(vectors().join("audit/trust.json"))
        .arg(&valid)
        .arg(&invalid)
        .output()
        .unwrap();
    assert_eq!(json, String::from_utf8(verify_json.stdout).unwrap());
    // Index: the FAIL row first, with its code; both pages linked.
    let index = &first[0].1;
    let fail = index.find("quorum-one-short.audit.zip").unwrap();
    let pass = index.find("every-kind.audit.zip").unwrap();
    assert!(fail < pass, "FAILs first");
    assert!(index.contains("APPROVAL_QUORUM_NOT_MET"));
    for (name, html) in &first {
        assert_safe_page(name, html);
    }
    // Re-run into the same directory: the same bytes.
    let again = report(&[], &[&valid, &invalid], &site);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(read_site(&site), first);
    assert_eq!(std::fs::read_to_string(site.join("report.json")).unwrap(), json);
}

#[test]
fn a_fail_page_shows_the_spec_sections_with_the_triage_of_its_code() {
    let tmp = tempfile::tempdir().unwrap();
    let invalid = vectors().join("audit/invalid/quorum-one-short.audit.zip");
    let site = tmp.path().join("site");
    report(&[], &[&invalid], &site);
    let pages = read_site(&site);
    let dom = tokenize(&pages[1].1);
    let headings: Vec<String> = {
        // The text of each h2, in order (the tokenizer gives the text between tags).
        let html = &pages[1].1;
        html.match_indices("<h2 id=\"")
            .map(|(i, _)| {
                let rest = &html[i..];
                let start = rest.find('>').unwrap() + 1;
                let end = rest.find("</h2>").unwrap();
                tokenize(&rest[start..end]).text
            })
            .collect()
    };
    assert_eq!(
        headings,
        [
            "Details",
            "Binding graph",
            "Approvals",
            "Receipts (2)",
            "Self-reported activity",
            "Failure triage: APPROVAL_QUORUM_NOT_MET",
            "Evidence anchors",
            "Every check (45)",
        ]
    );
    // The triage comes from the one explanation table.
    let e = clawaudit::reason::ReasonCode::ApprovalQuorumNotMet.explanation();
    for text in [e.title, e.next_steps[0], e.causes[0]] {
        assert!(dom.text.contains(text), "{text}");
    }
    // 1 of 2 approvers counted, requester excluded (the vector's name says one short).
    assert!(
        dom.text.contains("1 of 2 distinct approvers, requester excluded"),
        "{}",
        dom.text
    );
    assert!(dom.text.contains("self-reported") || dom.text.contains("Self-reported"));
    // The plan's summary, from the sample's plan document.
    let plan = clawaudit::vectors::audit_sample::plan(&clawaudit::vectors::audit_sample::SampleKeys::new());
    let summary = plan.get("summary").and_then(|v| v.as_str()).unwrap();
    assert!(
        dom.text.contains(&format!("Plan summary (as written): {summary}")),
        "{summary}"
    );
}

#[test]
fn an_existing_directory_that_is_not_a_site_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = report(&[], &[&vectors().join("audit/valid/every-kind.audit.zip")], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an audit site"));
    assert_eq!(std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(), "mine");
}

/// `clawaudit report` of sealed rotation runs under the rotation fixtures' trust and time.
fn rotation_report(bundles: &[&Path], out: &Path) -> std::process::Output {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("report")
        .args(["--at", ROTATION_AT, "--trust", ROTATION_TRUST])
        .args(bundles)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// The seqs of a fixture's timeline, read from its events.ndjson.
fn fixture_seqs(name: &str) -> Vec<String> {
    let events = std::fs::read_to_string(
        vectors()
            .join("rotation")
            .join(name)
            .join("artifacts/rotation/events.ndjson"),
    )
    .unwrap();
    events
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"].to_string())
        .collect()
}

fn page_of<'a>(pages: &'a [(String, String)], part: &str) -> &'a str {
    &pages.iter().find(|(n, _)| n.contains(part)).unwrap().1
}

/// Spec 40 §1 item 5: a sealed rotation run's page has the timeline, one row per event
/// (seq, time, phase, what happened, consumers, rollback posture, findings), with the
/// outcome and the gate report's recommendation on top; a violated run's violation is
/// marked in the row of its seq (the seqs and codes are the manifest's expectations).
#[test]
fn a_rotation_run_page_has_its_timeline_outcome_recommendation_and_violations_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let complete = sealed_rotation(tmp.path(), "complete");
    let reused = sealed_rotation(tmp.path(), "token-reused");
    let site = tmp.path().join("site");
    let out = rotation_report(&[&complete, &reused], &site);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let pages = read_site(&site);
    for (name, html) in &pages {
        assert_safe_page(name, html);
    }

    let html = page_of(&pages, "complete-audit-zip");
    let text = tokenize(html).text;
    assert!(text.contains("Outcome: complete. Recommendation: GO"), "{text}");
    let rows = timeline_rows(html);
    assert_eq!(row_seqs(&rows), fixture_seqs("complete"));
    assert_eq!(rows.len(), 22);
    for row in &rows {
        assert_eq!(row.cells.len(), 7, "{row:?}");
        assert_eq!(row.class, None, "a complete run has no violation: {row:?}");
        assert_eq!(row.cells[6], "none");
    }
    // Seq 1 (events.ndjson): the discover phase starts with its token, at 09:00.
    assert_eq!(rows[0].cells[1], "2026-03-02T09:00:00Z");
    assert_eq!(rows[0].cells[2], "discover");
    assert_eq!(rows[0].cells[3], "phase discover starts (token discover)");
    // Seq 4: payments-api passed its health check on v7.
    assert!(
        rows[3].cells[3].starts_with("tool health_check: health check of payments-api on v7"),
        "{:?}",
        rows[3]
    );
    assert!(rows[3].cells[4].contains("payments-api: v7 (healthy)"), "{:?}", rows[3]);
    // Seq 8 (the runbook, spec 30 §5): v8 created, never deployed.
    assert_eq!(
        rows[7].cells[5],
        "stop; keep v7 active; delete or disable v8 (never deployed) (evidence: seq 8, artifacts/approvals/apr_stage_alice.json, artifacts/approvals/apr_stage_bob.json)"
    );

    let html = page_of(&pages, "token-reused-audit-zip");
    let text = tokenize(html).text;
    assert!(text.contains("Outcome: violated. Recommendation: NO-GO"), "{text}");
    let rows = timeline_rows(html);
    assert_eq!(row_seqs(&rows), fixture_seqs("token-reused"));
    let marked = marked_seqs(&rows);
    // The manifest's first violation: ROTATION_TOKEN_REUSED at seq 18, whose phase starts
    // under the stage phase's token. That token's window is 09:20 to 09:35 (its iat and exp),
    // so seq 18 to 22 (10:30 to 10:35) each lie outside it as well.
    assert_eq!(marked, ["18", "19", "20", "21", "22"]);
    let row = rows.iter().find(|r| r.cells[0] == "18").unwrap();
    let first_finding = row.cells[6].lines().next().unwrap();
    assert!(first_finding.contains("ROTATION_TOKEN_REUSED rotation.event: phase \"revoke_old_secret\" runs under token file artifacts/rotation/tokens/stage.jwt"), "{row:?}");
    assert!(row.cells[6].contains("ROTATION_OUTSIDE_TOKEN_WINDOW"), "{row:?}");
    for row in rows.iter().filter(|r| r.class.is_none()) {
        assert_eq!(row.cells[6], "none", "{row:?}");
    }
}

/// A timeline longer than the page shows (1000 rows) shows its first 1000 events and says
/// how many more there are; the page stays a few MB.
#[test]
fn a_long_rotation_timeline_shows_1000_rows_and_counts_the_rest() {
    use clawaudit::vectors::rotation_sample::RotationRun;
    let tmp = tempfile::tempdir().unwrap();
    // The runbook sample (22 events) with 1200 more reads of the secret in its discover
    // phase, like its seq 2: 1222 events.
    let mut run = RotationRun::sample();
    let read = serde_json::json!({"type": "tool_call", "tool": "list_consumers",
        "effect": {"kind": "read", "secret": clawaudit::vectors::rotation_sample::SECRET}});
    for _ in 0..1200 {
        run.insert_event(2, None, read.clone()).unwrap();
    }
    let fixture = write_fixture(&run, &tmp.path().join("long"));
    let events = std::fs::read_to_string(fixture.join("artifacts/rotation/events.ndjson")).unwrap();
    assert_eq!(events.lines().count(), 1222);
    let bundle = seal_fixture(tmp.path(), &fixture, "long");
    let site = tmp.path().join("site");
    let out = rotation_report(&[&bundle], &site);
    assert!(out.status.code().is_some(), "{}", String::from_utf8_lossy(&out.stderr));
    let pages = read_site(&site);
    let html = &pages[1].1;
    assert_safe_page(&pages[1].0, html);
    let rows = timeline_rows(html);
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows[999].cells[0], "1000");
    let text = tokenize(html).text;
    assert!(
        text.contains("222 more events are not shown: a page shows the first 1000."),
        "{}",
        &text[text.len().saturating_sub(3000)..]
    );
    assert!(html.len() < 4 << 20, "{} bytes", html.len());
}

/// The timeline's text comes from the run (tool names, the judge's details that quote
/// them): hostile strings there stay text on the page.
#[test]
fn hostile_strings_in_a_rotation_timeline_stay_text() {
    use clawaudit::vectors::rotation_sample::RotationRun;
    let tmp = tempfile::tempdir().unwrap();
    let mut run = RotationRun::sample();
    let tool = format!("{SCRIPT}{IMG}");
    run.insert_event(
        2,
        None,
        serde_json::json!({"type": "tool_call", "tool": tool, "effect": null}),
    )
    .unwrap();
    let fixture = write_fixture(&run, &tmp.path().join("hostile"));
    let bundle = seal_fixture(tmp.path(), &fixture, "hostile");
    let site = tmp.path().join("site");
    let out = rotation_report(&[&bundle], &site);
    assert!(out.status.code().is_some(), "{}", String::from_utf8_lossy(&out.stderr));
    let pages = read_site(&site);
    let dom = assert_safe_page(&pages[1].0, &pages[1].1);
    let rows = timeline_rows(&pages[1].1);
    let row = rows.iter().find(|r| r.cells[0] == "2").unwrap();
    assert_eq!(row.cells[3], format!("tool {tool}, no effect on a secret"));
    assert!(dom.text.contains(&tool));
}

/// A rotation run's files written as a fixture folder.
fn write_fixture(run: &clawaudit::vectors::rotation_sample::RotationRun, dir: &Path) -> PathBuf {
    for (path, bytes) in run.files().unwrap() {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir.to_path_buf()
}

#[test]
fn a_rerun_into_the_same_site_leaves_no_page_of_the_earlier_run() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    let valid = vectors().join("audit/valid/every-kind.audit.zip");
    let invalid = vectors().join("audit/invalid/quorum-one-short.audit.zip");
    let pages = |site: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(site.join("subjects"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let first = report(&[], &[&valid, &invalid], &site);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = pages(&site);
    assert_eq!(before.len(), 2, "{before:?}");
    // Something an earlier run (or a person) left in subjects/ goes too.
    std::fs::write(site.join("subjects/left-over.html"), "old").unwrap();
    let second = report(&[], &[&valid], &site);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let after = pages(&site);
    assert_eq!(after.len(), 1, "{after:?}");
    assert!(
        before.contains(&after[0]),
        "the valid bundle's page keeps its name: {after:?} {before:?}"
    );
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(
        !index.contains("quorum-one-short"),
        "the index lists only this run's subjects"
    );
}
