"""Signed checkpoints: Ed25519 over (position, chain hash, signed_at, key id); anything altered is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from claims.adapters.persistence.checkpoint import (
    CheckpointError,
    SignedCheckpoint,
    sign_checkpoint,
    verify_checkpoint,
)

KEY = Ed25519PrivateKey.generate()
AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HASH = bytes(range(32))


def test_a_signed_checkpoint_verifies_and_survives_its_json_form() -> None:
    signed = sign_checkpoint(KEY, 42, HASH, AT)
    verify_checkpoint(KEY.public_key(), signed)
    again = SignedCheckpoint.from_json(signed.to_json())
    assert again == signed
    verify_checkpoint(KEY.public_key(), again)
    assert (again.trusted.position, again.trusted.chain_hash) == (42, HASH)


@pytest.mark.parametrize(
    "forge",
    [
        lambda c: replace(c, signature=bytes(64)),
        lambda c: replace(c, signature=bytes([c.signature[0] ^ 1]) + c.signature[1:]),
        lambda c: replace(c, chain_hash=bytes(32)),
        lambda c: replace(c, position=c.position + 1),
        lambda c: replace(c, signed_at=AT.replace(hour=13)),
    ],
    ids=["zero-signature", "flipped-signature-bit", "forged-hash", "changed-position", "changed-time"],
)
def test_an_altered_checkpoint_is_refused(forge: object) -> None:
    signed = sign_checkpoint(KEY, 42, HASH, AT)
    with pytest.raises(CheckpointError, match="bad signature"):
        verify_checkpoint(KEY.public_key(), forge(signed))  # type: ignore[operator]


def test_a_checkpoint_signed_by_another_key_is_refused() -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(CheckpointError, match="signed by key"):
        verify_checkpoint(KEY.public_key(), sign_checkpoint(other, 42, HASH, AT))
    forged = replace(sign_checkpoint(other, 42, HASH, AT), key_id=SignedCheckpoint.from_json(
        sign_checkpoint(KEY, 1, HASH, AT).to_json()).key_id)  # fmt: skip
    with pytest.raises(CheckpointError, match="bad signature"):
        verify_checkpoint(KEY.public_key(), forged)


def test_malformed_json_is_not_a_checkpoint() -> None:
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        SignedCheckpoint.from_json('{"position": 1}')
