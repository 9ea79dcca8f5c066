//! The parse under count caps (`json::cap`, issue 11 item 4) against the full parse: the same
//! error at the same offset for every input, and for valid input the full document with each
//! overflowed array cut to its cap. Hand-computed cases first, then generated documents with
//! hostile mutations run through the fuzz harness's property (`fuzz/harness.rs::json_parse`),
//! which compares with `capped_by_hand`, a second implementation working on the full value.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly is the point

#[path = "../fuzz/harness.rs"]
mod harness;

use clawaudit::json::{self, parse_capped, ArrayCap, Overflow, ParseError, ParseLimits, Value};
use proptest::prelude::*;

const CAPS: [ArrayCap; 2] = [
    ArrayCap {
        path: &["p", "r"],
        max: 2,
        counts: |e| e.is_object() && !e.contains_key("legacy"),
    },
    ArrayCap {
        path: &["p", "e"],
        max: 1,
        counts: |_| true,
    },
];

fn capped(text: &str) -> Result<json::Capped, ParseError> {
    parse_capped(text.as_bytes(), &ParseLimits::default(), &CAPS)
}

fn full(text: &str) -> Result<Value, ParseError> {
    json::parse_str(text)
}

#[test]
fn an_array_within_its_cap_is_the_full_document() {
    let text = r#"{"p":{"r":[{"a":1},{"legacy":true}],"e":[7]}}"#;
    let c = capped(text).unwrap();
    assert_eq!(c.value, full(text).unwrap());
    assert!(c.overflow.is_empty());
}

#[test]
fn an_overflowed_array_keeps_its_first_elements_and_reports_its_real_length_and_count() {
    // Five receipts, of which two are legacy: 3 counted; kept are the first two.
    let text = r#"{"p":{"e":[1,2,3],"r":[{"a":1},{"legacy":1},{"b":[1,{"c":2}]},{"legacy":2,"z":{}},7]},"q":0}"#;
    let c = capped(text).unwrap();
    let expected = full(r#"{"p":{"e":[1],"r":[{"a":1},{"legacy":1}]},"q":0}"#).unwrap();
    assert_eq!(c.value, expected);
    assert_eq!(
        c.overflow,
        vec![
            Overflow {
                cap: 1,
                len: 3,
                counted: 3
            },
            // `{"b":…}` counts, `7` is not an object: of the skipped three, one counts.
            Overflow {
                cap: 0,
                len: 5,
                counted: 2
            },
        ]
    );
}

#[test]
fn only_the_array_at_the_capped_path_is_capped() {
    // `r` at the root and `p.x.r` are other paths; an escaped key names the same path.
    let text = r#"{"r":[1,2,3,4],"p":{"x":{"r":[1,2,3]},"\u0072":[{},{},{}]}}"#;
    let c = capped(text).unwrap();
    let expected = full(r#"{"r":[1,2,3,4],"p":{"x":{"r":[1,2,3]},"r":[{},{}]}}"#).unwrap();
    assert_eq!(c.value, expected);
    assert_eq!(
        c.overflow,
        vec![Overflow {
            cap: 0,
            len: 3,
            counted: 3
        }]
    );
}

/// Every error in the skipped part of an array, with the offset and message a full parse
/// gives (offsets counted by hand in the inputs below).
#[test]
fn errors_past_the_cap_are_the_full_parse_errors() {
    // The kept elements are 1 and 2; the skipped part starts right after, at offset 15.
    let head = r#"{"p":{"r":[1,2,"#;
    let o = head.len();
    assert_eq!(o, 15);
    let cases: [(&str, ParseError); 9] = [
        (
            r#"{"k":1,"k":2}]}}"#,
            ParseError::DuplicateKey {
                offset: o + 7,
                key: "k".into(),
            },
        ),
        (
            r#"{"k":1,"\u006b":2}]}}"#,
            ParseError::DuplicateKey {
                offset: o + 7,
                key: "k".into(),
            },
        ),
        (r#""\ud800"]}}"#, ParseError::LoneSurrogate { offset: o + 1 }),
        (r#"1e400]}}"#, ParseError::NumberOverflow { offset: o }),
        (
            r#"01]}}"#,
            ParseError::Syntax {
                offset: o,
                message: "leading zeros are not allowed".into(),
            },
        ),
        (
            r#"3,]}}"#,
            ParseError::Syntax {
                offset: o + 2,
                message: "unexpected character ']', expected a JSON value".into(),
            },
        ),
        (
            "\"a\u{1}\"]}}",
            ParseError::Syntax {
                offset: o + 2,
                message: "unescaped control character in string".into(),
            },
        ),
        (
            r#"[1 2]]}}"#,
            ParseError::Syntax {
                offset: o + 3,
                message: "unexpected character '2', expected ',' or ']'".into(),
            },
        ),
        (
            r#"{"a":1]}}"#,
            ParseError::Syntax {
                offset: o + 6,
                message: "unexpected character ']', expected ',' or '}'".into(),
            },
        ),
    ];
    for (tail, error) in cases {
        let text = format!("{head}{tail}");
        assert_eq!(full(&text), Err(error.clone()), "{text}");
        assert_eq!(capped(&text), Err(error), "{text}");
    }
    // Truncated input: the skipped part never ends.
    let text = format!("{head}3,4");
    assert_eq!(capped(&text).unwrap_err(), full(&text).unwrap_err());
    assert!(matches!(full(&text), Err(ParseError::Syntax { offset, .. }) if offset == o + 3));
}

#[test]
fn nesting_past_the_cap_counts_against_the_depth_limit() {
    let limits = ParseLimits {
        max_depth: 5,
        ..ParseLimits::default()
    };
    // root, p, r, and two more levels: within 5; one more is too deep.
    let ok = r#"{"p":{"r":[1,2,3,[[]]]}}"#;
    let deep = r#"{"p":{"r":[1,2,3,[[[]]]]}}"#;
    for text in [ok, deep] {
        let c = parse_capped(text.as_bytes(), &limits, &CAPS).map(|c| c.value);
        let f = json::parse(text.as_bytes(), &limits);
        assert_eq!(c.is_ok(), f.is_ok(), "{text}");
        if let Err(e) = &f {
            assert_eq!(c.as_ref().unwrap_err(), e);
        }
    }
    assert!(matches!(
        json::parse(deep.as_bytes(), &limits),
        Err(ParseError::TooDeep { offset: 19, limit: 5 })
    ));
}

#[test]
fn a_cap_of_zero_keeps_no_element() {
    const ZERO: [ArrayCap; 1] = [ArrayCap {
        path: &[],
        max: 0,
        counts: |e| !e.is_object(),
    }];
    let c = parse_capped(br#"[{"a":[1]},2,[3]]"#, &ParseLimits::default(), &ZERO).unwrap();
    assert_eq!(c.value, Value::Array(Vec::new()));
    assert_eq!(
        c.overflow,
        vec![Overflow {
            cap: 0,
            len: 3,
            counted: 2
        }]
    );
    let c = parse_capped(b"[]", &ParseLimits::default(), &ZERO).unwrap();
    assert!(c.overflow.is_empty());
}

/// A large document (over the two-thread threshold) with the split forced at every element
/// boundary of the capped array, before and after the cap: the spliced tail is capped exactly
/// as a single pass caps it.
#[test]
fn the_two_thread_parse_caps_exactly_as_the_single_pass() {
    let receipts: Vec<String> = (0..40)
        .map(|i| {
            if i % 3 == 0 {
                format!(r#"{{"legacy":{i},"pad":"{}"}}"#, "x".repeat(30_000))
            } else {
                format!(r#"{{"id":{i},"pad":"{}"}}"#, "y".repeat(30_000))
            }
        })
        .collect();
    let text = format!(r#"{{"p":{{"r":[{}],"e":[1]}}}}"#, receipts.join(","));
    assert!(text.len() > 1 << 20);
    let single = json::parse_split_at(text.as_bytes(), &ParseLimits::default(), &CAPS, None).unwrap();
    assert_eq!(single, harness::capped_by_hand(&full(&text).unwrap(), &CAPS));
    assert_eq!(
        single.overflow,
        vec![Overflow {
            cap: 0,
            len: 40,
            counted: 26
        }]
    );
    let starts = text.match_indices(r#"{"legacy""#).chain(text.match_indices(r#"{"id""#));
    for (at, _) in starts {
        let two = json::parse_split_at(text.as_bytes(), &ParseLimits::default(), &CAPS, Some(at)).unwrap();
        assert_eq!(two, single, "split at {at}");
    }
    // The automatic split (a guessed boundary in the middle) too.
    assert_eq!(capped(&text).unwrap(), single);
}

/// Documents with the fuzz caps' keys, duplicates, escapes and arrays of every length, then
/// mutated at one byte (deleted, replaced or doubled), through the fuzz harness's property.
fn document() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec!["a", "b", "c", "d", "x", "y", "\\u0061", "\\u0063"]);
    let leaf = prop_oneof![
        Just("1".to_string()),
        Just("-0.5e3".to_string()),
        Just("1e400".to_string()),
        Just("\"s\\u00e9\"".to_string()),
        Just("\"\\ud83d\\ude00\"".to_string()),
        Just("\"\\udc00\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("{}".to_string()),
        Just("[]".to_string()),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|members| {
                let body: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\" : {v}")).collect();
                format!("{{ {} }}", body.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
    #[test]
    fn generated_and_mutated_documents_parse_alike_capped_or_not(
        doc in document(),
        mutation in (0usize..3, any::<prop::sample::Index>(), any::<u8>()),
        mutate in any::<bool>(),
    ) {
        let mut bytes = doc.into_bytes();
        if mutate && !bytes.is_empty() {
            let (how, at, byte) = mutation;
            let at = at.index(bytes.len());
            match how {
                0 => { bytes.remove(at); }
                1 => bytes[at] = b"{}[],:\"\\1 "[usize::from(byte) % 10],
                _ => { let b = bytes[at]; bytes.insert(at, b); }
            }
        }
        harness::json_parse(&bytes, harness::Bound::REPLAY);
    }
}

/// The property itself can fail: a capped parse that kept one element too many is caught.
#[test]
fn the_capped_property_notices_a_wrong_cut() {
    let full = full(r#"{"a":[1,2]}"#).unwrap();
    let by_hand = harness::capped_by_hand(&full, &harness::FUZZ_CAPS);
    assert_eq!(by_hand.value, json::parse_str(r#"{"a":[]}"#).unwrap());
    assert_eq!(
        by_hand.overflow,
        vec![Overflow {
            cap: 1,
            len: 2,
            counted: 0
        }]
    );
    let got = parse_capped(br#"{"a":[1,2]}"#, &ParseLimits::default(), &harness::FUZZ_CAPS).unwrap();
    assert_eq!(got, by_hand);
}
