//! Reading a sealed bundle's ZIP safely (spec 20 §4): from bytes in memory, never to disk,
//! with every limit enforced on bytes actually decompressed.
//!
//! Failures come back grouped in the spec's order (`CONTAINER_INVALID`, then
//! `CONTAINER_PATH_UNSAFE`, then `CONTAINER_LIMIT_EXCEEDED`), so the first one is the one that
//! decides. `CONTAINER_UNEXPECTED_ENTRY` needs the manifest and is checked by the caller.

use std::collections::HashMap;
use std::io::Cursor;

use rayon::prelude::*;
use zip::read::{ArchiveOffset, Config};
use zip::ZipArchive;
use zlib_rs::{Inflate, InflateFlush, Status};

use super::central_directory::{self, CentralDirectory, LocalSpan, RawEntry, WalkError};
use crate::reason::ReasonCode;
use crate::report::Failure;

/// Entry names every bundle must contain.
pub const CHECKPOINT_NAME: &str = "checkpoint.json";
pub const MANIFEST_NAME: &str = "manifest.json";

pub use crate::context::ContainerLimits;

/// The decompressed entries of an archive that passed every container check, in archive order.
#[derive(Clone, Debug, Default)]
pub struct Container {
    entries: Vec<(String, Vec<u8>)>,
    /// Position of each name in `entries`: lookups stay constant-time in bundles of
    /// 100 000 entries (names are unique once the container checks passed).
    index: HashMap<String, usize>,
}

impl Container {
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let i = *self.index.get(name)?;
        self.entries.get(i).map(|(_, b)| b.as_slice())
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Failures sorted into the spec's order.
#[derive(Default)]
struct Problems {
    invalid: Vec<Failure>,
    unsafe_path: Vec<Failure>,
    limit: Vec<Failure>,
}

impl Problems {
    fn invalid(&mut self, detail: String, artifact: Option<&str>) {
        self.invalid.push(with_artifact(
            Failure::new("container.structure", ReasonCode::ContainerInvalid, detail),
            artifact,
        ));
    }
    fn unsafe_path(&mut self, detail: String, artifact: Option<&str>) {
        self.unsafe_path.push(with_artifact(
            Failure::new("container.paths", ReasonCode::ContainerPathUnsafe, detail),
            artifact,
        ));
    }
    fn limit(&mut self, detail: String, artifact: Option<&str>) {
        self.limit.push(with_artifact(
            Failure::new("container.limits", ReasonCode::ContainerLimitExceeded, detail),
            artifact,
        ));
    }
    /// Add `later`'s failures after this one's, category by category: the order one pass
    /// finding this one's and then `later`'s would give.
    fn append(&mut self, later: Problems) {
        self.invalid.extend(later.invalid);
        self.unsafe_path.extend(later.unsafe_path);
        self.limit.extend(later.limit);
    }
    fn into_vec(self) -> Vec<Failure> {
        let mut all = self.invalid;
        all.extend(self.unsafe_path);
        all.extend(self.limit);
        all
    }
    fn is_empty(&self) -> bool {
        self.invalid.is_empty() && self.unsafe_path.is_empty() && self.limit.is_empty()
    }
}

fn with_artifact(f: Failure, artifact: Option<&str>) -> Failure {
    match artifact {
        Some(a) => f.in_entry(a),
        None => f,
    }
}

/// A printable form of a raw name for messages (lossy, shortened, control characters escaped).
pub fn display_name(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out: String = text.chars().take(120).flat_map(char::escape_debug).collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// The first container rule: the archive's size. `size` is the full size of the input, which
/// a caller that reads only up to the limit knows better than the bytes it holds.
pub fn check_archive_size(size: u64, limits: &ContainerLimits) -> Result<(), Failure> {
    if size > limits.max_archive_bytes {
        return Err(Failure::new(
            "container.limits",
            ReasonCode::ContainerLimitExceeded,
            format!(
                "the archive is {size} bytes, more than the limit of {} bytes",
                limits.max_archive_bytes
            ),
        ));
    }
    Ok(())
}

/// Each name's first position (names that are not UTF-8 are never looked up: such an archive
/// is refused).
fn name_index<'a>(names: impl ExactSizeIterator<Item = &'a [u8]>) -> HashMap<String, usize> {
    let mut index = HashMap::with_capacity(names.len());
    for (i, name) in names.enumerate() {
        index.entry(String::from_utf8_lossy(name).into_owned()).or_insert(i);
    }
    index
}

/// The zip crate's reading of the archive, which must be ours: `Ok((same_start, same_names))`
/// says whether it finds the central directory where we do and every entry under the name
/// we judge (it, and Info-ZIP's unzip, honour a Unicode Path extra field).
fn second_reader_view(bytes: &[u8], cd: &CentralDirectory) -> Result<(bool, bool), Failure> {
    let config = Config {
        archive_offset: ArchiveOffset::Known(0),
    };
    let mut archive = ZipArchive::with_config(config, Cursor::new(bytes)).map_err(|e| {
        Failure::new(
            "container.structure",
            ReasonCode::ContainerInvalid,
            format!("the file is not a readable ZIP archive: {e}"),
        )
    })?;
    let same_start = archive.central_directory_start() == cd.offset;
    let same_names = archive.len() == cd.entries.len()
        && cd.entries.iter().enumerate().all(|(i, raw)| {
            archive
                .by_index_raw(i)
                .is_ok_and(|f| f.name_raw() == raw.name.as_slice())
        });
    Ok((same_start, same_names))
}

/// Read and check an archive. On failure every problem found is returned, first deciding.
///
/// The checks that only read the central directory (the second reader's view, the entries'
/// metadata, their names) run side by side, as do inflating the entries and indexing their
/// names; each gathers its own problems, appended in the order of the checks one after another.
pub fn read_container(bytes: &[u8], limits: &ContainerLimits) -> Result<Container, Vec<Failure>> {
    let one = |f: Failure| vec![f];
    check_archive_size(bytes.len() as u64, limits).map_err(one)?;
    let cd = match central_directory::walk(bytes, limits.max_entries) {
        Ok(cd) => cd,
        Err(WalkError::Invalid(why)) => {
            return Err(one(Failure::new(
                "container.structure",
                ReasonCode::ContainerInvalid,
                format!("the file is not a readable ZIP archive: {why}"),
            )))
        }
        Err(WalkError::TooManyEntries { declared, limit }) => {
            return Err(one(Failure::new(
                "container.limits",
                ReasonCode::ContainerLimitExceeded,
                format!("the archive declares {declared} entries, more than the limit of {limit}"),
            )))
        }
    };
    let ((view, (spans, metadata)), names) = rayon::join(
        || {
            rayon::join(
                || second_reader_view(bytes, &cd),
                || {
                    let mut p = Problems::default();
                    (check_metadata(bytes, &cd.entries, &mut p), p)
                },
            )
        },
        || {
            let mut p = Problems::default();
            check_names(&cd.entries, &mut p);
            p
        },
    );
    let (same_start, same_names) = view.map_err(one)?;
    let mut p = Problems::default();
    if !same_start {
        p.invalid(
            "the archive's central directory is ambiguous (readers disagree on where it is)".into(),
            None,
        );
    }
    p.append(metadata);
    p.append(names);
    if !same_names {
        if p.unsafe_path.is_empty() {
            p.unsafe_path(
                "an entry's name differs between the central directory and its extra fields".into(),
                None,
            );
        }
        return Err(p.into_vec());
    }
    // Without every local header located, where an entry's data starts is unknown: the
    // archive is refused already, and nothing is inflated.
    let Some(spans) = spans else {
        return Err(p.into_vec());
    };
    check_layout(&cd.entries, &spans, cd.offset, &mut p);
    let ((entries, read), index) = rayon::join(
        || {
            let mut read = Problems::default();
            (read_entries(bytes, &cd.entries, &spans, limits, &mut read), read)
        },
        || name_index(cd.entries.iter().map(|e| e.name.as_slice())),
    );
    p.append(read);
    if p.is_empty() {
        // Every entry was read (any entry skipped or refused leaves a problem), so the
        // positions of the raw names are those of `entries`.
        Ok(Container { entries, index })
    } else {
        Err(p.into_vec())
    }
}

/// The entries must tile the archive up to the central directory: no overlap (overlapping
/// entries let a small file decompress to the total limit many times over) and no hidden
/// bytes before the first local header, between entries, or before the central directory
/// (another reader could find a different archive there, or a prepended stub).
fn check_layout(entries: &[RawEntry], spans: &[LocalSpan], cd_offset: u64, p: &mut Problems) {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_unstable_by_key(|&i| spans.get(i).map(|s| (s.start, s.end)));
    let name = |i: usize| entries.get(i).map(|e| display_name(&e.name)).unwrap_or_default();
    let mut at = 0u64;
    let mut previous: Option<usize> = None;
    for &i in &order {
        let Some(span) = spans.get(i) else { continue };
        if span.start < at {
            let (this, other) = (name(i), previous.map(name).unwrap_or_default());
            p.invalid(
                format!("the archive's entries overlap each other: '{this}' starts inside '{other}'"),
                Some(&this),
            );
        } else if span.start > at {
            let gap = span.start - at;
            let this = name(i);
            let place = match previous {
                Some(other) => format!("between '{}' and '{this}'", name(other)),
                None => format!("before the first entry '{this}'"),
            };
            p.invalid(format!("{gap} bytes lie hidden {place}"), Some(&this));
        }
        at = at.max(span.end);
        previous = Some(i);
    }
    let last = previous.map(name);
    if at > cd_offset {
        p.invalid(
            "the archive's entries overlap each other or the central directory".into(),
            last.as_deref(),
        );
    } else if at < cd_offset {
        p.invalid(
            format!(
                "{} bytes lie hidden between the last entry and the central directory",
                cd_offset - at
            ),
            last.as_deref(),
        );
    }
}

/// Structural metadata: required entries, encryption, compression method, data descriptors,
/// and each local header against its central-directory entry. Returns every entry's span, in
/// entry order, when all local headers could be located (the layout is checked only then).
fn check_metadata(bytes: &[u8], entries: &[RawEntry], p: &mut Problems) -> Option<Vec<LocalSpan>> {
    for required in [CHECKPOINT_NAME, MANIFEST_NAME] {
        if !entries.iter().any(|e| e.name == required.as_bytes()) {
            p.invalid(format!("the archive has no {required}"), None);
        }
    }
    let mut spans = Some(Vec::with_capacity(entries.len()));
    for e in entries {
        // Bit 0: encrypted; bit 6: strong encryption; bit 13: masked central directory.
        if e.flags & 0x2041 != 0 || e.method == 99 {
            let name = display_name(&e.name);
            p.invalid(format!("entry '{name}' is encrypted"), Some(&name));
        } else if e.method != 0 && e.method != 8 {
            let name = display_name(&e.name);
            p.invalid(
                format!(
                    "entry '{name}' uses compression method {}; only stored (0) and deflate (8) are accepted",
                    e.method
                ),
                Some(&name),
            );
        }
        // Bit 3: CRC and sizes follow the data in a data descriptor. Refused outright rather
        // than reconciled: the sealer never sets it, and without it the local header must
        // carry the real values, which `check_local_header` compares.
        if e.flags & 0x0008 != 0 {
            let name = display_name(&e.name);
            p.invalid(
                format!("entry '{name}' uses a data descriptor (flag bit 3), which a sealed bundle never does"),
                Some(&name),
            );
        }
        match central_directory::check_local_header(bytes, e) {
            Ok(span) => {
                if let Some(all) = spans.as_mut() {
                    all.push(span);
                }
            }
            Err(why) => {
                let name = display_name(&e.name);
                p.invalid(format!("entry '{name}' {why}"), Some(&name));
                spans = None;
            }
        }
    }
    spans
}

/// Why a raw name is unsafe, if it is.
pub fn name_problem(raw: &[u8], utf8_flag: bool) -> Option<&'static str> {
    let Ok(name) = std::str::from_utf8(raw) else {
        return Some("is not valid UTF-8");
    };
    if !name.is_ascii() && !utf8_flag {
        return Some("is not ASCII and not marked as UTF-8");
    }
    if name.is_empty() {
        return Some("is empty");
    }
    if name.contains('\0') {
        return Some("contains a NUL byte");
    }
    if name.chars().any(char::is_control) {
        return Some("contains a control character");
    }
    if name.contains('\\') {
        return Some("contains a backslash");
    }
    if name.starts_with('/') {
        return Some("is absolute");
    }
    let b = name.as_bytes();
    if matches!(b, [drive, b':', ..] if drive.is_ascii_alphabetic()) {
        return Some("starts with a drive letter");
    }
    for segment in name.split('/') {
        match segment {
            "" => return Some("has an empty path segment (or names a directory)"),
            "." | ".." => return Some("has a '.' or '..' segment"),
            _ => {}
        }
    }
    None
}

/// Unix file type bits of the external attributes, when the entry was made on Unix.
fn special_file(e: &RawEntry) -> Option<&'static str> {
    const S_IFMT: u32 = 0o170_000;
    const S_IFREG: u32 = 0o100_000;
    const S_IFLNK: u32 = 0o120_000;
    const S_IFDIR: u32 = 0o040_000;
    // MS-DOS directory attribute.
    if e.external_attributes & 0x10 != 0 {
        return Some("a directory");
    }
    if e.version_made_by >> 8 == 3 {
        match (e.external_attributes >> 16) & S_IFMT {
            0 | S_IFREG => None,
            S_IFLNK => Some("a symbolic link"),
            S_IFDIR => Some("a directory"),
            _ => Some("a special file (device, FIFO or socket)"),
        }
    } else {
        None
    }
}

/// Name rules, duplicates, case-insensitive collisions and special files.
fn check_names(entries: &[RawEntry], p: &mut Problems) {
    let mut exact: HashMap<&[u8], usize> = HashMap::with_capacity(entries.len());
    // Lower-cased name → the first entry with it.
    let mut folded: HashMap<String, &[u8]> = HashMap::with_capacity(entries.len());
    for e in entries {
        if let Some(why) = name_problem(&e.name, e.flags & 0x0800 != 0) {
            let name = display_name(&e.name);
            p.unsafe_path(format!("entry name '{name}' {why}"), Some(&name));
            continue;
        }
        if let Some(kind) = special_file(e) {
            let name = display_name(&e.name);
            p.unsafe_path(format!("entry '{name}' is {kind}"), Some(&name));
        }
        let seen = exact.entry(e.name.as_slice()).or_insert(0);
        *seen += 1;
        if *seen == 2 {
            let name = display_name(&e.name);
            p.unsafe_path(format!("entry name '{name}' appears more than once"), Some(&name));
            continue;
        }
        if *seen > 2 {
            continue;
        }
        let key = String::from_utf8_lossy(&e.name).to_lowercase();
        if let Some(other) = folded.get(key.as_str()) {
            let name = display_name(&e.name);
            p.unsafe_path(
                format!(
                    "entry names '{}' and '{name}' are equal ignoring case",
                    display_name(other)
                ),
                Some(&name),
            );
        } else {
            folded.insert(key, e.name.as_slice());
        }
    }
}

/// Below this many entries an archive is inflated on the calling thread.
const PARALLEL_ENTRIES: usize = 32;

/// What one entry's data is, judged on its own (the running totals are the caller's).
enum Inflated {
    /// Refused by `check_metadata` already (encrypted, unknown method): not read.
    Skipped,
    /// Over the per-entry limit by its declared size: not read.
    TooLarge { declared: u64 },
    /// Read, with what is wrong with it (if anything).
    Read {
        data: Vec<u8>,
        declared: u64,
        compressed: u64,
        problem: Option<String>,
    },
}

/// Decompress every entry and compare with the declared sizes and CRC-32s. Entries are
/// inflated in parallel, each rayon job reusing one decompressor; the limits are then applied
/// in entry order exactly as a single pass would (the declared total first, so nothing past
/// the point where it is exceeded is inflated).
fn read_entries(
    bytes: &[u8],
    raw: &[RawEntry],
    spans: &[LocalSpan],
    limits: &ContainerLimits,
    p: &mut Problems,
) -> Vec<(String, Vec<u8>)> {
    // Entries up to (and with) the first whose declared size takes the declared total over the
    // limit; later ones are never looked at.
    let mut declared_total: u64 = 0;
    let mut cut = raw.len();
    for (i, e) in raw.iter().enumerate() {
        if !method_ok(e) {
            continue;
        }
        declared_total = declared_total.saturating_add(u64::from(e.uncompressed_size));
        if declared_total > limits.max_total_bytes {
            cut = i + 1;
            break;
        }
    }
    let jobs: Vec<(&RawEntry, &LocalSpan)> = raw.iter().zip(spans).take(cut).collect();
    let inflate = |d: &mut Inflate, (e, span): &(&RawEntry, &LocalSpan)| inflate_entry(bytes, e, span, limits, d);
    let results: Vec<Inflated> = if jobs.len() >= PARALLEL_ENTRIES {
        jobs.par_iter().map_init(raw_inflater, inflate).collect()
    } else {
        let mut d = raw_inflater();
        jobs.iter().map(|job| inflate(&mut d, job)).collect()
    };

    let mut out = Vec::with_capacity(results.len());
    let mut total: u64 = 0;
    let mut declared_total: u64 = 0;
    for ((e, _), result) in jobs.iter().zip(results) {
        let (data, compressed) = match result {
            Inflated::Skipped => continue,
            Inflated::TooLarge { declared } => {
                declared_total = declared_total.saturating_add(declared);
                let name = display_name(&e.name);
                p.limit(
                    format!(
                        "entry '{name}' declares {declared} bytes, more than the limit of {} bytes",
                        limits.max_entry_bytes
                    ),
                    Some(&name),
                );
                continue;
            }
            Inflated::Read {
                data,
                declared,
                compressed,
                problem,
            } => {
                declared_total = declared_total.saturating_add(declared);
                if declared_total > limits.max_total_bytes {
                    let name = display_name(&e.name);
                    p.limit(
                        format!(
                            "the entries declare more than the limit of {} bytes in total",
                            limits.max_total_bytes
                        ),
                        Some(&name),
                    );
                    break;
                }
                if let Some(problem) = problem {
                    p.invalid(problem, Some(&display_name(&e.name)));
                    continue;
                }
                (data, compressed)
            }
        };
        let actual = data.len() as u64;
        total = total.saturating_add(actual);
        if total > limits.max_total_bytes {
            let name = display_name(&e.name);
            p.limit(
                format!(
                    "the entries decompress to more than the limit of {} bytes in total",
                    limits.max_total_bytes
                ),
                Some(&name),
            );
            break;
        }
        if actual > limits.ratio_min_bytes && actual > compressed.saturating_mul(limits.max_ratio) {
            let name = display_name(&e.name);
            p.limit(
                format!(
                    "entry '{name}' expands {actual} bytes from {compressed}, more than {}:1",
                    limits.max_ratio
                ),
                Some(&name),
            );
            continue;
        }
        // Names passed `check_names` or the archive is rejected anyway: lossy is harmless.
        out.push((String::from_utf8_lossy(&e.name).into_owned(), data));
    }
    out
}

/// Stored (0) or deflate (8), unencrypted: the entries `check_metadata` lets through.
fn method_ok(e: &RawEntry) -> bool {
    e.flags & 0x2041 == 0 && (e.method == 0 || e.method == 8)
}

/// Read one entry's data from its located span: at most one byte past its declared size is
/// produced (an entry that inflates further lies about its size, which spec 20 §4 ranks before
/// the limits, and is caught after `declared + 1` bytes instead of after decompressing up to
/// the limit). The CRC-32 is computed here on the bytes themselves, the check `unzip -t` and
/// every other reader make. Messages name the entry only when there is a problem.
fn inflate_entry(bytes: &[u8], e: &RawEntry, span: &LocalSpan, limits: &ContainerLimits, d: &mut Inflate) -> Inflated {
    if !method_ok(e) {
        return Inflated::Skipped;
    }
    let declared = u64::from(e.uncompressed_size);
    let compressed = u64::from(e.compressed_size);
    if declared > limits.max_entry_bytes {
        return Inflated::TooLarge { declared };
    }
    let read = |problem: Option<String>, data: Vec<u8>| Inflated::Read {
        data,
        declared,
        compressed,
        problem,
    };
    let range = usize::try_from(span.data_start)
        .ok()
        .zip(usize::try_from(span.end).ok())
        .and_then(|(a, b)| bytes.get(a..b));
    let Some(input) = range else {
        // `check_local_header` located the data inside the archive; this cannot happen.
        return read(
            Some(format!(
                "entry '{}' has data outside the archive",
                display_name(&e.name)
            )),
            Vec::new(),
        );
    };
    // `declared` is within the entry limit, so this allocation is bounded by it.
    let want = usize::try_from(declared).unwrap_or(usize::MAX).saturating_add(1);
    let (data, stream_problem) = if e.method == 0 {
        (input.get(..want.min(input.len())).unwrap_or(input).to_vec(), None)
    } else {
        inflate_raw(input, want, d)
    };
    let name = || display_name(&e.name);
    let actual = data.len() as u64;
    let problem = if let Some(why) = stream_problem {
        Some(format!("entry '{}' does not decompress cleanly: {why}", name()))
    } else if actual > declared {
        Some(format!(
            "entry '{}' decompresses to more than the {declared} bytes it declares (reading stopped after {actual} bytes)",
            name()
        ))
    } else if actual < declared {
        Some(format!(
            "entry '{}' decompresses to {actual} bytes but declares {declared}",
            name()
        ))
    } else {
        let crc = crc32fast::hash(&data);
        (crc != e.crc32).then(|| {
            format!(
                "entry '{}' inflates to bytes whose CRC-32 ({crc:08x}) differs from the central directory's ({:08x})",
                name(),
                e.crc32
            )
        })
    };
    read(problem, data)
}

/// The smallest first output buffer of an inflate (the first is four times the compressed
/// size when that is more); it doubles as the output needs.
const INFLATE_FIRST_BUFFER: usize = 64 * 1024;

/// A decompressor for raw deflate streams (no zlib header) with the full 32 KiB window.
fn raw_inflater() -> Inflate {
    Inflate::new(false, 15)
}

/// Inflate a raw deflate stream into at most `want` bytes with a reused decompressor. The
/// stream must end exactly at the end of `input`: bytes after its end would be data no reader
/// looks at, hidden inside the entry. Returns what was produced and, for a stream that is
/// corrupt, truncated or followed by bytes, why.
///
/// The inflater is zlib-rs, a port of zlib: the library Python's zipfile and most unzip tools
/// inflate with, so a stream is judged as an auditor's extractor judges it. In a bundle of
/// many small entries, building each block's Huffman tables is most of the cost; zlib-rs
/// made `read_container` on the 10 000-entry benchmark bundle 43 → 33 ms on one thread.
fn inflate_raw(input: &[u8], want: usize, d: &mut Inflate) -> (Vec<u8>, Option<String>) {
    d.reset(false);
    // The buffer starts at a guess from the compressed size and doubles as the output needs,
    // up to `want` (bounded by the entry limit: the caller checked the declared size), so an
    // entry that declares more than it holds costs what it holds, not what it declares.
    let first = input.len().saturating_mul(4).max(INFLATE_FIRST_BUFFER);
    let mut out = vec![0u8; want.min(first)];
    loop {
        let (read, written) = (d.total_in(), d.total_out());
        let at_in = usize::try_from(read).unwrap_or(usize::MAX);
        let at_out = usize::try_from(written).unwrap_or(usize::MAX);
        if at_out >= out.len() && out.len() < want {
            out.resize(want.min(out.len().saturating_mul(2)), 0);
        }
        let rest = input.get(at_in..).unwrap_or_default();
        let space = out.get_mut(at_out..).unwrap_or_default();
        let status = d.decompress(rest, space, InflateFlush::Finish);
        let produced = usize::try_from(d.total_out()).unwrap_or(usize::MAX).min(want);
        let consumed = usize::try_from(d.total_in()).unwrap_or(usize::MAX);
        let progressed = d.total_in() != read || d.total_out() != written;
        match status {
            Err(e) => {
                out.truncate(produced);
                return (out, Some(format!("corrupt deflate stream ({})", e.as_str())));
            }
            Ok(Status::StreamEnd) => {
                out.truncate(produced);
                let trailing = input.len().saturating_sub(consumed);
                let problem = (trailing > 0).then(|| format!("{trailing} bytes follow the end of its deflate stream"));
                return (out, problem);
            }
            // The output is full: one byte past the declared size, or the entry ends here.
            Ok(_) if produced >= want => return (out, None),
            Ok(_) if !progressed => {
                out.truncate(produced);
                return (out, Some("the deflate stream ends before its last block".to_string()));
            }
            Ok(_) => {}
        }
    }
}
