"""{% second_factor_section %}: the profile's second-factor section (accounts.second_factor)."""

from django import template

from accounts import second_factor

register = template.Library()


@register.inclusion_tag("portal/includes/second_factor.html", takes_context=True)
def second_factor_section(context):
    user = context["request"].user
    return {
        "enrolled": second_factor.confirmed_totp(user) is not None,
        "required": second_factor.is_required(user),
        "may_enrol": second_factor.may_enrol(user),
        "codes_left": second_factor.recovery_codes_left(user),
        "csrf_token": context.get("csrf_token"),
    }
