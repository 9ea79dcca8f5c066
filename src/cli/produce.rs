//! Shared plumbing of the producer subcommands (keygen, policy, token, approve, receipt):
//! reading inputs, writing outputs, the current time. The signing logic is in the library.

use std::path::Path;

use clawaudit::clawsig::producer::Signer;
use clawaudit::json::{self, Value};
use clawaudit::produce::keys;
use clawaudit::timeutil::{format_rfc3339, parse_rfc3339};

/// Producer inputs are small documents; refuse anything larger.
const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

pub fn read_bytes(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))?;
    if meta.len() > MAX_INPUT_BYTES as u64 {
        return Err(format!(
            "{what} {} is larger than {MAX_INPUT_BYTES} bytes",
            path.display()
        ));
    }
    std::fs::read(path).map_err(|e| format!("cannot read {what} {}: {e}", path.display()))
}

pub fn read_json(path: &Path, what: &str) -> Result<Value, String> {
    let bytes = read_bytes(path, what)?;
    json::parse(&bytes, &json::ParseLimits::default())
        .map_err(|e| format!("{what} {} is not acceptable JSON: {e}", path.display()))
}

/// Write a JSON document, pretty-printed, keeping key order (what is hashed is re-read
/// from the file by the verifier, and the parse gives back the same values and order).
pub fn write_json(path: &Path, value: &Value) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(&value.to_serde()).map_err(|e| format!("cannot serialize: {e}"))?;
    text.push('\n');
    write_text(path, &text)
}

/// Write `bytes` to a new file; an existing file is replaced only with `force`.
pub fn write_output(path: &Path, bytes: &[u8], force: bool) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!("{} exists; give --force to replace it", path.display())
        } else {
            format!("cannot write {}: {e}", path.display())
        }
    })?;
    file.write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn write_text(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The current time, RFC 3339 UTC with milliseconds. Only producers read the clock.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    format_rfc3339(i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0))
}

/// A time flag: validated RFC 3339, or now when absent.
pub fn time_or_now(flag: Option<&str>, name: &str) -> Result<String, String> {
    match flag {
        Some(t) if parse_rfc3339(t).is_some() => Ok(t.to_string()),
        Some(t) => Err(format!(
            "{name} \"{t}\" is not an RFC 3339 date-time (e.g. 2026-03-01T12:00:00Z)"
        )),
        None => Ok(now_rfc3339()),
    }
}

/// Epoch seconds from a flag given as seconds or as RFC 3339.
pub fn epoch_seconds(text: &str, name: &str) -> Result<i64, String> {
    if let Ok(n) = text.parse::<i64>() {
        return Ok(n);
    }
    parse_rfc3339(text)
        .map(|ms| ms.div_euclid(1000))
        .ok_or_else(|| format!("{name} \"{text}\" is neither epoch seconds nor an RFC 3339 date-time"))
}

/// Read and check a key file.
pub fn load_key_file(path: &Path) -> Result<Signer, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read key file {}: {e}", path.display()))?;
    if meta.len() > keys::MAX_KEY_FILE_BYTES as u64 {
        return Err(format!("{} is too large to be a key file", path.display()));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read key file {}: {e}", path.display()))?;
    keys::parse_key_file(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Write a new key file with mode 0600. An existing file is never overwritten.
pub fn write_key_file(path: &Path, signer: &Signer) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create key file {}: {e}", path.display()))?;
    file.write_all(keys::key_file_text(signer).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write key file {}: {e}", path.display()))
}

/// Read `DIR/artifacts/**` into `(path, bytes)` pairs named as in the ZIP. Symbolic links,
/// special files and names that are not UTF-8 are refused.
pub fn read_artifacts_dir(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let root = dir.join("artifacts");
    let meta = std::fs::symlink_metadata(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", root.display()));
    }
    let mut out = Vec::new();
    for item in walkdir::WalkDir::new(&root).follow_links(false).sort_by_file_name() {
        let item = item.map_err(|e| format!("{}: {e}", root.display()))?;
        let ft = item.file_type();
        if ft.is_dir() {
            continue;
        }
        let shown = item.path().display().to_string();
        if !ft.is_file() {
            return Err(format!(
                "{shown} is a symbolic link or special file; only regular files can be sealed"
            ));
        }
        let rel = item
            .path()
            .strip_prefix(dir)
            .map_err(|_| format!("{shown} is outside {}", dir.display()))?;
        let mut parts = Vec::new();
        for c in rel.components() {
            let text = c
                .as_os_str()
                .to_str()
                .ok_or_else(|| format!("{shown}: the file name is not UTF-8"))?;
            parts.push(text);
        }
        let path = parts.join("/");
        let bytes = std::fs::read(item.path()).map_err(|e| format!("{shown}: {e}"))?;
        out.push((path, bytes));
    }
    if out.is_empty() {
        return Err(format!("{} has no files to seal", root.display()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clawaudit::produce::keys::generate;

    #[test]
    fn write_uses_mode_0600_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.json");
        let s = generate();
        write_key_file(&path, &s).unwrap();
        assert_eq!(load_key_file(&path).unwrap().did(), s.did());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(write_key_file(&path, &s).is_err());
        assert_ne!(generate().did(), s.did());
    }
}
