"""The synthèse autosave racing the save button (issue 13): the browser posts the autosave on
blur, then the form with the revision the page had; neither a false conflict nor an error."""

import re

import pytest

from bilan.core.tenancy import tenant_context
from syntheses.models import Synthese
from syntheses.services import syntheses as services
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def synthese(world):
    bilan = bilan_for(world.beneficiaire_a, statut="en_cours", phase="conclusion")
    with tenant_context(world.org_a):
        return services.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)


def _page_token(client, synthese) -> str:
    page = client.get(f"/app/syntheses/bilans/{synthese.bilan.public_id}/").content.decode()
    match = re.search(r'name="page" value="([0-9a-f]{32})"', page)
    assert match, "the editor carries its page token"
    return match.group(1)


def _stored(synthese):
    with tenant_context(synthese.organisation):
        return Synthese.objects.get(pk=synthese.pk)


def test_autosave_then_button_of_the_same_page_is_not_a_conflict(world, synthese, login_as):
    client = login_as(world.consultant_a)
    page = _page_token(client, synthese)
    autosave = f"/app/syntheses/{synthese.public_id}/autosave/"
    editeur = f"/app/syntheses/bilans/{synthese.bilan.public_id}/"
    # Blur: the autosave leaves with revision 0.
    response = client.post(autosave, {"revision": 0, "page": page, "circonstances": "<p>A</p>"})
    assert (response.status_code, response.json()["revision"]) == (200, 1)
    # The click, fired before the autosave's answer updated the page: still revision 0, same text.
    response = client.post(editeur, {"revision": 0, "page": page, "circonstances": "<p>A</p>"})
    assert response.status_code == 302
    assert _stored(synthese).revision == 1  # nothing to write: the same text
    # Typed a word between the autosave and the click: saved, not a conflict.
    client.post(autosave, {"revision": 1, "page": page, "circonstances": "<p>A B</p>"})
    response = client.post(editeur, {"revision": 1, "page": page, "circonstances": "<p>A B C</p>"})
    assert response.status_code == 302
    stored = _stored(synthese)
    assert (stored.revision, stored.circonstances) == (3, "<p>A B C</p>")


def test_another_tab_or_person_with_a_stale_revision_is_still_a_conflict(world, synthese, login_as):
    client = login_as(world.consultant_a)
    premier, second = _page_token(client, synthese), _page_token(client, synthese)
    assert premier != second
    autosave = f"/app/syntheses/{synthese.public_id}/autosave/"
    client.post(autosave, {"revision": 0, "page": premier, "circonstances": "<p>Onglet 1</p>"})
    response = client.post(
        autosave, {"revision": 0, "page": second, "circonstances": "<p>Onglet 2</p>"}
    )
    assert response.status_code == 409
    admin = login_as(world.admin_a)
    response = admin.post(
        autosave, {"revision": 0, "page": premier, "circonstances": "<p>Quelqu'un</p>"}
    )
    assert response.status_code == 409
    stored = _stored(synthese)
    assert (stored.revision, stored.circonstances) == (1, "<p>Onglet 1</p>")
