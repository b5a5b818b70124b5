"""Which messages the code asks to translate, and what the compiled catalogues answer.

`extracted_messages()` does what `makemessages` does, without touching `locale/`: templates go
through Django's own `templatize` (the function makemessages uses), the results and every Python
module go through one `xgettext` call with Django's keywords, into a temporary directory. The
catalogues are read from the compiled `.mo` files (what the running site reads): msgfmt leaves
fuzzy entries out, so "present in the .mo" means "translated, reviewed and compiled".
"""

import ast
import gettext
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation.template import templatize

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LOCALE_DIR = BASE_DIR / "locale"

# Folders whose strings no user of the site sees: tests, benches, scripts, tooling, build output.
NOT_USER_VISIBLE = {
    ".venv",
    ".git",
    ".ci",
    ".data",
    "tests",
    "bench",
    "scripts",
    "staticfiles",
    "media",
    "node_modules",
    "locale",
    "deploy",
    "docs",
}

# The keywords of Django's makemessages (django/core/management/commands/makemessages.py), on
# top of xgettext's Python defaults (_, gettext, ngettext, …).
XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]


@dataclass(frozen=True)
class Message:
    msgid: str
    context: str | None = None
    plural: str | None = None
    where: str = ""

    @property
    def key(self) -> str:
        """The key of the message in a compiled catalogue (gettext joins context with EOT)."""
        return f"{self.context}\x04{self.msgid}" if self.context is not None else self.msgid

    def __str__(self) -> str:
        context = f" [context {self.context!r}]" if self.context is not None else ""
        return f"{self.msgid!r}{context} ({self.where})"


def source_files() -> tuple[list[Path], list[Path]]:
    """(Python modules, templates) of the apps, relative to the checkout."""
    python, templates = [], []
    for path in sorted(BASE_DIR.rglob("*")):
        relative = path.relative_to(BASE_DIR)
        if relative.parts[0] in NOT_USER_VISIBLE or not path.is_file():
            continue
        if path.suffix == ".py":
            python.append(relative)
        elif "templates" in relative.parts and path.suffix in {".html", ".txt", ".xml"}:
            templates.append(relative)
    return python, templates


def extracted_messages() -> list[Message]:
    """Every message the apps' code and templates mark for translation."""
    xgettext = shutil.which("xgettext")
    assert xgettext, "xgettext (GNU gettext) is needed to extract messages, as for makemessages"
    python, templates = source_files()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        inputs = [str(BASE_DIR / p) for p in python]
        for template in templates:
            # makemessages writes "<template>.py" beside the template; we write it aside.
            target = work / (str(template) + ".py")
            target.parent.mkdir(parents=True, exist_ok=True)
            content = (BASE_DIR / template).read_text(encoding="utf-8")
            target.write_text(templatize(content, origin=str(template)), encoding="utf-8")
            inputs.append(str(target))
        files = work / "files.txt"
        files.write_text("\n".join(inputs) + "\n", encoding="utf-8")
        pot = subprocess.run(
            [
                xgettext,
                "--language=Python",
                "--from-code=UTF-8",
                *XGETTEXT_KEYWORDS,
                f"--files-from={files}",
                "--output=-",
            ],
            check=True,
            capture_output=True,
            cwd=BASE_DIR,
        ).stdout.decode("utf-8")
    return [
        message
        for message in parse_po(pot.replace(temporary + "/", "").replace(str(BASE_DIR) + "/", ""))
        if message.msgid
    ]


_FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")\s*$')


def parse_po(text: str) -> list[Message]:
    """The entries of a .po/.pot text (msgid, context, plural and the first reference)."""
    messages, entry, field, where = [], {}, None, ""

    def flush():
        if "msgid" in entry:
            messages.append(
                Message(
                    msgid=entry["msgid"],
                    context=entry.get("msgctxt"),
                    plural=entry.get("msgid_plural"),
                    where=where,
                )
            )

    for line in text.splitlines() + [""]:
        line = line.strip()
        if not line:
            flush()
            entry, field, where = {}, None, ""
            continue
        if line.startswith("#:") and not where:
            where = line[2:].split()[0] if line[2:].split() else ""
            continue
        if line.startswith("#"):
            continue
        match = _FIELD.match(line)
        if match:
            if match.group(1) in ("msgctxt", "msgid") and "msgid" in entry:
                # A new entry without a blank line between them.
                flush()
                entry, where = {}, where
            field = match.group(1)
            entry[field] = _unquote(match.group(2))
        elif line.startswith('"') and field:
            entry[field] += _unquote(line)
    return messages


def _unquote(quoted: str) -> str:
    """A PO string literal's text (C escapes; the file is UTF-8)."""
    return ast.literal_eval(quoted)


def compiled_catalogue(language: str) -> dict:
    """The project's compiled catalogue for `language` (locale/<language>/…/django.mo)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as mo:
        return dict(gettext.GNUTranslations(mo)._catalog)


def translation_of(catalogue: dict, message: Message) -> list[str]:
    """The translated forms of `message` in `catalogue` (empty when it has none)."""
    if message.plural is None:
        text = catalogue.get(message.key, "")
        return [text] if text else []
    forms = []
    index = 0
    while (message.key, index) in catalogue:
        forms.append(catalogue[(message.key, index)])
        index += 1
    return forms if forms and all(forms) else []
