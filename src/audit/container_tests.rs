//! Hostile archives, each built by hand, each asserting the exact container code.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::container::{read_container, ContainerLimits};
use crate::reason::ReasonCode;
use crate::vectors::zip_forge::{self, find_all};

fn stored() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
}

fn deflated() -> SimpleFileOptions {
    stored().compression_method(CompressionMethod::Deflated)
}

/// A ZIP with the given (name, bytes) entries, written by the `zip` crate.
fn build(entries: &[(&str, &[u8])], options: SimpleFileOptions) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The two required entries plus `extra`.
fn bundle_with(extra: &[(&str, &[u8])], options: SimpleFileOptions) -> Vec<u8> {
    let mut all: Vec<(&str, &[u8])> = vec![("checkpoint.json", b"{}"), ("manifest.json", b"{}")];
    all.extend_from_slice(extra);
    build(&all, options)
}

fn first_code(bytes: &[u8], limits: &ContainerLimits) -> ReasonCode {
    match read_container(bytes, limits) {
        Ok(_) => ReasonCode::Ok,
        Err(failures) => failures[0].code,
    }
}

fn code(bytes: &[u8]) -> ReasonCode {
    first_code(bytes, &ContainerLimits::default())
}

fn central_header(zip: &[u8], name: &str) -> usize {
    zip_forge::central_header(zip, name).unwrap()
}

fn local_header(zip: &[u8], name: &str) -> usize {
    zip_forge::local_header(zip, name).unwrap()
}

fn put_u16(zip: &mut [u8], at: usize, v: u16) {
    zip_forge::put_u16(zip, at, v).unwrap();
}

fn put_u32(zip: &mut [u8], at: usize, v: u32) {
    zip_forge::put_u32(zip, at, v).unwrap();
}

fn rename(zip: &mut [u8], from: &str, to: &str) {
    zip_forge::rename(zip, from, to).unwrap();
}

#[test]
fn a_plain_bundle_is_read() {
    let zip = bundle_with(&[("artifacts/a.txt", b"hello")], deflated());
    let c = read_container(&zip, &ContainerLimits::default()).unwrap();
    assert_eq!(c.len(), 3);
    assert_eq!(c.get("artifacts/a.txt"), Some(&b"hello"[..]));
    assert_eq!(
        c.names().collect::<Vec<_>>(),
        ["checkpoint.json", "manifest.json", "artifacts/a.txt"]
    );
}

#[test]
fn not_a_zip_is_invalid() {
    assert_eq!(code(b"hello, I am not a ZIP file"), ReasonCode::ContainerInvalid);
    assert_eq!(code(b""), ReasonCode::ContainerInvalid);
    assert_eq!(code(b"PK\x03\x04 truncated"), ReasonCode::ContainerInvalid);
}

#[test]
fn truncated_archive_is_invalid() {
    let zip = bundle_with(&[("artifacts/a.txt", b"hello")], deflated());
    assert_eq!(code(&zip[..zip.len() - 30]), ReasonCode::ContainerInvalid);
    assert_eq!(code(&zip[..zip.len() / 2]), ReasonCode::ContainerInvalid);
}

#[test]
fn trailing_bytes_after_the_end_record_are_invalid() {
    let mut zip = bundle_with(&[], deflated());
    zip.extend_from_slice(b"junk");
    assert_eq!(code(&zip), ReasonCode::ContainerInvalid);
}

#[test]
fn missing_required_entries_are_invalid() {
    let zip = build(&[("manifest.json", b"{}")], deflated());
    assert_eq!(code(&zip), ReasonCode::ContainerInvalid);
    let zip = build(&[("checkpoint.json", b"{}")], deflated());
    assert_eq!(code(&zip), ReasonCode::ContainerInvalid);
}

#[test]
fn path_traversal_is_unsafe() {
    let zip = bundle_with(&[("../x", b"evil")], deflated());
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
    let zip = bundle_with(&[("artifacts/../../x", b"evil")], deflated());
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
    let zip = bundle_with(&[("artifacts/./x", b"evil")], deflated());
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
}

#[test]
fn absolute_backslash_drive_nul_and_empty_segments_are_unsafe() {
    for name in [
        "/x",
        "/etc/passwd",
        "a\\b",
        "artifacts\\..\\x",
        "C:x",
        "c:/windows/x",
        "artifacts//x",
        "artifacts/dir/",
        "a\0b",
        "a\x07b",
    ] {
        let zip = bundle_with(&[(name, b"x")], deflated());
        assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe, "{name:?}");
    }
}

#[test]
fn invalid_utf8_name_is_unsafe() {
    let mut zip = bundle_with(&[("artifacts/xx", b"x")], deflated());
    for p in find_all(&zip, b"artifacts/xx") {
        zip[p + 10] = 0xff;
        zip[p + 11] = 0xfe;
    }
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
}

#[test]
fn non_ascii_name_without_utf8_flag_is_unsafe() {
    // The writer sets the UTF-8 flag for non-ASCII names; clear it in both headers (the
    // local header must agree with the central directory, or the archive is invalid).
    let mut zip = bundle_with(&[("artifacts/é", b"x")], deflated());
    let ch = central_header(&zip, "artifacts/é");
    let flags = u16::from_le_bytes([zip[ch + 8], zip[ch + 9]]);
    assert_ne!(flags & 0x0800, 0);
    zip_forge::set_flags(&mut zip, "artifacts/é", flags & !0x0800).unwrap();
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
    // With the flag, the same name is fine.
    let ok = bundle_with(&[("artifacts/é", b"x")], deflated());
    assert_eq!(code(&ok), ReasonCode::Ok);
}

#[test]
fn duplicate_names_are_unsafe() {
    // The writer refuses duplicates: write two names and forge the second into the first.
    let mut zip = bundle_with(&[("artifacts/a1", b"one"), ("artifacts/a2", b"two")], stored());
    rename(&mut zip, "artifacts/a2", "artifacts/a1");
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
    let failures = read_container(&zip, &ContainerLimits::default()).unwrap_err();
    assert!(failures[0].detail.contains("more than once"), "{}", failures[0].detail);
}

#[test]
fn duplicate_checkpoint_is_unsafe() {
    let mut zip = build(
        &[
            ("checkpoint.json", b"{}"),
            ("checkpoint.jsoX", b"{\"evil\":1}"),
            ("manifest.json", b"{}"),
        ],
        stored(),
    );
    rename(&mut zip, "checkpoint.jsoX", "checkpoint.json");
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
}

#[test]
fn names_equal_ignoring_case_are_unsafe() {
    let zip = bundle_with(
        &[("artifacts/Readme.txt", b"a"), ("artifacts/README.TXT", b"b")],
        deflated(),
    );
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
    let zip = bundle_with(&[("Manifest.json", b"{}")], deflated());
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
}

#[test]
fn symlink_entry_is_unsafe() {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for name in ["checkpoint.json", "manifest.json"] {
        w.start_file(name, deflated()).unwrap();
        w.write_all(b"{}").unwrap();
    }
    w.add_symlink("artifacts/link", "/etc/passwd", deflated()).unwrap();
    let zip = w.finish().unwrap().into_inner();
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
}

#[test]
fn special_file_modes_are_unsafe() {
    // A regular file whose Unix mode is rewritten to a FIFO (0o010644) and to a directory.
    for mode in [0o010_644u32, 0o040_755, 0o020_644] {
        let mut zip = bundle_with(&[("artifacts/f", b"x")], deflated().unix_permissions(0o644));
        let ch = central_header(&zip, "artifacts/f");
        assert_eq!(zip[ch + 5], 3, "made on Unix");
        put_u32(&mut zip, ch + 38, mode << 16);
        assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe, "{mode:o}");
    }
}

#[test]
fn directory_entry_is_unsafe() {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for name in ["checkpoint.json", "manifest.json"] {
        w.start_file(name, deflated()).unwrap();
        w.write_all(b"{}").unwrap();
    }
    w.add_directory("artifacts/", deflated()).unwrap();
    let zip = w.finish().unwrap().into_inner();
    assert_eq!(code(&zip), ReasonCode::ContainerPathUnsafe);
}

#[test]
fn decompression_bomb_exceeds_the_ratio_limit() {
    // 4 MiB of zeros deflate to a few KiB: far beyond 200:1.
    let zeros = vec![0u8; 4 * 1024 * 1024];
    let zip = bundle_with(&[("artifacts/bomb.bin", &zeros)], deflated());
    assert!(zip.len() < 64 * 1024);
    assert_eq!(code(&zip), ReasonCode::ContainerLimitExceeded);
    // Below 1 MiB the ratio is not judged.
    let small = vec![0u8; 1024 * 1024];
    let zip = bundle_with(&[("artifacts/zeros.bin", &small)], deflated());
    assert_eq!(code(&zip), ReasonCode::Ok);
}

#[test]
fn entry_and_total_size_limits() {
    let zip = bundle_with(
        &[("artifacts/a", &[7u8; 1000]), ("artifacts/b", &[8u8; 1000])],
        stored(),
    );
    let limits = ContainerLimits {
        max_entry_bytes: 999,
        ..ContainerLimits::default()
    };
    assert_eq!(first_code(&zip, &limits), ReasonCode::ContainerLimitExceeded);
    let limits = ContainerLimits {
        max_total_bytes: 1500,
        ..ContainerLimits::default()
    };
    assert_eq!(first_code(&zip, &limits), ReasonCode::ContainerLimitExceeded);
    let limits = ContainerLimits {
        max_entries: 3,
        ..ContainerLimits::default()
    };
    assert_eq!(first_code(&zip, &limits), ReasonCode::ContainerLimitExceeded);
    let limits = ContainerLimits {
        max_archive_bytes: 100,
        ..ContainerLimits::default()
    };
    assert_eq!(first_code(&zip, &limits), ReasonCode::ContainerLimitExceeded);
    assert_eq!(code(&zip), ReasonCode::Ok);
}

#[test]
fn a_deflated_entry_larger_than_declared_is_invalid_after_one_byte_too_many() {
    // The entry really holds 5000 bytes but declares 10 (central and local headers).
    let mut zip = bundle_with(&[("artifacts/big", &[b'a'; 5000])], deflated());
    let ch = central_header(&zip, "artifacts/big");
    let lh = local_header(&zip, "artifacts/big");
    put_u32(&mut zip, ch + 24, 10);
    put_u32(&mut zip, lh + 22, 10);
    let failures = read_container(&zip, &ContainerLimits::default()).unwrap_err();
    assert_eq!(failures[0].code, ReasonCode::ContainerInvalid);
    assert!(
        failures[0].detail.contains("reading stopped after 11 bytes"),
        "{}",
        failures[0].detail
    );
    // A size mismatch ranks before the limits (spec 20 §4): with a 100-byte entry limit the
    // lie is still CONTAINER_INVALID, not CONTAINER_LIMIT_EXCEEDED.
    let limits = ContainerLimits {
        max_entry_bytes: 100,
        ..ContainerLimits::default()
    };
    assert_eq!(first_code(&zip, &limits), ReasonCode::ContainerInvalid);
    // Also when the declared size is exactly the limit and the entry inflates past it.
    put_u32(&mut zip, ch + 24, 100);
    put_u32(&mut zip, lh + 22, 100);
    let failures = read_container(&zip, &limits).unwrap_err();
    assert_eq!(failures[0].code, ReasonCode::ContainerInvalid);
    assert!(
        failures[0].detail.contains("reading stopped after 101 bytes"),
        "{}",
        failures[0].detail
    );
}

/// A raw deflate stream (RFC 1951) that inflates to `len` zero bytes: one fixed-Huffman
/// block holding a literal 0, then length-258 distance-1 matches (13 bits per 258 bytes), then
/// literals for the rest. Written by hand so that a huge inflated size costs no compression
/// time in the test.
fn deflate_zeros(len: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }
    impl Bits {
        /// `count` bits of `value`, least significant first (header fields, extra bits).
        fn lsb_first(&mut self, value: u32, count: u32) {
            for i in 0..count {
                self.acc |= ((value >> i) & 1) << self.n;
                self.n += 1;
                if self.n == 8 {
                    self.out.push(self.acc as u8);
                    self.acc = 0;
                    self.n = 0;
                }
            }
        }
        /// A Huffman code of `count` bits, most significant bit first (RFC 1951 §3.1.1).
        fn code(&mut self, code: u32, count: u32) {
            for i in (0..count).rev() {
                self.lsb_first((code >> i) & 1, 1);
            }
        }
    }
    const LITERAL_ZERO: (u32, u32) = (0x30, 8); // literal 0: 0x30 + 0, 8 bits
    const LENGTH_258: (u32, u32) = (0xc5, 8); // symbol 285: 0xc0 + (285 - 280), 8 bits, no extra
    const DISTANCE_1: (u32, u32) = (0, 5); // distance code 0, 5 bits, no extra
    const END_OF_BLOCK: (u32, u32) = (0, 7); // symbol 256: 7 zero bits
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    b.lsb_first(1, 1); // BFINAL
    b.lsb_first(1, 2); // BTYPE 01: fixed Huffman codes
    if len > 0 {
        b.code(LITERAL_ZERO.0, LITERAL_ZERO.1);
        let rest = len - 1;
        for _ in 0..rest / 258 {
            b.code(LENGTH_258.0, LENGTH_258.1);
            b.code(DISTANCE_1.0, DISTANCE_1.1);
        }
        for _ in 0..rest % 258 {
            b.code(LITERAL_ZERO.0, LITERAL_ZERO.1);
        }
    }
    b.code(END_OF_BLOCK.0, END_OF_BLOCK.1);
    if b.n > 0 {
        b.out.push(b.acc as u8);
    }
    b.out
}

/// A bundle whose entry `artifacts/bomb.bin` is a deflate stream of `inflated` zeros that
/// declares `declared` bytes: written as a stored entry holding the raw stream, then forged
/// to method 8 (the compressed size, the stream's length, stays right; the CRC is of the raw
/// stream, which a reader that stops early never checks).
fn lying_bomb(inflated: usize, declared: u32) -> Vec<u8> {
    let stream = deflate_zeros(inflated);
    let mut zip = bundle_with(&[("artifacts/bomb.bin", &stream)], stored());
    zip_forge::set_method(&mut zip, "artifacts/bomb.bin", 8).unwrap();
    zip_forge::set_declared_size(&mut zip, "artifacts/bomb.bin", declared).unwrap();
    zip
}

/// Inflate `artifacts/bomb.bin` through the `zip` crate, counting bytes, up to `cap`.
fn inflated_len(zip: &[u8], cap: u64) -> u64 {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut file = archive.by_name("artifacts/bomb.bin").unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    let mut zeros = true;
    // The final read fails on the CRC (of the raw stream); every byte before it counts.
    while let Ok(n) = std::io::Read::read(&mut file, &mut buf) {
        if n == 0 || total >= cap {
            break;
        }
        zeros &= buf[..n].iter().all(|&b| b == 0);
        total += n as u64;
    }
    assert!(zeros, "the forged stream inflates to zeros only");
    total
}

#[test]
fn the_hand_written_deflate_stream_inflates_to_exactly_the_zeros_asked_for() {
    for len in [0usize, 1, 2, 258, 259, 260, 1000, 70_000] {
        let zip = lying_bomb(len, 10);
        assert_eq!(inflated_len(&zip, u64::MAX), len as u64, "len {len}");
    }
}

#[test]
fn an_entry_declaring_10_bytes_that_inflates_past_64_mib_is_invalid_after_11_bytes() {
    let limits = ContainerLimits::default();
    let inflated = (limits.max_entry_bytes + 1024 * 1024) as usize;
    let zip = lying_bomb(inflated, 10);
    // The input really is a bomb past the entry limit (counted up to just beyond it), and
    // a small file.
    assert!(inflated_len(&zip, limits.max_entry_bytes + 1) > limits.max_entry_bytes);
    assert!(zip.len() < 1024 * 1024, "{} bytes", zip.len());

    let started = std::time::Instant::now();
    let failures = read_container(&zip, &limits).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let f = &failures[0];
    assert_eq!(f.code, ReasonCode::ContainerInvalid);
    assert_eq!(f.check, "container.structure");
    assert_eq!(f.location, crate::report::Location::entry("artifacts/bomb.bin"));
    // The detail reports how many bytes were inflated: declared + 1, not the limit.
    assert_eq!(
        f.detail,
        "entry 'artifacts/bomb.bin' decompresses to more than the 10 bytes it declares (reading stopped after 11 bytes)"
    );
    // Inflating 64 MiB takes seconds in a debug build; 11 bytes take microseconds. The bound
    // is loose so that a loaded machine does not fail it.
    assert!(elapsed < std::time::Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn an_entry_declaring_more_than_the_entry_limit_is_a_limit_without_inflating() {
    let limits = ContainerLimits::default();
    let over = u32::try_from(limits.max_entry_bytes + 1).unwrap();
    // Honest about its size or not, an entry that declares more than the limit is refused
    // on the declaration, before any byte is inflated.
    for inflated in [1000usize, 10] {
        let zip = lying_bomb(inflated, over);
        let failures = read_container(&zip, &limits).unwrap_err();
        assert_eq!(failures[0].code, ReasonCode::ContainerLimitExceeded);
        assert_eq!(
            failures[0].detail,
            format!(
                "entry 'artifacts/bomb.bin' declares {over} bytes, more than the limit of {} bytes",
                limits.max_entry_bytes
            )
        );
    }
}

#[test]
fn a_stored_entry_whose_declared_size_lies_is_invalid() {
    let mut zip = bundle_with(&[("artifacts/s", b"0123456789")], stored());
    let ch = central_header(&zip, "artifacts/s");
    let lh = local_header(&zip, "artifacts/s");
    put_u32(&mut zip, ch + 24, 20);
    put_u32(&mut zip, lh + 22, 20);
    assert_eq!(code(&zip), ReasonCode::ContainerInvalid);
}

#[test]
fn encrypted_entry_is_invalid() {
    let mut zip = bundle_with(&[("artifacts/secret", b"x")], stored());
    let ch = central_header(&zip, "artifacts/secret");
    let lh = local_header(&zip, "artifacts/secret");
    put_u16(&mut zip, ch + 8, 0x0001);
    put_u16(&mut zip, lh + 6, 0x0001);
    assert_eq!(code(&zip), ReasonCode::ContainerInvalid);
}

#[test]
fn unsupported_compression_is_invalid() {
    for method in [12u16, 14, 93, 99] {
        let mut zip = bundle_with(&[("artifacts/m", b"x")], stored());
        let ch = central_header(&zip, "artifacts/m");
        let lh = local_header(&zip, "artifacts/m");
        put_u16(&mut zip, ch + 10, method);
        put_u16(&mut zip, lh + 8, method);
        assert_eq!(code(&zip), ReasonCode::ContainerInvalid, "method {method}");
    }
}

#[test]
fn corrupt_deflate_data_is_invalid() {
    let mut zip = bundle_with(&[("artifacts/c", &[b'z'; 3000])], deflated());
    let lh = local_header(&zip, "artifacts/c");
    let data = lh + 30 + "artifacts/c".len();
    for b in &mut zip[data..data + 8] {
        *b ^= 0xff;
    }
    assert_eq!(code(&zip), ReasonCode::ContainerInvalid);
}

#[test]
fn local_header_name_must_match() {
    let mut zip = bundle_with(&[("artifacts/n", b"x")], stored());
    let lh = local_header(&zip, "artifacts/n");
    zip[lh + 30 + 10] = b'm';
    assert_eq!(code(&zip), ReasonCode::ContainerInvalid);
}

#[test]
fn invalid_comes_before_unsafe() {
    // Missing manifest.json and a traversal name: the structural problem decides.
    let zip = build(&[("checkpoint.json", b"{}"), ("../x", b"x")], stored());
    let failures = read_container(&zip, &ContainerLimits::default()).unwrap_err();
    assert_eq!(failures[0].code, ReasonCode::ContainerInvalid);
    assert!(failures.iter().any(|f| f.code == ReasonCode::ContainerPathUnsafe));
}

#[test]
fn overlapping_entries_are_invalid() {
    // Entry o1 (stored) carries, as its content, a complete local header and data of o2.
    // o2's central header is then pointed into o1's data: the names agree and every entry
    // reads cleanly, but two entries share one byte range.
    let donor = build(&[("artifacts/o2", b"same")], stored());
    let donor_local = local_header(&donor, "artifacts/o2");
    let donor_end = donor_local + 30 + "artifacts/o2".len() + 4;
    let inner = donor[donor_local..donor_end].to_vec();
    let mut zip = bundle_with(&[("artifacts/o1", &inner), ("artifacts/o2", b"same")], stored());
    let o1 = local_header(&zip, "artifacts/o1");
    let inner_at = o1 + 30 + "artifacts/o1".len();
    let ch = central_header(&zip, "artifacts/o2");
    put_u32(&mut zip, ch + 42, inner_at as u32);
    let failures = read_container(&zip, &ContainerLimits::default()).unwrap_err();
    assert_eq!(failures[0].code, ReasonCode::ContainerInvalid);
    assert!(failures[0].detail.contains("overlap"), "{}", failures[0].detail);
}

// ---- No parser differentials (issue 12, item 5): each forged from the valid shipped vector.

const VALID: &[u8] = include_bytes!("../../testvectors/audit/valid/every-kind.audit.zip");
const NOTES: &str = "artifacts/attachments/notes.txt";

/// The first failure, asserted to be a structural `CONTAINER_INVALID`.
fn structural(zip: &[u8]) -> crate::report::Failure {
    let failures = read_container(zip, &ContainerLimits::default()).unwrap_err();
    let first = failures[0].clone();
    assert_eq!(first.code, ReasonCode::ContainerInvalid, "{}", first.detail);
    assert_eq!(first.check, "container.structure");
    first
}

fn u32_at(zip: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(zip[at..at + 4].try_into().unwrap())
}

/// Insert `junk` at `at`, moving every offset (local headers, central directory) behind it,
/// so that the archive stays consistent except for the hidden bytes. Needs no comment.
fn insert_hidden(zip: &[u8], at: usize, junk: &[u8]) -> Vec<u8> {
    let mut out = zip.to_vec();
    move_offsets(&mut out, at, junk.len() as i64);
    out.splice(at..at, junk.iter().copied());
    out
}

/// Move every offset at or past `from` (local headers, the central directory) by `delta`,
/// before bytes are inserted or removed there. Needs no comment.
fn move_offsets(zip: &mut [u8], from: usize, delta: i64) {
    let moved = |offset: usize| (offset as i64 + delta) as u32;
    let eocd = zip.len() - 22;
    let count = usize::from(u16::from_le_bytes([zip[eocd + 10], zip[eocd + 11]]));
    let cd = u32_at(zip, eocd + 16) as usize;
    let mut pos = cd;
    for _ in 0..count {
        let local = u32_at(zip, pos + 42) as usize;
        if local >= from {
            put_u32(zip, pos + 42, moved(local));
        }
        let len = |o: usize| usize::from(u16::from_le_bytes([zip[pos + o], zip[pos + o + 1]]));
        pos += 46 + len(28) + len(30) + len(32);
    }
    if cd >= from {
        put_u32(zip, eocd + 16, moved(cd));
    }
}

#[test]
fn the_valid_vector_is_read() {
    assert_eq!(code(VALID), ReasonCode::Ok);
}

#[test]
fn every_local_header_field_must_match_the_central_directory() {
    // One field of notes.txt's local header changed; its central entry left as it was.
    for (field, at, what) in [
        ("flags", 6usize, "general-purpose flags"),
        ("method", 8, "compression method"),
        ("crc", 14, "CRC-32"),
        ("compressed", 18, "compressed size"),
        ("uncompressed", 22, "uncompressed size"),
    ] {
        let mut zip = VALID.to_vec();
        let lh = local_header(&zip, NOTES);
        if at == 6 || at == 8 {
            let v = u16::from_le_bytes([zip[lh + at], zip[lh + at + 1]]);
            // flags: bit 1 (a deflate option, harmless alone); method: deflate to stored.
            put_u16(&mut zip, lh + at, if at == 6 { v ^ 0x0002 } else { 0 });
        } else {
            zip[lh + at] ^= 0x01;
        }
        let f = structural(&zip);
        assert!(
            f.detail.contains(NOTES) && f.detail.contains(what),
            "{field}: {}",
            f.detail
        );
    }
}

#[test]
fn a_data_descriptor_flag_is_invalid() {
    // Bit 3 set in both headers (which still hold the real values): the sealer never sets it.
    let mut zip = VALID.to_vec();
    zip_forge::set_flags(&mut zip, NOTES, 0x0008).unwrap();
    let f = structural(&zip);
    assert!(
        f.detail.contains(NOTES) && f.detail.contains("data descriptor"),
        "{}",
        f.detail
    );
}

#[test]
fn the_inflated_bytes_must_have_the_central_crc() {
    // The same wrong CRC in both headers: the headers agree, the data does not.
    let mut zip = VALID.to_vec();
    let ch = central_header(&zip, NOTES);
    let lh = local_header(&zip, NOTES);
    let crc = u32_at(&zip, ch + 16) ^ 0x0100;
    put_u32(&mut zip, ch + 16, crc);
    put_u32(&mut zip, lh + 14, crc);
    let f = structural(&zip);
    assert!(
        f.detail.contains(NOTES) && f.detail.contains("CRC-32 ("),
        "{}",
        f.detail
    );
}

#[test]
fn bytes_hidden_before_between_or_after_the_entries_are_invalid() {
    let junk = b"PK\x03\x04 hidden";
    let before_first = insert_hidden(VALID, 0, junk);
    let f = structural(&before_first);
    assert!(
        f.detail.contains("before the first entry 'checkpoint.json'"),
        "{}",
        f.detail
    );

    let between = insert_hidden(VALID, local_header(VALID, NOTES), junk);
    let f = structural(&between);
    assert!(f.detail.contains(&format!("and '{NOTES}'")), "{}", f.detail);

    let cd = zip_forge::find_all(VALID, &[0x50, 0x4b, 0x01, 0x02])[0];
    let before_cd = insert_hidden(VALID, cd, junk);
    let f = structural(&before_cd);
    assert!(
        f.detail.contains("between the last entry and the central directory"),
        "{}",
        f.detail
    );

    let after_cd = insert_hidden(VALID, VALID.len() - 22, junk);
    let f = structural(&after_cd);
    assert!(
        f.detail.contains("between the central directory and its end record"),
        "{}",
        f.detail
    );
}

#[test]
fn a_second_end_record_in_the_comment_is_invalid() {
    // The comment holds a copy of the end record, then more bytes: the real record's comment
    // reaches the end of the file, but a reader scanning backwards finds the copy first.
    let mut zip = VALID.to_vec();
    let eocd = zip.len() - 22;
    let mut comment = zip[eocd..].to_vec();
    comment.extend_from_slice(b"tail");
    put_u16(&mut zip, eocd + 20, comment.len() as u16);
    zip.extend_from_slice(&comment);
    let f = structural(&zip);
    assert!(f.detail.contains("second end-of-central-directory"), "{}", f.detail);
}

#[test]
fn zip64_records_are_refused() {
    // A ZIP64 end record and locator agreeing with the plain record, between the central
    // directory and the end record: consistent, but refused (a sealed bundle never needs it).
    let eocd = VALID.len() - 22;
    let count = u64::from(u16::from_le_bytes([VALID[eocd + 10], VALID[eocd + 11]]));
    let (cd_size, cd_offset) = (u32_at(VALID, eocd + 12), u32_at(VALID, eocd + 16));
    let mut rec = vec![0x50, 0x4b, 0x06, 0x06];
    rec.extend_from_slice(&44u64.to_le_bytes());
    rec.extend_from_slice(&45u16.to_le_bytes());
    rec.extend_from_slice(&45u16.to_le_bytes());
    rec.extend_from_slice(&[0u8; 8]);
    rec.extend_from_slice(&count.to_le_bytes());
    rec.extend_from_slice(&count.to_le_bytes());
    rec.extend_from_slice(&u64::from(cd_size).to_le_bytes());
    rec.extend_from_slice(&u64::from(cd_offset).to_le_bytes());
    rec.extend_from_slice(&[0x50, 0x4b, 0x06, 0x07, 0, 0, 0, 0]);
    rec.extend_from_slice(&(eocd as u64).to_le_bytes());
    rec.extend_from_slice(&1u32.to_le_bytes());
    let mut zip = VALID[..eocd].to_vec();
    zip.extend_from_slice(&rec);
    zip.extend_from_slice(&VALID[eocd..]);
    let f = structural(&zip);
    assert!(f.detail.contains("ZIP64"), "{}", f.detail);

    // An entry deferring its size to a ZIP64 extra field.
    let mut zip = VALID.to_vec();
    let ch = central_header(&zip, NOTES);
    put_u32(&mut zip, ch + 20, u32::MAX);
    let f = structural(&zip);
    assert!(f.detail.contains("ZIP64"), "{}", f.detail);
}

#[test]
fn bytes_after_the_end_of_an_entrys_deflate_stream_are_invalid() {
    // The notes entry's compressed data grows by four bytes after its stream ends, both
    // headers saying so: every size agrees, the CRC of the inflated bytes is right, and the
    // zip crate (which stops at the stream's end) reads the entry as before. The bytes are
    // data no reader looks at, so they are refused.
    let lh = local_header(VALID, NOTES);
    assert_eq!(
        u16::from_le_bytes([VALID[lh + 8], VALID[lh + 9]]),
        8,
        "the notes entry is deflated"
    );
    let name_len = usize::from(u16::from_le_bytes([VALID[lh + 26], VALID[lh + 27]]));
    let extra_len = usize::from(u16::from_le_bytes([VALID[lh + 28], VALID[lh + 29]]));
    let compressed = u32_at(VALID, lh + 18);
    let data_end = lh + 30 + name_len + extra_len + compressed as usize;
    let mut zip = insert_hidden(VALID, data_end, b"\x00\x01\x02\x03");
    let ch = central_header(&zip, NOTES);
    let lh = local_header(&zip, NOTES);
    put_u32(&mut zip, ch + 20, compressed + 4);
    put_u32(&mut zip, lh + 18, compressed + 4);
    let f = structural(&zip);
    assert!(
        f.detail.contains(NOTES) && f.detail.contains("4 bytes follow the end of its deflate stream"),
        "{}",
        f.detail
    );
    assert_eq!(f.location, crate::report::Location::entry(NOTES));
}

#[test]
fn a_deflate_stream_cut_short_is_invalid() {
    // Drop the last byte of the notes entry's stream (both headers shrink by one, and the
    // byte is removed so nothing hides): the stream ends before its last block.
    let lh = local_header(VALID, NOTES);
    let name_len = usize::from(u16::from_le_bytes([VALID[lh + 26], VALID[lh + 27]]));
    let compressed = u32_at(VALID, lh + 18);
    let last = lh + 30 + name_len + compressed as usize - 1;
    let mut zip = VALID.to_vec();
    move_offsets(&mut zip, last + 1, -1);
    zip.remove(last);
    let ch = central_header(&zip, NOTES);
    put_u32(&mut zip, ch + 20, compressed - 1);
    put_u32(&mut zip, lh + 18, compressed - 1);
    let f = structural(&zip);
    assert!(
        f.detail.contains(NOTES) && f.detail.contains("does not decompress cleanly"),
        "{}",
        f.detail
    );
}

/// 200 small deflated artifacts `artifacts/bulk/NNN.txt` (over the parallel threshold) in a
/// bundle: their names, their bodies and the archive.
fn two_hundred_entries() -> (Vec<String>, Vec<Vec<u8>>, Vec<u8>) {
    let names: Vec<String> = (0..200).map(|i| format!("artifacts/bulk/{i:03}.txt")).collect();
    let bodies: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("line {i}\n").repeat(i % 7 + 1).into_bytes())
        .collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(String::as_str)
        .zip(bodies.iter().map(Vec::as_slice))
        .collect();
    let zip = bundle_with(&entries, deflated());
    (names, bodies, zip)
}

/// Flip the CRC-32 of `name` in both headers (the inflated bytes then disagree with it).
fn break_crc(zip: &mut [u8], name: &str) {
    let ch = central_header(zip, name);
    let lh = local_header(zip, name);
    let crc = u32_at(zip, ch + 16) ^ 1;
    put_u32(zip, ch + 16, crc);
    put_u32(zip, lh + 14, crc);
}

#[test]
fn many_entries_inflate_in_parallel_with_the_single_pass_answer() {
    // Over the parallel threshold, with a bad entry in the middle and a second one later: the
    // failures come back in entry order, and a valid archive of the same shape reads fully.
    let (names, bodies, good) = two_hundred_entries();
    let container = read_container(&good, &ContainerLimits::default()).unwrap();
    assert_eq!(container.len(), 202);
    for (name, body) in names.iter().zip(&bodies) {
        assert_eq!(container.get(name), Some(body.as_slice()));
    }
    let mut bad = good.clone();
    for victim in [&names[57], &names[158]] {
        break_crc(&mut bad, victim);
    }
    let failures = read_container(&bad, &ContainerLimits::default()).unwrap_err();
    let locations: Vec<_> = failures.iter().map(|f| f.location.clone()).collect();
    let expected = [&names[57], &names[158]].map(|n| crate::report::Location::entry(n.as_str()));
    assert_eq!(locations, expected);
    assert!(failures.iter().all(|f| f.code == ReasonCode::ContainerInvalid));
}

#[test]
fn problems_found_side_by_side_come_back_in_the_order_of_the_rules() {
    // The metadata, name and data checks run concurrently; each finds one problem here, far
    // apart in a large archive. A single pass lists the structural problems in entry order
    // (entry 30's method from the metadata rules, then entry 150's CRC from the data), then
    // the path problem (entry 91's name equals entry 90's new one ignoring case).
    let (names, _, mut zip) = two_hundred_entries();
    let ch = central_header(&zip, &names[30]);
    let lh = local_header(&zip, &names[30]);
    put_u16(&mut zip, ch + 10, 12);
    put_u16(&mut zip, lh + 8, 12);
    break_crc(&mut zip, &names[150]);
    rename(&mut zip, &names[90], "artifacts/bulk/091.TXT");
    let failures = read_container(&zip, &ContainerLimits::default()).unwrap_err();
    let got: Vec<_> = failures.iter().map(|f| (f.code, f.location.clone())).collect();
    let at = |n: &str| crate::report::Location::entry(n);
    assert_eq!(
        got,
        [
            (ReasonCode::ContainerInvalid, at(&names[30])),
            (ReasonCode::ContainerInvalid, at(&names[150])),
            (ReasonCode::ContainerPathUnsafe, at(&names[91])),
        ]
    );
    assert!(
        failures[0].detail.contains("compression method 12"),
        "{}",
        failures[0].detail
    );
    assert!(failures[1].detail.contains("CRC-32"), "{}", failures[1].detail);
    assert!(failures[2].detail.contains("ignoring case"), "{}", failures[2].detail);
}

#[test]
fn an_entry_declaring_more_than_it_holds_is_invalid_with_its_real_size() {
    // The output buffer grows with what the stream produces: 1000 zeros declared as 40 MB
    // (within the entry limit) are read as 1000 bytes and refused; 300 000 zeros, more than
    // the first buffer, are read in full before the size comparison.
    for (inflated, declared) in [(1000usize, 40_000_000u32), (300_000, 300_001)] {
        let zip = lying_bomb(inflated, declared);
        let failures = read_container(&zip, &ContainerLimits::default()).unwrap_err();
        assert_eq!(failures[0].code, ReasonCode::ContainerInvalid);
        assert_eq!(
            failures[0].detail,
            format!("entry 'artifacts/bomb.bin' decompresses to {inflated} bytes but declares {declared}")
        );
    }
}
