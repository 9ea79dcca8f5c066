//! The RFC 6962 / RFC 9162 §2.1 Merkle tree over manifest entries.
//!
//! Leaves are hashed here with the 0x00 prefix; `rs_merkle` builds the tree with a hasher
//! that applies the 0x01 prefix to every interior node. rs_merkle promotes an unpaired node
//! unchanged, which yields the RFC 6962 tree (split at the largest power of two below n);
//! tests check that against an independent recursive definition. Inclusion proofs are
//! verified with the RFC 9162 §2.1.3.2 algorithm written out below, not with rs_merkle.

use rs_merkle::{Hasher, MerkleTree};
use sha2::{Digest, Sha256};

use crate::json::{jcs, Value};

pub type Hash = [u8; 32];

/// The algorithm name carried in a checkpoint.
pub const ALGORITHM: &str = "rfc6962-sha256";

/// `rs_merkle` hasher for interior nodes: SHA-256(0x01 ‖ left ‖ right).
#[derive(Clone, Copy, Debug)]
pub struct NodeHasher;

impl Hasher for NodeHasher {
    type Hash = Hash;

    /// Called by `rs_merkle` only on the concatenation of two children.
    fn hash(data: &[u8]) -> Hash {
        let mut h = Sha256::new();
        h.update([0x01]);
        h.update(data);
        h.finalize().into()
    }

    fn concat_and_hash(left: &Hash, right: Option<&Hash>) -> Hash {
        match right {
            Some(r) => node_hash(left, r),
            // An unpaired node moves up unchanged (never duplicated).
            None => *left,
        }
    }
}

/// SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The leaf hash of one manifest entry: SHA-256(0x00 ‖ UTF-8(JCS(entry))).
pub fn entry_leaf(entry: &Value) -> Hash {
    leaf_hash(jcs::to_string(entry).as_bytes())
}

/// The root over leaf hashes; `None` for an empty tree (a manifest has at least one entry).
pub fn root(leaves: &[Hash]) -> Option<Hash> {
    MerkleTree::<NodeHasher>::from_leaves(leaves).root()
}

/// The audit path (RFC 9162 order: leaf to root) for `index`, or `None` when out of range.
pub fn audit_path(leaves: &[Hash], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let tree = MerkleTree::<NodeHasher>::from_leaves(leaves);
    Some(tree.proof(&[index]).proof_hashes().to_vec())
}

/// RFC 9162 §2.1.3.2: verify that `leaf` is at `index` in a tree of `size` leaves with `root`.
/// A path of the wrong length fails.
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let mut fn_ = index;
    let mut sn = size - 1;
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RFC 6962 §2.1 MTH, written recursively and independently of rs_merkle.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = largest_power_of_two_below(n);
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    fn largest_power_of_two_below(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// RFC 6962 §2.1.1 PATH, recursive.
    fn reference_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = largest_power_of_two_below(n);
        if m < k {
            let mut p = reference_path(m, &leaves[..k]);
            p.push(reference_root(&leaves[k..]));
            p
        } else {
            let mut p = reference_path(m - k, &leaves[k..]);
            p.push(reference_root(&leaves[..k]));
            p
        }
    }

    fn hex(h: &Hash) -> String {
        h.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn synthetic_leaves(n: usize) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(format!("leaf {i}").as_bytes())).collect()
    }

    #[test]
    fn rfc6962_reference_roots() {
        let inputs: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
            ],
        ];
        // From spec 20 §3 (RFC 6962 test data).
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves: Vec<Hash> = inputs.iter().map(|i| leaf_hash(i)).collect();
        for n in 1..=8 {
            assert_eq!(hex(&root(&leaves[..n]).unwrap()), expected[n - 1], "n = {n}");
            assert_eq!(hex(&reference_root(&leaves[..n])), expected[n - 1], "reference n = {n}");
        }
    }

    #[test]
    fn rs_merkle_matches_rfc6962_for_1_to_300_leaves() {
        let all = synthetic_leaves(300);
        for n in 1..=300 {
            let leaves = &all[..n];
            let r = root(leaves).unwrap();
            assert_eq!(r, reference_root(leaves), "root, n = {n}");
            // Every leaf for small trees; for larger ones the edges and a stride (debug
            // builds make the quadratic full check slow).
            let picks: Vec<usize> = if n <= 40 {
                (0..n).collect()
            } else {
                (0..n)
                    .filter(|m| m % 17 == 0 || *m + 2 >= n || m.is_power_of_two())
                    .collect()
            };
            for m in picks {
                let path = audit_path(leaves, m).unwrap();
                assert_eq!(path, reference_path(m, leaves), "path, n = {n}, m = {m}");
                assert!(verify_inclusion(&leaves[m], m as u64, n as u64, &path, &r));
            }
        }
    }

    #[test]
    fn one_leaf_tree_has_empty_path() {
        let leaves = synthetic_leaves(1);
        let r = root(&leaves).unwrap();
        assert_eq!(r, leaves[0]);
        assert!(audit_path(&leaves, 0).unwrap().is_empty());
        assert!(verify_inclusion(&leaves[0], 0, 1, &[], &r));
        assert!(!verify_inclusion(&leaves[0], 1, 1, &[], &r));
        assert!(!verify_inclusion(&leaves[0], 0, 1, &[leaves[0]], &r));
        assert!(audit_path(&leaves, 1).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn proofs_verify_and_forgeries_fail(n in 1usize..=300, pick in 0usize..300, byte in 0usize..32) {
            let leaves = synthetic_leaves(n);
            let r = root(&leaves).unwrap();
            let m = pick % n;
            let path = audit_path(&leaves, m).unwrap();
            let (mi, ni) = (m as u64, n as u64);
            prop_assert!(verify_inclusion(&leaves[m], mi, ni, &path, &r));
            // Wrong index: another index in range, and one out of range.
            if n > 1 {
                let other = (m + 1) % n;
                prop_assert!(!verify_inclusion(&leaves[m], other as u64, ni, &path, &r));
            }
            prop_assert!(!verify_inclusion(&leaves[m], ni, ni, &path, &r));
            // Wrong size: the checkpoint signs size and root together, so a proof made for n
            // must fail against the signed root of any other size.
            let more = synthetic_leaves(n + 1);
            prop_assert!(!verify_inclusion(&leaves[m], mi, ni + 1, &path, &root(&more).unwrap()));
            if m < n - 1 {
                let fewer = root(&leaves[..n - 1]).unwrap();
                prop_assert!(!verify_inclusion(&leaves[m], mi, ni - 1, &path, &fewer));
            }
            // A flipped byte anywhere in the path.
            if !path.is_empty() {
                let mut bad = path.clone();
                let at = byte % bad.len();
                bad[at][byte] ^= 0x01;
                prop_assert!(!verify_inclusion(&leaves[m], mi, ni, &bad, &r));
            }
            // An internal node presented as a leaf: its preimage (left ‖ right) offered as
            // the entry bytes, at the parent's position one level up, with the rest of the path.
            let k = m & !1;
            if k + 1 < n {
                let mut preimage = leaves[k].to_vec();
                preimage.extend_from_slice(&leaves[k + 1]);
                let forged = leaf_hash(&preimage);
                let upper = audit_path(&leaves, k).unwrap();
                let rest = &upper[1..];
                prop_assert!(!verify_inclusion(&forged, (k / 2) as u64, ni, rest, &r));
                prop_assert!(!verify_inclusion(&forged, (k / 2) as u64, ni.div_ceil(2), rest, &r));
                // The bare node hash at that position does reproduce the root (for a full
                // tree): that is exactly why the verifier hashes the leaf itself.
                if n.is_power_of_two() {
                    let parent = node_hash(&leaves[k], &leaves[k + 1]);
                    prop_assert!(verify_inclusion(&parent, (k / 2) as u64, ni / 2, rest, &r));
                }
            }
        }
    }
}
