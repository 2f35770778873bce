"""Quality registers (RNQ ind. 17, 21-26, 30-32): complaints and incidents, improvement
actions, watch log, staff records, handicap partners and anonymised adaptation cases,
stakeholder feedback. The order of a complaint's dates is enforced by the database (rule 30)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beneficiaires.models import Beneficiaire, Bilan
from bilan.core.models import TenantOwned, private_storage

DELAI_ACCUSE_JOURS_DEFAUT = 2


def _org_id(nom: str) -> models.UniqueConstraint:
    # Target of the composite (organisation_id, <row>_id) foreign keys (bilan/core/rls.py).
    return models.UniqueConstraint(
        fields=["organisation", "id"],
        name=f"{nom}_org_id",
        violation_error_message=_("Cette entrée existe déjà."),
    )


class ParametresQualite(TenantOwned):
    """Per-organisation settings of the registers (created with defaults on first change)."""

    delai_accuse_jours = models.PositiveSmallIntegerField(
        _("délai cible d'accusé de réception (jours ouvrés)"),
        default=DELAI_ACCUSE_JOURS_DEFAUT,
        validators=[MaxValueValidator(30)],
    )

    class Meta:
        verbose_name = _("réglages qualité")
        verbose_name_plural = _("réglages qualité")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                name="parametres_qualite_un_par_org",
                violation_error_message=_("Les réglages qualité existent déjà pour l'organisme."),
            ),
            models.CheckConstraint(
                condition=Q(delai_accuse_jours__lte=30),
                name="parametres_qualite_delai_30",
                violation_error_message=_(
                    "Le délai d'accusé de réception est de 30 jours au plus."
                ),
            ),
        ]


class CanalReclamation(models.TextChoices):
    PORTAIL = "portail", _("Portail du bénéficiaire")
    COURRIEL = "courriel", _("Courriel")
    COURRIER = "courrier", _("Courrier")
    TELEPHONE = "telephone", _("Téléphone")
    ORAL = "oral", _("De vive voix")
    ENQUETE = "enquete", _("Questionnaire de satisfaction")
    AUTRE = "autre", _("Autre")


class NatureReclamation(models.TextChoices):
    ACCOMPAGNEMENT = "accompagnement", _("Déroulement de l'accompagnement")
    CONSULTANT = "consultant", _("Relation avec le ou la consultant·e")
    ORGANISATION = "organisation", _("Organisation, planning, locaux")
    ADMINISTRATIF = "administratif", _("Administratif, financement, facturation")
    ACCESSIBILITE = "accessibilite", _("Accessibilité, handicap")
    NUMERIQUE = "numerique", _("Outils numériques, séances à distance")
    CONFIDENTIALITE = "confidentialite", _("Confidentialité, données personnelles")
    INCIDENT = "incident", _("Incident (sans réclamation écrite)")
    AUTRE = "autre", _("Autre")


class Reclamation(TenantOwned):
    """A complaint or an incident (ind. 31, rule 30): received, acknowledged within the
    organisation's target delay, answered, closed; improvement actions point to it."""

    recue_le = models.DateField(_("reçue le"))
    canal = models.CharField(_("canal"), max_length=20, choices=CanalReclamation.choices)
    nature = models.CharField(_("nature"), max_length=20, choices=NatureReclamation.choices)
    objet = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"))
    auteur = models.CharField(
        _("auteur"),
        max_length=200,
        blank=True,
        help_text=_("Nom et qualité de la personne (bénéficiaire, financeur, employeur...)."),
    )
    beneficiaire = models.ForeignKey(
        Beneficiaire,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier du bénéficiaire"),
    )
    bilan = models.ForeignKey(
        Bilan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bilan concerné"),
    )
    accuse_le = models.DateField(_("accusé de réception le"), null=True, blank=True)
    reponse_le = models.DateField(_("réponse le"), null=True, blank=True)
    reponse = models.TextField(_("réponse apportée"), blank=True)
    cloture_le = models.DateField(_("clôturée le"), null=True, blank=True)
    deposee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )

    class Meta:
        verbose_name = _("réclamation")
        verbose_name_plural = _("réclamations")
        ordering = ["-recue_le", "-id"]
        constraints = [
            _org_id("reclamation"),
            models.CheckConstraint(
                condition=Q(accuse_le__isnull=True) | Q(accuse_le__gte=models.F("recue_le")),
                name="reclamation_accuse_apres_reception",
                violation_error_message=_(
                    "L'accusé de réception ne peut pas précéder la réception de la réclamation."
                ),
            ),
            models.CheckConstraint(
                condition=Q(reponse_le__isnull=True)
                | (Q(accuse_le__isnull=False) & Q(reponse_le__gte=models.F("accuse_le"))),
                name="reclamation_reponse_apres_accuse",
                violation_error_message=_(
                    "La réponse suit l'accusé de réception : renseignez l'accusé de réception, "
                    "à une date antérieure ou égale à la réponse."
                ),
            ),
            models.CheckConstraint(
                condition=Q(reponse_le__isnull=True) | ~Q(reponse=""),
                name="reclamation_reponse_texte",
                violation_error_message=_("Une réponse datée doit avoir son texte."),
            ),
            models.CheckConstraint(
                condition=Q(cloture_le__isnull=True)
                | (Q(reponse_le__isnull=False) & Q(cloture_le__gte=models.F("reponse_le"))),
                name="reclamation_cloture_apres_reponse",
                violation_error_message=_(
                    "La clôture suit la réponse : renseignez la réponse, à une date antérieure "
                    "ou égale à la clôture."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.objet


class SourceAction(models.TextChoices):
    RECLAMATION = "reclamation", _("Réclamation ou incident")
    ENQUETE = "enquete", _("Questionnaire de satisfaction")
    AUDIT = "audit", _("Audit")
    EQUIPE = "equipe", _("Retour de l'équipe")
    PARTIE_PRENANTE = "partie_prenante", _("Retour d'un financeur, employeur ou partenaire")
    VEILLE = "veille", _("Veille")
    AUTRE = "autre", _("Autre")


class StatutAction(models.TextChoices):
    PREVUE = "prevue", _("Prévue")
    EN_COURS = "en_cours", _("En cours")
    REALISEE = "realisee", _("Réalisée")
    ABANDONNEE = "abandonnee", _("Abandonnée")


class RetourPartiePrenante(TenantOwned):
    """Feedback from a funder, an employer, a consultant or a partner (ind. 30)."""

    class Source(models.TextChoices):
        FINANCEUR = "financeur", _("Financeur")
        EMPLOYEUR = "employeur", _("Employeur")
        CONSULTANT = "consultant", _("Consultant·e ou intervenant·e")
        PARTENAIRE = "partenaire", _("Partenaire")
        AUTRE = "autre", _("Autre")

    recu_le = models.DateField(_("date"))
    source = models.CharField(_("origine"), max_length=20, choices=Source.choices)
    organisme_nom = models.CharField(_("organisme ou personne"), max_length=200)
    resume = models.TextField(_("résumé du retour"))

    class Meta:
        verbose_name = _("retour de partie prenante")
        verbose_name_plural = _("retours des parties prenantes")
        ordering = ["-recu_le", "-id"]
        constraints = [_org_id("retour_partie_prenante")]

    def __str__(self) -> str:
        return f"{self.organisme_nom} ({self.recu_le:%d/%m/%Y})"


class ActionAmelioration(TenantOwned):
    """An improvement action (ind. 32), linked to what caused it."""

    intitule = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("origine"), max_length=20, choices=SourceAction.choices)
    source_precision = models.CharField(
        _("précision sur l'origine"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple : questionnaire à froid du 1er trimestre, audit de surveillance."),
    )
    reclamation = models.ForeignKey(
        Reclamation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("réclamation liée"),
    )
    retour = models.ForeignKey(
        RetourPartiePrenante,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("retour de partie prenante lié"),
    )
    responsable = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsable"),
    )
    ouverte_le = models.DateField(_("ouverte le"))
    echeance = models.DateField(_("échéance"))
    statut = models.CharField(
        _("statut"), max_length=20, choices=StatutAction.choices, default=StatutAction.PREVUE
    )
    realisee_le = models.DateField(_("réalisée le"), null=True, blank=True)
    resultat = models.TextField(_("résultat obtenu"), blank=True)

    class Meta:
        verbose_name = _("action d'amélioration")
        verbose_name_plural = _("actions d'amélioration")
        ordering = ["-ouverte_le", "-id"]
        constraints = [
            _org_id("action_amelioration"),
            models.CheckConstraint(
                condition=Q(echeance__gte=models.F("ouverte_le")),
                name="action_amelioration_echeance_apres_ouverture",
                violation_error_message=_("L'échéance ne peut pas précéder l'ouverture."),
            ),
            models.CheckConstraint(
                condition=Q(realisee_le__isnull=True) | Q(realisee_le__gte=models.F("ouverte_le")),
                name="action_amelioration_realisee_apres_ouverture",
                violation_error_message=_("La réalisation ne peut pas précéder l'ouverture."),
            ),
            models.CheckConstraint(
                condition=~Q(statut=StatutAction.REALISEE) | Q(realisee_le__isnull=False),
                name="action_amelioration_realisee_datee",
                violation_error_message=_("Une action réalisée porte sa date de réalisation."),
            ),
        ]

    def __str__(self) -> str:
        return self.intitule


class KindVeille(models.TextChoices):
    LEGALE = "legale", _("Légale et réglementaire (ind. 23)")
    METIERS = "metiers", _("Métiers, compétences et emploi (ind. 24)")
    PEDAGOGIQUE = "pedagogique", _("Pédagogique et technologique (ind. 25)")


class VeilleEntree(TenantOwned):
    """One entry of the watch log (ind. 23-25): what was learned and what was done with it."""

    kind = models.CharField(_("type de veille"), max_length=20, choices=KindVeille.choices)
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=300)
    apprentissage = models.TextField(_("ce qui a été appris"))
    action_prise = models.TextField(_("action menée"), blank=True)
    action = models.ForeignKey(
        ActionAmelioration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="veilles",
        verbose_name=_("action d'amélioration liée"),
    )
    saisie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )

    class Meta:
        verbose_name = _("entrée de veille")
        verbose_name_plural = _("veille")
        ordering = ["-date", "-id"]
        constraints = [_org_id("veille_entree")]

    def __str__(self) -> str:
        return self.source


class Intervenant(TenantOwned):
    """A person who delivers bilans (ind. 17, 21, 22): a staff member, or an external
    sub-contractor known by name."""

    membre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membre de l'équipe"),
    )
    nom = models.CharField(_("nom (intervenant·e externe)"), max_length=200, blank=True)
    sous_traitant = models.BooleanField(_("intervient en sous-traitance"), default=False)
    fonction = models.CharField(_("fonction"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("intervenant·e")
        verbose_name_plural = _("intervenant·es")
        ordering = ["nom", "id"]
        constraints = [
            _org_id("intervenant"),
            models.CheckConstraint(
                condition=Q(membre__isnull=False) | ~Q(nom=""),
                name="intervenant_membre_ou_nom",
                violation_error_message=_(
                    "Choisissez un membre de l'équipe ou saisissez le nom de l'intervenant·e."
                ),
            ),
            models.UniqueConstraint(
                fields=["organisation", "membre"],
                name="intervenant_membre_unique",
                violation_error_message=_("Ce membre a déjà sa fiche d'intervenant·e."),
            ),
        ]

    def __str__(self) -> str:
        if self.membre_id is not None:
            return str(self.membre)
        return self.nom


def piece_intervenant_path(instance: "PieceIntervenant", filename: str) -> str:
    """org-<id>/qualite/intervenants/<random>.<ext>: the organisation is in every path."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"org-{instance.organisation_id}/qualite/intervenants/{uuid.uuid4().hex}.{extension}"


class PieceIntervenant(TenantOwned):
    """A dated line of a staff record, with its optional proof file."""

    class Kind(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification, diplôme")
        HABILITATION = "habilitation", _("Habilitation à un test psychométrique")
        FORMATION = "formation", _("Formation continue")
        SUPERVISION = "supervision", _("Supervision, analyse de pratiques")
        EXPERIENCE = "experience", _("Expérience professionnelle")

    intervenant = models.ForeignKey(
        Intervenant, on_delete=models.CASCADE, related_name="pieces", verbose_name=_("intervenant")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    intitule = models.CharField(_("intitulé"), max_length=200)
    organisme = models.CharField(_("organisme ou éditeur"), max_length=200, blank=True)
    date = models.DateField(_("date (obtention ou début)"))
    expire_le = models.DateField(_("fin ou expiration"), null=True, blank=True)
    heures = models.DecimalField(
        _("durée (heures)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    fichier = models.FileField(
        _("justificatif"), upload_to=piece_intervenant_path, storage=private_storage, blank=True
    )
    nom_original = models.CharField(_("nom du fichier"), max_length=255, blank=True)
    type_mime = models.CharField(_("type"), max_length=100, blank=True)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("ligne de la fiche intervenant·e")
        verbose_name_plural = _("lignes des fiches intervenant·es")
        ordering = ["-date", "-id"]
        constraints = [
            _org_id("piece_intervenant"),
            models.CheckConstraint(
                condition=Q(expire_le__isnull=True) | Q(expire_le__gte=models.F("date")),
                name="piece_intervenant_expiration_apres_date",
                violation_error_message=_("La fin ou l'expiration ne peut pas précéder la date."),
            ),
        ]

    def __str__(self) -> str:
        return self.intitule


class PartenaireHandicap(TenantOwned):
    """The handicap partner directory (ind. 26)."""

    class Kind(models.TextChoices):
        AGEFIPH = "agefiph", _("Agefiph")
        FIPHFP = "fiphfp", _("FIPHFP")
        CAP_EMPLOI = "cap_emploi", _("Cap emploi")
        MDPH = "mdph", _("MDPH")
        RESSOURCE = "ressource", _("Ressource handicap formation")
        ASSOCIATION = "association", _("Association")
        AUTRE = "autre", _("Autre")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    nom = models.CharField(_("nom"), max_length=200)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=30, blank=True)
    courriel = models.EmailField(_("adresse électronique"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("partenaire handicap")
        verbose_name_plural = _("partenaires handicap")
        ordering = ["nom", "id"]
        constraints = [_org_id("partenaire_handicap")]

    def __str__(self) -> str:
        return self.nom


class AdaptationHandicap(TenantOwned):
    """An adaptation made for a person with a disability, anonymised on purpose (ind. 26): no
    link to a beneficiary, no name; health data stay in the beneficiary's own file."""

    date = models.DateField(_("date"))
    besoin = models.TextField(_("besoin exprimé"))
    adaptation = models.TextField(_("adaptation mise en place"))
    partenaire = models.ForeignKey(
        PartenaireHandicap,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adaptations",
        verbose_name=_("partenaire mobilisé"),
    )

    class Meta:
        verbose_name = _("cas d'adaptation")
        verbose_name_plural = _("cas d'adaptation")
        ordering = ["-date", "-id"]
        constraints = [_org_id("adaptation_handicap")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y}"
