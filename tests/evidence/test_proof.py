"""Proof: a capture's manifest is timestamped by an RFC 3161 authority when one is set;
`verify_evidence` recomputes every hash, signature and custody link and names what does not
verify; an evidence package verifies offline, and a tampered byte fails with the file named."""

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from evidence import services, storage
from evidence.choices import ArtifactKind, CaptureReason, CustodyAction
from evidence.models import artifact_storage_name
from evidence.package import link_package
from evidence.timestamping import verify_timestamp
from evidence.verify_package import verify as verify_package
from tests.checks.sites import register
from tests.evidence.tsa import LocalTSA

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tsa(settings, tmp_path):
    authority = LocalTSA(tmp_path / "tsa")
    authority.thread.start()
    settings.EVIDENCE_TSA_URL = authority.url
    settings.EVIDENCE_TSA_ROOTS = str(tmp_path / "tsa" / "ca.crt")
    yield authority
    authority.shutdown()
    authority.server_close()


@pytest.fixture
def taken(site, evidence_page, officer):
    link = register(officer, evidence_page)[0]
    (capture,) = services.request_captures([link.pk], CaptureReason.FIRST_CHECK)
    return services.take_capture(capture.pk)


@pytest.fixture
def tsa_folder(tmp_path):
    (tmp_path / "tsa").mkdir()
    return tmp_path / "tsa"


def test_the_manifest_is_timestamped_by_the_local_authority(tsa_folder, tsa, taken):
    assert tsa.requests == 1
    manifest = storage.get(taken.manifest_sha256)
    assert verify_timestamp(bytes(taken.timestamp_token), manifest, [tsa.root]) == ""
    assert verify_timestamp(bytes(taken.timestamp_token), manifest + b" ", [tsa.root]) != ""
    call_command("verify_evidence", link=taken.link_id)


def test_verify_evidence_names_an_altered_file(taken, evidence_files, capsys):
    call_command("verify_evidence")
    screenshot = taken.artifacts.get(kind=ArtifactKind.SCREENSHOT)
    path = evidence_files / artifact_storage_name(screenshot.sha256)
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(CommandError):
        call_command("verify_evidence", link=taken.link_id)

    assert f"capture {taken.pk}: screenshot.png does not match its SHA-256" in (
        capsys.readouterr().err
    )


def test_verify_evidence_names_a_custody_entry_altered_in_the_database(taken, capsys):
    with connection.cursor() as cursor:  # a superuser bypasses the triggers, as an intruder would
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE evidence_custodyevent SET details = '{}' WHERE capture_id = %s", [taken.pk]
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")

    with pytest.raises(CommandError):
        call_command("verify_evidence")

    assert "hash does not match its content" in capsys.readouterr().err


def test_a_package_verifies_offline_and_records_the_export(
    tsa_folder, tsa, taken, officer, tmp_path
):
    package = tmp_path / "package.zip"
    package.write_bytes(link_package(taken.link, user=officer))

    names = set(zipfile.ZipFile(package).namelist())
    folder = f"capture-{taken.pk}"
    assert {
        f"{folder}/{name}"
        for name in (
            "capture.wacz", "screenshot.png", "page.pdf", "text.txt", "manifest.json",
            "manifest.sig", "timestamp.tsr", "custody.json",
        )
    } <= names  # fmt: skip
    assert {"statement.txt", "public-key.pem", "tsa-roots.pem", "SHA256SUMS"} <= names
    statement = zipfile.ZipFile(package).read("statement.txt").decode()
    assert "Справка о сохранённых доказательствах" in statement
    assert taken.manifest_sha256 in statement
    assert [e.action for e in taken.custody.all()] == [CustodyAction.TAKEN, CustodyAction.EXPORTED]

    # The documented command, in a process of its own, without Django settings.
    outcome = subprocess.run(
        [sys.executable, "-m", "evidence.verify_package", str(package)],
        capture_output=True, text=True, cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, timeout=60,
    )  # fmt: skip
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert outcome.stdout.startswith("OK")


def test_a_tampered_byte_fails_the_package_with_the_file_named(taken, officer, tmp_path):
    original = link_package(taken.link, user=officer)
    folder = f"capture-{taken.pk}"
    for name in ("screenshot.png", "text.txt", "manifest.json"):
        tampered = io.BytesIO()
        with (
            zipfile.ZipFile(io.BytesIO(original)) as source,
            zipfile.ZipFile(tampered, "w") as target,
        ):
            for item in source.namelist():
                data = source.read(item)
                if item == f"{folder}/{name}":
                    data = data[:-1] + bytes([data[-1] ^ 0x01])
                target.writestr(item, data)
        path = tmp_path / f"tampered-{name}.zip"
        path.write_bytes(tampered.getvalue())

        problems = verify_package(str(path))

        assert any(problem.startswith(f"{folder}/{name}:") for problem in problems), problems
    untouched = tmp_path / "original.zip"
    untouched.write_bytes(original)
    assert verify_package(str(untouched)) == []


def test_an_orders_package_holds_the_captures_of_its_links(taken, prosecutor, tmp_path):
    from evidence.package import order_package
    from orders import services as order_services
    from orders.choices import RecipientKind
    from orders.models import Recipient
    from registry.choices import LinkState

    type(taken.link).objects.filter(pk=taken.link_id).update(state=LinkState.CONFIRMED)
    ministry = Recipient.objects.create(
        name_ru="Министерство", kind=RecipientKind.MINISTRY, deadline_hours=24
    )
    order = order_services.create_order(
        prosecutor, recipient=ministry, links=[taken.link_id], law_article="ст. 41-1"
    )
    path = tmp_path / "order.zip"
    path.write_bytes(order_package(order, user=prosecutor))

    assert f"capture-{taken.pk}/manifest.json" in zipfile.ZipFile(path).namelist()
    assert verify_package(str(path)) == []
    exported = taken.custody.get(action=CustodyAction.EXPORTED)
    assert (exported.user, exported.details) == (prosecutor, {"order": order.pk})


def test_raw_archives_past_their_retention_are_removed_and_said_so(
    taken, officer, settings, evidence_files, tmp_path
):
    from datetime import timedelta

    from django.utils import timezone

    from evidence.retention import prune_raw_archives

    settings.EVIDENCE_RAW_RETENTION_DAYS = 30
    wacz = taken.artifacts.get(kind=ArtifactKind.WACZ)
    assert prune_raw_archives(now=timezone.now() + timedelta(days=29)) == 0

    assert prune_raw_archives(now=timezone.now() + timedelta(days=31)) == 1

    assert not (evidence_files / artifact_storage_name(wacz.sha256)).exists()
    screenshot = taken.artifacts.get(kind=ArtifactKind.SCREENSHOT)
    assert (evidence_files / artifact_storage_name(screenshot.sha256)).exists()
    assert taken.custody.filter(action=CustodyAction.RAW_PRUNED).count() == 1
    call_command("verify_evidence")  # a pruned archive is not a problem: custody records it
    package = tmp_path / "after-retention.zip"
    package.write_bytes(link_package(taken.link, user=officer))
    assert verify_package(str(package)) == []
    assert prune_raw_archives(now=timezone.now() + timedelta(days=62)) == 0
