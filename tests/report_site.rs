//! `clawaudit report`: the audit site it writes, read back with an independent HTML
//! tokenizer (html5gum, WHATWG tokenization: every element and attribute a browser would
//! create from the bytes). Hostile strings in a bundle must stay text: no element,
//! attribute or link may come from them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;

#[path = "support/site.rs"]
mod site;
use site::{assert_safe_page, hostile_bundle, read_site, tokenize, IMG, SCRIPT};

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
