"""ROME 4.0 reference tables (France Travail open data): shared by every organisation, not
tenant-owned, no row-level security. Loaded by ``manage.py rome_charger``, read-only for the
application afterwards."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RomeVersion(models.Model):
    """One loaded version of the ROME: the loader skips a version already here."""

    numero = models.PositiveIntegerField(_("version"), unique=True)
    titre = models.CharField(_("titre"), max_length=200)
    publiee_le = models.DateField(_("publiée le"))
    chargee_le = models.DateTimeField(_("chargée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("version du ROME")
        verbose_name_plural = _("versions du ROME")
        ordering = ["-numero"]

    def __str__(self) -> str:
        return self.titre


class CentreInteret(models.Model):
    code = models.PositiveIntegerField(_("code"), unique=True)
    libelle = models.CharField(_("centre d'intérêt"), max_length=200)
    definition = models.TextField(_("définition"), blank=True)

    class Meta:
        verbose_name = _("centre d'intérêt")
        verbose_name_plural = _("centres d'intérêt")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.libelle


class ContexteTravail(models.Model):
    code_ogr = models.PositiveIntegerField(_("code OGR"), unique=True)
    libelle = models.CharField(_("contexte de travail"), max_length=300)
    type_libelle = models.CharField(_("type de contexte"), max_length=200)

    class Meta:
        verbose_name = _("contexte de travail")
        verbose_name_plural = _("contextes de travail")
        ordering = ["type_libelle", "libelle"]

    def __str__(self) -> str:
        return self.libelle


class Fiche(models.Model):
    """A fiche métier (code ROME), with its texts and its RIASEC code."""

    code = models.CharField(_("code ROME"), max_length=5, unique=True)
    libelle = models.CharField(_("métier"), max_length=300)
    definition = models.TextField(_("définition"), blank=True)
    acces = models.TextField(_("accès au métier"), blank=True)
    riasec_majeur = models.CharField(_("RIASEC majeur"), max_length=1, blank=True)
    riasec_mineur = models.CharField(_("RIASEC mineur"), max_length=1, blank=True)
    domaine_code = models.CharField(_("domaine professionnel"), max_length=3)
    domaine_libelle = models.CharField(_("domaine professionnel"), max_length=200)
    grand_domaine_libelle = models.CharField(_("grand domaine"), max_length=200)
    emploi_cadre = models.BooleanField(_("emploi cadre"), default=False)
    emploi_reglemente = models.BooleanField(_("emploi réglementé"), default=False)
    centres_interet = models.ManyToManyField(CentreInteret, related_name="fiches", blank=True)
    contextes = models.ManyToManyField(ContexteTravail, related_name="fiches", blank=True)

    class Meta:
        verbose_name = _("fiche métier")
        verbose_name_plural = _("fiches métier")
        ordering = ["code"]
        indexes = [models.Index(fields=["riasec_majeur", "riasec_mineur"], name="fiche_riasec")]

    def __str__(self) -> str:
        return f"{self.code} {self.libelle}"

    @property
    def code_riasec(self) -> str:
        return f"{self.riasec_majeur}{self.riasec_mineur}"


class Appellation(models.Model):
    """A job title of a fiche; ``recherche`` is the title accent-stripped and lower-cased at
    load time (``exploration.selectors.rome.normaliser``), the column the search reads (a GIN
    trigram index on PostgreSQL)."""

    code_ogr = models.PositiveIntegerField(_("code OGR"), unique=True)
    libelle = models.CharField(_("appellation"), max_length=300)
    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="appellations")
    principale = models.BooleanField(_("appellation principale"), default=False)
    peu_usitee = models.BooleanField(_("peu usitée"), default=False)
    recherche = models.CharField(_("texte de recherche"), max_length=300)

    class Meta:
        verbose_name = _("appellation")
        verbose_name_plural = _("appellations")
        ordering = ["libelle"]

    def __str__(self) -> str:
        return self.libelle


class Competence(models.Model):
    """An item of the skills referential: savoir-faire (compétence or macro-compétence),
    savoir-être professionnel, or savoir; ``groupe`` is what the fiche page groups it under."""

    class Nature(models.TextChoices):
        SAVOIR_FAIRE = "savoir_faire", _("Savoir-faire")
        SAVOIR_ETRE = "savoir_etre", _("Savoir-être professionnel")
        SAVOIR = "savoir", _("Savoir")

    code_ogr = models.PositiveIntegerField(_("code OGR"), unique=True)
    libelle = models.CharField(_("libellé"), max_length=400)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    macro = models.BooleanField(_("macro-compétence"), default=False)
    groupe = models.CharField(_("groupe"), max_length=400, blank=True)

    class Meta:
        verbose_name = _("compétence ou savoir")
        verbose_name_plural = _("compétences et savoirs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nature__in=["savoir_faire", "savoir_etre", "savoir"]),
                name="rome_competence_nature_valide",
                violation_error_message=_("Nature de compétence inconnue."),
            )
        ]

    def __str__(self) -> str:
        return self.libelle


class FicheCompetence(models.Model):
    """A skill or knowledge of a fiche, with the core/emerging flag the data gives."""

    class Coeur(models.TextChoices):
        AUCUN = "", _("—")
        PRINCIPALE = "principale", _("Cœur de métier")
        EMERGENTE = "emergente", _("Émergente")

    fiche = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="competences")
    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="+")
    coeur = models.CharField(_("cœur de métier"), max_length=12, blank=True, choices=Coeur.choices)

    class Meta:
        verbose_name = _("compétence d'une fiche")
        verbose_name_plural = _("compétences des fiches")
        constraints = [
            models.UniqueConstraint(
                fields=["fiche", "competence"],
                name="rome_fiche_competence_unique",
                violation_error_message=_("Cette compétence est déjà sur la fiche."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.fiche_id} {self.competence_id}"


class Mobilite(models.Model):
    """A mobility the ROME suggests from one fiche to another."""

    source = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="mobilites")
    cible = models.ForeignKey(Fiche, on_delete=models.CASCADE, related_name="+")
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("mobilité")
        verbose_name_plural = _("mobilités")
        ordering = ["ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "cible"],
                name="rome_mobilite_unique",
                violation_error_message=_("Cette mobilité existe déjà."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.cible_id}"
