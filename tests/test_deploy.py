"""The production configuration in deploy/ is what nginx accepts (gunicorn's is exercised by
tests/test_slow_clients.py and tests/test_database_outage.py)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.outages import NGINX

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


@pytest.mark.skipif(NGINX is None or shutil.which("openssl") is None, reason="needs nginx")
def test_the_production_nginx_configuration_is_valid(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=kibernadzor.example.kz",
         "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "kibernadzor.conf").read_text()
    for installed, here in [
        ("/etc/nginx/kibernadzor-proxy.conf", DEPLOY / "nginx" / "proxy.conf"),
        ("/etc/nginx/kibernadzor-errors.conf", DEPLOY / "nginx" / "errors.conf"),
        ("/etc/ssl/kibernadzor/", f"{tmp_path}/"),
    ]:
        assert installed in site
        site = site.replace(installed, str(here))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n    include {tmp_path}/site.conf;\n}}\n"
    )

    result = subprocess.run(
        [NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
