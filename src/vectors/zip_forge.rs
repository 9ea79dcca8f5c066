//! Byte-level forgery of ZIP archives, for hostile test inputs the `zip` writer refuses to
//! produce (duplicate names, lying sizes, symlink modes, encryption flags). Used by the
//! container tests and by the test-vector generator; never by verification.
//!
//! Offsets follow APPNOTE 4.3.7 (local file header) and 4.3.12 (central directory header).
//! Every function works on archives we wrote ourselves and reports, rather than panics on,
//! anything it cannot find.

const LOCAL_SIG: [u8; 4] = [0x50, 0x4b, 0x03, 0x04];
const CENTRAL_SIG: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];

/// Central header field offsets.
pub const CENTRAL_FLAGS: usize = 8;
pub const CENTRAL_METHOD: usize = 10;
pub const CENTRAL_SIZE: usize = 24;
pub const CENTRAL_EXTERNAL_ATTRIBUTES: usize = 38;
pub const CENTRAL_LOCAL_OFFSET: usize = 42;
/// Local header field offsets.
pub const LOCAL_FLAGS: usize = 6;
pub const LOCAL_METHOD: usize = 8;
pub const LOCAL_SIZE: usize = 22;

/// Offsets of every occurrence of `needle` in `hay`.
pub fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() {
        return Vec::new();
    }
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

fn u16_at(zip: &[u8], at: usize) -> Option<usize> {
    let b: [u8; 2] = zip.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(usize::from(u16::from_le_bytes(b)))
}

/// The header with signature `sig` whose name (length at `len_at`, text at `name_at`) is `name`.
fn header(zip: &[u8], sig: [u8; 4], len_at: usize, name_at: usize, name: &str) -> Option<usize> {
    find_all(zip, &sig).into_iter().find(|&p| {
        let Some(len) = u16_at(zip, p + len_at) else {
            return false;
        };
        zip.get(p + name_at..p + name_at + len) == Some(name.as_bytes())
    })
}

/// Offset of the central directory header of `name`.
pub fn central_header(zip: &[u8], name: &str) -> Option<usize> {
    header(zip, CENTRAL_SIG, 28, 46, name)
}

/// Offset of the local header of `name`.
pub fn local_header(zip: &[u8], name: &str) -> Option<usize> {
    header(zip, LOCAL_SIG, 26, 30, name)
}

/// Write a little-endian u16 at `at`.
pub fn put_u16(zip: &mut [u8], at: usize, v: u16) -> Result<(), String> {
    zip.get_mut(at..at.saturating_add(2))
        .ok_or(format!("offset {at} is outside the archive"))?
        .copy_from_slice(&v.to_le_bytes());
    Ok(())
}

/// Write a little-endian u32 at `at`.
pub fn put_u32(zip: &mut [u8], at: usize, v: u32) -> Result<(), String> {
    zip.get_mut(at..at.saturating_add(4))
        .ok_or(format!("offset {at} is outside the archive"))?
        .copy_from_slice(&v.to_le_bytes());
    Ok(())
}

/// Replace a name everywhere it occurs (same length), to forge names the writer refuses.
/// Returns how many occurrences were replaced.
pub fn rename(zip: &mut [u8], from: &str, to: &str) -> Result<usize, String> {
    if from.len() != to.len() {
        return Err(format!("{from} and {to} differ in length"));
    }
    let hits = find_all(zip, from.as_bytes());
    for &p in &hits {
        // `find_all` found `from` there, and `to` has its length.
        if let Some(slot) = zip.get_mut(p..p + to.len()) {
            slot.copy_from_slice(to.as_bytes());
        }
    }
    Ok(hits.len())
}

fn both_headers(zip: &[u8], name: &str) -> Result<(usize, usize), String> {
    let ch = central_header(zip, name).ok_or(format!("no central header for {name}"))?;
    let lh = local_header(zip, name).ok_or(format!("no local header for {name}"))?;
    Ok((ch, lh))
}

/// Make the entry `name` declare `size` uncompressed bytes (central and local header).
pub fn set_declared_size(zip: &mut [u8], name: &str, size: u32) -> Result<(), String> {
    let (ch, lh) = both_headers(zip, name)?;
    put_u32(zip, ch + CENTRAL_SIZE, size)?;
    put_u32(zip, lh + LOCAL_SIZE, size)
}

/// Set the general-purpose flags of `name` (central and local header).
pub fn set_flags(zip: &mut [u8], name: &str, flags: u16) -> Result<(), String> {
    let (ch, lh) = both_headers(zip, name)?;
    put_u16(zip, ch + CENTRAL_FLAGS, flags)?;
    put_u16(zip, lh + LOCAL_FLAGS, flags)
}

/// Set the compression method of `name` (central and local header).
pub fn set_method(zip: &mut [u8], name: &str, method: u16) -> Result<(), String> {
    let (ch, lh) = both_headers(zip, name)?;
    put_u16(zip, ch + CENTRAL_METHOD, method)?;
    put_u16(zip, lh + LOCAL_METHOD, method)
}

/// Set the Unix mode (type and permission bits) of `name` in its central header.
pub fn set_unix_mode(zip: &mut [u8], name: &str, mode: u32) -> Result<(), String> {
    let ch = central_header(zip, name).ok_or(format!("no central header for {name}"))?;
    put_u32(zip, ch + CENTRAL_EXTERNAL_ATTRIBUTES, mode << 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_patches() {
        let mut zip = crate::produce::seal::write_zip(&[("a/one", b"1"), ("a/two", b"2")]).unwrap();
        assert_eq!(find_all(&zip, b"a/one").len(), 2, "local and central name");
        let ch = central_header(&zip, "a/two").unwrap();
        let lh = local_header(&zip, "a/two").unwrap();
        assert!(lh < ch);
        assert_eq!(rename(&mut zip, "a/two", "a/one"), Ok(2));
        assert_eq!(central_header(&zip, "a/two"), None);
        assert!(rename(&mut zip, "a/one", "a/three").is_err());
        assert!(put_u32(&mut zip, usize::MAX - 1, 7).is_err());
        assert!(set_declared_size(&mut zip, "missing", 1).is_err());
        set_declared_size(&mut zip, "a/one", 99).unwrap();
        let ch = central_header(&zip, "a/one").unwrap();
        assert_eq!(&zip[ch + CENTRAL_SIZE..ch + CENTRAL_SIZE + 4], &99u32.to_le_bytes());
    }
}
