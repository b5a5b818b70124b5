"""System checks that keep every door of the data behind the access policy.

`manage.py check` (and so runserver, migrate and the test run) fails with an Error when

- kbz.E001: a model served through the policy — registered in admin.site, or served by a DRF
  view of ours — has no rule registered with accounts.policy (by its app's access.py, which its
  AppConfig.ready() imports; policy.decide would raise at the first request instead);
- kbz.E002: an admin class registered in admin.site does not derive from PolicyModelAdmin.
  Third-party admins are no exception: they are replaced by a policy-aware admin of ours or
  unregistered (axes: AXES_ENABLE_ADMIN=False; authtoken: unregistered in accounts.admin);
- kbz.E003: an admin class overrides get_queryset or a has_*_permission method without going
  through the policy: the override must call super() or accounts.policy, or only ever answer
  False (narrowing is always safe);
- kbz.E004: an admin class overrides one of PolicyModelAdmin's history views (which are what
  keeps history read-only).
"""

import ast
import inspect
import textwrap
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import checks

POLICY_METHODS = (
    "get_queryset",
    "has_module_permission",
    "has_view_permission",
    "has_add_permission",
    "has_change_permission",
    "has_delete_permission",
)
HISTORY_METHODS = ("history_view", "history_form_view", "revert_disabled")


def is_ours(obj) -> bool:
    """Is the class or model defined in one of this project's apps (not a library's)?"""
    config = apps.get_containing_app_config(obj.__module__)
    if config is None:
        return False
    base = Path(settings.BASE_DIR).resolve()
    return base in Path(config.path).resolve().parents and ".venv" not in Path(config.path).parts


def served_models(site=None, urlconf=None) -> dict[type, str]:
    """Every model served through the policy, with where it is served from."""
    from django.contrib import admin

    site = site or admin.site
    served = {
        model: f"admin {type(model_admin).__qualname__}"
        for model, model_admin in site._registry.items()
    }
    for model_admin in site._registry.values():
        for inline in model_admin.inlines:
            served.setdefault(inline.model, f"admin inline {inline.__qualname__}")
    for view_class in _api_view_classes(urlconf):
        model = _model_of(view_class)
        if model is not None:
            served.setdefault(model, f"API {view_class.__qualname__}")
    return served


def _api_view_classes(urlconf=None):
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "cls", None)
                if view_class is not None and is_ours(view_class):
                    yield view_class

    return set(walk(get_resolver(urlconf).url_patterns))


def _model_of(view_class):
    queryset = getattr(view_class, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer_class = getattr(view_class, "serializer_class", None)
    meta = getattr(serializer_class, "Meta", None)
    return getattr(meta, "model", None)


def goes_through_policy(function) -> bool:
    """Does this override call super() or accounts.policy, or only ever answer False?"""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    if names & {"super", "policy"}:
        return True
    returns = [node for node in ast.walk(tree) if isinstance(node, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, ast.Constant) and r.value.value is False for r in returns
    )


def check_admin_classes(site=None) -> list[checks.CheckMessage]:
    from django.contrib import admin

    from accounts.admin_policy import PolicyModelAdmin

    site = site or admin.site
    errors = []
    for model, model_admin in site._registry.items():
        cls = type(model_admin)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if not isinstance(model_admin, PolicyModelAdmin):
            errors.append(
                checks.Error(
                    f"{name} (the admin of {model._meta.label}) does not go through the "
                    "access policy.",
                    hint="Derive it from accounts.admin_policy.PolicyModelAdmin, or unregister "
                    "it from admin.site.",
                    obj=cls,
                    id="kbz.E002",
                )
            )
            continue
        below_policy = cls.__mro__[: cls.__mro__.index(PolicyModelAdmin)]
        for klass in below_policy:
            for method in POLICY_METHODS:
                function = klass.__dict__.get(method)
                if function is not None and not goes_through_policy(function):
                    errors.append(
                        checks.Error(
                            f"{klass.__module__}.{klass.__qualname__}.{method} bypasses the "
                            "access policy.",
                            hint="Call super() or accounts.policy in it, or only return False.",
                            obj=cls,
                            id="kbz.E003",
                        )
                    )
            for method in HISTORY_METHODS:
                if method in klass.__dict__:
                    errors.append(
                        checks.Error(
                            f"{klass.__module__}.{klass.__qualname__}.{method} overrides the "
                            "read-only history of PolicyModelAdmin.",
                            obj=cls,
                            id="kbz.E004",
                        )
                    )
    return errors


def check_rules(site=None, urlconf=None) -> list[checks.CheckMessage]:
    from accounts import policy

    return [
        checks.Error(
            f"{model._meta.label} is served through the access policy ({where}) but has no "
            "rule in the access policy.",
            hint="Register one with @policy.rule(Model) in the app's access.py, imported by "
            "its AppConfig.ready().",
            obj=model,
            id="kbz.E001",
        )
        for model, where in served_models(site, urlconf).items()
        if not policy.has_rule(model)
    ]


@checks.register(checks.Tags.security)
def access_policy_check(app_configs=None, **kwargs):
    return check_rules() + check_admin_classes()
