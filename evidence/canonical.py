"""Canonical bytes and hashes of evidence records: pure Python, no Django.

The manifest and every custody event are hashed and signed as *canonical JSON*: keys sorted,
no insignificant whitespace, UTF-8, no floats. The same function runs in the office
(evidence.manifest, evidence.custody) and offline (evidence.verify_package), so a recipient
recomputes exactly the bytes that were signed.
"""

import hashlib
import json

GENESIS = "0" * 64  # the prev_sha256 of the first custody event of a capture


def canonical_json(value) -> bytes:
    """`value` as canonical JSON bytes (sorted keys, compact, UTF-8)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def custody_hash(prev_sha256: str, event: dict) -> str:
    """The hash of a custody event: SHA-256 over the previous event's hash (hex, ASCII) and the
    canonical JSON of the event (capture, action, user, at, details)."""
    return sha256_hex(prev_sha256.encode("ascii") + canonical_json(event))
