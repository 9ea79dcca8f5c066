//! A minimal, bounds-checked walk of a ZIP's end-of-central-directory record and central
//! directory, independent of the `zip` crate.
//!
//! Why a second parser: the `zip` crate keys entries by name (a duplicate silently replaces
//! the first), rewrites names from Info-ZIP Unicode Path extra fields, and retries earlier
//! end records when the last one is broken. A verifier must see what every other reader
//! could see, so names, flags, attributes and the entry count come from here, and the crate
//! is only trusted to decompress after the two views are shown to agree.

/// What the central directory says about one entry (raw, before any interpretation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawEntry {
    /// Name bytes exactly as stored in the central directory.
    pub name: Vec<u8>,
    pub version_made_by: u16,
    pub flags: u16,
    pub method: u16,
    pub external_attributes: u32,
    /// Local header offset (`0xFFFFFFFF` when the real value is in a ZIP64 extra field).
    pub local_header_offset: u32,
}

/// The located central directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CentralDirectory {
    pub offset: u64,
    pub entries: Vec<RawEntry>,
}

/// Why the structure could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalkError {
    /// Not a readable ZIP (message says where it broke).
    Invalid(String),
    /// More entries than allowed; the walk stopped before reading them.
    TooManyEntries { declared: u64, limit: usize },
}

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(u16::from_le_bytes(s))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(s))
}

fn invalid(msg: impl Into<String>) -> WalkError {
    WalkError::Invalid(msg.into())
}

/// Locate the end record: the last signature whose comment runs exactly to the end of the
/// file (trailing bytes after the comment are refused, as is anything ambiguous).
fn find_eocd(b: &[u8]) -> Option<usize> {
    let last = b.len().checked_sub(EOCD_LEN)?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    (first..=last).rev().find(|&pos| {
        u32_at(b, pos) == Some(EOCD_SIG)
            && u16_at(b, pos + 20).is_some_and(|c| pos + EOCD_LEN + usize::from(c) == b.len())
    })
}

/// Walk the central directory, refusing more than `max_entries` entries before reading them.
pub fn walk(b: &[u8], max_entries: usize) -> Result<CentralDirectory, WalkError> {
    let eocd = find_eocd(b).ok_or_else(|| invalid("no end-of-central-directory record was found"))?;
    let field16 = |off: usize| u16_at(b, eocd + off).unwrap_or(0);
    let (disk, cd_disk) = (field16(4), field16(6));
    let (on_disk, total16) = (field16(8), field16(10));
    let size32 = u32_at(b, eocd + 12).unwrap_or(0);
    let offset32 = u32_at(b, eocd + 16).unwrap_or(0);
    if disk != 0 || cd_disk != 0 || on_disk != total16 {
        return Err(invalid("multi-disk archives are not supported"));
    }
    let mut count = u64::from(total16);
    let mut cd_size = u64::from(size32);
    let mut cd_offset = u64::from(offset32);
    let mut cd_end_limit = eocd as u64;
    let locator = eocd
        .checked_sub(20)
        .filter(|&p| u32_at(b, p) == Some(ZIP64_LOCATOR_SIG));
    if let Some(loc) = locator {
        let rec = u64_at(b, loc + 8).ok_or_else(|| invalid("truncated ZIP64 locator"))?;
        let rec = usize::try_from(rec).map_err(|_| invalid("ZIP64 record offset out of range"))?;
        if u32_at(b, rec) != Some(ZIP64_EOCD_SIG) || rec >= loc {
            return Err(invalid("the ZIP64 end record is not where its locator points"));
        }
        let read = |off: usize| u64_at(b, rec + off).ok_or_else(|| invalid("truncated ZIP64 end record"));
        let (on_disk64, total64) = (read(24)?, read(32)?);
        if u32_at(b, rec + 16) != Some(0) || u32_at(b, rec + 20) != Some(0) || on_disk64 != total64 {
            return Err(invalid("multi-disk archives are not supported"));
        }
        count = total64;
        cd_size = read(40)?;
        cd_offset = read(48)?;
        cd_end_limit = rec as u64;
    } else if total16 == u16::MAX || size32 == u32::MAX || offset32 == u32::MAX {
        return Err(invalid("the end record needs a ZIP64 record that is missing"));
    }
    if count > max_entries as u64 {
        return Err(WalkError::TooManyEntries {
            declared: count,
            limit: max_entries,
        });
    }
    let cd_end = cd_offset
        .checked_add(cd_size)
        .filter(|&end| end <= cd_end_limit)
        .ok_or_else(|| invalid("the central directory runs past its end record"))?;
    // Counts and sizes fit in memory: both were bounded by the file length just above.
    let cd_end = usize::try_from(cd_end).map_err(|_| invalid("central directory out of range"))?;
    let mut pos = usize::try_from(cd_offset).map_err(|_| invalid("central directory out of range"))?;
    let start = pos;
    let mut entries = Vec::new();
    for i in 0..count {
        if u32_at(b, pos) != Some(CENTRAL_SIG) {
            return Err(invalid(format!("central directory header {i} is missing or damaged")));
        }
        let h = |off: usize| u16_at(b, pos + off).unwrap_or(0);
        let name_len = usize::from(h(28));
        let extra_len = usize::from(h(30));
        let comment_len = usize::from(h(32));
        let name_start = pos + CENTRAL_LEN;
        let next = name_start + name_len + extra_len + comment_len;
        if next > cd_end {
            return Err(invalid(format!("central directory header {i} runs past the directory")));
        }
        let name = b.get(name_start..name_start + name_len).unwrap_or_default().to_vec();
        entries.push(RawEntry {
            name,
            version_made_by: h(4),
            flags: h(8),
            method: h(10),
            external_attributes: u32_at(b, pos + 38).unwrap_or(0),
            local_header_offset: u32_at(b, pos + 42).unwrap_or(0),
        });
        pos = next;
    }
    if pos != cd_end {
        return Err(invalid("the central directory size does not match its headers"));
    }
    Ok(CentralDirectory {
        offset: start as u64,
        entries,
    })
}

/// Check that the local header at `offset` exists and carries the same name as the central
/// directory (readers that stream local headers would otherwise see another file).
pub fn local_name_matches(b: &[u8], offset: u64, name: &[u8]) -> bool {
    let Ok(pos) = usize::try_from(offset) else {
        return false;
    };
    if u32_at(b, pos) != Some(LOCAL_SIG) {
        return false;
    }
    let Some(len) = u16_at(b, pos + 26) else {
        return false;
    };
    let start = pos + LOCAL_LEN;
    b.get(start..start + usize::from(len)) == Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_garbage_are_invalid() {
        assert!(matches!(walk(b"", 10), Err(WalkError::Invalid(_))));
        assert!(matches!(
            walk(b"not a zip at all, just text", 10),
            Err(WalkError::Invalid(_))
        ));
    }

    #[test]
    fn empty_archive_has_no_entries() {
        // The 22-byte end record of an empty archive.
        let mut eocd = vec![0x50, 0x4b, 0x05, 0x06];
        eocd.extend_from_slice(&[0u8; 18]);
        let cd = walk(&eocd, 10).unwrap();
        assert!(cd.entries.is_empty());
        // Trailing junk after the (empty) comment is refused.
        eocd.push(0);
        assert!(walk(&eocd, 10).is_err());
    }

    #[test]
    fn declared_count_over_limit_stops_early() {
        let mut eocd = vec![0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0];
        eocd.extend_from_slice(&500u16.to_le_bytes());
        eocd.extend_from_slice(&500u16.to_le_bytes());
        eocd.extend_from_slice(&[0u8; 10]);
        assert_eq!(
            walk(&eocd, 100),
            Err(WalkError::TooManyEntries {
                declared: 500,
                limit: 100
            })
        );
    }
}
