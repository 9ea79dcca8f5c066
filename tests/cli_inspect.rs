//! `clawaudit inspect`: what a sealed bundle or proof bundle holds, every hash recomputed and
//! compared with independent computations here, signers with their trust roles, and exit 2
//! for what cannot be read as a known kind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use clawaudit::audit::container::{read_container, ContainerLimits, CHECKPOINT_NAME, MANIFEST_NAME};
use clawaudit::audit::manifest::parse_manifest;
use clawaudit::crypto::sha256_b64u;
use clawaudit::json::{self, jcs, jss, ParseLimits};
use clawaudit::produce::seal::assemble;
use predicates::str::contains;
use serde_json::Value as Json;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors")
}

fn every_kind() -> PathBuf {
    vectors().join("audit/valid/every-kind.audit.zip")
}

fn trust() -> PathBuf {
    vectors().join("audit/trust.json")
}

fn inspect(path: &Path) -> Command {
    let mut cmd = Command::cargo_bin("clawaudit").unwrap();
    cmd.arg("inspect").arg(path);
    cmd
}

/// `inspect --format json`, which must exit 0.
fn inspect_json(path: &Path, trust: Option<&Path>) -> Json {
    let mut cmd = inspect(path);
    cmd.args(["--format", "json"]);
    if let Some(t) = trust {
        cmd.arg("--trust").arg(t);
    }
    let out = cmd.assert().code(0).get_output().stdout.clone();
    let doc: Json = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["inspect_version"], "1");
    doc
}

fn inspect_text(path: &Path, trust: Option<&Path>) -> String {
    let mut cmd = inspect(path);
    if let Some(t) = trust {
        cmd.arg("--trust").arg(t);
    }
    String::from_utf8(cmd.assert().code(0).get_output().stdout.clone()).unwrap()
}

/// The bundle's entries, read as verification reads them.
fn entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(zip).unwrap();
    let c = read_container(&bytes, &ContainerLimits::default()).unwrap();
    c.names().map(|n| (n.to_string(), c.get(n).unwrap().to_vec())).collect()
}

fn entry<'a>(all: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &all.iter().find(|(n, _)| n == name).unwrap().1
}

fn payload_of(bytes: &[u8]) -> json::Value {
    json::parse(bytes, &ParseLimits::default())
        .unwrap()
        .get("payload")
        .unwrap()
        .clone()
}

/// Claims of a hash object, as `(by, agrees)`.
fn claims(hash: &Json) -> Vec<(String, bool)> {
    hash["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["by"].as_str().unwrap().to_string(), c["agrees"].as_bool().unwrap()))
        .collect()
}

#[test]
fn every_kind_lists_each_entry_with_its_hash_and_the_manifests() {
    let doc = inspect_json(&every_kind(), Some(&trust()));
    assert_eq!(doc["kind"], "audit-bundle");
    let listed = inspect_entries(&doc);
    let files = entries(&every_kind());
    let manifest = parse_manifest(entry(&files, MANIFEST_NAME), &ParseLimits::default()).unwrap();
    // Every archive entry, checkpoint and manifest included, in archive order.
    let names: Vec<&str> = listed.iter().map(|e| e["path"].as_str().unwrap()).collect();
    let expected: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected);
    for m in &manifest.entries {
        let e = listed.iter().find(|e| e["path"] == m.path.as_str()).unwrap();
        assert_eq!(e["kind"], m.kind, "{}", m.path);
        assert_eq!(e["manifest"]["sha256_b64u"], m.sha256_b64u.as_str(), "{}", m.path);
        assert_eq!(e["manifest"]["size_bytes"], m.size_bytes, "{}", m.path);
        let bytes = entry(&files, &m.path);
        assert_eq!(e["archive"]["sha256_b64u"], sha256_b64u(bytes).as_str(), "{}", m.path);
        assert_eq!(e["archive"]["size_bytes"], bytes.len(), "{}", m.path);
        assert_eq!(e["agrees"], true, "{}", m.path);
    }
    for special in [CHECKPOINT_NAME, MANIFEST_NAME] {
        let e = listed.iter().find(|e| e["path"] == special).unwrap();
        assert!(e["manifest"].is_null() && e["agrees"].is_null(), "{e}");
    }
    let text = inspect_text(&every_kind(), Some(&trust()));
    assert!(text.contains("recipe: base64url(SHA-256(file bytes))"), "{text}");
    let notes = manifest.find("artifacts/attachments/notes.txt").unwrap().1;
    assert!(text.contains(&format!("15  {}  same\n", notes.sha256_b64u)), "{text}");
}

fn inspect_entries(doc: &Json) -> Vec<Json> {
    doc["audit_bundle"]["entries"].as_array().unwrap().clone()
}

#[test]
fn the_policy_hash_is_jcs_of_the_wpc_payload_computed_independently() {
    let files = entries(&every_kind());
    let payload = payload_of(entry(&files, "artifacts/policy/wpc.json"));
    let expected = sha256_b64u(jcs::to_string(&payload).as_bytes());
    let doc = inspect_json(&every_kind(), None);
    let policy = &doc["audit_bundle"]["policy"];
    assert_eq!(policy["path"], "artifacts/policy/wpc.json");
    let hash = &policy["policy_hash"];
    assert_eq!(hash["value_b64u"], expected.as_str());
    assert_eq!(hash["recipe"], "jcs-sha256");
    assert_eq!(hash["recipe_text"], "base64url(SHA-256(JCS(value))), JCS = RFC 8785");
    let c = claims(hash);
    for by in [
        "payload_hash_b64u",
        "checkpoint.json bindings.policy_hash_b64u",
        "artifacts/token/cst.jwt claim policy_hash_b64u",
        "artifacts/approvals/apr_alice.json policy_hash_b64u",
        "artifacts/receipts/rcpt_file_1.json binding.policy_hash",
        "artifacts/proof_bundle.json receipts[0] binding.policy_hash",
    ] {
        assert!(c.contains(&(by.to_string(), true)), "{by}: {c:?}");
    }
    // The token: its kid, claims and scope hash, which the checkpoint binds.
    let token = &doc["audit_bundle"]["token"];
    assert_eq!(token["kid"], "e8091df6c5b284ed");
    assert_eq!(token["claims"]["sub"], "agent:sample");
    assert_eq!(token["claims"]["policy_pin"], expected.as_str());
    assert_eq!(token["scope_hash"]["recipe"], "cst-scope-hash");
    let checkpoint = &doc["audit_bundle"]["checkpoint"];
    assert_eq!(
        token["scope_hash"]["value_b64u"],
        checkpoint["token_scope_hash_binding"]
    );
    // Each plan's hash and each approval's scope hash, with their recipes.
    let plan = &doc["audit_bundle"]["plans"][0];
    let plan_bytes = entry(&files, "artifacts/plans/stage_new_secret.json");
    let plan_value = json::parse(plan_bytes, &ParseLimits::default()).unwrap();
    assert_eq!(
        plan["plan_hash"]["value_b64u"],
        sha256_b64u(jcs::to_string(&plan_value).as_bytes()).as_str()
    );
    for approval in doc["audit_bundle"]["approvals"].as_array().unwrap() {
        assert_eq!(approval["plan_hash_b64u"], plan["plan_hash"]["value_b64u"]);
        assert_eq!(approval["scope_hash"]["recipe"], "jcs-sha256");
        assert_eq!(claims(&approval["scope_hash"]), [("scope_hash_b64u".to_string(), true)]);
    }
}

#[test]
fn the_recomputed_merkle_root_is_the_checkpoints_signed_root() {
    let doc = inspect_json(&every_kind(), None);
    let audit = &doc["audit_bundle"];
    let root = &audit["manifest"]["merkle_root"];
    assert_eq!(root["recipe"], "rfc6962-merkle-root");
    let checkpoint = &audit["checkpoint"];
    // Independently: the signed root as the checkpoint file states it.
    let files = entries(&every_kind());
    let signed = payload_of(entry(&files, CHECKPOINT_NAME));
    let signed = signed.get("tree").unwrap().get("root_b64u").unwrap().as_str().unwrap();
    assert_eq!(root["value_b64u"], signed);
    assert_eq!(checkpoint["signed_root_b64u"], signed);
    assert_eq!(claims(root), [("checkpoint.json tree.root_b64u".to_string(), true)]);
    assert_eq!(checkpoint["tree_size"], audit["manifest"]["entries"]);
    assert_eq!(checkpoint["bundle_id"], "ab_sample");
    assert_eq!(checkpoint["job_id"], "job_rotate_db_secret");
    assert_eq!(checkpoint["run_id"], "run_sample_001");
    let text = inspect_text(&every_kind(), None);
    assert!(text.contains(&format!("  merkle root         {signed}\n")), "{text}");
    assert!(
        text.contains("    recipe: RFC 6962 tree head: leaf = SHA-256(0x00 || leaf data)"),
        "{text}"
    );
}

#[test]
fn signers_are_shown_with_the_roles_the_trust_file_gives_them() {
    let text = inspect_text(&every_kind(), Some(&trust()));
    for line in [
        "    signed checkpoint.json as sealer\n    trust: sealer \"sample sealer\"\n",
        "    signed artifacts/policy/wpc.json as policy issuer\n    trust: policy issuer \"sample policy issuer\"\n",
        // The token issuer, found by its kid among the trust file's keys.
        "did:key:z6MkuLXe8ng7J8jfYDQvzQzKQiuX2Rf4ifHJXPswTJkDo5W5 (kid e8091df6c5b284ed)\n    signed artifacts/token/cst.jwt as token issuer\n    trust: token issuer",
        "    signed artifacts/approvals/apr_alice.json as approver\n    trust: approver for alice@example.com (groups: change-board)\n",
        "    signed artifacts/receipts/rcpt_file_1.json as gateway\n    signed artifacts/proof_bundle.json receipts[0] as gateway\n    trust: gateway \"sample gateway\"\n",
        // The agent has no role in the trust file.
        "    signed artifacts/proof_bundle.json as agent\n    trust: not in the trust file\n",
    ] {
        assert!(text.contains(line), "{line}\n---\n{text}");
    }
    let doc = inspect_json(&every_kind(), Some(&trust()));
    assert_eq!(doc["trust"], "trust-file");
    let signers = doc["signers"].as_array().unwrap();
    assert_eq!(signers.len(), 7, "{signers:?}");
    assert_eq!(signers[0]["roles"][0]["role"], "sealer");
    assert_eq!(signers[0]["trust"], "listed");

    // Without a trust file nothing is known of any signer, and the token issuer only by kid.
    let doc = inspect_json(&every_kind(), None);
    assert_eq!(doc["trust"], "none");
    for s in doc["signers"].as_array().unwrap() {
        assert_eq!(s["trust"], "no trust file given", "{s}");
        assert!(s["roles"].as_array().unwrap().is_empty());
    }
    let token_issuer = doc["signers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kid"].is_string())
        .unwrap();
    assert!(token_issuer["did"].is_null());
    // A trust file that lists none of them: each is "not in the trust file".
    let other = vectors().join("trust/clawsig-config.json");
    let text = inspect_text(&every_kind(), Some(&other));
    assert_eq!(text.matches("    trust: not in the trust file\n").count(), 7, "{text}");
    assert!(!text.contains("trust: sealer"), "{text}");
}

#[test]
fn a_tampered_attachment_is_shown_as_a_disagreeing_hash_and_still_exits_0() {
    let files = entries(&every_kind());
    let notes = "artifacts/attachments/notes.txt";
    let original = entry(&files, notes).to_vec();
    let mut tampered = original.clone();
    tampered[0] ^= 0x01;
    let artifacts: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n != CHECKPOINT_NAME && n != MANIFEST_NAME)
        .map(|(n, b)| (n.clone(), if n == notes { tampered.clone() } else { b.clone() }))
        .collect();
    let zip = assemble(entry(&files, CHECKPOINT_NAME), entry(&files, MANIFEST_NAME), &artifacts).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tampered.audit.zip");
    std::fs::write(&path, zip).unwrap();

    let doc = inspect_json(&path, None);
    let listed = inspect_entries(&doc);
    let e = listed.iter().find(|e| e["path"] == notes).unwrap();
    assert_eq!(e["agrees"], false);
    assert_eq!(e["archive"]["sha256_b64u"], sha256_b64u(&tampered).as_str());
    assert_eq!(e["manifest"]["sha256_b64u"], sha256_b64u(&original).as_str());
    // Every other entry still agrees, and the root over the unchanged manifest is the signed one.
    assert_eq!(listed.iter().filter(|e| e["agrees"] == false).count(), 1);
    assert!(claims(&doc["audit_bundle"]["manifest"]["merkle_root"])[0].1);
    let text = inspect_text(&path, None);
    assert!(
        text.contains(&format!(
            "{}  differs: lists 15 bytes, {}\n",
            sha256_b64u(&tampered),
            sha256_b64u(&original)
        )),
        "{text}"
    );
    // Inspect states the fact; verify judges it.
    Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", "2026-02-18T00:00:00Z", "--trust"])
        .arg(trust())
        .arg(&path)
        .assert()
        .code(1)
        .stdout(contains("HASH_MISMATCH"));
}

#[test]
fn unreadable_artifacts_inside_a_readable_bundle_are_described_not_refused() {
    let files = entries(&every_kind());
    let artifacts: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(n, _)| n != CHECKPOINT_NAME && n != MANIFEST_NAME)
        .map(|(n, b)| match n.as_str() {
            "artifacts/policy/wpc.json" => (n.clone(), b"{not json".to_vec()),
            "artifacts/token/cst.jwt" => (n.clone(), b"a.b".to_vec()),
            "artifacts/proof_bundle.json" => (n.clone(), b"[1,2,3]".to_vec()),
            _ => (n.clone(), b.clone()),
        })
        .collect();
    let zip = assemble(b"\xff\xfe", b"{}", &artifacts).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.audit.zip");
    std::fs::write(&path, zip).unwrap();
    let doc = inspect_json(&path, None);
    let a = &doc["audit_bundle"];
    for key in ["manifest", "checkpoint", "policy", "token"] {
        assert!(a[key]["unreadable"].is_string(), "{key}: {}", a[key]);
    }
    assert!(a["token"]["unreadable"]
        .as_str()
        .unwrap()
        .contains("3 dot-separated parts"));
    // An array is read as it is: no fields, no receipts, and its JSS hash has no claim.
    assert_eq!(a["proof_bundle"]["counts"]["events"], 0);
    // Without a manifest, no entry is said to be listed or not.
    assert!(inspect_entries(&doc).iter().all(|e| e["manifest"].is_null()));
    let text = inspect_text(&path, None);
    assert!(text.contains("- (the manifest is unreadable)"), "{text}");
}

#[test]
fn a_proof_bundle_shows_its_counts_and_its_jss_payload_hash() {
    let path = vectors().join("clawsig/valid/proof-bundle-10-receipts.json");
    let value = json::parse(&std::fs::read(&path).unwrap(), &ParseLimits::default()).unwrap();
    let payload = value.get("payload").unwrap();
    let doc = inspect_json(&path, None);
    assert_eq!(doc["kind"], "proof-bundle");
    let pb = &doc["proof_bundle"];
    assert_eq!(pb["counts"]["events"], 10);
    assert_eq!(pb["counts"]["gateway_receipts"], 10);
    assert_eq!(pb["counts"]["tool_receipts"], 0);
    assert_eq!(pb["counts"]["attestations"], 0);
    let hash = &pb["envelope"]["payload_hash"];
    assert_eq!(hash["recipe"], "jss-sha256");
    assert_eq!(
        hash["value_b64u"],
        sha256_b64u(jss::to_string(payload).as_bytes()).as_str()
    );
    assert_eq!(claims(hash), [("payload_hash_b64u".to_string(), true)]);
    let events = payload.get("event_chain").unwrap().as_array().unwrap();
    assert_eq!(
        pb["chain_root_b64u"],
        events[0].get("event_hash_b64u").unwrap().as_str().unwrap()
    );
    let receipts = payload.get("receipts").unwrap().as_array().unwrap();
    for (i, r) in receipts.iter().enumerate() {
        let got = &pb["receipts"][i];
        let expected = sha256_b64u(jss::to_string(r.get("payload").unwrap()).as_bytes());
        assert_eq!(
            got["envelope"]["payload_hash"]["value_b64u"],
            expected.as_str(),
            "receipt {i}"
        );
        assert_eq!(
            got["envelope"]["signer_did"],
            r.get("signer_did").unwrap().as_str().unwrap()
        );
    }
    let text = inspect_text(&path, Some(&vectors().join("trust/clawsig-config.json")));
    assert!(text.contains("  events              10\n"), "{text}");
    assert!(
        text.contains("    recipe: base64url(SHA-256(JSON.stringify(value)))\n"),
        "{text}"
    );
    assert!(text.contains("    signed proof bundle as agent\n"), "{text}");
}

#[test]
fn random_bytes_and_unknown_content_exit_2_with_a_precise_message() {
    let dir = tempfile::tempdir().unwrap();
    // Arbitrary bytes, the same on every run: SHA-256 of a counter.
    let random: Vec<u8> = (0u32..128)
        .flat_map(|i| clawaudit::crypto::sha256(&i.to_le_bytes()))
        .collect();
    let cases: [(&str, &[u8], &str); 6] = [
        ("random.bin", &random, "the file is not acceptable JSON"),
        (
            "notes.txt",
            b"this is not json\n",
            "the file is not acceptable JSON: invalid JSON at byte offset 0",
        ),
        ("random.zip", &random, "refused by the container checks"),
        (
            "hello.json",
            br#"{"hello":1}"#,
            "the file is JSON of no kind clawaudit knows",
        ),
        (
            "receipt.json",
            br#"{"envelope_version":"1","envelope_type":"gateway_receipt","payload":{},"signature_b64u":"x"}"#,
            "the file is a gateway receipt",
        ),
        (
            "mystery.json",
            br#"{"envelope_version":"1","envelope_type":"mystery","payload":{},"signature_b64u":"x"}"#,
            "an envelope of type \"mystery\"",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        inspect(&path).assert().code(2).stdout("").stderr(contains(message));
        // JSON output carries the error too.
        let out = inspect(&path)
            .args(["--format", "json"])
            .assert()
            .code(2)
            .get_output()
            .stdout
            .clone();
        let doc: Json = serde_json::from_slice(&out).unwrap();
        assert!(doc["error"].as_str().unwrap().contains(message), "{doc}");
    }
    // Kinds verify knows but inspect does not read are named.
    inspect(&vectors().join("clawsig/valid/export-valid.json"))
        .assert()
        .code(2)
        .stderr(contains(
            "the file is an export bundle; inspect reads sealed audit bundles (ZIP) and proof bundles",
        ));
    inspect(&dir.path().join("missing.zip"))
        .assert()
        .code(2)
        .stderr(contains("missing.zip"));
}

/// Every invalid sealed-bundle vector: inspect refuses (exit 2) exactly the archives whose
/// container verify refuses, and reads every other one (exit 0), never panicking.
#[test]
fn inspect_refuses_exactly_the_archives_verify_refuses_at_the_container() {
    let dir = vectors().join("audit/invalid");
    let out = Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", "2026-02-18T00:00:00Z", "--format", "json"])
        .arg(&dir)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: Json = serde_json::from_slice(&out).unwrap();
    let mut refused = 0;
    for subject in report["subjects"].as_array().unwrap() {
        let path = PathBuf::from(subject["path"].as_str().unwrap());
        if !path.to_str().unwrap().ends_with(".zip") {
            continue;
        }
        let code = subject["reason_code"].as_str().unwrap();
        let container = matches!(
            code,
            "CONTAINER_INVALID" | "CONTAINER_PATH_UNSAFE" | "CONTAINER_LIMIT_EXCEEDED"
        );
        let assert = inspect(&path).assert();
        if container {
            refused += 1;
            assert.code(2).stderr(contains(code));
        } else {
            assert.code(0);
        }
    }
    // The set is not empty: bombs, traversal, duplicates, encryption, symlinks, …
    assert!(refused >= 8, "only {refused} container refusals");
}

/// The README's example is this build's output, line for line (elisions marked `[…`).
#[test]
fn the_readme_example_is_real_output() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let command =
        "$ clawaudit inspect testvectors/audit/valid/every-kind.audit.zip --trust testvectors/audit/trust.json\n";
    let start = readme.find(command).unwrap() + command.len();
    let example = &readme[start..start + readme[start..].find("```").unwrap()];
    let mut cmd = Command::cargo_bin("clawaudit").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "inspect",
        "testvectors/audit/valid/every-kind.audit.zip",
        "--trust",
        "testvectors/audit/trust.json",
    ]);
    let out = String::from_utf8(cmd.assert().code(0).get_output().stdout.clone()).unwrap();
    let shown: Vec<&str> = example.lines().filter(|l| !l.starts_with("[…")).collect();
    assert!(shown.len() > 30, "{example}");
    for line in shown {
        assert!(
            out.lines().any(|o| o == line),
            "README line not in the output: {line:?}"
        );
    }
}
