"""Registers with beneficiaires what withdrawing a consent means for syntheses: the shares of the
synthèse made under that consent end (L6313-4: the CEP or a third party gets it only with the
beneficiary's agreement)."""

from beneficiaires.consentements import apres_revocation
from beneficiaires.models import Consentement
from syntheses.services.partage import partages_clore_pour_consentement


@apres_revocation.enregistrer
def clore_les_partages(consentement: Consentement) -> None:
    if consentement.type in {Consentement.Type.SYNTHESE_CEP, Consentement.Type.SYNTHESE_TIERS}:
        partages_clore_pour_consentement(consentement=consentement)
