"""Verify an evidence package offline:  python -m evidence.verify_package package.zip

Needs only Python and `cryptography` (and `rfc3161-client`, if installed, to check the
timestamps' signatures against tsa-roots.pem); no Django, no database, no network. Checks:

* every file listed in SHA256SUMS has that SHA-256;
* each capture's manifest.sig is a valid Ed25519 signature of its manifest.json by the
  office's key (--public-key PEM to pin it; otherwise the package's public-key.pem, whose
  SHA-256 the signed manifest also names);
* each file a manifest names is present with the SHA-256 and size the manifest gives;
* each timestamp.tsr timestamps the SHA-256 of its manifest.json;
* each custody.json is an unbroken hash chain whose "taken" entry names the manifest.

Prints one line per problem, naming the file, and "OK" when there is none; exits 1 on any
problem. Kept to the standard library and `cryptography` on purpose: copy this one file and
evidence/canonical.py beside it to verify without the rest of the sources.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile

try:
    from evidence.canonical import GENESIS, custody_hash
except ImportError:  # copied beside canonical.py, outside the package
    from canonical import GENESIS, custody_hash  # type: ignore[no-redef]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verify_signature(public_pem: bytes, data: bytes, signature_b64: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(public_pem)
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _timestamp_problem(token: bytes, manifest: bytes, roots_pem: bytes | None) -> str:
    try:
        from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response
    except ImportError:
        return ""  # not installed: the token is listed in SHA256SUMS and kept as is
    try:
        decoded = decode_timestamp_response(token)
    except ValueError as exc:
        return f"unreadable ({exc})"
    if decoded.tst_info.message_imprint.message != hashlib.sha256(manifest).digest():
        return "timestamps other bytes than manifest.json"
    if roots_pem:
        from cryptography import x509

        builder = VerifierBuilder()
        for root in x509.load_pem_x509_certificates(roots_pem):
            builder = builder.add_root_certificate(root)
        try:
            builder.build().verify_message(decoded, manifest)
        except VerificationError as exc:
            return f"signature does not verify ({exc})"
    return ""


def _custody_problems(folder: str, log: list[dict], manifest_sha: str) -> list[str]:
    problems, prev = [], GENESIS
    name = f"{folder}/custody.json"
    for position, event in enumerate(log, start=1):
        payload = {key: event[key] for key in ("capture", "action", "user", "at", "details")}
        if event["prev_sha256"] != prev:
            problems.append(f"{name}: entry {position} does not follow the one before it")
        if custody_hash(event["prev_sha256"], payload) != event["sha256"]:
            problems.append(f"{name}: entry {position} does not match its hash")
        prev = event["sha256"]
    taken = [event for event in log if event["action"] == "taken"]
    if not taken or taken[0]["details"].get("manifest_sha256") != manifest_sha:
        problems.append(f"{name}: no 'taken' entry naming this manifest.json")
    return problems


def verify(path: str, public_key: bytes | None = None) -> list[str]:
    """Every problem of the package at `path` (empty: it verifies)."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for line in files.get("SHA256SUMS", b"").decode().splitlines():
        digest, _, name = line.partition("  ")
        if name not in files:
            problems.append(f"{name}: missing")
        elif _sha(files[name]) != digest:
            problems.append(f"{name}: SHA-256 does not match SHA256SUMS (altered)")
    if "SHA256SUMS" not in files:
        problems.append("SHA256SUMS: missing")
    key = public_key or files.get("public-key.pem")
    if key is None:
        return [*problems, "public-key.pem: missing (give --public-key)"]
    folders = sorted({name.split("/")[0] for name in files if name.startswith("capture-")})
    for folder in folders:
        manifest_bytes = files.get(f"{folder}/manifest.json")
        if manifest_bytes is None:
            problems.append(f"{folder}/manifest.json: missing")
            continue
        manifest_sha = _sha(manifest_bytes)
        if not _verify_signature(key, manifest_bytes, files.get(f"{folder}/manifest.sig", b"")):
            problems.append(f"{folder}/manifest.sig: does not verify manifest.json")
        try:
            manifest = json.loads(manifest_bytes)
        except ValueError:
            problems.append(f"{folder}/manifest.json: unreadable (altered)")
            continue
        if manifest.get("public_key_sha256") != _sha(key):
            problems.append(f"{folder}/manifest.json: signed by another key than the one given")
        try:
            log = json.loads(files[f"{folder}/custody.json"])
        except (KeyError, ValueError):
            problems.append(f"{folder}/custody.json: missing or unreadable")
            log = []
        pruned = {e["details"].get("sha256") for e in log if e.get("action") == "raw_pruned"}
        for kind, entry in manifest.get("artifacts", {}).items():
            name = f"{folder}/{entry['name']}"
            data = files.get(name)
            if data is None and kind == "wacz" and entry["sha256"] in pruned:
                continue  # removed after its retention period, as the custody log records
            if data is None:
                problems.append(f"{name}: missing")
            elif _sha(data) != entry["sha256"] or len(data) != entry["size"]:
                problems.append(f"{name}: not the file manifest.json names (altered)")
        token = files.get(f"{folder}/timestamp.tsr")
        if token is not None:
            problem = _timestamp_problem(token, manifest_bytes, files.get("tsa-roots.pem"))
            if problem:
                problems.append(f"{folder}/timestamp.tsr: {problem}")
        if log:
            problems.extend(_custody_problems(folder, log, manifest_sha))
    if not folders:
        problems.append("no capture-*/ folder in the package")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Verify a Kibernadzor evidence package.")
    parser.add_argument("package")
    parser.add_argument("--public-key", help="the office's public key (PEM) to pin")
    args = parser.parse_args(argv)
    key = open(args.public_key, "rb").read() if args.public_key else None  # noqa: SIM115
    problems = verify(args.package, key)
    for problem in problems:
        print(problem)
    if problems:
        print(f"FAILED: {len(problems)} problem(s)")
        return 1
    print("OK: every file, signature, timestamp and custody chain verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
