"""Email is configured through Django 6.1's MAILERS, from the environment."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.conf import settings as s; print(s.MAILERS['default']); "
    "print(s.DEFAULT_FROM_EMAIL)"
)


def mail_settings(**variables) -> tuple[int, str, str]:
    drop = {"EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "DEFAULT_FROM_EMAIL"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(SECRET_KEY="k" * 50, DEBUG="0", **variables)
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "manage.py", "shell", "-c", SHOW],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return result.returncode, result.stdout, result.stderr


def test_smtp_mailer_comes_from_the_environment():
    code, out, err = mail_settings(
        EMAIL_HOST="smtp.example.kz",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
        EMAIL_HOST_USER="kbz",
        DEFAULT_FROM_EMAIL="noreply@example.kz",
    )
    assert code == 0, err
    assert "django.core.mail.backends.smtp.EmailBackend" in out
    assert "'host': 'smtp.example.kz'" in out and "'port': 587" in out
    assert "'use_tls': True" in out and "'username': 'kbz'" in out
    assert out.splitlines()[-1] == "noreply@example.kz"


def test_tls_and_ssl_together_stop_start_up_naming_the_variable():
    code, _out, err = mail_settings(EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert code != 0
    assert err.strip().splitlines()[-1].startswith("Kibernadzor configuration error: EMAIL_USE_TLS")
