"""R6313-7 on demand: destroy now what the nightly task would destroy, or, with ``--dry-run``,
list it without touching anything (the same code runs and is rolled back)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from bilan.core.formatting import date_fr
from bilan.core.models import Organisation
from bilan.core.tenancy import tenant_context
from syntheses.services.retention import bilans_purger


class Command(BaseCommand):
    help = (
        "Détruit les documents de travail des bilans terminés dont la date est venue "
        "(R6313-7) ; --dry-run liste ce qui serait détruit sans rien toucher."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Simulation : lister ce qui serait détruit, ne rien détruire.",
        )
        parser.add_argument(
            "--organisation",
            metavar="SLUG",
            help="Seulement cet organisme (son identifiant court).",
        )

    def handle(
        self, *args: Any, dry_run: bool = False, organisation: str | None = None, **options: Any
    ) -> None:
        organisations = Organisation.objects.filter(is_active=True).order_by("pk")
        if organisation is not None:
            organisations = organisations.filter(slug=organisation)
            if not organisations.exists():
                raise CommandError(
                    _("Aucun organisme actif n'a pour identifiant « %(slug)s ».")
                    % {"slug": organisation}
                )
        aujourdhui = timezone.localdate()
        if dry_run:
            self.stdout.write(
                _("Simulation au %(d)s : rien ne sera détruit.") % {"d": date_fr(jour=aujourdhui)}
            )
        total_bilans = total_objets = 0
        for org in organisations:
            with tenant_context(org):
                faits = bilans_purger(aujourdhui=aujourdhui, simuler=dry_run)
            self.stdout.write(f"{org.raison_sociale} ({org.slug})")
            if not faits:
                self.stdout.write("  " + _("Rien à détruire."))
            for bilan, purges in faits:
                fin = (
                    date_fr(jour=bilan.termine_le)
                    if bilan.termine_le
                    else _("date de fin non enregistrée")
                )
                entete = _("serait détruit :") if dry_run else _("détruit :")
                self.stdout.write(
                    "  "
                    + _("Bilan %(numero)s (%(statut)s, fin : %(fin)s) — %(entete)s")
                    % {
                        "numero": bilan.numero,
                        "statut": bilan.get_statut_display().lower(),
                        "fin": fin,
                        "entete": entete,
                    }
                )
                for purge in purges:
                    self.stdout.write(f"    - {purge.objet} : {purge.nombre}")
                total_bilans += 1
                total_objets += len(purges)
        # French plural (0 and 1 singular), whatever the catalogue holds.
        singulier = total_bilans <= 1
        if dry_run:
            bilans = _("%(n)s bilan à purger") if singulier else _("%(n)s bilans à purger")
            bilan_final = _(
                "Simulation terminée : %(bilans)s, %(objets)s nature(s) de documents. "
                "Rien n'a été détruit."
            )
        else:
            bilans = _("%(n)s bilan purgé") if singulier else _("%(n)s bilans purgés")
            bilan_final = _(
                "Purge terminée : %(bilans)s, %(objets)s nature(s) de documents détruite(s)."
            )
        self.stdout.write(
            bilan_final % {"bilans": bilans % {"n": total_bilans}, "objets": total_objets}
        )
