"""Defanged URLs in the admin's pages (docs/design.md §5.3).

The admin shows what Django renders for a cell or a read-only value (a URLField even becomes a
live `<a href>`). `defang_html` takes that rendered HTML and defangs the scheme and host of every
URL in it, text and attributes alike: what remains can be neither clicked nor auto-linked. The
admin's own links are paths without a scheme (`/admin/…`) and pass unchanged. Input values are
never rendered through it: an editable field keeps the stored value, so saving the form does not
rewrite it.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

from utilities.defang import defang_text

register = template.Library()


@register.filter(is_safe=True)
def defang_html(value):
    """Rendered admin HTML (or plain text, escaped here) with every URL in it defanged."""
    if value is None:
        return ""
    if not isinstance(value, SafeData):
        value = conditional_escape(value)
    # The regex of defang_text stops a host at quotes and angle brackets, so markup is intact.
    return mark_safe(defang_text(str(value)))  # noqa: S308 - input is escaped HTML


register.filter("defang_text", defang_text, is_safe=False)
