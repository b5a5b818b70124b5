"""The admin of blocking orders: the recipients' directory and the document templates are
kept here by prosecutors; orders are read here (with their history, read-only) and moved only
through orders.services (the portal and the API).

Document templates: a prosecutor of the central office uploads a DOCX template (a copy of the
default, downloadable from the upload page, edited in Word); the upload is proved by rendering
it against a sample order before anything is kept (orders.documents.validate_template), so a
template with a Jinja mistake is refused on the form with the error named. Templates are never
edited or deleted: a new upload replaces the active one, and any can be deactivated (the
shipped default then applies again).
"""

from django import forms
from django.contrib import admin
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.admin_policy import PolicyModelAdmin
from orders import documents, selectors
from orders.choices import DocumentKind, DocumentLanguage
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

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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

    history_reason_label = staticmethod(selectors.change_reason_label)

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


class DocumentTemplateForm(forms.ModelForm):
    """The upload: refused here, with the reason on the file field, unless it renders."""

    class Meta:
        model = DocumentTemplate
        fields = ["kind", "language", "file"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        kind, language = cleaned.get("kind"), cleaned.get("language")
        if upload is None or not kind or not language or self.instance.pk:
            return cleaned
        if upload.size > documents.TEMPLATE_MAX_BYTES:
            self.add_error(
                "file",
                _("The template is larger than %(limit)d MB.")
                % {"limit": documents.TEMPLATE_MAX_BYTES // (1024 * 1024)},
            )
            return cleaned
        upload.seek(0)
        data = upload.read()
        try:
            documents.validate_template(data, kind, language)
        except documents.TemplateRefused as refused:
            self.add_error("file", refused.message)
            return cleaned
        self.template_data = data
        return cleaned


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(PolicyModelAdmin):
    form = DocumentTemplateForm
    list_display = ["__str__", "kind", "language", "active", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "language", "active"]
    list_select_related = ["uploaded_by"]
    actions = ["activate", "deactivate"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "language", "file", "defaults"]
        return ["kind", "language", "file", "active", "sha256", "uploaded_by", "uploaded_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["defaults"]
        return ["kind", "language", "file", "active", "sha256", "uploaded_by", "uploaded_at"]

    @admin.display(description=_("default templates"))
    def defaults(self, obj=None):
        """Links to the shipped defaults: the starting point of an office's own template."""
        rows = (
            (
                reverse("admin:orders_documenttemplate_default", args=[kind, language]),
                f"{kind}_{language}.docx",
            )
            for kind in DocumentKind.values
            for language in DocumentLanguage.values
        )
        return format_html(
            "{}<br>{}",
            format_html_join(", ", '<a href="{}">{}</a>', rows),
            _(
                "Download a default, edit it in Word keeping the {{ … }} and {% … %} tags "
                "(the variables are listed in the README), and upload it here. It is rendered "
                "against a sample order first and refused, with the error, if it fails."
            ),
        )

    def get_urls(self):
        return [
            path(
                "default/<slug:kind>/<slug:language>/",
                self.admin_site.admin_view(self.default_view),
                name="orders_documenttemplate_default",
            ),
            *super().get_urls(),
        ]

    def default_view(self, request, kind, language):
        if not self.has_view_permission(request):
            raise Http404
        if kind not in DocumentKind.values or language not in DocumentLanguage.values:
            raise Http404
        response = HttpResponse(documents.default_template(kind, language), content_type=DOCX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{kind}_{language}.docx"'
        return response

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is edited; activation goes through the actions
        saved = documents.upload_template(
            request.user, kind=obj.kind, language=obj.language, data=form.template_data
        )
        # The admin logs and redirects to the object it built: give it the saved row.
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    @admin.action(description=_("Use the selected templates (one per kind and language)"))
    def activate(self, request, queryset):
        for template in policy.restrict(queryset, request.user, "change"):
            documents.set_template_active(request.user, template, True)

    @admin.action(description=_("Stop using the selected templates (the default applies)"))
    def deactivate(self, request, queryset):
        for template in policy.restrict(queryset, request.user, "change"):
            documents.set_template_active(request.user, template, False)


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
