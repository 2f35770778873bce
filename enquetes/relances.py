"""The satisfaction surveys' e-mails (outbox kinds owned by enquetes, registered at app ready
through ``relances.registre``): à chaud at closure and à froid months later, each with one
reminder. A row is about the survey (``target_type="reponse"``); answering cancels it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from beneficiaires.models import Bilan
from beneficiaires.relances import contexte_dossier
from bilan.core.dates import ajouter_mois
from enquetes.models import KindEnquete, Reponse
from enquetes.services import (
    enquete_marquer_envoyee,
    enquete_preparer,
    parametres_obtenir,
    reponse_jeton_signer,
)
from relances.models import Relance
from relances.registre import TypeRelance, registre
from relances.services import a_paris, organisation_liee, relance_planifier

K = Relance.Kind
CIBLE = "reponse"


def _reponse_de(relance: Relance) -> Reponse | None:
    """The survey a saved row is about (None for a preview's unsaved row)."""
    if relance.target_type != CIBLE or relance.pk is None:
        return None
    return Reponse.objects.filter(public_id=relance.target_id).first()


def _contexte_enquete(*, relance: Relance, apercu: bool) -> dict[str, object]:
    """The survey's personal link; a preview shows an example link, never a real bearer one."""
    contexte = contexte_dossier(relance=relance)
    reponse = _reponse_de(relance)
    jeton = "apercu" if apercu or reponse is None else reponse_jeton_signer(reponse=reponse)
    contexte["enquete_url"] = settings.SITE_URL + reverse(
        "lien_enquete:repondre",
        kwargs={"organisation_id": relance.organisation.public_id, "token": jeton},
    )
    contexte["portail_enquetes_url"] = settings.SITE_URL + reverse("portail_enquetes:liste")
    return contexte


def _pas_repondu(*, relance: Relance, maintenant: dt.datetime) -> bool:
    reponse = _reponse_de(relance)
    return reponse is not None and reponse.repondu_le is None


def _marquer_envoyee(*, relance: Relance, maintenant: dt.datetime) -> None:
    enquete_marquer_envoyee(reponse=_reponse_de(relance), le=maintenant)


def enquetes_planifier(*, bilan: Bilan, fin: dt.date) -> list[Relance]:
    """Bilan closed on ``fin``: the survey à chaud now (+ one reminder after rappel_jours), à
    froid at ``fin`` + froid_delai_mois, 10:00 Europe/Paris (+ one reminder). A survey already
    answered gets no e-mail."""
    parametres = parametres_obtenir(organisation=organisation_liee())
    maintenant = timezone.now()
    froid_le = a_paris(jour=ajouter_mois(jour=fin, mois=parametres.froid_delai_mois))
    rappel = dt.timedelta(days=parametres.rappel_jours)
    plan = [
        (K.ENQUETE_CHAUD, maintenant, KindEnquete.CHAUD),
        (K.ENQUETE_CHAUD_RAPPEL, maintenant + rappel, KindEnquete.CHAUD),
        (K.ENQUETE_FROID, froid_le, KindEnquete.FROID),
        (K.ENQUETE_FROID_RAPPEL, froid_le + rappel, KindEnquete.FROID),
    ]
    reponses = {k: enquete_preparer(bilan=bilan, kind=k) for k in KindEnquete}
    faites = []
    for kind, due, enquete in plan:
        reponse = reponses[enquete]
        if reponse.repondu_le is not None:
            continue
        relance = relance_planifier(
            kind=kind,
            cle=f"{kind}:{bilan.public_id}",
            destinataire=bilan.beneficiaire.email,
            due_le=due,
            target_type=CIBLE,
            target_id=reponse.public_id,
            bilan=bilan,
        )
        if relance is not None:
            faites.append(relance)
    return faites


registre.register(
    TypeRelance(
        kind=K.ENQUETE_CHAUD,
        template="enquete-chaud",
        contexte=_contexte_enquete,
        pertinente=_pas_repondu,
        apres_envoi=_marquer_envoyee,
    ),
    TypeRelance(
        kind=K.ENQUETE_CHAUD_RAPPEL,
        template="enquete-chaud-rappel",
        contexte=_contexte_enquete,
        pertinente=_pas_repondu,
    ),
    TypeRelance(
        kind=K.ENQUETE_FROID,
        template="enquete-froid",
        contexte=_contexte_enquete,
        pertinente=_pas_repondu,
        apres_envoi=_marquer_envoyee,
    ),
    TypeRelance(
        kind=K.ENQUETE_FROID_RAPPEL,
        template="enquete-froid-rappel",
        contexte=_contexte_enquete,
        pertinente=_pas_repondu,
    ),
)
