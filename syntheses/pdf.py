"""The context of the synthèse PDF (``templates/pdf/synthese.html``).

Sections are stored already sanitised (``sanitize_html`` on save) and are sanitised once more
here before being marked safe: the PDF never trusts what the database holds.
"""

from __future__ import annotations

from django.utils.safestring import mark_safe

from bilan.core.formatting import duree_fr
from bilan.core.pdf import sanitize_html
from seances.models import EntretienSuivi
from seances.selectors.seances import bilan_budget
from syntheses import selectors
from syntheses.models import SECTIONS, Synthese


def _suivi(bilan):
    suivi = EntretienSuivi.objects.filter(bilan=bilan).first()
    if suivi is None or suivi.statut == EntretienSuivi.Statut.ANNULE:
        return None
    return suivi


def synthese_contexte(*, synthese: Synthese) -> dict:
    """Everything ``pdf/synthese.html`` shows, from the live synthèse (which, when the PDF is
    issued, equals the validated version)."""
    bilan = synthese.bilan
    contenu = selectors.synthese_contenu_actuel(synthese=synthese)
    sections = [
        {
            "key": key,
            "label": label,
            "html": mark_safe(  # noqa: S308  (sanitised just before)
                selectors.section_rendre_html(value=sanitize_html(contenu["sections"].get(key, "")))
            ),
        }
        for key, label in SECTIONS
    ]
    heures = bilan_budget(bilan=bilan)
    consultants = [bilan.consultant, *bilan.consultants_associes.exclude(pk=bilan.consultant_id)]
    return {
        "synthese": synthese,
        "bilan": bilan,
        "beneficiaire": bilan.beneficiaire,
        "consultants": consultants,
        "date_debut": bilan.date_debut_reelle or bilan.date_debut_prevue,
        "date_fin": bilan.date_fin_reelle or bilan.date_fin_prevue,
        "heures": {
            "total": duree_fr(minutes=round(heures["total"] * 60)),
            "accompagnement": duree_fr(minutes=round(heures["accompagnement"] * 60)),
            "travail_personnel": duree_fr(minutes=round(heures["travail_personnel"] * 60)),
            "realise": duree_fr(minutes=round(heures["realise"] * 60)),
        },
        "sections": sections,
        "plan": list(selectors.plan_action_lister(synthese=synthese)),
        "comparaison": selectors.scenarios_comparer(contenu=contenu),
        "ecarts": selectors.ecarts_calculer(contenu=contenu),
        "suivi": _suivi(bilan),
        "version": selectors.derniere_version_obtenir(synthese=synthese),
    }
