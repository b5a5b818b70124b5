"""Evidence files on an S3-compatible store (django-storages), against a local S3 server
(moto's, on 127.0.0.1): stored once by their hash, read back byte for byte."""

import hashlib
import os
import socket

import boto3
import pytest
from django.test import override_settings

from evidence import storage

pytestmark = pytest.mark.django_db

CREDENTIALS = {"access_key": "evidence-test", "secret_key": "evidence-test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"  # never ask a metadata address
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
    ).create_bucket(Bucket="evidence")
    yield endpoint
    server.stop()


@pytest.fixture
def s3_evidence_storage(settings, s3_endpoint):
    stores = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "evidence",
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "file_overwrite": False,
                **CREDENTIALS,
            },
        },
    }
    with override_settings(STORAGES=stores):
        yield storage.evidence_storage()


def test_an_artifact_is_stored_once_by_its_hash_and_read_back(s3_evidence_storage):
    data = b"%PDF-1.7 evidence bytes"
    sha = hashlib.sha256(data).hexdigest()

    assert storage.put(data) == sha
    assert storage.put(data) == sha  # the same bytes again: still one object
    assert storage.get(sha) == data
    listed = s3_evidence_storage.listdir(f"evidence/{sha[:2]}")[1]
    assert listed == [sha]
    assert type(s3_evidence_storage).__name__ == "S3Storage"
