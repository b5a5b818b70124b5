"""The admin's side of the access policy: every ModelAdmin in admin.site derives from
PolicyModelAdmin (the system check in accounts.checks refuses to start otherwise).

History is read-only here, for everyone, superusers included. django-simple-history's history
form view (`<id>/history/<history_id>/`) saves the object on any valid POST: hiding its revert
button (SIMPLE_HISTORY_REVERT_DISABLED) does not stop a hand-made POST, and view permission
reaches the page. So both history pages answer 405 to anything but GET/HEAD before the library
sees the request, show a form whose every field is read-only, and show only objects the policy
lets the user view (404 otherwise, as the change page does).

URLs are defanged on every admin page (docs/design.md §5.3): objects' __str__ (titles,
breadcrumbs, deletion pages, the admin log), the changelist's cells and read-only values (the
project's templates/admin/ pass them through accounts.templatetags.admin_defang), the history's
versions and changes (ADMIN_HISTORY_LIST_TEMPLATE). An editable URL field is a plain input: the
admin's URL widget would print the stored address as a live link above it.
"""

from datetime import date, datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten, flatten_fieldsets, unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from accounts import policy

READ_METHODS = ("GET", "HEAD")
ADMIN_HISTORY_LIST_TEMPLATE = "admin/history/object_history_list.html"
# An editable URL as a plain input (no "Currently: <a href=…>" above it).
PLAIN_URL_INPUT = {models.URLField: {"widget": forms.URLInput(attrs={"class": "vURLField"})}}


def has_history(model) -> bool:
    """Is the model tracked by django-simple-history?"""
    return hasattr(model._meta, "simple_history_manager_attribute")


class ReadableHistory(HistoricalRecordContextHelper):
    """The changes of a history record as people read them, in their language: a choice's
    label rather than its code ("На рассмотрении", not "under_review"), "—" for an empty
    reference (simple-history shows a null foreign key as "Deleted agency (pk=None)"), yes/no,
    local day-first dates without microseconds."""

    def prepare_delta_change_value(self, change, value):
        if isinstance(value, DeletedObject):
            return "—" if value.pk is None else str(value)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, datetime):
            return date_format(timezone.localtime(value), "DATETIME_FORMAT")
        if isinstance(value, date):
            return date_format(value, "DATE_FORMAT")
        try:
            field = self.model._meta.get_field(change.field)
        except Exception:  # a field the model no longer has: shown as recorded
            field = None
        choices = getattr(field, "flatchoices", None)
        if choices and not isinstance(value, list | dict):
            return str(dict(choices).get(value, value))
        return super().prepare_delta_change_value(change, value)


class PolicyModelAdmin(SimpleHistoryAdmin):
    """Rows and actions in the admin come from accounts.policy, as everywhere else."""

    object_history_list_template = ADMIN_HISTORY_LIST_TEMPLATE
    formfield_overrides = PLAIN_URL_INPUT

    def get_queryset(self, request):
        return policy.restrict(super().get_queryset(request), request.user, "view")

    def has_module_permission(self, request):
        return policy.can(request.user, "view", model=self.model)

    def has_view_permission(self, request, obj=None):
        return policy.can(request.user, "view", obj, model=self.model)

    def has_add_permission(self, request):
        return policy.can(request.user, "add", model=self.model)

    def has_change_permission(self, request, obj=None):
        return policy.can(request.user, "change", obj, model=self.model)

    def has_delete_permission(self, request, obj=None):
        return policy.can(request.user, "delete", obj, model=self.model)

    # --- history: shown, never written --------------------------------------------------------
    # A function of a record's change reason to what the history page shows (None: as stored);
    # registry.admin.LinkAdmin names its services' codes ("start_review: …") this way.
    history_reason_label = None

    def revert_disabled(self, request, obj=None):
        return True  # whatever the settings say

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistory(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        if self.history_reason_label is not None:
            for record in historical_records:
                if record.history_change_reason:
                    record.history_change_reason = type(self).history_reason_label(
                        record.history_change_reason
                    )

    def history_view(self, request, object_id, extra_context=None):
        """The list of an object's historical records (or its admin log, if it has none)."""
        if request.method not in READ_METHODS:
            return HttpResponseNotAllowed(READ_METHODS)
        self._viewable_or_404(request, object_id)
        if not has_history(self.model):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One historical record, shown as a read-only form; never saved."""
        if request.method not in READ_METHODS:
            return HttpResponseNotAllowed(READ_METHODS)
        if not has_history(self.model):
            raise Http404
        self._viewable_or_404(request, object_id)
        request.history_read_only = True  # every field of the form becomes read-only
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not getattr(request, "history_read_only", False):
            return fields
        if self.fieldsets:
            shown = flatten_fieldsets(self.fieldsets)
        elif self.fields:
            shown = flatten(self.fields)
        else:
            opts = self.model._meta
            shown = [
                f.name
                for f in [*opts.concrete_fields, *opts.many_to_many]
                if f.editable and not f.auto_created
            ]
        return list(dict.fromkeys([*fields, *shown]))

    def _viewable_or_404(self, request, object_id):
        """The object must be one the policy lets the user view: its history is its content."""
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        if not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404
