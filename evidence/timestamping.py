"""RFC 3161 trusted timestamps of manifests (rfc3161-client), when EVIDENCE_TSA_URL is set.

The request carries the SHA-256 of the manifest bytes and a nonce; the authority's answer
(the DER TimeStampResp, which holds the signed token) is kept whole on the capture. The
authority is a configured, trusted address (like the mail server), so it is reached directly,
not through the checker's guard for untrusted pages.
"""

import hashlib
from pathlib import Path

import httpx
from cryptography import x509
from django.conf import settings
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)


class TimestampFailed(Exception):
    pass


def request_timestamp(data: bytes) -> bytes:
    """The TSA's DER response for `data`; raises TimestampFailed."""
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    try:
        response = httpx.post(
            settings.EVIDENCE_TSA_URL,
            content=request.as_bytes(),
            headers={"Content-Type": "application/timestamp-query"},
            timeout=settings.EVIDENCE_TSA_TIMEOUT,
        )
        response.raise_for_status()
        decoded = decode_timestamp_response(response.content)
    except (httpx.HTTPError, ValueError) as exc:
        raise TimestampFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
    if decoded.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampFailed(f"the TSA refused: status {decoded.status}")
    if decoded.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        raise TimestampFailed("the TSA timestamped other bytes")
    if decoded.tst_info.nonce != request.nonce:
        raise TimestampFailed("the TSA's answer carries another nonce")
    return response.content


def trusted_roots() -> list[x509.Certificate]:
    path = settings.EVIDENCE_TSA_ROOTS
    return x509.load_pem_x509_certificates(Path(path).read_bytes()) if path else []


def verify_timestamp(token: bytes, data: bytes, roots: list[x509.Certificate]) -> str:
    """Problems with `token` as a timestamp of `data` ("" when it verifies). Without trusted
    roots only the imprint is checked (and said so)."""
    try:
        decoded = decode_timestamp_response(bytes(token))
    except ValueError as exc:
        return f"unreadable timestamp token ({exc})"
    if decoded.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        return "timestamp token is for other bytes"
    if not roots:
        return ""
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        builder.build().verify_message(decoded, data)
    except VerificationError as exc:
        return f"timestamp signature does not verify ({exc})"
    return ""


def timestamp_time(token: bytes):
    return decode_timestamp_response(bytes(token)).tst_info.gen_time
