"""The evidence export's pages and services: admin only, journalled request and download,
French errors at the field, expiry, the management command."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from bilan.core.models import AuditEvent, Role, private_storage
from bilan.core.tenancy import tenant_context
from qualiopi.models import ExportQualiopi
from qualiopi.services.export import export_construire, export_demander, exports_expirer
from tests.factories.core import staff_user
from tests.qualiopi.donnees_export import dossier_clos

pytestmark = pytest.mark.django_db
URL = "/app/qualiopi/export/"


def _demander(world, **champs):
    fin = timezone.localdate()
    valeurs = {
        "debut": fin - dt.timedelta(days=365),
        "fin": fin,
        "echantillon": None,
        "graine": None,
        **champs,
    }
    with tenant_context(world.org_a):
        return export_demander(
            organisation=world.org_a, demandeur=world.admin_a, client=None, **valeurs
        )


def _construit(world, **champs):
    export = _demander(world, **champs)
    assert export_construire(organisation_id=world.org_a.pk, export_id=export.pk) == "pret"
    with tenant_context(world.org_a):
        export.refresh_from_db()
    return export


def _exports(organisation):
    with tenant_context(organisation):
        return list(ExportQualiopi.objects.all())


def _journal(organisation, action):
    with tenant_context(organisation):
        return list(
            AuditEvent.objects.filter(action=action, object_type="export_qualiopi").values_list(
                "object_id", "actor_id"
            )
        )


def test_admin_sees_the_form_with_the_last_twelve_months(world, login_as):
    response = login_as(world.admin_a).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Export des preuves Qualiopi" in page
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page


def test_a_consultant_is_refused_the_page_the_request_and_the_download(world, login_as):
    export = _construit(world)
    client = login_as(world.consultant_a)
    assert client.get(URL).status_code == 403
    fin = timezone.localdate()
    response = client.post(URL, {"debut": fin - dt.timedelta(days=30), "fin": fin})
    assert response.status_code == 403
    assert len(_exports(world.org_a)) == 1
    for nom in ("qualiopi:export_etat", "qualiopi:export_fichier"):
        response = client.get(reverse(nom, args=[export.public_id]))
        assert response.status_code == 403
        assert b"PK" not in response.content[:2]
    assert _journal(world.org_a, AuditEvent.Action.DOWNLOAD) == []


def test_another_organisation_admin_gets_404_and_no_file(world, login_as):
    export = _construit(world)
    admin_b = staff_user(organisation=world.org_b, role=Role.ADMIN, email="berthe@b.test")
    client = login_as(admin_b)
    for nom in ("qualiopi:export_etat", "qualiopi:export_fichier"):
        response = client.get(reverse(nom, args=[export.public_id]))
        assert response.status_code == 404
    assert "preuves" not in client.get(URL).content.decode().split("Exports récents")[1]
    assert _journal(world.org_b, AuditEvent.Action.DOWNLOAD) == []
    assert _journal(world.org_a, AuditEvent.Action.DOWNLOAD) == []


def test_the_request_creates_a_waiting_export_and_a_journal_entry(
    world, login_as, django_capture_on_commit_callbacks, monkeypatch
):
    lances = []
    monkeypatch.setattr(
        "qualiopi.services.export.export_lancer", lambda org, pk: lances.append((org, pk))
    )
    fin = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = login_as(world.admin_a).post(
            URL, {"debut": fin - dt.timedelta(days=90), "fin": fin, "echantillon": 2}
        )
    assert response.status_code == 302
    (export,) = _exports(world.org_a)
    assert export.statut == "en_attente"
    assert export.echantillon == 2
    assert export.graine is not None  # drawn and shown
    assert lances == [(world.org_a.pk, export.pk)]
    assert _journal(world.org_a, AuditEvent.Action.EXPORT) == [(export.public_id, world.admin_a.pk)]
    page = login_as(world.admin_a).get(URL).content.decode()
    assert f"graine {export.graine}" in page
    assert 'hx-trigger="every 2s"' in page
    assert "<progress" in page


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        ({"debut": "2026-05-01", "fin": "2026-04-01"}, "fin", "La fin de la période précède"),
        ({"debut": "2020-01-01", "fin": "2026-01-01"}, "fin", "dépasse quatre ans"),
        (
            {"debut": "2026-01-01", "fin": "2026-03-01", "echantillon": "0"},
            "echantillon",
            "au moins un dossier",
        ),
        ({"debut": "", "fin": "2026-03-01"}, "debut", "Indiquez le début"),
    ],
)
def test_bad_input_is_refused_at_the_field_in_french_and_nothing_is_written(
    world, login_as, donnees, champ, message
):
    response = login_as(world.admin_a).post(URL, donnees)
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[champ])
    assert _exports(world.org_a) == []
    assert _journal(world.org_a, AuditEvent.Action.EXPORT) == []


def test_progress_cell_polls_while_building_and_offers_the_download_when_ready(world, login_as):
    export = _demander(world)
    client = login_as(world.admin_a)
    cellule = client.get(reverse("qualiopi:export_etat", args=[export.public_id])).content.decode()
    assert 'hx-trigger="every 2s"' in cellule
    assert "<progress" in cellule
    export_construire(organisation_id=world.org_a.pk, export_id=export.pk)
    cellule = client.get(reverse("qualiopi:export_etat", args=[export.public_id])).content.decode()
    assert "hx-trigger" not in cellule
    assert reverse("qualiopi:export_fichier", args=[export.public_id]) in cellule


def test_download_streams_the_zip_and_is_journalled(world, login_as):
    dossier_clos(world.beneficiaire_a, admin=world.admin_a, numero="BC-2026-0042")
    export = _construit(world)
    assert export.fichier.startswith(f"org-{world.org_a.pk}/exports/")
    assert export.expire_le - export.termine_le == dt.timedelta(days=7)
    response = login_as(world.admin_a).get(
        reverse("qualiopi:export_fichier", args=[export.public_id])
    )
    assert response.status_code == 200
    assert response.streaming
    contenu = b"".join(response.streaming_content)
    assert len(contenu) == export.taille
    noms = zipfile.ZipFile(io.BytesIO(contenu)).namelist()
    assert "index.html" in noms
    assert "conventions_signees/BC-2026-0042-convention-v1.pdf" in noms
    assert "attachment" in response["Content-Disposition"]
    assert _journal(world.org_a, AuditEvent.Action.DOWNLOAD) == [
        (export.public_id, world.admin_a.pk)
    ]


def test_an_expired_export_is_refused_then_deleted_by_the_periodic_task(world, login_as):
    export = _construit(world)
    chemin = Path(private_storage().path(export.fichier))
    assert chemin.exists()
    with tenant_context(world.org_a):
        ExportQualiopi.objects.filter(pk=export.pk).update(
            expire_le=timezone.now() - dt.timedelta(minutes=1)
        )
    client = login_as(world.admin_a)
    url = reverse("qualiopi:export_fichier", args=[export.public_id])
    assert client.get(url).status_code == 404
    assert _journal(world.org_a, AuditEvent.Action.DOWNLOAD) == []
    with tenant_context(world.org_a):
        assert exports_expirer(organisation=world.org_a, maintenant=timezone.now()) == 1
        # Claimed once: a second run finds nothing.
        assert exports_expirer(organisation=world.org_a, maintenant=timezone.now()) == 0
    with tenant_context(world.org_a):
        export.refresh_from_db()
    assert export.statut == "expire"
    assert export.fichier == ""
    # The file goes once the expiry is committed (on_commit: run by the test's end here).
    assert client.get(url).status_code == 404


def test_expiry_deletes_the_file_after_commit(world, django_capture_on_commit_callbacks):
    export = _construit(world)
    chemin = Path(private_storage().path(export.fichier))
    with tenant_context(world.org_a):
        ExportQualiopi.objects.filter(pk=export.pk).update(expire_le=timezone.now())
    with django_capture_on_commit_callbacks(execute=True), tenant_context(world.org_a):
        exports_expirer(organisation=world.org_a, maintenant=timezone.now())
    assert not chemin.exists()


def test_a_build_that_fails_says_so_and_leaves_no_file(world, monkeypatch):
    export = _demander(world)

    def casse(**_kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr("qualiopi.services.export.archive_ecrire", casse)
    assert export_construire(organisation_id=world.org_a.pk, export_id=export.pk) == "echec"
    with tenant_context(world.org_a):
        export.refresh_from_db()
    assert export.statut == "echec"
    assert "échoué" in export.erreur
    assert "disque plein" not in export.erreur
    assert export.fichier == ""
    # Idempotent: a redelivered message does not build again.
    assert export_construire(organisation_id=world.org_a.pk, export_id=export.pk) == "echec"


def test_management_command_writes_the_same_archive(world, tmp_path, capsys):
    dossier_clos(world.beneficiaire_a, admin=world.admin_a, numero="BC-2026-0042")
    sortie = tmp_path / "preuves.zip"
    fin = timezone.localdate()
    call_command(
        "export_qualiopi",
        "--organisation",
        world.org_a.slug,
        "--start",
        f"{fin - dt.timedelta(days=365):%Y-%m-%d}",
        "--end",
        f"{fin:%Y-%m-%d}",
        "--output",
        str(sortie),
        "--sample",
        "1",
        "--seed",
        "7",
    )
    sortie_texte = capsys.readouterr().out
    assert "Archive écrite" in sortie_texte
    assert str(sortie) in sortie_texte
    assert "graine 7" in sortie_texte
    assert "[0/" in sortie_texte
    with zipfile.ZipFile(sortie) as zf:
        index = zf.read("index.html").decode()
        assert "conventions_signees/BC-2026-0042-convention-v1.pdf" in zf.namelist()
    assert "graine du tirage : 7" in index


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--organisation", "inconnu"], "Organisme inconnu"),
        (["--start", "2026-13-01"], "date invalide"),
        (["--start", "2026-05-01", "--end", "2026-04-01"], "précède son début"),
        (["--sample", "0"], "au moins un dossier"),
        (["--output", "/dossier/absent/x.zip"], "n'existe pas"),
    ],
)
def test_management_command_errors_are_in_french(world, tmp_path, arguments, message):
    valeurs = {
        "--organisation": world.org_a.slug,
        "--start": "2026-01-01",
        "--end": "2026-03-01",
        "--output": str(tmp_path / "x.zip"),
    }
    for cle, valeur in zip(arguments[::2], arguments[1::2], strict=True):
        valeurs[cle] = valeur
    args = [element for paire in valeurs.items() for element in paire]
    with pytest.raises(CommandError, match=message):
        call_command("export_qualiopi", *args)


def test_a_build_whose_worker_vanished_is_taken_again_then_failed_after_a_day(world):
    export = _demander(world)
    with tenant_context(world.org_a):
        ExportQualiopi.objects.filter(pk=export.pk).update(statut="en_cours")
    # Still moving (recent progress): a redelivered message leaves it alone.
    assert export_construire(organisation_id=world.org_a.pk, export_id=export.pk) == "en_cours"
    with tenant_context(world.org_a):
        ExportQualiopi.objects.filter(pk=export.pk).update(
            updated_at=timezone.now() - dt.timedelta(minutes=20)
        )
    assert export_construire(organisation_id=world.org_a.pk, export_id=export.pk) == "pret"
    bloque = _demander(world)
    with tenant_context(world.org_a):
        ExportQualiopi.objects.filter(pk=bloque.pk).update(
            updated_at=timezone.now() - dt.timedelta(days=2)
        )
        exports_expirer(organisation=world.org_a, maintenant=timezone.now())
        bloque.refresh_from_db()
    assert bloque.statut == "echec"
    assert "interrompue" in bloque.erreur
