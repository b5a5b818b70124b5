"""The admin of blocking orders: the recipients' directory and the document templates are
kept here by prosecutors; orders are read here (with their history, read-only) and moved only
through orders.services (the portal and the API)."""

import hashlib
import importlib
import importlib.util

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.admin_policy import PolicyModelAdmin
from orders.models import (
    DocumentTemplate,
    FeedAccess,
    FeedSubscriber,
    Order,
    OrderDocument,
    OrderLink,
    Recipient,
)
from registry.choices import ReadChannel
from registry.selectors import read_links
from utilities.admin import ReadOnlyAdmin

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


@admin.register(Recipient)
class RecipientAdmin(PolicyModelAdmin):
    list_display = ["name_ru", "kind", "deadline_hours", "email", "active", "is_demo"]
    list_filter = ["kind", "active", "is_demo"]
    search_fields = ["name_ru", "name_kk", "name_en", "email", "contacts"]
    readonly_fields = ["is_demo"]
    fields = [
        "name_ru", "name_kk", "name_en", "kind", "deadline_hours", "platforms", "contacts",
        "email", "active", "is_demo",
    ]  # fmt: skip


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return policy.restrict(super().get_queryset(request), request.user, "view")

    def has_view_permission(self, request, obj=None):
        return policy.can(request.user, "view", model=self.model)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLinkInline(_ReadOnlyInline):
    model = OrderLink
    fields = ["link", "state", "deadline_at", "executed_at", "escalated_at", "revoked_at"]
    readonly_fields = fields
    raw_id_fields = ["link"]


class OrderDocumentInline(_ReadOnlyInline):
    model = OrderDocument
    fields = ["kind", "language", "format", "file", "sha256", "size", "generated_at"]
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Orders, read-only: their steps are services (portal, API); their history is here."""

    list_display = ["number", "date", "kind", "state", "recipient", "agency", "issued_by"]
    list_filter = ["state", "kind", "recipient", "is_demo"]
    search_fields = ["number", "law_article", "note"]
    list_select_related = ["recipient", "agency", "issued_by"]
    date_hierarchy = "date"
    inlines = [OrderLinkInline, OrderDocumentInline]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:  # the links the inline showed, logged as read
            shown = OrderLink.objects.restrict(request.user).filter(order_id=object_id)
            read_links(
                request.user, [ol.link for ol in shown.select_related("link")], ReadChannel.ADMIN
            )
        return response


class TemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["kind", "language", "file", "active"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload is None or not hasattr(upload, "read"):
            return upload
        if upload.size > MAX_TEMPLATE_BYTES:
            raise forms.ValidationError(_("A template is at most 5 MB."))
        head = upload.read(4)
        upload.seek(0)
        if not upload.name.lower().endswith(".docx") or head != b"PK\x03\x04":
            raise forms.ValidationError(_("Upload a DOCX template."))
        validate = _template_validator()
        if validate is not None:
            validate(upload)  # orders.documents: a template that fails to render is refused
            upload.seek(0)
        return upload


def _template_validator():
    """orders.documents.validate_template(file) when that module provides it."""
    if importlib.util.find_spec("orders.documents") is None:
        return None
    return getattr(importlib.import_module("orders.documents"), "validate_template", None)


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(PolicyModelAdmin):
    """DOCX templates of the documents; the active one of a kind and language replaces the
    default shipped with the product. Deactivated, never deleted."""

    form = TemplateForm
    list_display = ["kind", "language", "active", "uploaded_by", "uploaded_at", "sha256"]
    list_filter = ["kind", "language", "active"]
    readonly_fields = ["uploaded_by", "uploaded_at", "sha256"]

    def save_model(self, request, obj, form, change):
        if "file" in form.changed_data and obj.file:
            digest = hashlib.sha256()
            for chunk in obj.file.chunks():
                digest.update(chunk)
            obj.sha256 = digest.hexdigest()
            obj.uploaded_by = request.user
            obj.uploaded_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(FeedSubscriber)
class FeedSubscriberAdmin(PolicyModelAdmin):
    """Providers receiving the blocklist feed (their tokens are issued by orders.feed)."""

    list_display = ["name", "recipient", "active", "token_prefix", "token_issued_at"]
    list_filter = ["active"]
    search_fields = ["name", "contacts"]
    readonly_fields = ["token_prefix", "token_issued_at", "created_at"]
    fields = [
        "name", "recipient", "contacts", "platforms", "classifications", "active",
        "token_prefix", "token_issued_at", "created_at",
    ]  # fmt: skip


@admin.register(FeedAccess)
class FeedAccessAdmin(ReadOnlyAdmin):
    """Who fetched the blocklist feed, when, from which cursor, and how much (orders.feed)."""

    list_display = ["at", "subscriber", "what", "status", "since", "after", "rows", "completed_at"]
    list_filter = ["subscriber", "what", "status"]
    list_select_related = ["subscriber"]
    date_hierarchy = "at"
