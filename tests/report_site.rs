//! `clawaudit report`: the audit site it writes, read back with an independent HTML
//! tokenizer (html5gum, WHATWG tokenization: every element and attribute a browser would
//! create from the bytes). Hostile strings in a bundle must stay text: no element,
//! attribute or link may come from them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clawaudit::json::Value;
use clawaudit::vectors::audit_scenario::Scenario;
use html5gum::{Token, Tokenizer};

const AT: &str = "2026-02-18T00:01:00Z";
const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const JS_URL: &str = "javascript:alert(1)";
const RLO: &str = "\u{202E}";
/// The spec's Content-Security-Policy (spec 40 §1).
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

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

/// What the tokenizer saw in one page.
#[derive(Default, Debug)]
struct Dom {
    tags: Vec<(String, Vec<(String, String)>)>,
    text: String,
    comments: usize,
}

fn tokenize(html: &str) -> Dom {
    let mut dom = Dom::default();
    for token in Tokenizer::new(html).infallible() {
        match token {
            Token::StartTag(tag) => {
                let attrs = tag
                    .attributes
                    .iter()
                    .map(|(k, v)| {
                        (
                            String::from_utf8_lossy(k).into_owned(),
                            String::from_utf8_lossy(v).into_owned(),
                        )
                    })
                    .collect();
                dom.tags.push((String::from_utf8_lossy(&tag.name).into_owned(), attrs));
            }
            Token::String(s) => dom.text.push_str(&String::from_utf8_lossy(&s)),
            Token::Comment(_) => dom.comments += 1,
            _ => {}
        }
    }
    dom
}

/// The elements and attributes the templates use; anything else came from data.
const TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "h1", "h2", "h3", "p",
    "a", "code", "span", "strong", "dl", "dt", "dd", "div", "table", "caption", "thead", "tbody", "tr", "th", "td",
    "details", "summary", "pre", "ul", "ol", "li", "br", "time",
];
const ATTRS: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "href",
    "id",
    "aria-label",
    "aria-labelledby",
    "aria-hidden",
    "scope",
    "colspan",
];

/// Every page: only the templates' elements and attributes, the CSP, links only to the
/// site's own pages, and no attribute value or link holding anything hostile.
fn assert_safe_page(name: &str, html: &str) -> Dom {
    let dom = tokenize(html);
    assert_eq!(dom.comments, 0, "{name}: a comment");
    let mut csp = 0;
    for (tag, attrs) in &dom.tags {
        assert!(TAGS.contains(&tag.as_str()), "{name}: element <{tag}> {attrs:?}");
        for (k, v) in attrs {
            assert!(ATTRS.contains(&k.as_str()), "{name}: attribute {k}={v:?} on <{tag}>");
            // A link is checked below: the site's own page names only (a slug is made of
            // the path's letters, so it may spell `javascript`, as a relative path).
            for bad in ["<", ">", "javascript", "alert", "onerror", RLO] {
                assert!(
                    k == "href" || !v.contains(bad),
                    "{name}: attribute {k}={v:?} on <{tag}> holds {bad:?}"
                );
            }
            if k == "href" {
                let own = v == "../index.html"
                    || v == "report.json"
                    || v.strip_prefix("subjects/")
                        .and_then(|s| s.strip_suffix(".html"))
                        .is_some_and(|slug| {
                            !slug.is_empty()
                                && slug
                                    .bytes()
                                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        });
                assert!(own, "{name}: a link that is not the site's own: {v:?}");
            }
        }
        if tag == "meta"
            && attrs
                .iter()
                .any(|(k, v)| k == "http-equiv" && v == "Content-Security-Policy")
        {
            assert!(
                attrs.iter().any(|(k, v)| k == "content" && v == CSP),
                "{name}: {attrs:?}"
            );
            csp += 1;
        }
    }
    assert_eq!(csp, 1, "{name}: one CSP meta tag");
    assert_eq!(dom.tags.iter().filter(|(t, _)| t == "style").count(), 1, "{name}");
    assert_eq!(dom.tags.iter().filter(|(t, _)| t == "h1").count(), 1, "{name}: one h1");
    assert!(!dom.text.contains(RLO), "{name}: a raw U+202E");
    dom
}

fn read_site(dir: &Path) -> Vec<(String, String)> {
    let mut pages = vec![(
        "index.html".to_string(),
        std::fs::read_to_string(dir.join("index.html")).unwrap(),
    )];
    let mut names: Vec<_> = std::fs::read_dir(dir.join("subjects"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for n in names {
        let html = std::fs::read_to_string(dir.join("subjects").join(&n)).unwrap();
        pages.push((format!("subjects/{n}"), html));
    }
    pages
}

/// A sealed bundle whose ids, plan summary, trust-pulse tool and file names and file name
/// carry the hostile strings (the trust pulse is swapped in after sealing, so the bundle
/// FAILs on that entry too and its page has the triage section as well).
fn hostile_bundle(dir: &Path) -> PathBuf {
    let mut s = Scenario::sample();
    s.bundle_id = format!("ab{SCRIPT}");
    s.job_id = format!("job{IMG}");
    s.run_id = Some(format!("{JS_URL}{RLO}"));
    for plan in &mut s.plans {
        if let Some(o) = plan.as_object_mut() {
            o.insert("summary", Value::from(format!("{SCRIPT}{IMG}{JS_URL}")));
        }
    }
    let pulse = serde_json::json!({
        "trust_pulse_version": "1", "run_id": "r", "agent_did": s.keys.agent.did(),
        "issued_at": "2026-02-17T23:55:00Z", "evidence_class": "self_reported", "tier_uplift": false,
        "tools": [{"name": SCRIPT, "calls": 1}, {"name": IMG}, {"name": format!("{JS_URL}{RLO}")}],
        "files": [{"path": format!("src/{IMG}.rs"), "touches": 2}]
    });
    s.replace_files
        .push(("artifacts/trust_pulse.json".into(), serde_json::to_vec(&pulse).unwrap()));
    let path = dir.join(format!("{IMG}{RLO}{JS_URL}.audit.zip"));
    std::fs::write(&path, s.build().unwrap()).unwrap();
    path
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
    for shown in [
        SCRIPT,
        IMG,
        "javascript:alert(1)[U+202E]",
        "src/\"><img src=x onerror=alert(1)>.rs",
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
            "Every check (43)",
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
