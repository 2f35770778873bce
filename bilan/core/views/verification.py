"""``/verifier/``: public page (no login) to check that a PDF is authentic (see
``bilan.core.verification``). Rate-limited per client address."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bilan.core import verification
from bilan.core.audit import client_ip


class VerificationForm(forms.Form):
    fichier = forms.FileField(
        label=gettext_lazy("Document PDF à vérifier"),
        required=False,
        help_text=gettext_lazy("20 Mo au plus. Le fichier n'est pas conservé."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    empreinte = forms.CharField(
        label=gettext_lazy("ou empreinte SHA-256 du document"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("64 caractères hexadécimaux, imprimés sur la page de preuve."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        if fichier and fichier.size > verification.TAILLE_MAX:
            raise forms.ValidationError(
                _("Le fichier dépasse %(max)s.") % {"max": filesizeformat(verification.TAILLE_MAX)}
            )
        return fichier

    def clean_empreinte(self):
        texte = self.cleaned_data.get("empreinte", "").strip()
        if not texte:
            return ""
        valeur = verification.empreinte_normalisee(texte)
        if valeur is None:
            raise forms.ValidationError(
                _("Une empreinte SHA-256 compte 64 caractères de 0 à 9 et de a à f.")
            )
        return valeur

    def clean(self):
        data = super().clean()
        fichier, empreinte = data.get("fichier"), data.get("empreinte")
        if not self.errors:
            if fichier and empreinte:
                raise forms.ValidationError(
                    _("Déposez un fichier ou collez une empreinte, pas les deux.")
                )
            if not fichier and not empreinte:
                raise forms.ValidationError(
                    _("Déposez le document PDF ou collez son empreinte SHA-256.")
                )
        return data


@never_cache
@require_http_methods(["GET", "POST"])
def verifier(request):
    bound = request.method == "POST"
    form = VerificationForm(request.POST if bound else None, request.FILES if bound else None)
    context = {"form": form, "resultat": None, "empreinte": None, "limite": False}
    status = 200
    if request.method == "POST":
        if not verification.verification_autorisee(ip=client_ip(request)):
            context["limite"] = True
            response = render(request, "verification/verifier.html", context, status=429)
            response["Retry-After"] = str(verification.FENETRE_SECONDES)
            return response
        if form.is_valid():
            fichier = form.cleaned_data.get("fichier")
            empreinte = (
                verification.empreinte_fichier(fichier)
                if fichier
                else form.cleaned_data["empreinte"]
            )
            context["empreinte"] = empreinte
            context["resultat"] = verification.document_par_empreinte(sha256=empreinte)
            context["verifie"] = True
        else:
            status = 400
    response = render(request, "verification/verifier.html", context, status=status)
    # Not "no-referrer": browsers then send "Origin: null" and the CSRF check refuses the
    # form. "same-origin" still keeps the token in the URL from leaking to other sites.
    response["Referrer-Policy"] = "same-origin"
    return response
