"""Re-checking stored evidence (`manage.py verify_evidence`): every hash, signature, timestamp
and custody link of a capture is recomputed from what is stored, and each problem is named
(which capture, which file or event, what does not match)."""

from evidence import storage
from evidence.canonical import canonical_json, sha256_hex
from evidence.choices import CaptureState
from evidence.custody import chain_problems
from evidence.models import Capture, CustodyEvent
from orders import signing


def capture_problems(capture: Capture, tsa_roots=()) -> list[str]:
    """What does not verify in this capture (empty: everything does)."""
    label = f"capture {capture.pk}"
    events = list(CustodyEvent.objects.filter(capture=capture.pk).order_by("at", "id"))
    problems = [f"{label}: {problem}" for problem in chain_problems(events)]
    if capture.state != CaptureState.DONE:
        return problems
    try:
        manifest_bytes = storage.get(capture.manifest_sha256)
    except FileNotFoundError:
        return [*problems, f"{label}: manifest.json is missing from the storage"]
    if sha256_hex(manifest_bytes) != capture.manifest_sha256:
        problems.append(f"{label}: manifest.json does not match its SHA-256")
    if canonical_json(capture.manifest) != manifest_bytes:
        problems.append(f"{label}: the manifest in the database differs from manifest.json")
    if not signing.verify(manifest_bytes, capture.signature):
        problems.append(f"{label}: the signature of manifest.json does not verify")
    if capture.timestamp_token is not None:
        from evidence.timestamping import verify_timestamp

        problem = verify_timestamp(bytes(capture.timestamp_token), manifest_bytes, list(tsa_roots))
        if problem:
            problems.append(f"{label}: {problem}")
    named = (capture.manifest or {}).get("artifacts", {})
    pruned = {event.details.get("sha256") for event in events if event.action == "raw_pruned"}
    for artifact in capture.artifacts.all():
        name = named.get(artifact.kind, {}).get("name", f"{artifact.kind} file")
        if artifact.kind != "manifest" and named.get(artifact.kind, {}).get("sha256") != (
            artifact.sha256
        ):
            problems.append(f"{label}: {name} is not the file the manifest names")
        try:
            data = storage.get(artifact.sha256)
        except FileNotFoundError:
            if artifact.kind != "wacz" or artifact.sha256 not in pruned:
                problems.append(f"{label}: {name} is missing from the storage")
            continue
        if sha256_hex(data) != artifact.sha256 or len(data) != artifact.size:
            problems.append(f"{label}: {name} does not match its SHA-256 (altered)")
    taken = next((event for event in events if event.action == "taken"), None)
    if taken is None:
        problems.append(f"{label}: its custody log has no 'taken' entry")
    elif taken.details.get("manifest_sha256") != capture.manifest_sha256:
        problems.append(f"{label}: custody 'taken' names another manifest")
    return problems


def verify_captures(captures, tsa_roots=()) -> tuple[int, list[str]]:
    """(captures checked, problems) over `captures`."""
    checked, problems = 0, []
    for capture in captures.order_by("pk").iterator(chunk_size=200):
        checked += 1
        problems.extend(capture_problems(capture, tsa_roots))
    return checked, problems
