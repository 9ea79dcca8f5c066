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
