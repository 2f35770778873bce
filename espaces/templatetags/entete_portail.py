"""``{% portail_entete %}``: the portal header (the organisation's logo, name and accent colour,
the count of pending actions) on every portal page, whichever app renders it."""

from typing import Any

from django import template

from espaces.selectors import portail_a_faire

register = template.Library()


@register.inclusion_tag("portail/_entete.html", takes_context=True)
def portail_entete(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    access = getattr(request, "portal_access", None)
    organisation = getattr(request, "organisation", None)
    if access is None:
        en_attente = 0
    elif "a_faire" in context:  # the home has just computed them
        en_attente = len(context["a_faire"])
    else:
        en_attente = len(portail_a_faire(beneficiaire=access.beneficiaire))
    return {
        "organisation": organisation,
        "en_attente": en_attente,
        "connecte": access is not None,
        "csrf_token": context.get("csrf_token"),
    }
