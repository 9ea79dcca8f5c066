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
    pub crc32: u32,
    pub compressed_size: u32,
    pub uncompressed_size: u32,
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

/// Where one entry's bytes lie: from its local header to the end of its compressed data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalSpan {
    /// The local header's offset.
    pub start: u64,
    /// Where the entry's (compressed) data starts: past the header, name and extra field.
    pub data_start: u64,
    /// One past the data's last byte.
    pub end: u64,
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
    // ZIP64 is refused outright: the sealer writes `large_file(false)`, so a sealed bundle
    // never needs it, and a second set of counts and offsets is one more place where
    // readers could disagree (which record wins when the two differ).
    let locator = eocd
        .checked_sub(20)
        .filter(|&p| u32_at(b, p) == Some(ZIP64_LOCATOR_SIG));
    if locator.is_some() {
        return Err(invalid(
            "ZIP64 records are not accepted (a sealed bundle never needs them)",
        ));
    }
    if total16 == u16::MAX || size32 == u32::MAX || offset32 == u32::MAX {
        return Err(invalid("the end record needs a ZIP64 record, which is not accepted"));
    }
    // Only one end record: another signature inside the comment would be found first by
    // readers that scan backwards without checking the comment length.
    let comment = b.get(eocd + EOCD_LEN..).unwrap_or_default();
    if comment.windows(4).any(|w| w == EOCD_SIG.to_le_bytes()) {
        return Err(invalid(
            "the archive comment holds a second end-of-central-directory record",
        ));
    }
    let count = u64::from(total16);
    let cd_size = u64::from(size32);
    let cd_offset = u64::from(offset32);
    if count > max_entries as u64 {
        return Err(WalkError::TooManyEntries {
            declared: count,
            limit: max_entries,
        });
    }
    let cd_end = cd_offset
        .checked_add(cd_size)
        .filter(|&end| end <= eocd as u64)
        .ok_or_else(|| invalid("the central directory runs past its end record"))?;
    if cd_end != eocd as u64 {
        return Err(invalid(format!(
            "{} bytes lie hidden between the central directory and its end record",
            eocd as u64 - cd_end
        )));
    }
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
        let sizes = [u32_at(b, pos + 20), u32_at(b, pos + 24), u32_at(b, pos + 42)];
        if sizes.contains(&Some(u32::MAX)) || h(34) != 0 {
            // 0xFFFFFFFF defers to a ZIP64 extra field (refused, see above); a disk number
            // other than 0 is a multi-disk archive.
            return Err(invalid(format!(
                "central directory header {i} needs ZIP64 or another disk, which is not accepted"
            )));
        }
        entries.push(RawEntry {
            name,
            version_made_by: h(4),
            flags: h(8),
            method: h(10),
            crc32: u32_at(b, pos + 16).unwrap_or(0),
            compressed_size: u32_at(b, pos + 20).unwrap_or(0),
            uncompressed_size: u32_at(b, pos + 24).unwrap_or(0),
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

/// Check the local header of `e` against its central-directory entry, field by field, and
/// return where the entry's bytes lie. A reader that streams local headers (or trusts them
/// over the central directory) would otherwise see another name, method or size, and
/// `unzip -t` would report a CRC the verifier never looked at.
///
/// Flag bit 3 (sizes and CRC in a data descriptor after the data) is refused by the caller
/// before this is reached: the sealer never sets it, so the local header must carry the
/// real values, and there is no descriptor to account for in the layout.
pub fn check_local_header(b: &[u8], e: &RawEntry) -> Result<LocalSpan, String> {
    let pos =
        usize::try_from(e.local_header_offset).map_err(|_| "its local header offset is out of range".to_string())?;
    if u32_at(b, pos) != Some(LOCAL_SIG) {
        return Err("has no local header where the central directory points".into());
    }
    let field16 = |off: usize| u16_at(b, pos + off).ok_or("has a truncated local header");
    let field32 = |off: usize| u32_at(b, pos + off).ok_or("has a truncated local header");
    let name_len = usize::from(field16(26)?);
    let extra_len = usize::from(field16(28)?);
    let start = pos + LOCAL_LEN;
    if b.get(start..start + name_len) != Some(e.name.as_slice()) {
        return Err("has no local header with the same name".into());
    }
    let pairs: [(&str, u32, u32); 5] = [
        ("general-purpose flags", u32::from(field16(6)?), u32::from(e.flags)),
        ("compression method", u32::from(field16(8)?), u32::from(e.method)),
        ("CRC-32", field32(14)?, e.crc32),
        ("compressed size", field32(18)?, e.compressed_size),
        ("uncompressed size", field32(22)?, e.uncompressed_size),
    ];
    for (what, local, central) in pairs {
        if local != central {
            return Err(format!(
                "has a local header whose {what} ({local:#x}) differs from the central directory's ({central:#x})"
            ));
        }
    }
    let data_start = (start + name_len + extra_len) as u64;
    let end = data_start + u64::from(e.compressed_size);
    if end > b.len() as u64 {
        return Err("has data running past the end of the archive".into());
    }
    Ok(LocalSpan {
        start: pos as u64,
        data_start,
        end,
    })
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
