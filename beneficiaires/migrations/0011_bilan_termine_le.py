"""Retention (R6313-7): the day each dossier ended, and a journal without titles.

1. ``Bilan.termine_le``: the day the dossier ended (closure, abandonment, refusal), written by
   the transition from now on. Existing ended dossiers get it from their history: the last
   ``BilanEvenement`` that moved them into their current end state (its day in Paris), or, for
   a closed one without such an event, the ``date_fin_reelle`` written at closure. Never from
   ``updated_at``: a dossier with neither stays without a date.
2. The access journal keeps kinds and ids, no titles: the label of every existing row is
   rewritten to « <kind> <8 first characters of the id> ». This is the one sanctioned rewrite
   of the append-only journal: the migration runs as the owner, disables its trigger for the
   length of its own transaction only (``ALTER TABLE`` holds an exclusive lock until commit, so
   no other session ever writes while it is off) and enables it again. The application role
   still has neither ``UPDATE`` nor ``DELETE`` on it.

Row-level security is forced on these tables, for the owner too: a migration sees no row of
any organisation until one is bound. Both steps therefore bind each organisation in turn
(``set_config('app.current_org', …, true)``, as ``for_each_organisation`` does at run time)
and unbind at the end. SQLite (the embedded demo) has neither row-level security nor the
trigger, and runs the same statements without them.

The functions take a DB-API cursor and the database vendor, so a test can run them as the
owner on its own connection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import migrations, models

PARIS = ZoneInfo("Europe/Paris")
FINS = ("clos", "abandonne", "refuse")
JOURNAL = "core_auditevent"
DECLENCHEUR = "core_auditevent_append_only"
# The kinds journalled when this migration was written, with their neutral labels (frozen here:
# the applications declare the same ones with ``bilan.core.audit.TypeObjet``).
LIBELLES = {
    "attestation_assiduite": "Attestation d'assiduité",
    "document": "Document du dossier",
    "document_emis": "Document émis",
    "document_signe": "Document signé",
    "donnees_personnelles": "Téléchargement de ses données par le ou la bénéficiaire",
    "dossier": "Dossier de bénéficiaire",
    "liste_bilans": "Export CSV des bilans",
    "notes_seance": "Notes de séance",
    "partage_synthese": "Transmission de la synthèse",
    "rendu_fichier": "Fichier rendu (travail personnel)",
    "synthese": "Synthèse",
    "travail_personnel": "Travail personnel guidé",
}


def _organisations(cursor: Any) -> list[int]:
    cursor.execute("SELECT id FROM core_organisation ORDER BY id")
    return [row[0] for row in cursor.fetchall()]


def _lier(cursor: Any, vendor: str, organisation_id: int | None) -> None:
    """Bind one organisation for the rest of the transaction (row-level security)."""
    if vendor == "postgresql":
        cursor.execute(
            "SELECT set_config('app.current_org', %s, true)",
            ["" if organisation_id is None else str(organisation_id)],
        )


def _jour(valeur: dt.datetime | str) -> dt.date:
    if isinstance(valeur, str):  # SQLite without a converter
        valeur = dt.datetime.fromisoformat(valeur)
    if valeur.tzinfo is None:  # stored in UTC (USE_TZ)
        valeur = valeur.replace(tzinfo=dt.UTC)
    return valeur.astimezone(PARIS).date()


def bilans_dater_fin(cursor: Any, vendor: str) -> int:
    """Fill ``termine_le`` of the ended dossiers from their history; returns how many."""
    dates = 0
    for organisation_id in _organisations(cursor):
        _lier(cursor, vendor, organisation_id)
        cursor.execute(
            "SELECT id, statut, date_fin_reelle FROM beneficiaires_bilan "
            "WHERE organisation_id = %s AND termine_le IS NULL AND statut IN (%s, %s, %s)",
            [organisation_id, *FINS],
        )
        for bilan_id, statut, date_fin_reelle in cursor.fetchall():
            cursor.execute(
                "SELECT created_at FROM beneficiaires_bilanevenement "
                "WHERE organisation_id = %s AND bilan_id = %s AND vers = %s "
                "ORDER BY created_at DESC, id DESC",
                [organisation_id, bilan_id, statut],
            )
            evenement = cursor.fetchone()
            if evenement is not None:
                jour = _jour(evenement[0])
            elif statut == "clos" and date_fin_reelle is not None:
                jour = date_fin_reelle
            else:
                continue
            cursor.execute(
                "UPDATE beneficiaires_bilan SET termine_le = %s WHERE id = %s",
                [jour, bilan_id],
            )
            dates += 1
    _lier(cursor, vendor, None)
    return dates


def journal_neutraliser(cursor: Any, vendor: str) -> int:
    """Rewrite every journal label to « kind + start of the id »; returns the rows rewritten."""
    debut_id = "left(object_id::text, 8)" if vendor == "postgresql" else "substr(object_id, 1, 8)"
    concat = "CAST(%s AS TEXT) || ' ' || " + debut_id
    if vendor == "postgresql":
        cursor.execute(f'ALTER TABLE "{JOURNAL}" DISABLE TRIGGER "{DECLENCHEUR}"')
    lignes = 0
    for organisation_id in _organisations(cursor):
        _lier(cursor, vendor, organisation_id)
        cursor.execute(
            f"SELECT DISTINCT object_type FROM {JOURNAL} WHERE organisation_id = %s",
            [organisation_id],
        )
        for (object_type,) in cursor.fetchall():
            libelle = LIBELLES.get(object_type, f"Objet ({object_type})")
            cursor.execute(
                f"UPDATE {JOURNAL} SET object_label = {concat} "
                "WHERE organisation_id = %s AND object_type = %s",
                [libelle, organisation_id, object_type],
            )
            lignes += cursor.rowcount
    _lier(cursor, vendor, None)
    if vendor == "postgresql":
        cursor.execute(f'ALTER TABLE "{JOURNAL}" ENABLE TRIGGER "{DECLENCHEUR}"')
    return lignes


def _dater(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        bilans_dater_fin(cursor, schema_editor.connection.vendor)


def _neutraliser(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        journal_neutraliser(cursor, schema_editor.connection.vendor)


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaires", "0010_document_categorie"),
        ("core", "0007_organisation_abandon_alerte_semaines"),
    ]

    operations = [
        migrations.AddField(
            model_name="bilan",
            name="termine_le",
            field=models.DateField(
                blank=True, editable=False, null=True, verbose_name="fin du bilan le"
            ),
        ),
        # Reversing keeps the dates and the neutral labels: nothing to undo.
        migrations.RunPython(_dater, migrations.RunPython.noop),
        migrations.RunPython(_neutraliser, migrations.RunPython.noop),
    ]
