"""Forms of the portal pages. They collect input; services and the access policy decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.fields import IsoDateTimeField

from accounts.choices import TokenScope
from registry import transitions
from registry.choices import LinkClassification, LinkState

# Requirement (registry.transitions.REQUIREMENTS) -> the form field that collects it.
_REQUIREMENT_FIELDS = {
    "reason": lambda label: forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    ),
    "document_number": lambda label: forms.CharField(label=label, max_length=100),
    "document_date": lambda label: forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    ),
    "expert_opinion": lambda label: forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    ),
    "classification": lambda label: forms.ChoiceField(
        label=label,
        choices=[("", "—")]
        + [
            (c, lbl)
            for c, lbl in LinkClassification.choices
            if c != LinkClassification.UNCLASSIFIED
        ],
    ),
}


class TransitionForm(forms.Form):
    """One move of registry.transitions: the fields its row requires, plus an optional reason.

    The table says what is required; registry.services.transition checks it again and its
    refusals land on the field they name (portal.views.link_detail)."""

    to_state = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, move: transitions.Transition, *args, link=None, **kwargs):
        kwargs.setdefault("prefix", move.name)
        if link is not None and link.classification != LinkClassification.UNCLASSIFIED:
            kwargs.setdefault("initial", {"classification": link.classification})
        super().__init__(*args, **kwargs)
        self.move = move
        self.fields["to_state"].initial = move.target
        for name, make in _REQUIREMENT_FIELDS.items():
            required = name in move.requires
            if not required and name != "reason":
                continue  # documents a move does not need are not asked for
            field = make(transitions.REQUIREMENTS[name].capitalize())
            field.required = required
            if not required:
                field.help_text = _("Optional.")
            self.fields[name] = field

    @property
    def target_label(self) -> str:
        return LinkState(self.move.target).label

    def clean_to_state(self):
        value = self.cleaned_data["to_state"]
        if value != self.move.target:
            raise forms.ValidationError(_("This form moves the link to another state."))
        return value

    def service_arguments(self) -> dict:
        """The keyword arguments of registry.services.transition."""
        data = self.cleaned_data
        return {
            "reason": data.get("reason", ""),
            "document_number": data.get("document_number", ""),
            "document_date": data.get("document_date"),
            "expert_opinion": data.get("expert_opinion", ""),
            "classification": data.get("classification", ""),
        }


class NoteForm(forms.Form):
    """A note on the link's case (registry.notes.add_note): append-only."""

    text = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)


class CaseNumberForm(forms.Form):
    """The link's case number (registry.notes.set_case_number checks its format)."""

    case_number = forms.CharField(
        label=_("Case number"),
        required=False,
        max_length=50,
        help_text=_("E.g. 241500031000123 or 2-1234/2024; empty clears it."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "case")
        super().__init__(*args, **kwargs)


class WithdrawForm(forms.Form):
    """Withdraw one's own report of the link (registry.withdrawal)."""

    report = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why do you withdraw it?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "withdraw")
        super().__init__(*args, **kwargs)


class LinkSearchForm(forms.Form):
    """The registry list's own controls beside the shared FilterSet: search and sort."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=2000,
        help_text=_(
            "A URL in any form, a host, a channel name, a video id, a link number, a material's "
            "number or words of its title, or a court case number."
        ),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, sort_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = list(sort_choices)


def prepare_filter_form(form: forms.Form) -> forms.Form:
    """Make a FilterSet's form usable by hand: checkboxes for multiple choices, date pickers
    for dates. The filters themselves (registry.filtersets) are untouched: the API uses the
    very same definitions."""
    for field in form.fields.values():
        if isinstance(field, forms.MultipleChoiceField):
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
        elif isinstance(field, forms.DateField | IsoDateTimeField):
            field.widget = forms.DateInput(attrs={"type": "date"})
        elif isinstance(field, forms.NullBooleanField):
            field.widget = forms.Select(
                choices=[("", _("any")), ("true", _("yes")), ("false", _("no"))]
            )
    return form


class OfficerSelect(forms.Select):
    """The officer picker: each option says its agency (data-agency), so that
    static/portal/assign-picker.js shows only the officers of the agency picked. Without
    JavaScript every officer is listed with the agency's code, and the service checks."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-agency"] = str(instance.agency_id)
        return option


class AssignForm(forms.Form):
    """Who works on the link and by when, picked from lists: the agencies the actor may assign
    to and their people who work on links (registry.selectors.assignable_*). A forged value
    outside those lists is refused here; registry.services.assign checks again."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None, required=False)
    user = forms.ModelChoiceField(
        label=_("Officer"),
        queryset=None,
        required=False,
        to_field_name="username",
        widget=OfficerSelect(attrs={"data-officer-picker": ""}),
        help_text=_("Optional; one of the assigned agency's people."),
        error_messages={
            "invalid_choice": _("Pick an officer from the list: this one cannot be assigned.")
        },
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, agencies, officers, **kwargs):
        kwargs.setdefault("prefix", "assign")
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        agency.queryset = agencies
        agency.empty_label = _("nobody (clear the assignment)")
        agency.error_messages["invalid_choice"] = _(
            "Pick an agency from the list: you may not assign to this one."
        )
        agency.widget.attrs["data-agency-picker"] = ""
        officer = self.fields["user"]
        officer.queryset = officers
        officer.empty_label = _("nobody in particular")
        officer.label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.agency.code})"
        )


class ClassifyForm(forms.Form):
    classification = forms.ChoiceField(label=_("Classification"), choices=())
    confidential = forms.BooleanField(label=_("Confidential"), required=False)

    def __init__(self, *args, **kwargs):
        from registry.choices import LinkClassification

        kwargs.setdefault("prefix", "classify")
        super().__init__(*args, **kwargs)
        self.fields["classification"].choices = LinkClassification.choices


class AttributeForm(forms.Form):
    """Attribute the link by hand to a banned organization and/or a material (by its number in
    the official list)."""

    organization = forms.ModelChoiceField(label=_("Organization"), queryset=None, required=False)
    material = forms.IntegerField(
        label=_("Material number"), required=False, min_value=1, help_text=_("As in the list.")
    )

    def __init__(self, *args, organizations, materials, **kwargs):
        kwargs.setdefault("prefix", "attribute")
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self._materials = materials

    def clean_material(self):
        number = self.cleaned_data["material"]
        if number is None:
            return None
        material = self._materials.filter(number=number).first()
        if material is None:
            raise forms.ValidationError(_("No material with this number in the list."))
        return material

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("organization") and not data.get("material"):
            raise forms.ValidationError(_("Choose an organization or give a material number."))
        return data


class NewTokenForm(forms.Form):
    """The profile page's "issue an API token": a name and a scope; the service decides."""

    name = forms.CharField(
        label=pgettext_lazy("token", "Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the integration that will use it."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.FULL)
