"""The three ways to submit on the portal: one URL, a pasted list, a file.

Each form turns its input into numbered lines (registry.intake) and refuses, naming the
problem, an empty list, a list over the line limit, and a file that is too large or not what
its name says. Whether each URL is valid is for registry.services to answer, line by line.
"""

import uuid

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kibernadzor.errors import DomainError
from portal import submissions
from registry import intake
from registry.choices import ReportSource

# Pasted text travels in the request body, which Django caps (DATA_UPLOAD_MAX_MEMORY_SIZE,
# KBZ_MAX_BODY_BYTES: 10 MiB); a million characters of URLs stay under it. Longer lists come
# as a file.
MAX_PASTED_CHARS = 1_000_000

CONFIDENTIAL_HELP = _(
    "New links get a confidential record: only your agency and prosecutors see it; others "
    "who submit them learn only that they are known and whom to contact."
)


class SubmitForm(forms.Form):
    mode = ""
    source = ReportSource.FORM
    # The id the batch will have, drawn when the form is shown: posting the same form twice
    # (a double click, a resent request) finds the batch of the first post and submits nothing.
    batch = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=False)
    confidential = forms.BooleanField(
        label=_("Confidential"), required=False, help_text=CONFIDENTIAL_HELP
    )

    field_order = ["url", "urls", "file", "confidential"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.mode)
        super().__init__(*args, **kwargs)
        self.lines: list[intake.Line] = []
        self.filename = ""

    def _checked(self, lines: list[intake.Line]) -> list[intake.Line]:
        try:
            submissions.check_line_count(lines)
        except DomainError as error:
            raise forms.ValidationError(error.message) from None
        self.lines = lines
        return lines


class SingleURLForm(SubmitForm):
    mode = "one"
    url = forms.CharField(
        label=_("URL"),
        max_length=10_000,
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_("Any form of the address: with or without https://, defanged (hxxp, [.])."),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        self._checked([intake.Line(1, url)])
        return url


class PastedListForm(SubmitForm):
    mode = "list"
    urls = forms.CharField(
        label=_("URLs, one a line"),
        max_length=MAX_PASTED_CHARS,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("For more than a few thousand lines, upload a file instead."),
    )

    def clean_urls(self):
        text = self.cleaned_data["urls"]
        self._checked(intake.parse_text(text))
        return text


class FileForm(SubmitForm):
    mode = "file"
    source = ReportSource.FILE
    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": ".txt,.csv,.xlsx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "TXT (one URL a line), CSV or XLSX (the column named url, link or ссылка, else "
            "the first column); up to %(lines)d lines and %(mb)d MB."
        ) % {"lines": submissions.MAX_LINES, "mb": intake.MAX_FILE_BYTES // 2**20}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > intake.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; at most %(limit)d MB are taken. Split it.")
                % {"size": upload.size / 2**20, "limit": intake.MAX_FILE_BYTES // 2**20}
            )
        try:
            lines = intake.parse_file(upload.name, upload.read(), max_lines=submissions.MAX_LINES)
        except intake.UnreadableFile as error:
            raise forms.ValidationError(error.message) from None
        self.filename = upload.name
        self._checked(lines)
        return upload


FORMS = {form.mode: form for form in (SingleURLForm, PastedListForm, FileForm)}
