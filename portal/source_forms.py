"""Forms of the watched sources' pages (portal.views.sources). They collect input; the
services (sources.services) check it again and decide, and their refusals land on the field
they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sources.choices import SourceKind
from sources.models import MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES
from sources.services import MAX_URL_LENGTH


class SourceForm(forms.Form):
    """Watch an address for the user's agency: sources.services.add_source."""

    url = forms.CharField(
        label=_("Address"),
        max_length=MAX_URL_LENGTH,
        help_text=_(
            "A Telegram channel (t.me/NAME), a VK wall, a YouTube channel or playlist, an RSS "
            "or Atom feed, a site map, or a page whose links match a pattern."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("recognise from the address")), *SourceKind.choices],
    )
    pattern = forms.CharField(
        label=_("Link pattern"),
        required=False,
        max_length=500,
        help_text=_(
            "Only for a page: a regular expression the links to register must match, e.g. "
            "^https://example\\.kz/news/\\d+$."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=300)
    organization = forms.ModelChoiceField(
        label=_("Organization"),
        queryset=None,
        required=False,
        help_text=_("The banned organization the source belongs to, if known."),
    )
    interval_minutes = forms.IntegerField(
        label=_("Watch every (minutes)"),
        initial=60,
        min_value=MIN_INTERVAL_MINUTES,
        max_value=MAX_INTERVAL_MINUTES,
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].empty_label = _("none")

    def service_arguments(self) -> dict:
        """The keyword arguments of sources.services.add_source."""
        data = self.cleaned_data
        return {
            "url": data["url"],
            "kind": data["kind"] or None,
            "pattern": data["pattern"],
            "title": data["title"],
            "organization": data["organization"],
            "interval_minutes": data["interval_minutes"],
        }
