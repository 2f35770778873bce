"""The outbox page: admins only, filters, retry a failed row, preview a kind with a real
dossier of the organisation (and only of it)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.safestring import SafeData

from bilan.core.tenancy import tenant_context
from relances.models import Relance
from relances.services import relance_apercu
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db
S = Relance.Statut


def _row(org, *, statut, cle, bilan=None):
    with tenant_context(org):
        return Relance.objects.create(
            organisation=org,
            kind=Relance.Kind.ABANDON_RISQUE if bilan else Relance.Kind.QUALIOPI_EXPIRATION,
            target_type="bilan" if bilan else "organisation",
            target_id=bilan.public_id if bilan else org.public_id,
            bilan=bilan,
            destinataire="dest@a.test",
            due_le=timezone.now() - dt.timedelta(hours=1),
            cle_unique=cle,
            statut=statut,
            derniere_erreur="SMTPServerDisconnected: boom" if statut == S.ECHEC else "",
        )


def test_only_admins_see_the_outbox(world, login_as):
    assert login_as(world.consultant_a).get("/app/relances/").status_code == 403
    assert login_as(world.admin_a).get("/app/relances/").status_code == 200


def test_filters_show_failed_rows_with_their_error(world, login_as):
    _row(world.org_a, statut=S.ECHEC, cle="e")
    _row(world.org_a, statut=S.ENVOYEE, cle="s")
    client = login_as(world.admin_a)
    page = client.get("/app/relances/?filtre=echec").content.decode()
    assert "SMTPServerDisconnected" in page
    assert "Renvoyer" in page
    assert "Renvoyer" not in client.get("/app/relances/?filtre=envoyees").content.decode()


def test_retry_puts_a_failed_row_back_in_the_queue(world, login_as):
    relance = _row(world.org_a, statut=S.ECHEC, cle="e")
    response = login_as(world.admin_a).post(f"/app/relances/{relance.public_id}/reessayer/")
    assert response.status_code == 302
    with tenant_context(world.org_a):
        relance.refresh_from_db()
    assert (relance.statut, relance.tentatives) == (S.A_ENVOYER, 0)


def test_another_organisation_cannot_retry(world, login_as):
    from bilan.core.models import Role
    from tests.factories.core import staff_user

    relance = _row(world.org_a, statut=S.ECHEC, cle="e")
    admin_b = staff_user(organisation=world.org_b, role=Role.ADMIN, email="admin@b.test")
    response = login_as(admin_b).post(f"/app/relances/{relance.public_id}/reessayer/")
    assert response.status_code == 404
    with tenant_context(world.org_a):
        relance.refresh_from_db()
    assert relance.statut == S.ECHEC


@pytest.mark.parametrize("kind", Relance.Kind.values)
def test_every_kind_previews_with_a_real_dossier_and_sends_nothing(world, login_as, kind):
    world.org_a.qualiopi_date_expiration = dt.date(2027, 1, 31)
    world.org_a.save()
    bilan = bilan_for(
        world.beneficiaire_a,
        statut="clos",
        financement="cpf",
        date_debut_reelle=dt.date(2026, 1, 5),
        date_fin_reelle=dt.date(2026, 3, 2),
        convention_transmise_le=dt.date(2026, 1, 2),
    )
    response = login_as(world.admin_a).get(
        f"/app/relances/apercu/?kind={kind}&bilan={bilan.public_id}"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Organisme A" in page
    assert "via Bilan" in page
    assert mail.outbox == []
    # No real bearer link is ever shown in a preview.
    if kind.startswith("enquete"):
        assert f"/enquete/{world.org_a.public_id}/apercu/" in page


def test_preview_with_another_organisations_dossier_is_404(world, login_as):
    bilan_b = bilan_for(world.beneficiaire_b)
    response = login_as(world.admin_a).get(
        f"/app/relances/apercu/?kind=enquete_chaud&bilan={bilan_b.public_id}"
    )
    assert response.status_code == 404


def test_emails_carry_no_confidential_content(world, eager, drain):
    """The séance reminder names the date, never the séance's title, objectives or notes."""
    from seances.services.seances import seance_planifier

    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="preliminaire")
    with tenant_context(world.org_a):
        seance_planifier(
            bilan=bilan,
            phase="preliminaire",
            type="entretien",
            intitule="Reconversion après burn-out",
            objectifs="Parler de la santé",
            debut=timezone.now() + dt.timedelta(hours=3),
            duree_minutes=60,
            modalite="telephone",
        )
    drain()
    assert len(mail.outbox) == 3  # the two reminders and the beneficiary's notice
    for message in mail.outbox:
        contenu = message.subject + message.body + message.alternatives[0].content
        assert "burn-out" not in contenu
        assert "santé" not in contenu
        assert "Organisme A" in contenu


class _Apercu(HTMLParser):
    """The preview page's text part (``#apercu-texte``) and the iframe's ``srcdoc``, as a
    browser reads them (entities decoded)."""

    def __init__(self):
        super().__init__()
        self.texte = ""
        self.srcdoc = None
        self._dans_texte = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "pre" and attrs.get("id") == "apercu-texte":
            self._dans_texte = True
        elif tag == "iframe":
            self.srcdoc = attrs.get("srcdoc")

    def handle_endtag(self, tag):
        if tag == "pre":
            self._dans_texte = False

    def handle_data(self, data):
        if self._dans_texte:
            self.texte += data


SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "kind", ["retractation_fin", "abandon_risque", "convention_signature_rappel"]
)
def test_preview_escapes_a_first_name_in_the_text_and_the_srcdoc(world, login_as, kind):
    """A beneficiary named ``<script>…`` is shown as text in the admin page: the text part is
    escaped, the HTML part stays whole inside ``srcdoc``; the raw tag is nowhere."""
    with tenant_context(world.org_a):
        type(world.beneficiaire_a).objects.filter(pk=world.beneficiaire_a.pk).update(prenom=SCRIPT)
    bilan = bilan_for(
        world.beneficiaire_a,
        statut="attente",
        financement="plan_employeur",
        convention_transmise_le=dt.date(2026, 1, 2),
    )
    with tenant_context(world.org_a):
        bilan.refresh_from_db()
        sujet, texte, html = relance_apercu(organisation=world.org_a, kind=kind, bilan=bilan)
    # The service's parts are plain strings: nothing marks them safe for a page.
    assert not isinstance(texte, SafeData)
    assert not isinstance(html, SafeData)
    assert SCRIPT in texte  # plain text: the name as typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the e-mail's HTML escapes it

    response = login_as(world.admin_a).get(
        f"/app/relances/apercu/?kind={kind}&bilan={bilan.public_id}"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    lu = _Apercu()
    lu.feed(page)
    assert SCRIPT in lu.texte  # shown as text, not run as markup
    # The srcdoc attribute holds the whole e-mail document, unbroken.
    assert lu.srcdoc == html
    assert lu.srcdoc.startswith("<!DOCTYPE html>")
    assert mail.outbox == []
