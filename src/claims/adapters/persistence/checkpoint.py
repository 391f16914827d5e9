"""Signed checkpoints: the chain's head ``(position, chain hash)`` signed with Ed25519 (``cryptography``).

A checkpoint is ``(position, chain hash, signed_at, key id, signature)``; the signature covers this
canonical encoding of the other four, big-endian, each field fixed-size or length-prefixed::

    b"claims-checkpoint-v1"         20 bytes, the format
    position                        8 bytes, unsigned
    chain hash                      32 bytes
    len(signed_at) ‖ signed_at      4 bytes, unsigned ‖ UTF-8 ISO 8601 (UTC, microseconds)
    len(key id) ‖ key id            4 bytes, unsigned ‖ UTF-8

The key id is the first 16 hex digits of SHA-256 over the raw 32-byte public key, so an auditor can
tell which public key a checkpoint needs. Auditors keep checkpoints (JSON) outside the system and
verify them with the public key before trusting their ``(position, chain hash)``.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from claims.adapters.persistence.chain import GENESIS
from claims.adapters.persistence.database import Database
from claims.adapters.persistence.verify import CHAIN, Checkpoint

FORMAT = b"claims-checkpoint-v1"
_HEAD = struct.Struct(">Q32s")
_LEN = struct.Struct(">I")


class CheckpointError(Exception):
    """A checkpoint that cannot be trusted (bad signature, other key, malformed) or cannot be signed."""


class NoSigningKey(CheckpointError):  # noqa: N818 - reads as the condition it reports
    """No checkpoint key is configured (CLAIMS_CHECKPOINT_KEY_FILE)."""


@dataclass(frozen=True)
class SignedCheckpoint:
    position: int
    chain_hash: bytes
    signed_at: datetime
    key_id: str
    signature: bytes

    @property
    def trusted(self) -> Checkpoint:
        """The ``(position, chain hash)`` to verify from (only after ``verify_checkpoint``)."""
        return Checkpoint(self.position, self.chain_hash)

    def to_json(self) -> str:
        return json.dumps(
            {
                "position": self.position,
                "chain_hash": self.chain_hash.hex(),
                "signed_at": _stamp(self.signed_at),
                "key_id": self.key_id,
                "signature": self.signature.hex(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> SignedCheckpoint:
        try:
            data: dict[str, Any] = json.loads(text)
            checkpoint = cls(
                int(data["position"]),
                bytes.fromhex(data["chain_hash"]),
                datetime.fromisoformat(data["signed_at"]),
                str(data["key_id"]),
                bytes.fromhex(data["signature"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise CheckpointError(f"not a checkpoint: {e}") from None
        if len(checkpoint.chain_hash) != 32 or checkpoint.position < 0:
            raise CheckpointError("not a checkpoint: the chain hash is 32 bytes, the position not negative")
        return checkpoint


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(position: int, chain_hash: bytes, signed_at: datetime, key_id: str) -> bytes:
    """The bytes a checkpoint's signature covers."""
    if len(chain_hash) != 32:
        raise ValueError("a chain hash is 32 bytes")
    stamp, key = _stamp(signed_at).encode(), key_id.encode()
    return b"".join((FORMAT, _HEAD.pack(position, chain_hash), _LEN.pack(len(stamp)), stamp, _LEN.pack(len(key)), key))


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_key_pair() -> tuple[bytes, bytes]:
    """A new (private key PEM, public key PEM)."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise CheckpointError(f"cannot read the checkpoint key {path}: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"the checkpoint key {path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as e:
        raise CheckpointError(f"cannot read the public key {path}: {e}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"the public key {path} is not an Ed25519 public key")
    return key


def sign_checkpoint(key: Ed25519PrivateKey, position: int, chain_hash: bytes, signed_at: datetime) -> SignedCheckpoint:
    key_id = key_id_of(key.public_key())
    signature = key.sign(canonical(position, chain_hash, signed_at, key_id))
    return SignedCheckpoint(position, chain_hash, signed_at, key_id, signature)


def verify_checkpoint(public_key: Ed25519PublicKey, checkpoint: SignedCheckpoint) -> None:
    """Raise ``CheckpointError`` unless ``checkpoint`` was signed by ``public_key``'s private key, as it is."""
    expected = key_id_of(public_key)
    if checkpoint.key_id != expected:
        raise CheckpointError(f"the checkpoint was signed by key {checkpoint.key_id}, not by this key ({expected})")
    try:
        message = canonical(checkpoint.position, checkpoint.chain_hash, checkpoint.signed_at, checkpoint.key_id)
        public_key.verify(checkpoint.signature, message)
    except (InvalidSignature, ValueError):
        raise CheckpointError("bad signature: the checkpoint is forged or was altered") from None


def sealed_head(database: Database) -> tuple[int, bytes]:
    """The chain's head: its tracking position and the hash sealed there (``GENESIS`` at 0)."""
    with database.read() as tx:
        rows = tx.rows("SELECT position FROM projection_tracking WHERE projection = :n", {"n": CHAIN})
        position = int(rows[0]["position"]) if rows else 0
        hashes = tx.rows("SELECT chain_hash FROM rm_chain WHERE position = :p", {"p": position})
    if position and not hashes:
        raise CheckpointError(f"the chain holds no hash at its head {position}")
    return position, bytes(hashes[0]["chain_hash"]) if hashes else GENESIS


class CheckpointSigner:
    """Signs the current sealed head with the configured key (``None``: no key, so nothing can be signed)."""

    def __init__(self, key: Ed25519PrivateKey | None) -> None:
        self._key = key

    @classmethod
    def from_file(cls, path: Path | None) -> CheckpointSigner:
        return cls(load_private_key(path) if path is not None else None)

    @property
    def configured(self) -> bool:
        return self._key is not None

    def sign_head(self, database: Database, signed_at: datetime) -> SignedCheckpoint:
        if self._key is None:
            raise NoSigningKey("no checkpoint key is configured: set CLAIMS_CHECKPOINT_KEY_FILE to an Ed25519 PEM key")
        position, chain_hash = sealed_head(database)
        return sign_checkpoint(self._key, position, chain_hash, signed_at)
