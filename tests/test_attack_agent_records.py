"""Attacks on how an agent's user records are read (user_records.queries.agent_records):
an agent whose organisations follow few records gets them by ids read from the links
and a count from the links; more than COUNT_LIMIT, the old EXISTS filter. Either way,
whatever is forged into a URL, an API call or a form, an agent reaches only the records
followed by an organisation where they work (basic or admin) in this territory, each
listed and counted once."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from rdvs.models import Rdv
from territories.models import AccessLevel, AgentRole
from tests.export_files import exported_lines
from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    MotifFactory,
    OrganisationFactory,
    UserRecordFactory,
    rdv_with_agents,
)
from user_records import paging, queries

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

API = "/api/v1"


@pytest.fixture(params=["few", "many"])
def reading(request, monkeypatch):
    """Both ways of reading: the agent's organisations follow few records (ids from the
    links, sorted), or more than the threshold (EXISTS, walking the list index), made
    cheap by lowering the threshold to 2."""
    if request.param == "many":
        monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
        monkeypatch.setattr(paging, "COUNT_LIMIT", 2)
    return request.param


def list_url(territory):
    return reverse("user_records:list", args=[territory.pk])


def token(last_name: str, first_name: str, pk: int) -> str:
    key = json.dumps([last_name, first_name, pk])
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def agent_with_roles(*roles):
    """A new agent with a role at each (organisation, access level)."""
    agent = AgentFactory()
    for organisation, level in roles:
        AgentRoleFactory(agent=agent, organisation=organisation, access_level=level)
    return agent


def listed(client, territory, **params):
    response = client.get(list_url(territory), params)
    assert response.status_code == 200
    page = response.context["page"]
    return [record.pk for record in page.records], page.count_label, response


def caption(response) -> str:
    return re.search(r"<caption>(.*?)</caption>", response.content.decode(), re.S).group(1)


@pytest.fixture
def alphabet(world):
    """Records through the alphabet: Valence follows A, C, E; Romans B, D; nobody Z."""
    valence = [world.record(world.valence, last_name=name) for name in ("Aa", "Cc", "Ee")]
    romans = [world.record(world.romans, last_name=name) for name in ("Bb", "Dd")]
    nowhere = world.record(last_name="Zz")
    nowhere.organisations.clear()
    return valence, romans, nowhere


# --- the list: forged positions ---


def test_forged_positions_never_reach_a_record_of_another_organisation(
    client, world, alphabet, reading
):
    valence, romans, nowhere = alphabet
    mine = [r.pk for r in valence]
    client.force_login(world.same_service)
    territory = world.territory
    pks, label, response = listed(client, territory)
    assert pks == mine
    expected_label = "3 fiches usagers" if reading == "few" else "Plus de 2 fiches usagers"
    assert label == expected_label
    assert expected_label in caption(response)
    hidden = [*romans, nowhere]
    for record in [*valence, *hidden]:
        for key in ("apres", "avant"):
            for pk in (record.pk, record.pk - 1, record.pk + 1):
                shown, label, _ = listed(
                    client, territory, **{key: token(record.last_name, record.first_name, pk)}
                )
                assert set(shown) <= set(mine), (key, record.last_name)
                assert shown, (key, record.last_name)  # never an empty page
                assert label == expected_label
    # A position between two hidden names: the next page is the visible ones after it.
    after_b, _, _ = listed(client, territory, apres=token("Bb", "", 1))
    assert after_b == [valence[1].pk, valence[2].pk]
    before_d, _, _ = listed(client, territory, avant=token("Dd", "", 1))
    assert before_d == mine  # fewer than a page before: the first page, whole
    last, label, _ = listed(client, territory, page="last")
    assert last == mine and label == expected_label
    # Junk positions: the first page, never an error.
    for junk in ("", "!!!", token("\x00", "a", 1), "W10", "WyJhIiwiYiIsLTFd", "x" * 5000):
        assert listed(client, territory, apres=junk)[0] == mine
        assert listed(client, territory, avant=junk)[0] == mine


def test_pages_of_a_few_followed_records_join_up_without_gap_or_repeat(client, world, monkeypatch):
    """Pages (of 3) among records followed by two organisations, interleaved with records
    the agent may not see: walking the pages forward and back gives each visible record
    once, in the list's order."""
    monkeypatch.setattr(paging.get_page, "__defaults__", (3,))  # pages of 3
    mine = []
    for n in range(10):
        mine.append(world.record(world.valence, last_name=f"Nom{n:02d}", first_name="A"))
        world.record(world.romans, last_name=f"Nom{n:02d}", first_name="B")
        # Followed by both of the agent's organisations: once.
        if n % 3 == 0:
            mine.append(world.record(world.valence, world.romans, last_name=f"Nom{n:02d}"))
    agent = agent_with_roles(
        (world.valence, AccessLevel.ADMIN), (world.romans, AccessLevel.INTERVENANT)
    )
    client.force_login(agent)
    expected = [r.pk for r in sorted(mine, key=lambda r: (r.last_name, r.first_name, r.pk))]
    seen, params = [], {}
    while True:
        response = client.get(list_url(world.territory), params)
        page = response.context["page"]
        assert page.count_label == f"{len(expected)} fiches usagers"
        seen += [r.pk for r in page.records]
        if not page.has_next:
            break
        params = {"apres": page.next_link.split("apres=")[1]}
    assert seen == expected
    # Backwards from the last page; fewer than a page before a position is the first
    # page shown whole (it may repeat the top of the page after it).
    back, params = [], {"page": "last"}
    while True:
        page = client.get(list_url(world.territory), params).context["page"]
        if not page.has_previous:
            assert [r.pk for r in page.records] == expected[:3]
            break
        back = [r.pk for r in page.records] + back
        params = {"avant": page.previous_link.split("avant=")[1]}
    assert back == expected[-len(back) :] and set(expected[:3] + back) == set(expected)


# --- who is counted and listed ---


def test_a_record_followed_by_two_of_the_agents_organisations_is_listed_and_counted_once(
    client, world, reading
):
    both = world.record(world.valence, world.romans, last_name="Commun")
    only_valence = world.record(world.valence, last_name="Valence")
    only_romans = world.record(world.romans, last_name="Romans")
    agent = agent_with_roles((world.valence, AccessLevel.ADMIN), (world.romans, AccessLevel.BASIC))
    client.force_login(agent)
    pks, label, _ = listed(client, world.territory)
    assert pks == [both.pk, only_romans.pk, only_valence.pk]
    assert label == ("3 fiches usagers" if reading == "few" else "Plus de 2 fiches usagers")
    searched, label, _ = listed(client, world.territory, q="commun")
    assert searched == [both.pk] and label == "1 fiche usager"


def test_an_intervenant_role_next_to_a_basic_one_opens_no_record(client, world, reading):
    mine = world.record(world.valence, last_name="Valence")
    world.record(world.romans, last_name="Romans")
    agent = agent_with_roles(
        (world.valence, AccessLevel.BASIC), (world.romans, AccessLevel.INTERVENANT)
    )
    client.force_login(agent)
    pks, label, _ = listed(client, world.territory)
    assert pks == [mine.pk]
    assert label == "1 fiche usager"
    assert listed(client, world.territory, q="romans")[0] == []


def test_an_agent_of_two_territories_counts_and_lists_this_territorys_records_only(
    client, world, reading
):
    """Roles in organisations of both territories: in each, the records followed by
    that territory's organisations only, counted as listed."""
    here = [world.record(world.valence, last_name=f"Ici{n}") for n in range(2)]
    there_organisation = OrganisationFactory(territory=world.other_territory)
    with scopes_disabled():
        there = [
            UserRecordFactory(
                territory=world.other_territory,
                organisations=[there_organisation],
                last_name=f"Ailleurs{n}",
            )
            for n in range(3)
        ]
    agent = AgentFactory()
    AgentRoleFactory(agent=agent, organisation=world.valence, access_level=AccessLevel.BASIC)
    with scopes_disabled():
        AgentRoleFactory(
            agent=agent, organisation=there_organisation, access_level=AccessLevel.BASIC
        )
    client.force_login(agent)
    pks, label, _ = listed(client, world.territory)
    assert pks == [r.pk for r in here]
    assert label == "2 fiches usagers"
    assert listed(client, world.territory, q="ailleurs")[0] == []
    # A forged position naming a record of the other territory leads to this one's.
    assert listed(client, world.territory, apres=token("Ailleurs0", "", there[0].pk))[0] == [
        r.pk for r in here
    ]
    with scopes_disabled():
        pks, label, _ = listed(client, world.other_territory)
    assert pks == [r.pk for r in there]
    assert label == ("3 fiches usagers" if reading == "few" else "Plus de 2 fiches usagers")


def test_an_agent_taken_out_of_an_organisation_loses_its_records_on_the_next_request(
    client, world, reading
):
    valence = world.record(world.valence, last_name="Valence")
    romans = world.record(world.romans, last_name="Romans")
    agent = agent_with_roles((world.valence, AccessLevel.BASIC), (world.romans, AccessLevel.BASIC))
    client.force_login(agent)
    assert listed(client, world.territory)[:2] == ([romans.pk, valence.pk], "2 fiches usagers")
    AgentRole.objects.filter(agent=agent, organisation=world.romans).delete()
    assert listed(client, world.territory)[:2] == ([valence.pk], "1 fiche usager")
    # Down to intervenant in Valence: no longer let in at all.
    AgentRole.objects.filter(agent=agent).update(access_level=AccessLevel.INTERVENANT)
    assert client.get(list_url(world.territory)).status_code == 404


@pytest.mark.parametrize(
    "person", ["territory_admin", "organisation_admin", "other_service", "other_organisation"]
)
def test_the_count_matches_the_rows_on_both_sides_of_the_threshold(
    client, world, monkeypatch, person
):
    """At the threshold (lowered to 3) the count is exact; one record more, "plus de"."""
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    organisation = world.romans if person == "other_organisation" else world.valence
    records = [world.record(organisation, last_name=f"Nom{n}") for n in range(3)]
    world.record(world.romans if organisation == world.valence else world.valence)
    client.force_login(getattr(world, person))
    pks, label, _ = listed(client, world.territory)
    if person == "territory_admin":  # every record: 4
        assert len(pks) == 4 and label == "Plus de 3 fiches usagers"
        return
    assert pks == [r.pk for r in records] and label == "3 fiches usagers"
    records.append(world.record(organisation, last_name="Nom3"))
    pks, label, _ = listed(client, world.territory)
    assert pks == [r.pk for r in records] and label == "Plus de 3 fiches usagers"


def test_people_without_a_working_role_see_no_record(client, world, alphabet):
    client.force_login(world.outsider)
    assert client.get(list_url(world.territory)).status_code == 404
    client.force_login(world.intervenant)
    assert client.get(list_url(world.territory)).status_code == 404


# --- junk input ---


@pytest.mark.parametrize(
    "query",
    ["\x00", "a\x00b", "Cc\x00", "%", "_", "\\", "'; DROP TABLE x; --", "é" * 20_000, "ab " * 3000],
)
def test_junk_searches_give_a_page(client, world, alphabet, reading, query):
    client.force_login(world.same_service)
    client.raise_request_exception = False
    response = client.get(list_url(world.territory), {"q": query})
    assert response.status_code == 200
    shown = {r.pk for r in response.context["page"].records}
    assert shown <= {r.pk for r in alphabet[0]}


# --- the API ---


def api_get(client, raw, path, **params):
    response = client.get(API + path, params, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response["Content-Type"].startswith("application/json")
    return response


def test_the_api_users_list_holds_the_agents_records_only(client, world, alphabet, reading):
    valence, romans, nowhere = alphabet
    raw = world.api_token("same_service")
    first = api_get(client, raw, "/users").json()
    assert [u["id"] for u in first["users"]] == [r.pk for r in valence]
    assert first["meta"]["total_count"] == 3
    for term in ("bb", "dd", "zz", str(romans[0].pk)):
        found = api_get(client, raw, "/users", search_term=term).json()
        assert found["users"] == [] and found["meta"]["total_count"] == 0, term
    assert api_get(client, raw, "/users", page=2).json()["users"] == []
    # "²" passes str.isdigit() yet int() refuses it; so do 5,000 digits (Python's
    # limit on converting long numbers): both were 500s.
    for page in ("abc", "0", "000", "-1", "1.5", "\x00", "²", "١", " 1"):
        refused = api_get(client, raw, "/users", page=page)
        assert refused.status_code == 400, page
        assert "nombre entier" in json.dumps(refused.json(), ensure_ascii=False), page
    for page in ("101", "9" * 5000, "0" * 5000 + "2"):
        refused = api_get(client, raw, "/users", page=page)
        expected = 200 if page.endswith("2") and page.startswith("0") else 400
        assert refused.status_code == expected, page[:10]
    for term in ("\x00", "c\x00c", "x" * 20_000):
        assert api_get(client, raw, "/users", search_term=term).status_code == 200
    for record in [*romans, nowhere]:
        assert api_get(client, raw, f"/users/{record.pk}").status_code == 404


def test_the_api_outsider_and_intervenant_list_no_record_of_the_territory(client, world, alphabet):
    raw = world.api_token("outsider")
    listed_ids = {u["id"] for u in api_get(client, raw, "/users").json()["users"]}
    assert not listed_ids & {r.pk for group in alphabet[:2] for r in group}


# --- the RDV form ---


@pytest.fixture
def motif(world):
    return MotifFactory(
        territory=world.territory, service=world.social, organisations=[world.valence]
    )


def rdv_form(motif, record_pks, agents):
    return {
        "motif": motif.pk,
        "user_records": record_pks,
        "day": "2030-11-27",
        "start_time": "10:00",
        "duration": "",
        "agents": [agent.pk for agent in agents],
    }


def test_the_rdv_form_refuses_a_record_the_agent_cannot_see(
    client, world, alphabet, motif, reading
):
    valence, romans, nowhere = alphabet
    agent = world.same_service
    client.force_login(agent)
    create = reverse("rdvs:rdv_create", kwargs={"territory_pk": world.territory.pk})
    offered = client.get(create).context["form"].fields["user_records"]
    assert {pk for pk, _ in offered.choices} == {r.pk for r in valence}
    for hidden in [*romans, nowhere]:
        for searched in ("", hidden.last_name):
            response = client.post(
                create + (f"?q={searched}" if searched else ""),
                rdv_form(motif, [hidden.pk], [agent]),
            )
            assert response.status_code == 200
            assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Rdv.objects.exists()
    ok = client.post(create, rdv_form(motif, [valence[0].pk], [agent]))
    assert ok.status_code == 302

    rdv = Rdv.objects.get()
    edit = reverse("rdvs:rdv_update", kwargs={"territory_pk": world.territory.pk, "rdv_pk": rdv.pk})
    form = client.get(edit).context["form"]
    assert set(form.fields["user_records"].queryset) == set(valence)
    refused = client.post(edit, rdv_form(motif, [valence[0].pk, romans[0].pk], [agent]))
    assert "Sélectionnez un choix valide" in refused.content.decode()
    assert list(rdv.user_records.all()) == [valence[0]]
    kept = client.post(edit, rdv_form(motif, [valence[0].pk, valence[1].pk], [agent]))
    assert kept.status_code == 302
    assert set(rdv.user_records.all()) == {valence[0], valence[1]}


def test_an_rdvs_own_record_stays_on_its_form_after_the_agent_lost_it(
    client, world, alphabet, motif, reading
):
    """Editing an RDV keeps the records it already has (even one the agent no longer
    sees) and adds none the agent cannot see."""
    valence, romans, nowhere = alphabet
    agent = world.organisation_admin
    rdv = rdv_with_agents(
        agent,
        territory=world.territory,
        organisation=world.valence,
        motif=motif,
        user_records=[romans[0]],
    )
    client.force_login(agent)
    edit = reverse("rdvs:rdv_update", kwargs={"territory_pk": world.territory.pk, "rdv_pk": rdv.pk})
    form = client.get(edit).context["form"]
    assert set(form.fields["user_records"].queryset) == {*valence, romans[0]}
    refused = client.post(edit, rdv_form(motif, [romans[0].pk, romans[1].pk], [agent]))
    assert "Sélectionnez un choix valide" in refused.content.decode()


# --- the export ---


def test_the_export_holds_the_agents_records_only(client, world, alphabet, reading):
    valence, romans, nowhere = alphabet
    client.force_login(world.other_organisation)
    lines = exported_lines(client, world.territory, type="fiches")
    assert len(lines) == 1 + len(romans)
    body = "\n".join(lines[1:])
    assert "Bb" in body and "Dd" in body
    assert not any(name in body for name in ("Aa", "Cc", "Ee", "Zz"))
    searched = exported_lines(client, world.territory, type="fiches", q="aa")
    assert len(searched) == 1


# --- other numbers typed into URLs ---


@pytest.mark.parametrize("after", ["²", "١٢", "9" * 5000, "99999999999999999999"])
def test_a_junk_position_in_the_duplicates_list_gives_its_first_page(client, world, after):
    """`?apres=` there is a record pair's id: "²" passed str.isdigit() and failed int()."""
    client.force_login(world.organisation_admin)
    client.raise_request_exception = False
    url = reverse("user_records:duplicate_list", args=[world.territory.pk])
    assert client.get(url, {"apres": after}).status_code == 200


@pytest.mark.parametrize("path", ["/absences", "/plage_ouvertures"])
def test_a_junk_agent_id_in_the_api_is_a_french_error(client, world, path):
    raw = world.api_token("organisation_admin")
    client.raise_request_exception = False
    for value in ("²", "9" * 5000, "99999999999999999999"):
        response = api_get(client, raw, path, agent_id=value)
        assert response.status_code == 400, value[:10]
        assert "identifiant numérique" in json.dumps(response.json(), ensure_ascii=False)
