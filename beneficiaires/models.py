import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from bilan.core.colonnes import ColonnesMaintenues
from bilan.core.models import Organisation, TenantOwned, private_storage
from bilan.core.validators import validate_siret


class StatutBeneficiaire(models.TextChoices):
    SALARIE_PRIVE = "salarie_prive", _("Salarié·e du privé")
    SALARIE_PUBLIC = "salarie_public", _("Salarié·e du public (agent)")
    DEMANDEUR_EMPLOI = "demandeur_emploi", _("Demandeur·se d'emploi")
    INDEPENDANT = "independant", _("Travailleur·se indépendant·e")
    AUTRE = "autre", _("Autre situation")


class Beneficiaire(TenantOwned):
    """A person who follows (or will follow) a bilan with the organisation.

    Only data with a direct link to the bilan is kept (L6313-4).
    """

    civilite = models.CharField(
        _("civilité"),
        max_length=10,
        blank=True,
        choices=[("mme", _("Madame")), ("m", _("Monsieur"))],
    )
    prenom = models.CharField(_("prénom"), max_length=150)
    nom = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse électronique"))
    telephone = models.CharField(_("téléphone"), max_length=30, blank=True)
    statut = models.CharField(
        _("situation"), max_length=30, choices=StatutBeneficiaire.choices, blank=True
    )
    statut_precision = models.CharField(_("précision sur la situation"), max_length=200, blank=True)
    employeur_nom = models.CharField(_("employeur"), max_length=200, blank=True)
    employeur_siret = models.CharField(
        _("SIRET de l'employeur"), max_length=14, blank=True, validators=[validate_siret]
    )
    poste = models.CharField(_("poste occupé"), max_length=200, blank=True)
    # Special-category data (health): kept only while the consent below is active.
    besoins_accessibilite = models.TextField(_("besoins d'aménagement (accessibilité)"), blank=True)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="beneficiaires_suivis",
        verbose_name=_("consultant·e référent·e"),
    )

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["nom", "prenom"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                name="beneficiaire_email_unique_per_org",
                violation_error_message=_(
                    "Un·e bénéficiaire de l'organisme a déjà cette adresse électronique."
                ),
            ),
            # Target of the composite (organisation_id, beneficiaire_id) foreign keys.
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="beneficiaire_org_id",
                violation_error_message=_("Ce ou cette bénéficiaire existe déjà."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom}"


def document_path(instance: "Document", filename: str) -> str:
    """org-<id>/beneficiaires/<public id>/<random>.<ext>: the organisation is in every path."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return (
        f"org-{instance.organisation_id}/beneficiaires/{instance.beneficiaire.public_id}/"
        f"{uuid.uuid4().hex}.{extension}"
    )


class Document(TenantOwned):
    """A file of the dossier (CV, signed convention, ...), stored privately and served only
    through a view that re-checks access and logs the download."""

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="documents"
    )

    class Categorie(models.TextChoices):
        TRAVAIL = "travail", _("Document de travail du bilan (détruit à la fin, R6313-7)")
        ADMINISTRATIF = (
            "administratif",
            _("Pièce administrative (conservée, sans contenu du bilan)"),
        )

    titre = models.CharField(_("titre"), max_length=200)
    categorie = models.CharField(
        _("nature"), max_length=20, choices=Categorie.choices, default=Categorie.TRAVAIL
    )
    fichier = models.FileField(_("fichier"), upload_to=document_path, storage=private_storage)
    nom_original = models.CharField(_("nom du fichier"), max_length=255)
    type_mime = models.CharField(_("type"), max_length=100)
    taille = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    depose_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        constraints = [
            # Target of the composite (organisation_id, document_id) foreign keys.
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="document_org_id",
                violation_error_message=_("Ce document existe déjà."),
            ),
        ]

    def __str__(self) -> str:
        return self.titre


class PortalAccess(models.Model):
    """Links a user account to a beneficiary's dossier(s) in one organisation.

    Like ``Membership`` it is not tenant-owned: the portal middleware reads it to find which
    organisations a logged-in beneficiary may enter, before any organisation is bound.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_accesses"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="portal_accesses"
    )
    beneficiaire = models.OneToOneField(
        Beneficiaire, on_delete=models.CASCADE, related_name="portal_access"
    )
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("accès au portail")
        verbose_name_plural = _("accès au portail")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                name="portal_access_one_per_user_and_org",
                violation_error_message=_("Ce compte a déjà un accès au portail de l'organisme."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.beneficiaire_id}"


class Consentement(TenantOwned):
    """A dated, revocable consent of the beneficiary (L6313-4, RGPD art. 9, R6313-7)."""

    class Type(models.TextChoices):
        PARTICIPATION = "participation", _("Consentement au bilan de compétences")
        ACCESSIBILITE = "accessibilite", _("Conservation des besoins d'aménagement")
        SYNTHESE_CEP = (
            "synthese_cep",
            _("Transmission de la synthèse au conseil en évolution professionnelle"),
        )
        SYNTHESE_TIERS = "synthese_tiers", _("Transmission de la synthèse à un tiers")
        CONSERVATION_SUIVI = (
            "conservation_suivi",
            _("Conservation des documents pour le suivi (3 ans au plus)"),
        )

        @classmethod
        def transmissions(cls) -> frozenset[str]:
            """The consents that let the synthèse (bilan content) leave the organisation."""
            return frozenset({cls.SYNTHESE_CEP, cls.SYNTHESE_TIERS})

    class Methode(models.TextChoices):
        ENTRETIEN = "entretien", _("Recueilli en entretien")
        PAPIER = "papier", _("Écrit signé sur papier")
        PORTAIL = "portail", _("Donné dans le portail")

        @classmethod
        def ecrites(cls) -> frozenset[str]:
            """The written methods: the only ones valid for a transmission (rule 10)."""
            return frozenset({cls.PAPIER, cls.PORTAIL})

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="consentements"
    )
    type = models.CharField(_("objet"), max_length=30, choices=Type.choices)
    destinataire = models.CharField(
        _("destinataire"), max_length=200, blank=True, help_text=_("Pour une transmission.")
    )
    methode = models.CharField(_("recueil"), max_length=20, choices=Methode.choices)
    accorde_le = models.DateTimeField(_("accordé le"))
    recueilli_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoque_le = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revocation_motif = models.CharField(_("motif de la révocation"), max_length=300, blank=True)
    # Evidence of a written consent to a transmission (rule 10): the statement the beneficiary
    # confirmed in the portal, with where it came from (bilan.core.audit.ClientInfo), or the
    # signed paper form the staff uploaded.
    declaration = models.TextField(_("déclaration signée"), blank=True)
    preuve_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    preuve_user_agent = models.CharField(_("navigateur"), max_length=300, blank=True)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("formulaire signé"),
    )

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["-accorde_le"]
        constraints = [
            # At most one active consent of each kind per recipient.
            models.UniqueConstraint(
                fields=["organisation", "beneficiaire", "type", "destinataire"],
                condition=models.Q(revoque_le__isnull=True),
                name="consentement_un_actif_par_objet",
                violation_error_message=_(
                    "Un consentement en vigueur existe déjà pour cet objet : retirez-le avant "
                    "d'en enregistrer un autre."
                ),
            ),
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="consentement_org_id",
                violation_error_message=_("Ce consentement existe déjà."),
            ),
            # Rule 10 (L6313-4): a transmission of the synthèse rests on a written consent
            # (signed in the portal or on paper), never on an oral one. Revoked rows stay as
            # history (the oral ones found at migration time were revoked, README).
            models.CheckConstraint(
                condition=~models.Q(type__in=["synthese_cep", "synthese_tiers"])
                | models.Q(methode__in=["papier", "portail"])
                | models.Q(revoque_le__isnull=False),
                name="consentement_transmission_ecrite",
                violation_error_message=_(
                    "Une transmission de la synthèse exige un consentement écrit : signé au "
                    "portail ou formulaire papier signé."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.get_type_display()

    @property
    def actif(self) -> bool:
        return self.revoque_le is None


class EntretienPrealable(TenantOwned):
    """The free prior interview: never counted in the 24 hours."""

    class Issue(models.TextChoices):
        BILAN = "bilan", _("Le bilan est proposé")
        REFLEXION = "reflexion", _("La personne prend le temps de réfléchir")
        REORIENTATION = "reorientation", _("Réorientation (CEP ou autre prestation)")
        SANS_SUITE = "sans_suite", _("Sans suite")

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="entretiens_prealables"
    )
    date = models.DateTimeField(_("date de l'entretien"))
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("consultant·e"),
    )
    demande = models.TextField(_("demande exprimée"))
    contexte = models.TextField(_("contexte"), blank=True)
    contraintes = models.TextField(_("contraintes"), blank=True)
    attentes = models.TextField(_("attentes"), blank=True)
    issue = models.CharField(_("issue de l'entretien"), max_length=20, choices=Issue.choices)
    commentaire = models.TextField(_("commentaire"), blank=True)

    class Meta:
        verbose_name = _("entretien préalable")
        verbose_name_plural = _("entretiens préalables")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="entretien_org_id",
                violation_error_message=_("Cet entretien préalable existe déjà."),
            ),
        ]

    def __str__(self) -> str:
        return f"Entretien préalable du {self.date:%d/%m/%Y}"


class QuestionEntretien(TenantOwned):
    """An extra question of the organisation's prior-interview form (rule 12).

    The administrators keep this catalogue and state, for each question, its link with the
    bilan (L6313-4, L6353-9: only information with a direct and necessary link). A question
    already answered is never deleted (the answers point to it, PROTECT): it is deactivated,
    and no longer shown in new interviews.
    """

    class Type(models.TextChoices):
        TEXTE = "texte", _("Texte libre")
        CHOIX = "choix", _("Choix dans une liste")
        DATE = "date", _("Date")

    libelle = models.CharField(_("question"), max_length=200)
    finalite = models.CharField(
        _("lien avec le bilan"),
        max_length=300,
        help_text=_("Pourquoi cette information est nécessaire au bilan (L6313-4, L6353-9)."),
    )
    type = models.CharField(_("type de réponse"), max_length=10, choices=Type.choices)
    choix = models.TextField(
        _("réponses proposées"), blank=True, help_text=_("Une réponse par ligne.")
    )
    obligatoire = models.BooleanField(_("réponse obligatoire"), default=False)
    active = models.BooleanField(_("posée dans les nouveaux entretiens"), default=True)
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("question de l'entretien préalable")
        verbose_name_plural = _("questions de l'entretien préalable")
        ordering = ["ordre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="question_entretien_org_id",
                violation_error_message=_("Cette question existe déjà."),
            ),
            models.CheckConstraint(
                condition=~models.Q(libelle="") & ~models.Q(finalite=""),
                name="question_entretien_libelle_et_finalite",
                violation_error_message=_(
                    "Une question doit avoir un libellé et dire en quoi elle sert le bilan."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(type="choix") | ~models.Q(choix=""),
                name="question_entretien_choix_renseignes",
                violation_error_message=_("Une question à choix doit proposer ses choix."),
            ),
        ]

    def __str__(self) -> str:
        return self.libelle

    @property
    def liste_choix(self) -> list[str]:
        return [ligne.strip() for ligne in self.choix.splitlines() if ligne.strip()]


class ReponseEntretien(TenantOwned):
    """An answer to an organisation's question in one prior interview: bilan content, purged
    with the interview's texts (R6313-7). ``libelle`` keeps the question as it was asked."""

    entretien = models.ForeignKey(
        EntretienPrealable, on_delete=models.CASCADE, related_name="reponses"
    )
    question = models.ForeignKey(
        QuestionEntretien, on_delete=models.PROTECT, related_name="reponses"
    )
    libelle = models.CharField(_("question posée"), max_length=200)
    valeur = models.TextField(_("réponse"))

    class Meta:
        verbose_name = _("réponse à l'entretien préalable")
        verbose_name_plural = _("réponses à l'entretien préalable")
        ordering = ["question__ordre", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "entretien", "question"],
                name="reponse_entretien_une_par_question",
                violation_error_message=_("Cette question a déjà une réponse dans cet entretien."),
            ),
            models.CheckConstraint(
                condition=~models.Q(valeur=""),
                name="reponse_entretien_valeur",
                violation_error_message=_("Une réponse ne peut pas être vide."),
            ),
        ]

    def __str__(self) -> str:
        return self.libelle


class Programme(TenantOwned):
    """An organisation's programme template: phases and séances that a bilan can start from."""

    nom = models.CharField(_("nom du programme"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    modele_source = models.CharField(
        _("modèle d'origine"),
        max_length=40,
        blank=True,
        help_text=_("Identifiant du modèle fourni dont ce programme est une copie."),
    )
    # Follow-up window after the end (months, 3 to 9, rule 16) and reflection delay after the
    # prior interview (days; None = the organisation's): each programme carries its own.
    suivi_mois = models.PositiveSmallIntegerField(
        _("entretien de suivi : au plus tôt (mois après la fin)"),
        default=6,
        validators=[MinValueValidator(3), MaxValueValidator(9)],
    )
    suivi_mois_max = models.PositiveSmallIntegerField(
        _("entretien de suivi : au plus tard (mois après la fin)"),
        default=6,
        validators=[MinValueValidator(3), MaxValueValidator(9)],
    )
    delai_reflexion_jours = models.PositiveSmallIntegerField(
        _("délai de réflexion après l'entretien préalable (jours)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
    )
    suivi_duree_minutes = models.PositiveSmallIntegerField(
        _("durée de l'entretien de suivi (minutes)"), default=60
    )
    actif = models.BooleanField(_("proposé pour les nouveaux bilans"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="programme_org_id",
                violation_error_message=_("Ce programme existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "nom"],
                name="programme_nom_unique",
                violation_error_message=_("Un autre programme de l'organisme porte déjà ce nom."),
            ),
            models.CheckConstraint(
                condition=models.Q(suivi_mois__gte=3, suivi_mois__lte=models.F("suivi_mois_max"))
                & models.Q(suivi_mois_max__lte=9),
                name="programme_fenetre_suivi",
                violation_error_message=_(
                    "La fenêtre de l'entretien de suivi va de 3 à 9 mois après la fin du bilan, "
                    "et son début précède sa fin."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.nom


class Phase(models.TextChoices):
    PRELIMINAIRE = "preliminaire", _("Phase préliminaire")
    INVESTIGATION = "investigation", _("Phase d'investigation")
    CONCLUSION = "conclusion", _("Phase de conclusion")


class TypeSeance(models.TextChoices):
    ENTRETIEN = "entretien", _("Entretien individuel")
    TRAVAIL_PERSONNEL = "travail_personnel", _("Travail personnel guidé")
    RESTITUTION = "restitution", _("Restitution")
    QUESTIONNAIRE = "questionnaire", _("Passation de questionnaire")
    AUTRE = "autre", _("Autre séance avec le ou la consultant·e")

    @classmethod
    def accompagnement(cls) -> set[str]:
        """Séance types that count as accompaniment (with the consultant)."""
        return {cls.ENTRETIEN, cls.RESTITUTION, cls.QUESTIONNAIRE, cls.AUTRE}


class ProgrammeEtape(TenantOwned):
    """One séance of a programme template."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="etapes")
    ordre = models.PositiveSmallIntegerField(_("ordre"))
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    type = models.CharField(_("type de séance"), max_length=30, choices=TypeSeance.choices)
    intitule = models.CharField(_("intitulé"), max_length=200)
    duree_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    ecart_jours = models.PositiveSmallIntegerField(_("jours après l'étape précédente"), default=7)

    class Meta:
        verbose_name = _("étape de programme")
        verbose_name_plural = _("étapes de programme")
        ordering = ["programme", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "programme", "ordre"],
                name="programme_etape_ordre",
                violation_error_message=_("Deux étapes du programme ont le même numéro d'ordre."),
            ),
        ]

    def __str__(self) -> str:
        return self.intitule


class Financement(models.TextChoices):
    CPF = "cpf", _("CPF (Mon Compte Formation)")
    PLAN_EMPLOYEUR = "plan_employeur", _("Plan de développement des compétences (employeur)")
    CONGE_RECLASSEMENT = "conge_reclassement", _("Congé de reclassement")
    OPCO = "opco", _("OPCO")
    TRANSITIONS_PRO = "transitions_pro", _("Transitions Pro")
    FRANCE_TRAVAIL = "france_travail", _("France Travail (AIF)")
    AUTRE_FINANCEUR = "autre_financeur", _("Autre financeur")
    PERSONNEL = "personnel", _("Financement personnel")


class ReponseEmployeur(models.TextChoices):
    """The employer's answer to a request for leave on working time (D6323-4)."""

    ACCORD = "accord", _("Accord")
    REFUS = "refus", _("Refus")


class StatutBilan(models.TextChoices):
    DEMANDE = "demande", _("Demande")
    PREALABLE_REALISE = "prealable_realise", _("Entretien préalable réalisé")
    ATTENTE = "attente", _("En attente de financement ou de signature")
    EN_COURS = "en_cours", _("En cours")
    SYNTHESE_REMISE = "synthese_remise", _("Synthèse remise")
    CLOS = "clos", _("Clos")
    ABANDONNE = "abandonne", _("Abandonné")
    REFUSE = "refuse", _("Refusé")


class CauseAbandon(models.TextChoices):
    """Coded cause of an abandonment, recorded with it beside the free text (Qualiopi indicator
    2, rule 29: results publish the causes; indicator 12: dropout prevention). The free text may
    be confidential; the code is what results and exports show."""

    REPRISE_EMPLOI = "reprise_emploi", _("Reprise d'emploi ou nouveau poste")
    FORMATION = "formation", _("Entrée en formation")
    SANTE = "sante", _("Raisons de santé")
    PERSONNELLE = "personnelle", _("Raisons personnelles ou familiales")
    DISPONIBILITE = "disponibilite", _("Manque de disponibilité")
    FINANCEMENT = "financement", _("Problème de financement")
    ATTENTES = "attentes", _("Le bilan ne répond pas aux attentes")
    INJOIGNABLE = "injoignable", _("Personne injoignable")
    RETRAIT_CONSENTEMENT = "retrait_consentement", _("Retrait du consentement (L6313-4)")
    RETRACTATION = "retractation", _("Rétractation du contrat (L6353-5)")
    AUTRE = "autre", _("Autre cause")


class Modalite(models.TextChoices):
    PRESENTIEL = "presentiel", _("Présentiel")
    DISTANCIEL = "distanciel", _("Distanciel")
    MIXTE = "mixte", _("Mixte")


class Bilan(TenantOwned, ColonnesMaintenues):
    """The dossier: one bilan de compétences of one beneficiary, at most 24 hours."""

    colonnes_maintenues = frozenset({"minutes_comptees"})

    beneficiaire = models.ForeignKey(Beneficiaire, on_delete=models.PROTECT, related_name="bilans")
    numero = models.CharField(_("numéro"), max_length=20)
    statut = models.CharField(
        _("statut"), max_length=20, choices=StatutBilan.choices, default=StatutBilan.DEMANDE
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, blank=True)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bilans_suivis",
        verbose_name=_("consultant·e référent·e"),
    )
    consultants_associes = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="bilans_associes",
        verbose_name=_("autres consultant·es"),
    )
    entretien_prealable = models.ForeignKey(
        EntretienPrealable, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bilans",
        verbose_name=_("programme"),
    )
    modalite = models.CharField(_("modalité"), max_length=20, choices=Modalite.choices)
    heures_accompagnement = models.DecimalField(
        _("heures d'accompagnement prévues"),
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    heures_travail_personnel = models.DecimalField(
        _("heures de travail personnel guidé prévues"),
        max_digits=4,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    date_debut_prevue = models.DateField(_("début prévu"), null=True, blank=True)
    date_fin_prevue = models.DateField(_("fin prévue"), null=True, blank=True)
    objectifs = models.TextField(_("objectifs définis ensemble"), blank=True)
    financement = models.CharField(_("financement"), max_length=30, choices=Financement.choices)
    conditions_paiement = models.TextField(
        _("conditions de paiement"),
        blank=True,
        help_text=_("Échéances, mode de règlement, subrogation éventuelle."),
    )
    prix_ttc = models.DecimalField(
        _("prix TTC (€)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # Financing details, used by the route's rules (see beneficiaires/financement.py).
    financeur_nom = models.CharField(_("financeur"), max_length=200, blank=True)
    financeur_reference = models.CharField(
        _("référence du dossier chez le financeur"), max_length=100, blank=True
    )
    employeur_signataire_nom = models.CharField(
        _("signataire pour l'employeur"), max_length=200, blank=True
    )
    employeur_signataire_fonction = models.CharField(
        _("fonction du ou de la signataire"), max_length=200, blank=True
    )
    employeur_signataire_email = models.EmailField(_("courriel du ou de la signataire"), blank=True)
    convention_transmise_le = models.DateField(
        _("convention transmise au salarié·e le"),
        null=True,
        blank=True,
        help_text=_("Point de départ des 10 jours pour signer (R6313-8)."),
    )
    cpf_proposition_commande_le = models.DateField(
        _("proposition de commande envoyée le"), null=True, blank=True
    )
    cpf_aucun_bilan_finance_5_ans = models.BooleanField(
        _(
            "déclare n'avoir eu aucun bilan financé par un financeur public ou mutualisé "
            "depuis 5 ans"
        ),
        null=True,
        blank=True,
    )
    cpf_exoneration = models.CharField(
        _("exonération de la participation forfaitaire"),
        max_length=30,
        blank=True,
        choices=[
            ("demandeur_emploi", _("Demandeur·se d'emploi")),
            ("abondement_employeur", _("Abondement de l'employeur")),
            ("abondement_opco", _("Abondement de l'OPCO")),
            ("c2p", _("Points du compte professionnel de prévention")),
            ("at_mp", _("Abondement AT/MP")),
        ],
    )
    cpf_entree_declaree_le = models.DateField(_("entrée déclarée le"), null=True, blank=True)
    cpf_sortie_declaree_le = models.DateField(_("sortie déclarée le"), null=True, blank=True)
    sur_temps_de_travail = models.BooleanField(_("pendant le temps de travail"), default=False)
    autorisation_demandee_le = models.DateField(
        _("autorisation d'absence demandée le"), null=True, blank=True
    )
    autorisation_reponse = models.CharField(
        _("réponse de l'employeur"),
        max_length=10,
        blank=True,
        choices=ReponseEmployeur.choices,
    )
    autorisation_reponse_le = models.DateField(_("réponse reçue le"), null=True, blank=True)
    date_debut_reelle = models.DateField(_("début réel"), null=True, blank=True)
    date_fin_reelle = models.DateField(_("fin réelle"), null=True, blank=True)
    # The day the dossier ended (closure, abandonment or refusal), written by the transition
    # (beneficiaires.services.bilans.bilan_changer_statut): where the R6313-7 periods start.
    # Never derived afterwards from another date (least of all the last update).
    termine_le = models.DateField(_("fin du bilan le"), null=True, blank=True, editable=False)
    motif_abandon = models.TextField(_("motif d'abandon"), blank=True)
    cause_abandon = models.CharField(
        _("cause de l'abandon"), max_length=30, choices=CauseAbandon.choices, blank=True
    )
    motif_refus = models.TextField(_("motif du refus"), blank=True)
    # L6353-5: the day a self-funded contract was withdrawn (voids the contract and the bilan).
    retractation_le = models.DateField(_("rétractation le"), null=True, blank=True)
    # Maintained by the PostgreSQL trigger seances_budget_24h alone (Django never writes it,
    # the application role cannot: bilan.core.colonnes); the CHECK below is the 24 hours.
    minutes_comptees = models.PositiveIntegerField(_("minutes comptées"), default=0, editable=False)

    class Meta:
        verbose_name = _("bilan")
        verbose_name_plural = _("bilans")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="bilan_org_id",
                violation_error_message=_("Ce bilan existe déjà."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "numero"],
                name="bilan_numero_unique",
                violation_error_message=_("Un autre bilan de l'organisme porte déjà ce numéro."),
            ),
            models.CheckConstraint(
                condition=models.Q(heures_accompagnement__gte=0, heures_travail_personnel__gte=0)
                & models.Q(heures_accompagnement__lte=24 - models.F("heures_travail_personnel")),
                name="bilan_heures_prevues_max_24",
                violation_error_message=_(
                    "Les heures prévues (accompagnement et travail personnel guidé) dépassent "
                    "les 24 heures d'un bilan (L6313-4)."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(date_fin_prevue__isnull=True)
                | models.Q(date_debut_prevue__isnull=True)
                | models.Q(date_fin_prevue__gte=models.F("date_debut_prevue")),
                name="bilan_dates_prevues_ordonnees",
            ),
            models.CheckConstraint(
                condition=~models.Q(statut="en_cours") | ~models.Q(phase=""),
                name="bilan_en_cours_a_une_phase",
                violation_error_message=_(
                    "Un bilan commencé est toujours dans l'une des trois phases."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(minutes_comptees__lte=24 * 60),
                name="bilan_24_heures_au_plus",
                violation_error_message=_(
                    "Les séances du bilan dépasseraient les 24 heures (L6313-4)."
                ),
            ),
            models.CheckConstraint(  # a withdrawal ends the bilan (L6353-5)
                condition=models.Q(retractation_le__isnull=True)
                | models.Q(statut__in=["refuse", "abandonne"]),
                name="bilan_retractation_termine",
                violation_error_message=_("Une rétractation met fin au bilan."),
            ),
            models.CheckConstraint(  # a coded cause belongs to an abandonment, from the list
                condition=models.Q(cause_abandon="")
                | models.Q(statut="abandonne", cause_abandon__in=CauseAbandon.values),
                name="bilan_cause_abandon_codee",
                violation_error_message=_(
                    "La cause d'abandon est choisie dans la liste, pour un bilan abandonné."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "statut"]),
            # "My bilans" and the consultant filter (issue 16).
            models.Index(fields=["organisation", "consultant"], name="bilan_org_consultant"),
            # The bilans list, newest first: its page of 25 read in order from the index
            # instead of sorting the organisation's 5 000 (31 ms → 0.5 ms, issue 16).
            models.Index(fields=["organisation", "-created_at"], name="bilan_org_recents"),
        ]

    def __str__(self) -> str:
        return f"{self.numero} — {self.beneficiaire}"

    @property
    def heures_prevues(self):
        return self.heures_accompagnement + self.heures_travail_personnel


class BilanEvenement(TenantOwned):
    """The dossier's history: every status or phase change, who and when, with its reason."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="evenements")
    de = models.CharField(_("de"), max_length=20, blank=True)
    vers = models.CharField(_("vers"), max_length=20)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    motif = models.TextField(_("motif"), blank=True)

    @property
    def libelle(self) -> str:
        labels = {**dict(StatutBilan.choices), **dict(Phase.choices)}
        return str(labels.get(self.vers, self.vers))

    class Meta:
        verbose_name = _("évènement du bilan")
        verbose_name_plural = _("historique du bilan")
        ordering = ["created_at", "pk"]


class Paiement(TenantOwned):
    """A payment of a self-funded bilan (L6353-6: none before the withdrawal period ends)."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="paiements")
    date = models.DateField(_("date"))
    montant = models.DecimalField(
        _("montant (€)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    mode = models.CharField(_("mode de paiement"), max_length=50, blank=True)
    enregistre_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(montant__gt=0),
                name="paiement_positif",
                violation_error_message=_("Le montant du paiement doit être supérieur à zéro."),
            )
        ]


class DemandeSuppression(TenantOwned):
    """A beneficiary's request to erase their data (RGPD art. 17), for the admins to handle
    within the legal retention rules (R6313-7; administrative evidence kept separately)."""

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="demandes_suppression"
    )
    message = models.TextField(_("message"), blank=True)
    par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    traitee_le = models.DateTimeField(_("traitée le"), null=True, blank=True)
    traitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reponse = models.TextField(_("réponse"), blank=True)

    class Meta:
        verbose_name = _("demande de suppression")
        verbose_name_plural = _("demandes de suppression")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Demande de suppression du {self.created_at:%d/%m/%Y}"


class Notification(TenantOwned):
    """A notice to the beneficiary, shown in the portal and e-mailed once through the outbox
    (``beneficiaires.services.notifications``). Its text names what happened and when, never
    content: no title, objective, note or synthèse text. ``cle`` makes it idempotent: the same
    event never notifies twice."""

    class Sujet(models.TextChoices):
        SEANCE_PLANIFIEE = "seance_planifiee", _("Séance planifiée")
        SEANCES_PLANIFIEES = "seances_planifiees", _("Séances planifiées")
        SEANCE_DEPLACEE = "seance_deplacee", _("Séance déplacée ou modifiée")
        SEANCE_ANNULEE = "seance_annulee", _("Séance annulée")
        SYNTHESE_PARTAGEE = "synthese_partagee", _("Synthèse à lire")
        DOCUMENT_A_SIGNER = "document_a_signer", _("Document à signer")
        CONVENTION_TRANSMISE = "convention_transmise", _("Convention à signer")
        BILAN_ARRETE = "bilan_arrete", _("Bilan arrêté")

    beneficiaire = models.ForeignKey(
        Beneficiaire, on_delete=models.CASCADE, related_name="notifications"
    )
    bilan = models.ForeignKey(
        Bilan, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    sujet = models.CharField(_("sujet"), max_length=30, choices=Sujet.choices)
    texte = models.CharField(_("texte"), max_length=300)
    lien = models.CharField(_("lien dans le portail"), max_length=300, blank=True)
    cle = models.CharField(_("clé"), max_length=200)
    lue_le = models.DateTimeField(_("lue le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "cle"],
                name="notification_cle_unique",
                violation_error_message=_("Cette notification a déjà été envoyée."),
            ),
        ]
        indexes = [models.Index(fields=["organisation", "beneficiaire", "-created_at"])]

    def __str__(self) -> str:
        return self.texte
