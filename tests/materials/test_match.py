"""«Is this file banned?»: an upload is fingerprinted and matched with known copies."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image, ImageDraw

from accounts.choices import Role
from materials import selectors, services
from materials.choices import MatchMethod, MaterialStatus
from materials.models import Material, MaterialFingerprint
from tests.materials.factories import MaterialFactory
from utilities import fingerprints

TEXT = ("Текст запрещённой брошюры о вымышленном движении, повторённый для объёма. " * 40).encode()


def picture(shift: int = 0, fmt: str = "PNG") -> bytes:
    """A structured image; `shift` changes a few pixels, as a re-encoded copy would."""
    image = Image.new("RGB", (256, 256), "white")
    draw = ImageDraw.Draw(image)
    for i in range(0, 256, 32):
        draw.rectangle([i, i // 2, i + 20, i // 2 + 90], fill=(i, 255 - i, (i * 3) % 255))
        draw.ellipse([200 - i // 2, i, 250 - i // 2, i + 40], fill=(20, i, 200))
    draw.line([0, 255 - shift, 255, shift], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": 80} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def upload(data: bytes, name: str, content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def officer_api(make_user, api_client):
    api_client.force_authenticate(make_user(Role.OFFICER))
    return api_client


def test_identical_file_matches_by_hash_with_its_decision(db, officer_api):
    material = MaterialFactory(number=42)
    services.attach_copy(material, upload(TEXT, "brochure.txt"))
    response = officer_api.post(
        "/api/v1/materials/match/", {"file": upload(TEXT, "copy.txt")}, format="multipart"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["matched"] is True
    [match] = body["matches"]
    assert match["method"] == "sha256" and match["distance"] == 0
    assert match["material"]["number"] == 42
    assert match["material"]["decision"]["court"] == material.decision.court


def test_same_text_in_another_file_matches_by_text(db, officer_api):
    material = MaterialFactory()
    services.attach_copy(material, upload(TEXT, "brochure.txt"))
    html = b"<html><body><p>" + TEXT + b"</p></body></html>"
    response = officer_api.post(
        "/api/v1/materials/match/", {"file": upload(html, "page.html", "text/html")},
        format="multipart",
    )  # fmt: skip
    assert [m["method"] for m in response.json()["matches"]] in (["text"], ["tlsh"])


def test_re_encoded_image_matches_by_perceptual_fingerprint(db, officer_api):
    material = MaterialFactory(kind="image")
    record = services.attach_copy(material, upload(picture(), "poster.png"))
    assert record.kind == "image" and record.pdq
    copy = picture(shift=6, fmt="JPEG")
    response = officer_api.post(
        "/api/v1/materials/match/", {"file": upload(copy, "copy.jpg")}, format="multipart"
    )
    [match] = response.json()["matches"]
    assert match["method"] == "pdq"
    assert 0 < match["distance"] <= 31
    assert match["material"]["id"] == material.pk


def test_unknown_file_is_no_match_and_is_not_kept(db, officer_api):
    MaterialFactory()
    response = officer_api.post(
        "/api/v1/materials/match/", {"file": upload(b"nothing to see" * 20, "x.bin")},
        format="multipart",
    )  # fmt: skip
    assert response.json()["matched"] is False
    assert response.json()["matches"] == []
    assert not MaterialFingerprint.objects.exists()


@override_settings(KBZ_MATCH_MAX_BYTES=1024)
def test_file_past_the_cap_gets_a_clear_error(db, officer_api):
    response = officer_api.post(
        "/api/v1/materials/match/", {"file": upload(b"x" * 2048, "big.bin")}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert response.json()["field"] == "file"


def test_prosecutor_attaches_a_copy_and_keeps_the_file_only_if_asked(
    db, make_user, api_client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    material = MaterialFactory()
    api_client.force_authenticate(make_user(Role.PROSECUTOR, kind="prosecutor"))
    url = f"/api/v1/materials/{material.pk}/copies/"
    response = api_client.post(url, {"file": upload(TEXT, "a.txt")}, format="multipart")
    assert response.status_code == 201, response.content
    assert not MaterialFingerprint.objects.get().file
    response = api_client.post(
        url, {"file": upload(picture(), "b.png"), "keep_file": True}, format="multipart"
    )
    assert response.status_code == 201
    kept = MaterialFingerprint.objects.get(kind="image")
    assert kept.file and kept.file.read() == picture()


# One matcher for the checker (the system) and «is this file banned?» (a user): the two used to
# disagree on MD5, on excluded materials and on whose materials count.
def test_excluded_material_is_not_reported_as_banned(db, officer_api):
    material = MaterialFactory()
    services.attach_copy(material, upload(TEXT, "brochure.txt"))
    Material.objects.filter(pk=material.pk).update(
        status=MaterialStatus.EXCLUDED, excluded_on=dt.date(2024, 1, 1)
    )
    response = officer_api.post(
        "/api/v1/materials/match/", {"file": upload(TEXT, "copy.txt")}, format="multipart"
    )
    assert response.json()["matched"] is False


def test_copy_known_only_by_md5_matches_for_the_checker_and_for_a_user(db, make_user):
    material = MaterialFactory()
    fp = fingerprints.text_fingerprints("a text known to the register only by its MD5 " * 20)
    MaterialFingerprint.objects.create(material=material, kind="other", sha256="0" * 64, md5=fp.md5)

    for user in (None, make_user(Role.OFFICER)):
        [match] = selectors.match_fingerprints({"page": fp}, user=user)["page"]
        assert match.material == material and match.method == MatchMethod.MD5


def test_the_checker_sees_every_material_a_user_only_those_they_may_view(db, make_user):
    material = MaterialFactory()
    fp = fingerprints.text_fingerprints(TEXT.decode())
    MaterialFingerprint.objects.create(
        material=material, kind="text", sha256=fp.sha256, md5=fp.md5, text_sha256=fp.text_sha256
    )
    nobody = make_user()  # no role: may not read the register

    assert [m.material for m in selectors.match_fingerprints({1: fp}, user=None)[1]] == [material]
    assert selectors.match_fingerprints({1: fp}, user=nobody) == {1: []}


def test_the_best_match_of_a_material_is_listed_once_for_each_content(db):
    image, text = MaterialFactory(kind="image"), MaterialFactory()
    services.attach_copy(image, upload(picture(), "poster.png"))
    services.attach_copy(text, upload(TEXT, "brochure.txt"))
    services.attach_copy(text, upload(TEXT + b" ", "brochure-2.txt"))  # same normalised text
    poster = fingerprints.file_fingerprints(picture(), content_type="image/png")
    brochure = fingerprints.file_fingerprints(TEXT, content_type="text/plain")

    found = selectors.match_fingerprints({"p": poster, "b": brochure}, user=None)

    assert [(m.material, m.method) for m in found["p"]] == [(image, MatchMethod.SHA256)]
    assert [(m.material, m.method) for m in found["b"]] == [(text, MatchMethod.SHA256)]
