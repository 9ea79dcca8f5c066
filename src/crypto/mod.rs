//! Cryptographic primitives, all strict: canonical base64url, did:key (Ed25519 only),
//! Ed25519 verification that refuses small-order keys and R values (single and batched),
//! and SHA-256 helpers.

pub mod b64;
pub mod batch;
pub mod batch_equation;
pub mod did;
pub mod ed25519;
pub mod hash;
pub mod subgroup;

pub use b64::{b64u_decode, b64u_encode, B64Error};
pub use batch::{JobRef, SignatureBatch, SignatureJob};
pub use did::{did_key_from_public, parse_did_key, DidKeyError};
pub use ed25519::{verify_strict, PublicKey, SigError};
pub use hash::{sha256, sha256_b64u, sha256_b64u_concat};
