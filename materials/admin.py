from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from accounts import policy
from accounts.admin_policy import PolicyModelAdmin
from decisions.admin_filters import DecisionRegionFilter, DecisionYearFilter
from decisions.choices import CourtClassification
from kibernadzor.errors import DomainError
from materials import services
from materials.choices import LANGUAGES
from materials.models import Material, MaterialFingerprint
from materials.selectors import search_materials
from utilities.admin import PolicyInlineMixin
from utilities.tabular import file_response


class CopyForm(forms.ModelForm):
    upload = forms.FileField(label=_("file of a known copy"), required=False)
    keep_file = forms.BooleanField(label=_("keep the file"), required=False)

    class Meta:
        model = MaterialFingerprint
        fields = ["note"]

    def has_changed(self):
        return bool(self.files.get(self.add_prefix("upload"))) or super().has_changed()


class FingerprintInline(PolicyInlineMixin, admin.TabularInline):
    model = MaterialFingerprint
    form = CopyForm
    extra = 1
    fields = ["upload", "keep_file", "note", "kind", "sha256", "md5", "pdq", "tlsh", "file"]
    readonly_fields = ["kind", "sha256", "md5", "pdq", "tlsh", "file"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("official list (CSV or XLSX)"))
    classification = forms.TypedChoiceField(
        label=_("category of the whole list"),
        choices=[("", _("as the file says")), *CourtClassification.choices],
        required=False,
        empty_value=None,
        help_text=_(
            "For a list with no category column, such as the published "
            "«#;Материал;Дата включения»: every material in it is of this category."
        ),
    )
    dry_run = forms.BooleanField(label=_("only show what would change"), required=False)


class LanguagesField(forms.TypedMultipleChoiceField):
    """A material's languages as ticks from the project's list (materials.choices.LANGUAGES),
    stored as the JSON list of codes the model keeps."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        kwargs.pop("required", None)
        super().__init__(choices=list(LANGUAGES.items()), required=False, **kwargs)

    def prepare_value(self, value):
        return list(value or [])


class MaterialForm(forms.ModelForm):
    class Meta:
        model = Material
        fields = ["languages"]  # the admin names the rest (MaterialAdmin.fields)
        field_classes = {"languages": LanguagesField}
        help_texts = {"languages": _("The languages the material is in.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("languages")
        stored = [code for code in (self.instance.languages or []) if code not in LANGUAGES]
        if field is not None and stored:
            # A code imported before the list knew it stays choosable, not silently dropped.
            field.choices = [*field.choices, *((code, code) for code in stored)]


# The columns of the official list (materials.listparse.COLUMN_TITLES) as the reader names them.
IMPORT_FIELDS = {
    "number": _("number"),
    "title": _("title"),
    "decision": _("court decision"),
    "category": _("category"),
    "court": _("court"),
    "decision_date": _("decision date"),
    "entry_into_force": _("date of entry into force"),
    "included_on": _("date of inclusion"),
    "file": _("file"),
    "header": _("header row"),
    "": "—",
}


@admin.register(Material)
class MaterialAdmin(PolicyModelAdmin):
    list_display = ["number", "title", "classification", "kind", "status", "decision", "is_demo"]
    list_display_links = ["number", "title"]
    list_filter = [
        "classification", "kind", "status", DecisionYearFilter,
        ("decision__court", admin.AllValuesFieldListFilter), DecisionRegionFilter, "is_demo",
    ]  # fmt: skip
    search_fields = ["number", "title"]
    list_select_related = ["decision", "organization"]
    form = MaterialForm
    # The decision is found by its court, case number or text, shown as "court, date, № case".
    autocomplete_fields = ["organization", "decision"]
    readonly_fields = ["is_demo"]
    inlines = [FingerprintInline]
    actions = ["export_csv", "export_xlsx"]
    change_list_template = "admin/materials/material/change_list.html"
    fields = [
        "number", "title", "description", "kind", "classification", "languages", "author",
        "organization", "decision", "included_on", "status", "excluded_on", "is_demo",
    ]  # fmt: skip

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return search_materials(queryset, search_term), False

    def save_formset(self, request, form, formset, change):
        if formset.model is not MaterialFingerprint:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            if obj.pk:  # a note edited on a known copy
                obj.save()
        for inline_form in formset.extra_forms:
            upload = inline_form.cleaned_data.get("upload")
            if not upload or inline_form.cleaned_data.get("DELETE"):
                continue
            try:
                services.attach_copy(
                    form.instance,
                    upload,
                    keep_file=inline_form.cleaned_data.get("keep_file", False),
                    note=inline_form.cleaned_data.get("note", ""),
                )
            except DomainError as exc:
                messages.error(request, exc.message)

    @admin.action(description=_("Export selected as CSV (official list shape)"))
    def export_csv(self, request, queryset):
        return self._export(queryset, "csv")

    @admin.action(description=_("Export selected as XLSX (official list shape)"))
    def export_xlsx(self, request, queryset):
        return self._export(queryset, "xlsx")

    def _export(self, queryset, fmt):
        content = services.export_material_list(queryset.select_related("decision"), fmt)
        return file_response(content, fmt, "materials")

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="materials_material_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not policy.can(request.user, "add", model=Material):
            raise PermissionDenied
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.import_material_list(
                    upload,
                    upload.name,
                    user=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    classification=form.cleaned_data["classification"],
                )
            except DomainError as refused:  # Busy, Conflict
                messages.error(request, refused.message)
            else:
                level = messages.SUCCESS if report.ok else messages.ERROR
                messages.add_message(request, level, report.describe())
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import the official list of materials"),
            "form": form,
            "report": report,
            "rejected": [
                (error.sheet, error.row, IMPORT_FIELDS.get(error.field, error.field), error.message)
                for error in (report.rejected if report else [])
            ],
            "changelist_url": reverse("admin:materials_material_changelist"),
        }
        return TemplateResponse(request, "admin/materials/material/import.html", context)
