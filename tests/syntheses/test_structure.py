"""Structured parts of the synthèse: action plan order, weighted scenario comparison (totals,
best scenario), competency gaps; French validation errors; the forms and the PDF."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from beneficiaires.models import StatutBilan
from bilan.core.tenancy import tenant_context
from syntheses import selectors
from syntheses.models import EtapePlanAction, Scenario
from syntheses.pdf import synthese_contexte
from syntheses.services import syntheses as services
from tests.factories.bilans import bilan_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def synthese(world):
    bilan = bilan_for(world.beneficiaire_a, statut=StatutBilan.EN_COURS, phase="conclusion")
    with tenant_context(world.org_a):
        return services.synthese_obtenir_ou_creer(bilan=bilan, par=world.consultant_a)


def test_weighted_totals_and_best_scenario(world, synthese):
    par = world.consultant_a
    with tenant_context(world.org_a):
        salaire = services.critere_ajouter(synthese=synthese, libelle="Salaire", poids=5, par=par)
        mobilite = services.critere_ajouter(synthese=synthese, libelle="Mobilité", poids=2, par=par)
        a = services.scenario_ajouter(synthese=synthese, intitule="Formatrice", par=par)
        b = services.scenario_ajouter(synthese=synthese, intitule="Logisticienne", par=par)
        c = services.scenario_ajouter(synthese=synthese, intitule="Création", par=par)
        assert [a.lettre, b.lettre, c.lettre] == ["A", "B", "C"]
        with pytest.raises(ValidationError, match="trois scénarios au plus"):
            services.scenario_ajouter(synthese=synthese, intitule="D", par=par)
        services.scenario_noter(scenario=a, notes={salaire: 3, mobilite: 5}, par=par)  # 15+10
        services.scenario_noter(scenario=b, notes={salaire: 4, mobilite: 1}, par=par)  # 20+2
        services.scenario_noter(scenario=c, notes={salaire: 5}, par=par)  # 25 + unscored
        comparaison = selectors.scenarios_comparer(
            contenu=selectors.synthese_contenu_actuel(synthese=synthese)
        )
    totals = {ligne.lettre: ligne.total for ligne in comparaison.lignes}
    assert totals == {"A": 25, "B": 22, "C": 25}
    assert {ligne.lettre for ligne in comparaison.meilleurs} == {"A", "C"}  # a tie
    assert all(ligne.maximum == 35 for ligne in comparaison.lignes)
    assert comparaison.lignes[2].notes == [5, None]
    assert comparaison.rangees[0][1] == [3, 4, 5]

    with tenant_context(world.org_a):
        services.scenario_noter(scenario=c, notes={str(mobilite.public_id): 1}, par=par)
        comparaison = selectors.scenarios_comparer(
            contenu=selectors.synthese_contenu_actuel(synthese=synthese)
        )
    assert [ligne.lettre for ligne in comparaison.meilleurs] == ["C"]  # 25 + 2 = 27


def test_scores_and_weights_validated_in_french(world, synthese):
    par = world.consultant_a
    with tenant_context(world.org_a):
        with pytest.raises(ValidationError, match="poids va de 1"):
            services.critere_ajouter(synthese=synthese, libelle="Salaire", poids=6, par=par)
        with pytest.raises(ValidationError, match="Nommez le critère"):
            services.critere_ajouter(synthese=synthese, libelle=" ", poids=2, par=par)
        critere = services.critere_ajouter(synthese=synthese, libelle="Salaire", poids=1, par=par)
        scenario = services.scenario_ajouter(synthese=synthese, intitule="A", par=par)
        with pytest.raises(ValidationError, match="de 0 à 5"):
            services.scenario_noter(scenario=scenario, notes={critere: 7}, par=par)
        assert not scenario.notes.exists()
        with pytest.raises(ValidationError, match="Donnez un intitulé"):
            services.scenario_ajouter(synthese=synthese, intitule="", par=par)


def test_competency_gaps(world, synthese):
    par = world.consultant_a
    with tenant_context(world.org_a):
        services.ecart_ajouter(
            synthese=synthese,
            competence="Anglais",
            cible="Formatrice",
            niveau_actuel=1,
            niveau_requis=3,
            par=par,
        )
        services.ecart_ajouter(
            synthese=synthese, competence="Animation", niveau_actuel=4, niveau_requis=3, par=par
        )
        with pytest.raises(ValidationError, match="de 0 \\(non acquis\\) à 4"):
            services.ecart_ajouter(
                synthese=synthese, competence="Excel", niveau_actuel=5, niveau_requis=3, par=par
            )
        lignes = selectors.ecarts_calculer(
            contenu=selectors.synthese_contenu_actuel(synthese=synthese)
        )
    assert [(e["competence"], e["ecart"], e["a_developper"]) for e in lignes] == [
        ("Anglais", 2, True),
        ("Animation", -1, False),
    ]


def test_action_plan_is_ordered(world, synthese):
    par = world.consultant_a
    with tenant_context(world.org_a):
        un = services.etape_ajouter(synthese=synthese, intitule="S'informer", par=par)
        deux = services.etape_ajouter(
            synthese=synthese,
            intitule="Financer la formation",
            echeance=dt.date(2027, 1, 15),
            ressource_type="financement",
            ressource="CPF",
            par=par,
        )
        trois = services.etape_ajouter(synthese=synthese, intitule="Se former", par=par)
        assert [e.ordre for e in (un, deux, trois)] == [1, 2, 3]
        services.etape_deplacer(etape=trois, vers="haut", par=par)
        assert list(
            selectors.plan_action_lister(synthese=synthese).values_list("pk", flat=True)
        ) == [
            un.pk,
            trois.pk,
            deux.pk,
        ]
        with pytest.raises(ValidationError):
            services.etape_deplacer(etape=un, vers="haut", par=par)
        services.etape_supprimer(etape=trois, par=par)
        assert list(
            selectors.plan_action_lister(synthese=synthese).values_list("ordre", flat=True)
        ) == [
            1,
            2,
        ]
        with pytest.raises(ValidationError, match="Décrivez l'étape"):
            services.etape_ajouter(synthese=synthese, intitule="  ", par=par)
        with pytest.raises(ValidationError, match="Type de ressource inconnu"):
            services.etape_ajouter(synthese=synthese, intitule="x", ressource_type="z", par=par)
        assert EtapePlanAction.objects.filter(synthese=synthese).count() == 2


def test_structured_forms_through_the_views(world, synthese, login_as):
    client = login_as(world.consultant_a)
    base = f"/app/syntheses/{synthese.public_id}"
    assert (
        client.post(
            f"{base}/criteres/",
            {"action": "ajouter", "critere-libelle": "Salaire", "critere-poids": "4"},
        ).status_code
        == 302
    )
    response = client.post(
        f"{base}/criteres/",
        {"action": "ajouter", "critere-libelle": "Trop lourd", "critere-poids": "9"},
    )
    assert response.status_code == 400
    client.post(f"{base}/scenarios/", {"action": "ajouter", "scenario-intitule": "Formatrice"})
    client.post(
        f"{base}/plan/",
        {"action": "ajouter", "etape-intitule": "Étape 1", "etape-statut": "a_faire"},
    )
    client.post(
        f"{base}/ecarts/",
        {
            "action": "ajouter",
            "ecart-competence": "Anglais",
            "ecart-niveau_actuel": "1",
            "ecart-niveau_requis": "4",
        },
    )
    with tenant_context(world.org_a):
        critere = synthese.criteres.get()
        scenario = Scenario.objects.get(synthese=synthese)
    response = client.post(
        f"{base}/scenarios/",
        {
            "action": "noter",
            "scenario": str(scenario.public_id),
            f"notes-{scenario.public_id}-note_{critere.public_id}": "5",
        },
    )
    assert response.status_code == 302
    html = client.get(f"/app/syntheses/bilans/{synthese.bilan.public_id}/").content.decode()
    assert "20 / 20" in html  # 4 x 5
    assert "3 à développer" in html
    assert "Étape 1" in html
    # An item of another synthèse (or none) is not found through this one.
    response = client.post(
        f"{base}/plan/", {"action": "supprimer", "etape": str(critere.public_id)}
    )
    assert response.status_code == 404


def test_pdf_context_and_render(world, synthese):
    from bilan.core.pdf import render_pdf

    par = world.consultant_a
    with tenant_context(world.org_a):
        services.synthese_enregistrer(
            synthese=synthese,
            revision=0,
            sections={"circonstances": "Ligne un\nLigne deux\n\nParagraphe <script>x</script>"},
            par=par,
        )
        critere = services.critere_ajouter(synthese=synthese, libelle="Salaire", poids=3, par=par)
        scenario = services.scenario_ajouter(synthese=synthese, intitule="Formatrice", par=par)
        services.scenario_noter(scenario=scenario, notes={critere: 4}, par=par)
        services.ecart_ajouter(
            synthese=synthese, competence="Anglais", niveau_actuel=1, niveau_requis=3, par=par
        )
        services.etape_ajouter(synthese=synthese, intitule="S'inscrire", par=par)
        contexte = synthese_contexte(synthese=synthese)
        assert (
            str(contexte["sections"][0]["html"]) == "<p>Ligne un<br>Ligne deux</p><p>Paragraphe</p>"
        )
        pdf = render_pdf(template="pdf/synthese.html", context=contexte, organisation=world.org_a)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "document remis au seul bénéficiaire — L6313-4" in text
    assert "12 / 15" in text
    assert "2 à développer" in text
    assert "S'inscrire" in text or "S’inscrire" in text
    assert "Entretien de suivi" in text or "entretien de suivi" in text


def test_lines_are_edited_and_deleted_through_the_views(world, synthese, login_as):
    client = login_as(world.consultant_a)
    base = f"/app/syntheses/{synthese.public_id}"
    client.post(
        f"{base}/criteres/",
        {"action": "ajouter", "critere-libelle": "Salaire", "critere-poids": "4"},
    )
    client.post(
        f"{base}/ecarts/",
        {
            "action": "ajouter",
            "ecart-competence": "Anglais",
            "ecart-niveau_actuel": "1",
            "ecart-niveau_requis": "4",
        },
    )
    with tenant_context(world.org_a):
        critere = synthese.criteres.get()
        ecart = synthese.ecarts.get()
    prefix = f"ecart-{ecart.public_id}"
    response = client.post(
        f"{base}/ecarts/",
        {
            "action": "modifier",
            "ecart": str(ecart.public_id),
            f"{prefix}-competence": "Anglais",
            f"{prefix}-niveau_actuel": "1",
            f"{prefix}-niveau_requis": "9",
        },
        follow=True,
    )
    assert response.status_code == 200
    with tenant_context(world.org_a):
        assert synthese.ecarts.get().niveau_requis == 4  # refused: nothing written
    client.post(
        f"{base}/ecarts/",
        {
            "action": "modifier",
            "ecart": str(ecart.public_id),
            f"{prefix}-competence": "Anglais",
            f"{prefix}-niveau_actuel": "1",
            f"{prefix}-niveau_requis": "2",
        },
    )
    client.post(f"{base}/criteres/", {"action": "supprimer", "critere": str(critere.public_id)})
    with tenant_context(world.org_a):
        assert synthese.ecarts.get().niveau_requis == 2
        assert not synthese.criteres.exists()
    response = client.post(f"{base}/criteres/", {"action": "supprimer", "critere": "x"})
    assert response.status_code == 404


def test_plan_steps_move_and_scenarios_are_renamed_through_the_views(world, synthese, login_as):
    client = login_as(world.consultant_a)
    base = f"/app/syntheses/{synthese.public_id}"
    for intitule in ("Première", "Seconde"):
        client.post(
            f"{base}/plan/",
            {"action": "ajouter", "etape-intitule": intitule, "etape-statut": "a_faire"},
        )
    client.post(f"{base}/scenarios/", {"action": "ajouter", "scenario-intitule": "Formatrice"})
    with tenant_context(world.org_a):
        seconde = synthese.plan_action.get(intitule="Seconde")
        scenario = Scenario.objects.get(synthese=synthese)
    client.post(f"{base}/plan/", {"action": "haut", "etape": str(seconde.public_id)})
    prefix = f"scenario-{scenario.public_id}"
    client.post(
        f"{base}/scenarios/",
        {"action": "modifier", "scenario": str(scenario.public_id), f"{prefix}-intitule": "Coach"},
    )
    with tenant_context(world.org_a):
        ordre = list(synthese.plan_action.order_by("ordre").values_list("intitule", flat=True))
        assert ordre == ["Seconde", "Première"]
        assert Scenario.objects.get(pk=scenario.pk).intitule == "Coach"
