//! Shared by the audit-site tests (tests/report_site.rs, tests/report_browser.rs): an
//! independent HTML tokenizer's view of a page, the safety checks every page must pass, and
//! a sealed bundle full of hostile strings.

#![allow(dead_code)] // each test file uses a part

use std::path::{Path, PathBuf};

use clawaudit::json::Value;
use clawaudit::vectors::audit_scenario::Scenario;
use html5gum::{Token, Tokenizer};

pub const SCRIPT: &str = "<script>alert(1)</script>";
pub const IMG: &str = "\"><img src=x onerror=alert(1)>";
pub const JS_URL: &str = "javascript:alert(1)";
pub const RLO: &str = "\u{202E}";
/// The spec's Content-Security-Policy (spec 40 §1).
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// What the tokenizer saw in one page.
#[derive(Default, Debug)]
pub struct Dom {
    pub tags: Vec<(String, Vec<(String, String)>)>,
    pub text: String,
    /// The text nodes one by one (`text` is their concatenation).
    pub texts: Vec<String>,
    pub comments: usize,
}

pub fn tokenize(html: &str) -> Dom {
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
            Token::String(s) => {
                let s = String::from_utf8_lossy(&s);
                dom.text.push_str(&s);
                dom.texts.push(s.into_owned());
            }
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
pub fn assert_safe_page(name: &str, html: &str) -> Dom {
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

pub fn read_site(dir: &Path) -> Vec<(String, String)> {
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
pub fn hostile_bundle(dir: &Path) -> PathBuf {
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

/// The rotation fixtures' trust file and verification time (testvectors/manifest.json).
pub const ROTATION_TRUST: &str = "testvectors/rotation/trust.json";
pub const ROTATION_AT: &str = "2026-03-02T12:00:00Z";

/// The shipped rotation fixture `name` sealed by [`seal_fixture`] as `<name>.audit.zip`.
pub fn sealed_rotation(dir: &Path, name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    seal_fixture(dir, &root.join("testvectors/rotation").join(name), name)
}

/// A rotation fixture folder sealed by `clawaudit seal` with the vectors' sealer key (its
/// seed derived from a public label), at the runbook's last event, as `<name>.audit.zip`.
pub fn seal_fixture(dir: &Path, fixture: &Path, name: &str) -> PathBuf {
    let keys = clawaudit::vectors::audit_sample::SampleKeys::new();
    let seed = clawaudit::crypto::sha256(b"clawaudit test seed:audit sample sealer");
    let key = serde_json::json!({"key_version": "1", "did": keys.sealer.did(),
        "secret_key_b64u": clawaudit::crypto::b64u_encode(&seed)});
    let key_path = dir.join("sealer.key.json");
    std::fs::write(&key_path, key.to_string()).unwrap();
    let bundle = dir.join(format!("{name}.audit.zip"));
    let out = assert_cmd::Command::cargo_bin("clawaudit")
        .unwrap()
        .arg("seal")
        .arg(fixture)
        .arg("--key")
        .arg(&key_path)
        .args(["--created-at", "2026-03-02T10:35:00Z", "-o"])
        .arg(&bundle)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    bundle
}

/// One row of a page's rotation timeline: its class attribute and its text cells.
#[derive(Debug)]
pub struct TimelineRow {
    pub class: Option<String>,
    pub cells: Vec<String>,
}

/// The rows of the rotation timeline section of a page (none without the section), read
/// with the tokenizer: each `tr` of the section's `tbody` and the text of its cells.
pub fn timeline_rows(html: &str) -> Vec<TimelineRow> {
    let Some(start) = html.find("<h2 id=\"rotation\">") else {
        return Vec::new();
    };
    let section = &html[start..];
    let section = &section[..section.find("</section>").unwrap()];
    let Some(body) = section.find("<tbody>") else {
        return Vec::new();
    };
    let mut rows: Vec<TimelineRow> = Vec::new();
    let mut cell: Option<String> = None;
    for token in Tokenizer::new(&section[body..]).infallible() {
        match token {
            Token::StartTag(tag) if tag.name.as_slice() == b"tr" => rows.push(TimelineRow {
                class: tag
                    .attributes
                    .get(b"class".as_slice())
                    .map(|v| String::from_utf8_lossy(v).into_owned()),
                cells: Vec::new(),
            }),
            Token::StartTag(tag) if matches!(tag.name.as_slice(), b"td" | b"th") => cell = Some(String::new()),
            Token::StartTag(tag) if tag.name.as_slice() == b"br" => {
                if let Some(c) = cell.as_mut() {
                    c.push('\n');
                }
            }
            Token::EndTag(tag) if matches!(tag.name.as_slice(), b"td" | b"th") => {
                if let (Some(c), Some(row)) = (cell.take(), rows.last_mut()) {
                    row.cells.push(c);
                }
            }
            Token::String(s) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&String::from_utf8_lossy(&s));
                }
            }
            _ => {}
        }
    }
    rows
}

/// The seqs of the rows, as shown.
pub fn row_seqs(rows: &[TimelineRow]) -> Vec<&str> {
    rows.iter().map(|r| r.cells[0].as_str()).collect()
}

/// The seqs of the rows marked as failing (`row-fail`).
pub fn marked_seqs(rows: &[TimelineRow]) -> Vec<&str> {
    rows.iter()
        .filter(|r| r.class.as_deref() == Some("row-fail"))
        .map(|r| r.cells[0].as_str())
        .collect()
}
