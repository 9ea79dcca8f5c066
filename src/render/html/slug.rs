//! Page names of the audit site: `subjects/<slug>.html`, derived from the subject's path only,
//! so the same inputs give the same names, and collision-free within one site.

use std::collections::HashSet;

/// Longest slug stem, in characters (a counter suffix may follow).
const MAX_STEM: usize = 80;

/// One slug per path, in order: lowercase ASCII letters and digits, every other run of
/// characters one `-`; a path whose slug is taken gets `-2`, `-3`, ... (first come, first
/// served, so the order of the subjects decides, and it is fixed for a given command line).
pub fn slugs<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken = HashSet::new();
    let mut out = Vec::new();
    for path in paths {
        let stem = stem(path);
        let mut slug = stem.clone();
        let mut n = 1u64;
        while !taken.insert(slug.clone()) {
            n += 1;
            slug = format!("{stem}-{n}");
        }
        out.push(slug);
    }
    out
}

fn stem(path: &str) -> String {
    let mut s = String::new();
    let mut dash = false;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !s.is_empty() {
                s.push('-');
            }
            dash = false;
            s.push(c.to_ascii_lowercase());
            if s.len() >= MAX_STEM {
                break;
            }
        } else {
            dash = true;
        }
    }
    if s.is_empty() {
        s.push_str("subject");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain_and_unique() {
        let got = slugs([
            "testvectors/audit/valid/every-kind.audit.zip",
            "testvectors/audit/valid/every_kind.audit.zip",
            "-",
            "<script>/\u{202e}..",
            "",
            "A/B",
            "a-b",
        ]);
        assert_eq!(
            got,
            [
                "testvectors-audit-valid-every-kind-audit-zip",
                "testvectors-audit-valid-every-kind-audit-zip-2",
                "subject",
                "script",
                "subject-2",
                "a-b",
                "a-b-2",
            ]
        );
        let long = "x".repeat(500);
        assert_eq!(slugs([long.as_str()])[0].len(), MAX_STEM);
    }
}
