"""The follow-up interview: after the end only, default date, coded result, never in the 24 h."""

import datetime as dt
import html
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from beneficiaires.models import Bilan, Phase, StatutBilan
from bilan.core import dates
from bilan.core.models import Role
from bilan.core.tenancy import tenant_context
from seances.models import EntretienSuivi, Seance
from seances.selectors import suivi as lecture
from seances.services import suivi as services
from tests.factories.bilans import bilan_for
from tests.factories.core import staff_user

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
FIN = dt.date(2026, 1, 15)


def _page(response) -> str:
    return html.unescape(response.content.decode())


def _bilan_termine(world, *, fin=FIN, statut=StatutBilan.CLOS, beneficiaire=None):
    return bilan_for(
        beneficiaire or world.beneficiaire_a,
        statut=statut,
        phase=Phase.CONCLUSION,
        date_fin_reelle=fin,
    )


def _planifier(world, bilan, **kwargs):
    with tenant_context(world.org_a):
        bilan = Bilan.objects.get(pk=bilan.pk)
        return services.suivi_planifier(bilan=bilan, par=world.consultant_a, **kwargs)


def test_refused_before_the_end(world):
    en_cours = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    with pytest.raises(ValidationError, match="une fois le bilan terminé"):
        _planifier(world, en_cours)
    with tenant_context(world.org_a):
        Bilan.objects.filter(pk=en_cours.pk).update(statut=StatutBilan.ABANDONNE)
    with pytest.raises(ValidationError, match="une fois le bilan terminé"):
        _planifier(world, en_cours)
    with tenant_context(world.org_a):
        assert not EntretienSuivi.objects.exists()


def test_regle_16_refused_on_or_before_the_end_date(world):
    bilan = _bilan_termine(world)
    for jour in (FIN, FIN - dt.timedelta(days=30)):
        with pytest.raises(ValidationError) as exc:
            _planifier(world, bilan, date_prevue=dt.datetime.combine(jour, dt.time(14), PARIS))
        assert "après la fin du bilan (15/01/2026)" in " ".join(exc.value.messages)
    with tenant_context(world.org_a):
        assert not EntretienSuivi.objects.exists()


def test_regle_16_default_date_is_end_plus_six_months_at_ten(world):
    bilan = _bilan_termine(world)
    suivi = _planifier(world, bilan)
    assert suivi.date_prevue == dt.datetime(2026, 7, 15, 10, 0, tzinfo=PARIS)
    assert suivi.consultant == world.consultant_a
    assert suivi.statut == EntretienSuivi.Statut.PLANIFIE


def test_default_date_follows_the_organisations_delay(world):
    world.org_a.suivi_delai_mois = 3
    world.org_a.save()
    bilan = _bilan_termine(world, fin=dt.date(2025, 11, 30), statut=StatutBilan.SYNTHESE_REMISE)
    suivi = _planifier(world, bilan)
    # 30/11 + 3 months: clamped to Saturday 28/02/2026, then moved to Monday 02/03.
    assert suivi.date_prevue == dt.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)


def test_regle_16_default_date_never_falls_on_a_sunday(world):
    """The demo's closed bilan (end 30/11/2026) got its follow-up on Sunday 30/05/2027: the
    default moves to the next working day, as a calendar's séances do."""
    bilan = _bilan_termine(world, fin=dt.date(2026, 11, 30))
    with tenant_context(world.org_a):
        assert lecture.suivi_date_par_defaut(bilan=bilan) == dt.datetime(
            2027, 5, 31, 10, 0, tzinfo=PARIS
        )
    suivi = _planifier(world, bilan)
    assert suivi.date_prevue == dt.datetime(2027, 5, 31, 10, 0, tzinfo=PARIS)
    assert suivi.date_prevue.date().weekday() == 0


def test_ajouter_mois():
    assert dates.ajouter_mois(jour=dt.date(2026, 1, 15), mois=6) == dt.date(2026, 7, 15)
    assert dates.ajouter_mois(jour=dt.date(2026, 8, 31), mois=6) == dt.date(2027, 2, 28)
    assert dates.ajouter_mois(jour=dt.date(2027, 8, 31), mois=6) == dt.date(2028, 2, 29)


def test_regle_03_follow_up_never_counted_and_its_result_required(world):
    bilan = _bilan_termine(world)
    with tenant_context(world.org_a):
        Seance.objects.create(
            organisation=world.org_a,
            bilan=bilan,
            consultant=world.consultant_a,
            phase=Phase.CONCLUSION,
            type="entretien",
            intitule="Restitution",
            debut=dt.datetime(2026, 1, 10, 10, tzinfo=PARIS),
            duree_minutes=120,
            modalite="telephone",
            statut="realisee",
        )
        avant = Bilan.objects.get(pk=bilan.pk).minutes_comptees
    assert avant == 120
    suivi = _planifier(world, bilan)
    with pytest.raises(ValidationError, match="situation"), tenant_context(world.org_a):
        services.suivi_enregistrer_resultat(
            suivi=suivi, resultat="", commentaire="", par=world.consultant_a
        )
    with tenant_context(world.org_a):
        suivi.refresh_from_db()
        assert suivi.statut == EntretienSuivi.Statut.PLANIFIE
        services.suivi_enregistrer_resultat(
            suivi=suivi,
            resultat="en_formation",
            commentaire="<b>Entrée</b> en formation",
            par=world.consultant_a,
        )
        suivi.refresh_from_db()
        assert suivi.statut == EntretienSuivi.Statut.REALISE
        assert suivi.commentaire == "Entrée en formation"
        assert suivi.realise_le is not None
        assert Bilan.objects.get(pk=bilan.pk).minutes_comptees == avant
    # The database refuses a realised follow-up without result, whatever the path.
    with pytest.raises(IntegrityError), tenant_context(world.org_a):
        EntretienSuivi.objects.filter(pk=suivi.pk).update(resultat="")
    with pytest.raises(ValidationError, match="déjà eu lieu"):
        _planifier(world, bilan)


def test_cancel_then_replan(world):
    bilan = _bilan_termine(world)
    suivi = _planifier(world, bilan)
    with tenant_context(world.org_a):
        services.suivi_annuler(suivi=suivi, par=world.consultant_a)
        suivi.refresh_from_db()
        assert suivi.statut == EntretienSuivi.Statut.ANNULE
        with pytest.raises(ValidationError):
            services.suivi_enregistrer_resultat(
                suivi=suivi, resultat="en_recherche", commentaire="", par=world.consultant_a
            )
    nouveau = _planifier(world, bilan, date_prevue=dt.datetime(2026, 9, 1, 9, tzinfo=PARIS))
    assert nouveau.pk == suivi.pk
    assert nouveau.statut == EntretienSuivi.Statut.PLANIFIE


def test_rights(world):
    bilan = _bilan_termine(world)
    autre = staff_user(organisation=world.org_a, email="autre@a.test")
    assistant = staff_user(organisation=world.org_a, role=Role.ASSISTANT, email="as@a.test")
    with tenant_context(world.org_a):
        bilan = Bilan.objects.get(pk=bilan.pk)
        with pytest.raises(PermissionDenied):
            services.suivi_planifier(bilan=bilan, par=autre)
        suivi = services.suivi_planifier(bilan=bilan, par=assistant)  # logistics
        with pytest.raises(PermissionDenied):
            services.suivi_enregistrer_resultat(
                suivi=suivi, resultat="en_recherche", commentaire="", par=assistant
            )


def test_suivis_a_venir(world):
    premier = _planifier(world, _bilan_termine(world))
    with tenant_context(world.org_a):
        services.suivi_annuler(suivi=premier, par=world.consultant_a)
        assert list(lecture.suivis_a_venir(organisation=world.org_a)) == []
    second = _planifier(world, premier.bilan)
    with tenant_context(world.org_a):
        assert list(lecture.suivis_a_venir(organisation=world.org_a)) == [second]


def test_taux_realisation_suivi(world):
    from tests.factories.beneficiaires import BeneficiaireFactory

    def bilan_fini(fin):
        beneficiaire = BeneficiaireFactory(organisation=world.org_a, consultant=world.consultant_a)
        return _bilan_termine(world, fin=fin, beneficiaire=beneficiaire)

    realise = _planifier(world, bilan_fini(dt.date(2025, 1, 10)))  # due 2025-07-10
    _planifier(world, bilan_fini(dt.date(2025, 2, 10)))  # due 2025-08-10, planned only
    bilan_fini(dt.date(2025, 3, 10))  # due 2025-09-10, never planned: still due
    annule = _planifier(world, bilan_fini(dt.date(2025, 4, 10)))  # cancelled: still due
    _planifier(world, bilan_fini(dt.date(2025, 9, 10)))  # due 2026-03-10: outside
    with tenant_context(world.org_a):
        services.suivi_enregistrer_resultat(
            suivi=realise, resultat="en_emploi_projet", commentaire="", par=world.consultant_a
        )
        services.suivi_annuler(suivi=annule, par=world.consultant_a)
        taux = lecture.suivi_taux_realisation(debut=dt.date(2025, 1, 1), fin=dt.date(2025, 12, 31))
        assert (taux.dus, taux.realises, taux.taux) == (4, 1, 25.0)
        vide = lecture.suivi_taux_realisation(debut=dt.date(2020, 1, 1), fin=dt.date(2020, 12, 31))
        assert vide.taux is None
    with tenant_context(world.org_b):
        assert (
            lecture.suivi_taux_realisation(debut=dt.date(2025, 1, 1), fin=dt.date(2025, 12, 31)).dus
            == 0
        )


def test_staff_pages(world, login_as):
    bilan = _bilan_termine(world)
    client = login_as(world.consultant_a)
    url = f"/app/travail/bilans/{bilan.public_id}/suivi/"
    page = _page(client.get(url))
    assert page.count("<h1") == 1
    assert 'value="2026-07-15T10:00"' in page
    assert 'for="id_date_prevue"' in page
    response = client.post(
        url,
        {
            "date_prevue": "2026-01-10T10:00",
            "consultant": world.consultant_a.pk,
            "modalite": "visio",
        },
    )
    assert response.status_code == 200
    assert "après la fin du bilan" in _page(response)
    response = client.post(
        url,
        {
            "date_prevue": "2026-07-20T14:30",
            "consultant": world.consultant_a.pk,
            "modalite": "visio",
        },
    )
    assert response.status_code == 302
    with tenant_context(world.org_a):
        suivi = EntretienSuivi.objects.get()
    assert suivi.date_prevue == dt.datetime(2026, 7, 20, 14, 30, tzinfo=PARIS)
    resultat = f"/app/travail/suivis/{suivi.public_id}/resultat/"
    client.post(resultat, {"resultat": "", "commentaire": ""})
    with tenant_context(world.org_a):
        suivi.refresh_from_db()
        assert suivi.statut == EntretienSuivi.Statut.PLANIFIE
    assert client.post(resultat, {"resultat": "projet_modifie"}).status_code == 302
    with tenant_context(world.org_a):
        suivi.refresh_from_db()
        assert suivi.statut == EntretienSuivi.Statut.REALISE
    page = _page(client.get(url))
    assert "Projet modifié" in page
    liste = _page(client.get("/app/travail/suivis/"))
    assert liste.count("<h1") == 1
    assert 'for="periode-debut"' in liste
    assert login_as(world.consultant_b).get(url).status_code == 404
    assert (
        login_as(world.consultant_b).post(resultat, {"resultat": "abandon_projet"}).status_code
        == 404
    )


def test_staff_page_before_the_end(world, login_as):
    en_cours = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase=Phase.CONCLUSION)
    client = login_as(world.consultant_a)
    url = f"/app/travail/bilans/{en_cours.public_id}/suivi/"
    assert "une fois le bilan terminé" in _page(client.get(url))
    assert client.post(url, {"date_prevue": "2026-07-20T14:30"}).status_code == 302
    with tenant_context(world.org_a):
        assert not EntretienSuivi.objects.exists()
