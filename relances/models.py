"""The outbox of due actions: every reminder, survey and alert is a row written in the same
transaction as the event that causes it, with a due time and a unique key.

A beat task (every 30 seconds) claims due rows under a short lease and hands each to a Celery
task that sends it once (``relances.services``). Nothing months away ever waits in the broker.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from bilan.core.models import TenantOwned


class Relance(TenantOwned):
    class Kind(models.TextChoices):
        RAPPEL_SEANCE_BENEFICIAIRE = (
            "rappel_seance_beneficiaire",
            _("Rappel de séance (bénéficiaire)"),
        )
        RAPPEL_SEANCE_CONSULTANT = "rappel_seance_consultant", _("Rappel de séance (consultant·e)")
        CONVENTION_SIGNATURE_RAPPEL = (
            "convention_signature_rappel",
            _("Rappel de signature de la convention"),
        )
        CPF_DECLARATION_ENTREE = "cpf_declaration_entree", _("Déclaration d'entrée CPF à faire")
        CPF_DECLARATION_SORTIE = "cpf_declaration_sortie", _("Déclaration de sortie CPF à faire")
        QUALIOPI_EXPIRATION = "qualiopi_expiration", _("Certificat Qualiopi bientôt expiré")
        RETRACTATION_FIN = (
            "retractation_fin",
            _("Fin du délai de rétractation : les paiements sont possibles"),
        )
        ENQUETE_CHAUD = "enquete_chaud", _("Enquête de satisfaction à chaud")
        ENQUETE_CHAUD_RAPPEL = "enquete_chaud_rappel", _("Rappel de l'enquête à chaud")
        ENQUETE_FROID = "enquete_froid", _("Enquête de satisfaction à froid")
        ENQUETE_FROID_RAPPEL = "enquete_froid_rappel", _("Rappel de l'enquête à froid")
        SUIVI_INVITATION = "suivi_invitation", _("Invitation à l'entretien de suivi")
        SUIVI_RAPPEL_CONSULTANT = "suivi_rappel_consultant", _("Rappel de l'entretien de suivi")
        ABANDON_RISQUE = "abandon_risque", _("Risque d'abandon")
        NOTIFICATION_BENEFICIAIRE = (
            "notification_beneficiaire",
            _("Notification au ou à la bénéficiaire"),
        )

    class Statut(models.TextChoices):
        A_ENVOYER = "a_envoyer", _("À envoyer")
        EN_COURS = "en_cours", _("En cours d'envoi")
        ENVOYEE = "envoyee", _("Envoyée")
        ECHEC = "echec", _("Échec")
        ANNULEE = "annulee", _("Annulée")

    kind = models.CharField(_("type"), max_length=40, choices=Kind.choices)
    # The target, generically: what the row is about ("seance", "bilan", "suivi", "organisation").
    target_type = models.CharField(_("objet"), max_length=30)
    target_id = models.UUIDField(_("identifiant de l'objet"))
    bilan = models.ForeignKey(
        "beneficiaires.Bilan",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="relances",
    )
    seance = models.ForeignKey(
        "seances.Seance",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="relances",
    )
    destinataire = models.EmailField(_("destinataire"))
    due_le = models.DateTimeField(_("à envoyer le"))
    cle_unique = models.CharField(_("clé"), max_length=200)
    statut = models.CharField(
        _("statut"), max_length=20, choices=Statut.choices, default=Statut.A_ENVOYER
    )
    tentatives = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    derniere_erreur = models.TextField(_("dernière erreur"), blank=True)
    envoyee_le = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    reclamee_le = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    # The claim's lease (relances.services): who may send the row (the claim's token, carried by
    # its task message) and until when; an expired lease is claimed again by the dispatcher.
    bail_jeton = models.UUIDField(_("jeton de prise en charge"), null=True, blank=True)
    bail_expire_le = models.DateTimeField(
        _("prise en charge valable jusqu'au"), null=True, blank=True
    )
    # Each send attempt is counted (``tentatives``) and dated in its own transaction before the
    # mail server is contacted: it survives a worker killed in the middle of the send.
    derniere_tentative_le = models.DateTimeField(_("dernière tentative le"), null=True, blank=True)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["due_le", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "cle_unique"],
                name="relance_cle_unique",
                violation_error_message=_("Cette relance est déjà planifiée."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "id"],
                name="relance_org_id",
                violation_error_message=_("Cette relance existe déjà."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    statut__in=["a_envoyer", "en_cours", "envoyee", "echec", "annulee"]
                ),
                name="relance_statut_valide",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "statut", "due_le"], name="relance_dues"),
            # The outbox's history tabs and their counts over a window (issue 16).
            models.Index(
                fields=["organisation", "statut", "-updated_at"], name="relance_historique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.due_le:%d/%m/%Y %H:%M}"
