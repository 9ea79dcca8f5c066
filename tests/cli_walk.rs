//! `verify DIR` fails closed on what it could not check: unreadable files and directories,
//! links that leave the tree or loop, are exit 2 naming the path; other files are listed as
//! skipped; names match in any case. Flags that cannot apply are errors or warnings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test: failing loudly on bad setup is the point

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::prelude::*;

const AT: &str = "2026-03-02T00:00:00Z";

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testvectors")
}

/// A valid proof bundle and the trust file it verifies against (testvectors/).
fn good_bundle() -> PathBuf {
    vectors().join("clawsig/valid/proof-bundle-minimal.json")
}

fn bad_bundle() -> PathBuf {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vectors().join("manifest.json")).unwrap()).unwrap();
    let v = m["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["kind"] == "proof-bundle" && v["expected"]["status"] == "FAIL")
        .unwrap();
    vectors().join(v["path"].as_str().unwrap())
}

fn trust() -> PathBuf {
    vectors().join("trust/clawsig-config.json")
}

fn verify(args: &[&std::ffi::OsStr]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .arg("verify")
        .args(["--at", AT, "--trust"])
        .arg(trust())
        .args(args)
        .assert()
}

fn os(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// Root reads files whatever their mode; run the binary as `nobody` then, so that a mode of
/// 000 means what it says.
fn verify_unprivileged(dir: &Path) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_clawaudit");
    let uid = StdCommand::new("id").arg("-u").output().unwrap();
    let root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
    let mut cmd = if root {
        let mut c = StdCommand::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(bin);
        c
    } else {
        StdCommand::new(bin)
    };
    cmd.args(["verify", "--at", AT]).arg(dir);
    cmd.output()
        .expect("setpriv (util-linux) runs the test as nobody when it runs as root")
}

/// A temp dir that `nobody` may enter and read (tempfile makes them 0700).
fn open_tempdir() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    t
}

fn world_readable_copy(from: &Path, to: &Path) {
    copy(from, to);
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn an_unreadable_subdirectory_is_exit_2_naming_it() {
    let t = open_tempdir();
    world_readable_copy(&good_bundle(), &t.path().join("a.json"));
    let locked = t.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    world_readable_copy(&good_bundle(), &locked.join("b.json"));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = verify_unprivileged(t.path());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("locked"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty());
}

#[test]
fn an_unreadable_file_is_exit_2_naming_it_not_a_verdict() {
    let t = open_tempdir();
    world_readable_copy(&good_bundle(), &t.path().join("a.json"));
    let secret = t.path().join("b.json");
    world_readable_copy(&good_bundle(), &secret);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = verify_unprivileged(t.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("b.json") && stderr.contains("ermission denied"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("MALFORMED_JSON"));
}

#[test]
fn a_link_to_a_bad_bundle_inside_the_tree_is_followed_and_fails() {
    let t = tempfile::tempdir().unwrap();
    copy(&bad_bundle(), &t.path().join("real/bad.json"));
    copy(&good_bundle(), &t.path().join("good.json"));
    symlink(t.path().join("real/bad.json"), t.path().join("link.json")).unwrap();
    let link = t.path().join("link.json");
    verify(&[os(t.path())])
        .code(1)
        .stdout(predicate::str::contains(format!(
            "FAIL proof-bundle {}",
            link.display()
        )))
        .stdout(predicate::str::contains("3 subject(s): 1 passed, 2 failed"));
}

#[test]
fn a_link_leaving_the_tree_is_exit_2_naming_it() {
    let outside = tempfile::tempdir().unwrap();
    copy(&bad_bundle(), &outside.path().join("bad.json"));
    let t = tempfile::tempdir().unwrap();
    copy(&good_bundle(), &t.path().join("good.json"));
    symlink(outside.path().join("bad.json"), t.path().join("elsewhere.json")).unwrap();
    verify(&[os(t.path())])
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("elsewhere.json").and(predicate::str::contains("outside")));
}

#[test]
fn a_link_loop_or_a_dangling_link_is_exit_2() {
    let t = tempfile::tempdir().unwrap();
    copy(&good_bundle(), &t.path().join("good.json"));
    symlink(t.path().join("b.json"), t.path().join("a.json")).unwrap();
    symlink(t.path().join("a.json"), t.path().join("b.json")).unwrap();
    verify(&[os(t.path())])
        .code(2)
        .stderr(predicate::str::contains("cannot be resolved"));
    let d = tempfile::tempdir().unwrap();
    symlink(d.path().join("nowhere.json"), d.path().join("dangling.json")).unwrap();
    verify(&[os(d.path())])
        .code(2)
        .stderr(predicate::str::contains("dangling.json"));
}

#[test]
fn names_match_in_any_case_and_other_files_are_listed_as_skipped() {
    let t = tempfile::tempdir().unwrap();
    copy(&good_bundle(), &t.path().join("A.JSON"));
    copy(&good_bundle(), &t.path().join("sub/b.Json"));
    std::fs::write(t.path().join("README.md"), "notes").unwrap();
    copy(&trust(), &t.path().join("trust.json"));
    std::fs::write(
        t.path().join("key.json"),
        r#"{"key_version":"1","did":"did:key:z6Mk","secret_key_b64u":"AAAA"}"#,
    )
    .unwrap();
    // A URM document without its X-bundle.json is read by nothing.
    std::fs::write(t.path().join("run-urm.json"), "{}").unwrap();
    let readme = t.path().join("README.md");
    verify(&[os(t.path())])
        .code(0)
        .stdout(predicate::str::contains(format!(
            "SKIP {}: not a subject\n",
            readme.display()
        )))
        .stdout(predicate::str::contains(
            "trust.json: not a subject (a Clawsig verifier config)",
        ))
        .stdout(predicate::str::contains("key.json: not a subject (a key file)"))
        .stdout(predicate::str::contains(
            "run-urm.json: a URM document without its run-bundle.json",
        ))
        .stdout(predicate::str::contains(
            "2 subject(s): 2 passed, 0 failed; 4 skipped: not a subject",
        ));
    // JSON lists them too.
    verify(&[
        os(t.path()),
        std::ffi::OsStr::new("--format"),
        std::ffi::OsStr::new("json"),
    ])
    .code(0)
    .stdout(predicate::str::contains("\"skipped\": ["));
}

#[test]
fn an_unrecognised_json_file_below_a_directory_still_fails() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("x.json"), r#"{"hello":"world"}"#).unwrap();
    verify(&[os(t.path())])
        .code(1)
        .stdout(predicate::str::contains("UNKNOWN_ENVELOPE_TYPE"));
}

#[test]
fn a_flag_that_applies_to_no_subject_is_exit_2_and_a_warning_on_a_mix() {
    let artifact = vectors().join("audit/valid/policy.artifact");
    verify(&[os(&good_bundle()), std::ffi::OsStr::new("--artifact"), os(&artifact)])
        .code(2)
        .stderr(predicate::str::contains(
            "--artifact applies to inclusion-proof subjects only",
        ));
    verify(&[
        os(&good_bundle()),
        std::ffi::OsStr::new("--expect-policy"),
        std::ffi::OsStr::new("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"),
    ])
    .code(2)
    .stderr(predicate::str::contains(
        "--expect-policy applies to audit-bundle and policy subjects only",
    ));
    // A proof bundle next to an inclusion proof: the flag is used once and noted on the other.
    let proof = vectors().join("audit/valid/policy.proof.json");
    let out = Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", "2026-02-18T00:01:00Z", "--format", "jsonl", "--trust"])
        .arg(vectors().join("audit/trust.json"))
        .arg(&proof)
        .arg(good_bundle())
        .arg("--artifact")
        .arg(&artifact)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bundle_line = stdout
        .lines()
        .find(|l| l.contains("\"kind\":\"proof-bundle\""))
        .unwrap();
    assert!(
        bundle_line.contains("\"reason_code\":\"FLAG_NOT_APPLICABLE\""),
        "{bundle_line}"
    );
    assert!(bundle_line.contains("\"status\":\"warn\""), "{bundle_line}");
    let proof_line = stdout
        .lines()
        .find(|l| l.contains("\"kind\":\"inclusion-proof\""))
        .unwrap();
    assert!(!proof_line.contains("FLAG_NOT_APPLICABLE"), "{proof_line}");
}

#[test]
fn a_malformed_expect_policy_is_exit_2() {
    for bad in ["nothash", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", "AAAA"] {
        verify(&[
            os(&good_bundle()),
            std::ffi::OsStr::new("--expect-policy"),
            std::ffi::OsStr::new(bad),
        ])
        .code(2)
        .stderr(predicate::str::contains("is not a policy hash"));
    }
}

#[test]
fn an_inclusion_proof_without_its_artifact_says_so_in_text() {
    Command::cargo_bin("clawaudit")
        .unwrap()
        .args(["verify", "--at", "2026-02-18T00:01:00Z", "--trust"])
        .arg(vectors().join("audit/trust.json"))
        .arg(vectors().join("audit/valid/attachment.proof.json"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "  not checked: proof.artifact: no --artifact given: the artifact's bytes were not compared\n",
        ));
}

#[test]
fn strict_fails_skipped_files_warnings_and_flags_that_did_not_apply() {
    let t = tempfile::tempdir().unwrap();
    copy(&good_bundle(), &t.path().join("a.json"));
    std::fs::write(t.path().join("README.md"), "notes").unwrap();
    // Without --strict: PASS, the README listed as skipped.
    verify(&[os(t.path())]).code(0);
    let readme = t.path().join("README.md");
    verify(&[os(t.path()), std::ffi::OsStr::new("--strict")])
        .code(1)
        .stdout(predicate::str::contains(format!(
            "FAIL unknown {} FILE_NOT_VERIFIED",
            readme.display()
        )));
    // A warning (a flag that did not apply) fails the subject under --strict, with its code:
    // a commit signature (which needs no trust) beside the inclusion proof --artifact is for.
    let proof = vectors().join("audit/valid/policy.proof.json");
    let artifact = vectors().join("audit/valid/policy.artifact");
    let commit = vectors().join("clawsig/valid/commit-sig.json");
    let run = |strict: bool| {
        let mut c = Command::cargo_bin("clawaudit").unwrap();
        c.args(["verify", "--at", "2026-02-18T00:01:00Z", "--trust"])
            .arg(vectors().join("audit/trust.json"))
            .arg(&proof)
            .arg(&commit)
            .arg("--artifact")
            .arg(&artifact);
        if strict {
            c.arg("--strict");
        }
        c.assert()
    };
    run(false).code(0).stdout(predicate::str::contains(
        "warning: flags.not_applicable (FLAG_NOT_APPLICABLE)",
    ));
    run(true)
        .code(1)
        .stdout(predicate::str::contains(format!(
            "FAIL commit-sig {} FLAG_NOT_APPLICABLE: --strict: --artifact applies to inclusion-proof subjects",
            commit.display()
        )))
        .stdout(predicate::str::contains("PASS inclusion-proof"));
}
