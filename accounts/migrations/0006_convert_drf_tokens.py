"""Turn the old DRF tokens (clear-text 40-hex keys) into knox digests, then erase the keys.

knox finds a token by the first 15 characters of its key and checks the SHA-512 digest of the
whole key; neither depends on the key's length or alphabet, so an old key's digest verifies the
same old key: integrations keep working without a new key. Each converted token keeps its user,
its scope (accounts.ApiTokenScope) and its creation date, is named "legacy token" and expires
API_TOKEN_TTL_DAYS after the upgrade. Then the clear-text rows are deleted (the tables go in
authtoken.0005). Idempotent; reversing it cannot bring back keys that are no longer stored, so it
only undoes nothing (old keys keep working as knox tokens until they expire or are revoked).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

LEGACY_NAME = "legacy token"
# knox 5.1 as this migration was written (literals: a migration never calls into live code):
# the digest is the SHA-512 of the key's UTF-8 bytes, the lookup key its first 15 characters.
TOKEN_KEY_LENGTH = 15


def digest_of(key: str) -> str:
    return hashlib.sha512(key.encode("utf-8")).hexdigest()


def convert_drf_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiTokenScope = apps.get_model("accounts", "ApiTokenScope")
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiTokenEvent = apps.get_model("accounts", "ApiTokenEvent")
    scopes = dict(ApiTokenScope.objects.values_list("token_id", "scope"))
    expiry = timezone.now() + timedelta(days=getattr(settings, "API_TOKEN_TTL_DAYS", 365))
    for old in Token.objects.order_by("created"):
        token, created = ApiToken.objects.get_or_create(
            digest=digest_of(old.key),
            defaults={
                "token_key": old.key[:TOKEN_KEY_LENGTH],
                "user_id": old.user_id,
                "name": LEGACY_NAME,
                "scope": scopes.get(old.key, "full"),
                "expiry": expiry,
            },
        )
        if created:
            ApiToken.objects.filter(pk=token.pk).update(created=old.created)
            ApiTokenEvent.objects.create(
                action="issued",
                user_id=old.user_id,
                token_name=LEGACY_NAME,
                scope=token.scope,
                via="migration",
            )
    ApiTokenScope.objects.all().delete()
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(convert_drf_tokens, migrations.RunPython.noop)]
