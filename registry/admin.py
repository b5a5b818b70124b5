"""The admin of the link registry: read through the access policy, changed through services."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.admin_policy import PolicyModelAdmin
from kibernadzor.errors import DomainError
from registry import selectors, services, transitions
from registry.choices import LinkClassification, LinkState, ReadChannel
from registry.models import ConfidentialRead, Link, Report, StateChange
from utilities.admin import DefangedFieldsAdmin, ReadOnlyAdmin
from utilities.pagination import CappedPaginator


class ShowsLinksAdmin:
    """An admin whose pages show links: the changelist's page of rows and the change page's
    object pass through registry.selectors.read_links, which logs the confidential links they
    show (the rows of this page only, never the whole queryset). `shown_link` leads from a row
    to its link ("" when the rows are links)."""

    shown_link = "link"

    def _links(self, rows) -> list:
        if not self.shown_link:
            return list(rows)
        return [getattr(row, self.shown_link) for row in rows]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # The page's queryset caches its rows: the template shows these, not a new query.
            rows = self._links(changelist.result_list)
            selectors.read_links(request.user, rows, ReadChannel.ADMIN)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("original")
        if shown is not None:
            selectors.read_links(request.user, self._links([shown]), ReadChannel.ADMIN)
        return response


class TrailInline(admin.TabularInline):
    model = StateChange
    extra = 0
    can_delete = False
    fields = [
        "at",
        "from_state",
        "to_state",
        "actor",
        "reason",
        "document_number",
        "document_date",
        "expert_opinion",
    ]
    readonly_fields = fields
    ordering = ["at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label=_("new state"))
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea, required=False)
    document_number = forms.CharField(
        label=_("blocking request number"), max_length=100, required=False
    )
    document_date = forms.DateField(label=_("blocking request date"), required=False)
    expert_opinion = forms.CharField(
        label=_("expert opinion"), widget=forms.Textarea, required=False
    )
    # Confirming needs one, unless the link has it (registry.transitions).
    classification = forms.ChoiceField(
        label=_("classification"),
        required=False,
        choices=[("", "—")]
        + [(c, label) for c, label in LinkClassification.choices if c != "unclassified"],
    )

    def __init__(self, *args, moves, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [
            (move.target, f"{LinkState(move.target).label} ({move.label})") for move in moves
        ]


@admin.register(Link)
class LinkAdmin(ShowsLinksAdmin, DefangedFieldsAdmin, PolicyModelAdmin):
    shown_link = ""
    history_reason_label = staticmethod(selectors.change_reason_label)
    defanged_fields = ("url", "host", "registrable_domain")
    list_display = [
        "short_url",
        "platform",
        "state",
        "classification",
        "confidential",
        "first_reported_agency",
        "first_reported_at",
        "report_count",
        "assigned_agency",
        "due_date",
    ]
    # Every filter here has an index (registry.models.Link.Meta.indexes).
    list_filter = ["state", "platform", "classification", "confidential", "is_demo"]
    list_select_related = ["first_reported_agency", "assigned_agency"]
    search_fields = ["=host"]
    search_help_text = _("Any form of a URL, or a host name.")
    show_full_result_count = False
    paginator = CappedPaginator
    list_per_page = 50
    ordering = ["-first_reported_at", "-id"]
    inlines = [TrailInline]
    actions = ["start_review", "resume_review"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "url_defanged",
                    "platform",
                    "platform_id",
                    "host_defanged",
                    "registrable_domain_defanged",
                ]
            },
        ),
        (
            _("State"),
            {"fields": ["state", "state_changed_at", "transition_link", "classification"]},
        ),
        (
            _("Reports"),
            {
                "fields": [
                    "confidential",
                    "first_reported_at",
                    "first_reported_by",
                    "first_reported_agency",
                    "report_count",
                ]
            },
        ),
        (_("Assignment"), {"fields": ["assigned_agency", "assigned_user", "due_date"]}),
        (_("Technical"), {"fields": ["key", "is_demo"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Links change only through services (transitions, assignment, classification).
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    @admin.display(description=_("URL"), ordering="url")
    def short_url(self, obj):
        return str(obj)

    @admin.display(description=_("change state"))
    def transition_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:registry_link_transition", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Change state…"))

    def get_search_results(self, request, queryset, search_term):
        """A URL in any surface form finds its link, a bare host every link on it, through
        registry.selectors.links_by_url (indexed); anything else is the admin's own search."""
        term = search_term.strip()
        if "/" in term or "." in term:
            found = selectors.links_by_url(queryset, term)
            if found is not None:
                return found, False
        return super().get_search_results(request, queryset, search_term)

    def render_history_view(self, request, template, context, **kwargs):
        """The history list and a past version show the link too: logged like its page. A past
        version is logged if the link is confidential now (it holds the same address)."""
        shown = context.get("original") or context.get("object")
        if isinstance(shown, Link):
            current = Link.objects.filter(pk=shown.pk).only("id", "confidential")
            selectors.read_links(request.user, current, ReadChannel.ADMIN)
        return super().render_history_view(request, template, context, **kwargs)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="registry_link_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id):
        link = self.get_object(request, str(object_id))
        if link is None or not policy.can(request.user, "change", link):
            messages.error(request, _("No such link, or you may not change it."))
            return redirect("admin:registry_link_changelist")
        moves = transitions.available(link.state, request.user)
        form = TransitionForm(request.POST or None, moves=moves)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.transition(link.pk, data.pop("to_state"), actor=request.user, **data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("The state was changed."))
                return redirect("admin:registry_link_change", link.pk)
        selectors.read_links(request.user, [link], ReadChannel.ADMIN)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": link,
            "form": form,
            "moves": moves,
            "title": _("Change state"),
        }
        return TemplateResponse(request, "admin/registry/link/transition.html", context)

    def _bulk_transition(self, request, queryset, target):
        done, refused = 0, []
        for pk in queryset.values_list("pk", flat=True):
            try:
                services.transition(pk, target, actor=request.user)
                done += 1
            except DomainError as error:
                refused.append(f"#{pk}: {error.message}")
        if done:
            messages.success(request, _("%(count)d link(s) changed.") % {"count": done})
        for message in refused[:20]:
            messages.error(request, message)

    @admin.action(description=_("Start review"), permissions=["change"])
    def start_review(self, request, queryset):
        self._bulk_transition(request, queryset, LinkState.UNDER_REVIEW)

    @admin.action(description=_("Back to review (reappeared links)"), permissions=["change"])
    def resume_review(self, request, queryset):
        self._bulk_transition(request, queryset, LinkState.UNDER_REVIEW)


@admin.register(Report)
class ReportAdmin(ShowsLinksAdmin, DefangedFieldsAdmin, ReadOnlyAdmin):
    defanged_fields = ("raw_url",)
    list_display = [
        "submitted_at", "raw_url_defanged", "agency", "user", "source", "is_repeat", "link",
    ]  # fmt: skip
    fields = [
        "link", "user", "agency", "submitted_at", "raw_url_defanged", "source", "is_repeat",
    ]  # fmt: skip
    readonly_fields = fields
    list_filter = ["source", "is_repeat"]
    list_select_related = ["agency", "user", "link"]
    raw_id_fields = ["link"]
    show_full_result_count = False
    paginator = CappedPaginator


@admin.register(StateChange)
class StateChangeAdmin(ShowsLinksAdmin, ReadOnlyAdmin):
    list_display = ["at", "link", "from_state", "to_state", "actor", "document_number"]
    list_filter = ["to_state"]
    list_select_related = ["actor", "link"]
    show_full_result_count = False
    paginator = CappedPaginator


@admin.register(ConfidentialRead)
class ConfidentialReadAdmin(ReadOnlyAdmin):
    """The log of confidential reads, for auditors: read-only, by channel, reader and date;
    the search box takes a link number (every read of that link) or a reader's username."""

    list_display = ["at", "user", "link_number", "link", "channel"]
    list_filter = ["channel", ("user", admin.RelatedOnlyFieldListFilter), "at"]
    list_select_related = ["user", "link"]
    date_hierarchy = "at"
    search_fields = ["=user__username"]
    search_help_text = _("A link number, or a reader's username.")
    show_full_result_count = False
    paginator = CappedPaginator

    @admin.display(description=_("link number"), ordering="link_id")
    def link_number(self, obj):
        return obj.link_id

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit():
            return queryset.filter(link_id=int(term)), False
        return super().get_search_results(request, queryset, search_term)
