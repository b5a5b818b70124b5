"""Forms of the blocking-order pages (portal.views.orders). They collect input; orders.services
and the access policy decide, and their refusals come back on the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _


class OrderCreateForm(forms.Form):
    """A new draft order: the links come from the page (checkboxes, a filter or a republication
    group); the form asks for the recipient, the legal basis and a note."""

    links = forms.ModelMultipleChoiceField(
        label=_("Links"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient = forms.ModelChoiceField(
        label=_("Recipient"),
        queryset=None,
        help_text=_("From the directory of recipients; each has its own deadline rule."),
    )
    decision_q = forms.CharField(
        label=_("Find a court decision"),
        required=False,
        max_length=200,
        help_text=_("Case number or court; the matches appear below."),
    )
    court_decision = forms.ModelChoiceField(
        label=_("Court decision"),
        queryset=None,
        required=False,
        widget=forms.RadioSelect,
    )
    law_article = forms.CharField(
        label=_("Article of the law"),
        required=False,
        max_length=300,
        help_text=_(
            "E.g. “ст. 41-1 п. 1 Закона РК «О связи»”. A court decision, an article, or both."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, links, recipients, decisions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["links"].queryset = links
        self.fields["recipient"].queryset = recipients
        self.fields["recipient"].empty_label = _("choose a recipient")
        self.fields["court_decision"].queryset = decisions
        self.fields["court_decision"].empty_label = None


class ReasonForm(forms.Form):
    """An action that needs a reason: refusal by the recipient, withdrawal."""

    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevokeForm(forms.Form):
    """Restoration: the links whose blocking is lifted, and why."""

    links = forms.ModelMultipleChoiceField(
        label=_("Links to restore"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. the decision was lifted, or the owner removed the content."),
    )

    def __init__(self, *args, links, **kwargs):
        kwargs.setdefault("prefix", "revoke")
        super().__init__(*args, **kwargs)
        self.fields["links"].queryset = links
        self.fields["links"].label_from_instance = lambda link: str(link.pk)


class AddToOrderForm(forms.Form):
    """From a link's page: add the link to one of the user's draft orders."""

    order = forms.ModelChoiceField(label=_("Draft order"), queryset=None)

    def __init__(self, *args, drafts, **kwargs):
        kwargs.setdefault("prefix", "add")
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = drafts
        self.fields["order"].empty_label = None


class DraftForm(forms.Form):
    """A draft's own fields (orders.services.update_draft): number, date, recipient, article of
    the law and note. The court decision stays as chosen on creation."""

    number = forms.CharField(label=_("Number"), max_length=40)
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    recipient = forms.ModelChoiceField(label=_("Recipient"), queryset=None)
    law_article = forms.CharField(label=_("Article of the law"), required=False, max_length=300)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, recipients, **kwargs):
        kwargs.setdefault("prefix", "edit")
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients
