import factory

from beneficiaires.models import Beneficiaire, PortalAccess
from bilan.core.tenancy import tenant_context
from tests.factories.core import OrganisationFactory, UserFactory


class BeneficiaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiaire

    organisation = factory.SubFactory(OrganisationFactory)
    prenom = factory.Faker("first_name", locale="fr_FR")
    nom = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"beneficiaire{n}@exemple.test")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Tenant-owned: row-level security only accepts the row with its organisation bound.
        with tenant_context(kwargs["organisation"]):
            return model_class.objects.create(*args, **kwargs)


def beneficiaire_with_portal(*, organisation, consultant=None, **kwargs):
    """A beneficiary of ``organisation`` who has accepted the portal invitation."""
    beneficiaire = BeneficiaireFactory(organisation=organisation, consultant=consultant, **kwargs)
    user = UserFactory(
        email=beneficiaire.email, first_name=beneficiaire.prenom, last_name=beneficiaire.nom
    )
    PortalAccess.objects.create(user=user, organisation=organisation, beneficiaire=beneficiaire)
    return beneficiaire, user


def document_for(beneficiaire, *, by, content: bytes = b"%PDF-1.4 test", titre="CV"):
    """A stored document of ``beneficiaire``, through the real service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from beneficiaires.services.beneficiaires import document_deposer

    with tenant_context(beneficiaire.organisation):
        return document_deposer(
            beneficiaire=beneficiaire,
            titre=titre,
            fichier=SimpleUploadedFile("cv.pdf", content, content_type="application/pdf"),
            type_mime="application/pdf",
            par=by,
        )


def dossier_bilan(*, consultant, **champs):
    """A ``DossierBilan`` with a blank dossier's values, overridden by ``champs``."""
    from decimal import Decimal

    from beneficiaires.services.bilans import DossierBilan

    valeurs = {
        "consultant": consultant,
        "consultants_associes": [],
        "programme": None,
        "modalite": "mixte",
        "heures_accompagnement": Decimal("0"),
        "heures_travail_personnel": Decimal("0"),
        "date_debut_prevue": None,
        "date_fin_prevue": None,
        "objectifs": "",
        "financement": "personnel",
        "prix_ttc": None,
        "conditions_paiement": "",
        "financeur_nom": "",
        "financeur_reference": "",
        "employeur_signataire_nom": "",
        "employeur_signataire_fonction": "",
        "employeur_signataire_email": "",
        "convention_transmise_le": None,
        "cpf_proposition_commande_le": None,
        "cpf_aucun_bilan_finance_5_ans": None,
        "cpf_exoneration": "",
        "cpf_entree_declaree_le": None,
        "cpf_sortie_declaree_le": None,
        "sur_temps_de_travail": False,
        "autorisation_demandee_le": None,
        "autorisation_reponse": "",
        "autorisation_reponse_le": None,
    }
    valeurs.update(champs)
    return DossierBilan(**valeurs)


def fiche_entretien(
    *,
    consultant,
    date,
    demande="Changer de métier",
    issue="bilan",
    contexte="",
    contraintes="",
    attentes="",
    commentaire="",
):
    """The fixed fields of a prior interview (beneficiaires.services.entretiens)."""
    from beneficiaires.services.entretiens import FicheEntretien

    return FicheEntretien(
        consultant=consultant,
        date=date,
        demande=demande,
        issue=issue,
        contexte=contexte,
        contraintes=contraintes,
        attentes=attentes,
        commentaire=commentaire,
    )
