//! Reading the files a subcommand is given, bounded: a subject up to its size limit (a sealed
//! bundle up to the archive limit of spec 20 §4), configuration such as the trust file up to
//! its own. Shared by `verify` and `inspect`, so both read exactly the same bytes.

use std::path::Path;

use clawaudit::report::Kind;
use clawaudit::trust::Trust;
use clawaudit::verify::Subject;

/// A subject file: `max_bytes` at most, or the archive limit for a sealed bundle (`kind`
/// forced, or detected from the name or the ZIP signature). Past the limit one byte more is
/// kept and `full_len` is the real size, so the verifier reports it. The URM and artifact
/// are not read here.
pub fn read_subject(path: &Path, kind: Option<Kind>, max_bytes: usize) -> Result<Subject, String> {
    let display = path.display().to_string();
    // A file that cannot be read is an I/O error, not a verdict; an oversized one is still a
    // subject, which the verifier reports as FAIL with its real size.
    let mut bytes = read_bounded(path, max_bytes).map_err(|e| format!("{display}: {e}"))?;
    // Sealed bundles have their own, larger archive limit (spec 20 §4).
    let zip_like =
        kind == Some(Kind::AuditBundle) || (kind.is_none() && clawaudit::verify::is_audit_bundle(&display, &bytes));
    if bytes.len() > max_bytes && zip_like {
        let archive_limit = clawaudit::audit::container::ContainerLimits::default().max_archive_bytes;
        bytes = read_bounded(path, usize::try_from(archive_limit).unwrap_or(usize::MAX))
            .map_err(|e| format!("{display}: {e}"))?;
    }
    // Reading stopped one byte past the limit: the file system knows the real size.
    let limit = if zip_like {
        usize::try_from(clawaudit::audit::container::ContainerLimits::default().max_archive_bytes).unwrap_or(usize::MAX)
    } else {
        max_bytes
    };
    let full_len = if bytes.len() > limit {
        std::fs::metadata(path).ok().map(|m| m.len())
    } else {
        None
    };
    let mut subject = Subject::new(display, bytes);
    subject.full_len = full_len;
    subject.kind = kind;
    Ok(subject)
}

/// The trust file (`--trust`): our trust.json or a Clawsig verifier config. It is
/// configuration, not a subject: `--max-input-bytes` does not apply.
pub fn read_trust(path: &Path) -> Result<Trust, String> {
    let bytes = read_file(path, MAX_TRUST_FILE_BYTES)?;
    Trust::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// The largest trust file accepted.
pub const MAX_TRUST_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Files from this size on are read by two threads, each into its half of the buffer.
const PARALLEL_READ_BYTES: usize = 512 * 1024;

/// Read at most `max_bytes + 1` bytes, so an oversized file is detected without reading it all.
pub fn read_bounded(path: &Path, max_bytes: usize) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    // Size the buffer from the file length up front: no regrowth while reading.
    let limit = max_bytes.saturating_add(1);
    let expected = file
        .metadata()
        .map_or(0, |m| usize::try_from(m.len()).unwrap_or(limit))
        .min(limit);
    if expected >= PARALLEL_READ_BYTES {
        if let Some(mut buf) = read_halves(&file, expected)? {
            // Whatever follows (the file grew meanwhile) is read on, up to the limit.
            file.seek(SeekFrom::Start(expected as u64))?;
            file.take((limit - expected) as u64).read_to_end(&mut buf)?;
            return Ok(buf);
        }
        // The file shrank meanwhile: read it the ordinary way.
        file.seek(SeekFrom::Start(0))?;
    }
    let mut buf = Vec::with_capacity(expected);
    file.take(limit as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The first `len` bytes of `file`, read by two threads (`None` if the file is shorter). A
/// large zeroed buffer comes from the kernel untouched, so each thread takes the page faults
/// of its own half: filling 1.5 MB takes about half as long.
#[cfg(unix)]
fn read_halves(file: &std::fs::File, len: usize) -> std::io::Result<Option<Vec<u8>>> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; len];
    let (head, tail) = buf.split_at_mut(len / 2);
    let offset = head.len() as u64;
    let (a, b) = rayon::join(|| file.read_exact_at(head, 0), || file.read_exact_at(tail, offset));
    match a.and(b) {
        Ok(()) => Ok(Some(buf)),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn read_halves(_: &std::fs::File, _: usize) -> std::io::Result<Option<Vec<u8>>> {
    Ok(None)
}

/// The whole file, or an error when it is larger than `max_bytes`.
pub fn read_file(path: &Path, max_bytes: usize) -> Result<Vec<u8>, String> {
    let bytes = read_bounded(path, max_bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() > max_bytes {
        return Err(format!("{}: larger than {max_bytes} bytes", path.display()));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reads_return_the_file_prefix() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 10, PARALLEL_READ_BYTES - 1, PARALLEL_READ_BYTES, 700_001] {
            let content: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let path = dir.path().join(format!("f{len}"));
            std::fs::write(&path, &content).unwrap();
            assert_eq!(read_bounded(&path, 1 << 20).unwrap(), content, "len {len}");
            // Over the limit: exactly limit + 1 bytes come back, so the caller can tell.
            for max in [len.saturating_sub(1), len / 2] {
                if max < len {
                    let got = read_bounded(&path, max).unwrap();
                    assert_eq!(got, content[..max + 1], "len {len} max {max}");
                }
            }
            assert_eq!(read_bounded(&path, len).unwrap(), content, "len {len} at the limit");
        }
    }
}
