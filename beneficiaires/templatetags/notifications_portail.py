"""``{% notifications_portail %}``: the beneficiary's latest notices on a portal page (the
portal home includes it), read or not, with their links."""

from typing import Any

from django import template

from beneficiaires.selectors import notifications_non_lues_compter, notifications_recentes

register = template.Library()


@register.inclusion_tag("portail/_notifications.html", takes_context=True)
def notifications_portail(context: template.Context) -> dict[str, Any]:
    access = getattr(context.get("request"), "portal_access", None)
    if access is None:
        return {"notifications": [], "non_lues": 0}
    beneficiaire = access.beneficiaire
    return {
        "notifications": notifications_recentes(beneficiaire=beneficiaire),
        "non_lues": notifications_non_lues_compter(beneficiaire=beneficiaire),
        "csrf_token": context.get("csrf_token"),
    }
