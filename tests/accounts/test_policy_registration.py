"""Each app writes its access rules and role grants in its own access.py (accounts.policy is
the mechanism only), and each of those modules stands on its own."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from accounts import policy
from accounts.roles import ROLE_PERMISSIONS

APPS = [
    "accounts",
    "decisions",
    "organizations",
    "materials",
    "registry",
    "checks",
    "reporting",
    "orders",
    "evidence",
    "sources",
    "portal",
]

# In a fresh interpreter, after django.setup(): import the app's access module first, then
# check that every model of the app has its rule and that the roles hold the app's grants.
IMPORT_FIRST = """
import importlib, sys
import django
django.setup()
from django.apps import apps
from accounts import policy
from accounts.roles import ROLE_PERMISSIONS
app = sys.argv[1]
importlib.import_module(app + ".access")
models = apps.get_app_config(app).get_models()
print(sorted(m.__name__ for m in models if policy.has_rule(m)))
print(any(p.startswith(app + ".") for perms in ROLE_PERMISSIONS.values() for p in perms))
"""


@pytest.mark.parametrize("app", APPS)
def test_an_apps_access_module_imports_first_in_a_fresh_interpreter(app):
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_FIRST, app],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ruled, granted = result.stdout.splitlines()[-2:]
    models = apps.get_app_config(app).get_models()
    assert ruled == str(sorted(m.__name__ for m in models if policy.has_rule(m)))
    assert ruled != "[]", f"{app}.access registers no rule"
    assert granted == "True", f"{app}.access grants no role a permission"


def test_every_project_app_with_models_has_an_access_module():
    ours = [
        config.name
        for config in apps.get_app_configs()
        if config.models_module is not None and Path(config.path).parent == Path(settings.BASE_DIR)
    ]
    assert sorted(ours) == sorted(APPS)
    for app in APPS:
        assert (Path(settings.BASE_DIR) / app / "access.py").exists(), app


@pytest.mark.parametrize("app", APPS)
def test_an_apps_rules_are_registered_by_its_own_access_module(app):
    # A rule stands in the access module of its model's app; the court registers share
    # decisions.access.register_rule, and accounts keeps the rule of the auth Group (roles).
    shared = {"organizations": "decisions.access", "materials": "decisions.access"}
    for model in apps.get_app_config(app).get_models():
        if policy.has_rule(model):
            rule = policy._rules[model]
            assert rule.__module__ in {f"{app}.access", shared.get(app)}, model.__name__


def test_the_roles_hold_only_what_the_access_modules_grant():
    # accounts.roles starts every role with nothing: all grants come from the access modules.
    granted_apps = {p.split(".")[0] for perms in ROLE_PERMISSIONS.values() for p in perms}
    assert granted_apps == {*APPS, "auth"}


def test_a_second_rule_for_a_model_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    from registry.access import link_rule
    from registry.models import Link

    assert policy.rule(Link)(link_rule) is link_rule  # the same rule again is harmless
    with pytest.raises(ImproperlyConfigured, match="registry.access.link_rule"):
        policy.rule(Link)(lambda user, action, scope: True)
    assert policy._rules[Link] is link_rule
