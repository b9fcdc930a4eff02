"""The agents' user-record list at a département's size: search by every kind of value
through its index, pages read from a position (no OFFSET, bounded count), query budgets,
(the CSV export, built by a worker: tests/test_exports.py)."""

import re

import phonenumbers
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AgentFactory,
    AgentRoleFactory,
    CustomFieldFactory,
    OrganisationFactory,
    UserRecordFactory,
    UserRecordSettingsFactory,
)
from tests.queries import count_queries
from user_records import paging
from user_records.fields import format_phone
from user_records.models import CustomFieldType, UserRecord

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

QUERY_BUDGET = 12  # the goal for every list page, whatever its size
FIRST_NAMES = ["Amina", "Élodie", "Jean", "Chloé", "Hélène", "Noé", "Inès", "Loïc", "Zoé", "Rémi"]
LAST_NAMES = [
    *["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Garcia", "Faure", "Guérin", "Roux"],
    *["Petit", "Durand", "Leroy", "Simon", "Laurent", "Michel", "David", "Bertrand", "Morel"],
    *["Girard", "André", "Mercier", "Dupont", "Lambert", "Vincent"],
]


def url(name, territory):
    return reverse(f"user_records:{name}", args=[territory.pk])


@pytest.fixture
def agent_client(client, admin_agent):
    """The searching agent sees every record of the territory (a territory admin): which
    records an agent's level lets them see is tests/test_rights.py's subject."""
    client.force_login(admin_agent)
    return client


def bulk_records(territory, count, custom_key=None):
    """`count` records with names, numbers and custom values varied like a territory's."""
    UserRecord.objects.bulk_create(
        (
            UserRecord(
                territory=territory,
                first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                last_name=LAST_NAMES[n // 7 % len(LAST_NAMES)] + (f"-{n % 997}" if n % 3 else ""),
                email=f"usager{n}@exemple.fr",
                phone=f"+336{n * 7919 % 100_000_000:08d}",
                case_number=f"D-{n:07d}",
                custom_values={custom_key: f"CAF{n * 13 % 9_999_991}"} if custom_key else {},
            )
            for n in range(count)
        ),
        batch_size=5000,
    )


def names(client, territory, query):
    response = client.get(url("list", territory), {"q": query})
    assert response.status_code == 200
    return sorted(
        f"{record.first_name} {record.last_name}" for record, _ in response.context["rows"]
    )


# --- what a search finds ---


def test_names_ignore_accents_and_case_with_several_and_partial_words(agent_client, territory):
    UserRecordFactory(territory=territory, first_name="Hélène", last_name="Lefèvre")
    UserRecordFactory(territory=territory, first_name="Helene", last_name="Lefebvre")
    UserRecordFactory(territory=territory, first_name="Zoé", last_name="Œuvray", birth_name="Dufaÿ")
    UserRecordFactory(territory=territory, first_name="Li", last_name="Xu")
    UserRecordFactory(territory=territory, first_name="Amélie", last_name="Jean-Li")

    assert names(agent_client, territory, "HÉLÈNE") == ["Helene Lefebvre", "Hélène Lefèvre"]
    assert names(agent_client, territory, "helene lefev") == ["Hélène Lefèvre"]
    assert names(agent_client, territory, "LEFE HEL") == ["Helene Lefebvre", "Hélène Lefèvre"]
    assert names(agent_client, territory, "oeuvray") == ["Zoé Œuvray"]  # unaccent's rules
    assert names(agent_client, territory, "dufay zo") == ["Zoé Œuvray"]  # the birth name
    # A word of one or two letters starts a word: "Li" and "Jean-Li", not "Amélie".
    assert names(agent_client, territory, "li") == ["Amélie Jean-Li", "Li Xu"]
    assert names(agent_client, territory, "xu li") == ["Li Xu"]
    assert names(agent_client, territory, "100%") == []  # LIKE's wildcards are just characters
    assert names(agent_client, territory, "_") == []


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "33612345678",
        "12 34 56",
        "6 12 34",
    ],
)
def test_a_phone_number_is_found_however_it_is_typed(agent_client, territory, typed):
    UserRecordFactory(territory=territory, first_name="Zoé", last_name="Roux", phone="+33612345678")
    # Stored before numbers were normalised (imports, the Django admin): found too.
    UserRecordFactory(
        territory=territory, first_name="Paul", last_name="Petit", phone="06 12 34 56 78"
    )
    UserRecordFactory(
        territory=territory, first_name="Anne", last_name="Blanc", phone="+33475000001"
    )
    assert names(agent_client, territory, typed) == ["Paul Petit", "Zoé Roux"]


def test_an_overseas_number_is_found_in_its_french_form(agent_client, territory):
    UserRecordFactory(
        territory=territory, first_name="Léa", last_name="Hoarau", phone="+262262123456"
    )
    assert names(agent_client, territory, "0262 12 34 56") == ["Léa Hoarau"]
    assert names(agent_client, territory, "+262 262 12 34 56") == ["Léa Hoarau"]


def test_email_case_number_and_custom_values_are_searched(agent_client, territory):
    caf = CustomFieldFactory(territory=territory, label="Numéro CAF")
    choice = CustomFieldFactory(
        territory=territory, field_type=CustomFieldType.SINGLE_CHOICE, choices=["Locataire"]
    )
    UserRecordFactory(
        territory=territory,
        first_name="Anne",
        last_name="Petit",
        email="anne.petit@exemple.fr",
        case_number="D-2024-0017",
        custom_values={caf.key: "CAF 778 899", choice.key: "Locataire"},
    )
    UserRecordFactory(territory=territory, first_name="Paul", last_name="Durand")
    for query in ("ANNE.PETIT@", "d-2024-0017", "2024-0017", "caf 778", "778 899", "locat"):
        assert names(agent_client, territory, query) == ["Anne Petit"], query


def test_a_hidden_field_or_an_archived_custom_field_is_never_searched(agent_client, territory):
    field = CustomFieldFactory(territory=territory, label="Référent")
    yes_no = CustomFieldFactory(territory=territory, field_type=CustomFieldType.YES_NO)
    UserRecordFactory(
        territory=territory,
        first_name="Anne",
        last_name="Petit",
        birth_name="Marchal",
        email="apetit@exemple.fr",
        phone="+33612345678",
        case_number="D-77",
        custom_values={field.key: "Mme Gauthier", yes_no.key: True},
    )
    for query in ("marchal", "apetit", "0612345678", "d-77", "gauthier"):
        assert names(agent_client, territory, query) == ["Anne Petit"], query
    assert names(agent_client, territory, "true") == []  # a yes/no value is not text

    UserRecordSettingsFactory(
        territory=territory, hidden_fields=["birth_name", "email", "phone", "case_number"]
    )
    field.archived_at = field.created_at
    field.save()
    for query in ("marchal", "apetit", "0612345678", "d-77", "gauthier"):
        assert names(agent_client, territory, query) == [], query
    assert names(agent_client, territory, "anne pet") == ["Anne Petit"]  # names always


def test_the_rdv_form_finds_records_through_the_same_rules(territory, admin_agent):
    from rdvs.queries import user_records_of

    field = CustomFieldFactory(territory=territory)
    UserRecordFactory(territory=territory, first_name="Anne", custom_values={field.key: "X-42"})
    UserRecordSettingsFactory(territory=territory, hidden_fields=["email"])
    found = user_records_of(admin_agent, territory, "x-42")
    assert [r.first_name for r in found] == ["Anne"]
    assert not user_records_of(admin_agent, territory, "usager").exists()  # hidden e-mail


# --- pages read from a position ---


def test_pages_go_forward_back_and_to_the_last_one(agent_client, territory):
    bulk_records(territory, 60)
    order = list(
        UserRecord.objects.filter(territory=territory)
        .order_by("last_name", "first_name", "pk")
        .values_list("pk", flat=True)
    )

    def visit(link=""):
        response = agent_client.get(url("list", territory) + link)
        page = response.context["page"]
        return page, [record.pk for record, _ in response.context["rows"]]

    first, pks = visit()
    assert (pks, first.count, first.has_previous, first.has_next) == (order[:25], 60, False, True)
    second, pks = visit(first.next_link)
    assert (pks, second.has_previous, second.has_next) == (order[25:50], True, True)
    third, pks = visit(second.next_link)
    assert (pks, third.has_next) == (order[50:], False)
    back, pks = visit(third.previous_link)
    assert pks == order[25:50]
    # Fewer than a page before the position: the first page, whole.
    again, pks = visit(
        f"?{paging.BEFORE}={paging.position_of(UserRecord.objects.get(pk=order[3]))}"
    )
    assert (pks, again.has_previous) == (order[:25], False)
    last, pks = visit(first.last_link)
    assert (pks, last.has_previous, last.has_next) == (order[35:], True, False)
    page = agent_client.get(url("list", territory) + second.next_link).content.decode()
    assert 'href="?page=last"' not in page  # the last page links to no further page
    assert f'href="{third.previous_link}"' in page


def test_links_keep_the_search_and_bad_positions_give_the_first_page(agent_client, territory):
    bulk_records(territory, 1000)
    response = agent_client.get(url("list", territory), {"q": "martin"})
    page = response.context["page"]
    assert page.has_next
    assert "q=martin" in page.next_link and "q=martin" in page.last_link
    following = agent_client.get(url("list", territory) + page.next_link)
    assert all("Martin" in record.last_name for record, _ in following.context["rows"])
    for bad in ("apres=%%%", "apres=W10", "avant=bm9u", "apres=WyJhIiwgImIiLCAtMV0", "page=12"):
        response = agent_client.get(url("list", territory) + "?" + bad)
        assert response.status_code == 200, bad
        assert not response.context["page"].has_previous, bad


def test_the_count_stops_at_ten_thousand(agent_client, territory, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_LIMIT", 40)
    bulk_records(territory, 41)
    response = agent_client.get(url("list", territory))
    assert response.context["page"].count is None
    assert "Plus de 40 fiches usagers" in response.content.decode()
    UserRecord.objects.filter(pk=UserRecord.objects.order_by("pk").first().pk).delete()
    response = agent_client.get(url("list", territory))
    assert "40 fiches usagers" in response.content.decode()
    assert "Plus de" not in response.content.decode()
    assert paging.french_number(10_000) == "10\u00a0000"


def test_a_search_counts_its_matches_up_to_a_thousand(agent_client, territory, monkeypatch):
    monkeypatch.setattr(paging, "SEARCH_COUNT_LIMIT", 6)
    UserRecordFactory.create_batch(7, territory=territory, last_name="Lefèvre")
    UserRecordFactory.create_batch(3, territory=territory, last_name="Dubois")
    searched = agent_client.get(url("list", territory) + "?q=lefevre").content.decode()
    assert "Plus de 6 fiches usagers pour « lefevre »" in searched
    # The whole list is still counted up to its own limit.
    assert "10 fiches usagers" in agent_client.get(url("list", territory)).content.decode()
    assert (
        "3 fiches usagers"
        in agent_client.get(url("list", territory) + "?q=dubois").content.decode()
    )
    assert paging.SEARCH_COUNT_LIMIT < paging.COUNT_LIMIT


@pytest.mark.parametrize(
    "stored",
    [
        "+33612345678",
        "+33123456789",
        "+33912345678",
        "+33712345678",
        "+33812345678",
        "+262692123456",
        "+590690123456",
        "+32470123456",
        "0612",
    ],
)
def test_phones_read_as_the_phone_number_library_spells_them(stored):
    try:
        expected = phonenumbers.format_number(
            phonenumbers.parse(stored, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    except phonenumbers.NumberParseException:
        expected = stored
    assert format_phone(stored) == expected


def test_query_budget_is_absolute_and_flat(agent_client, territory):
    fields = CustomFieldFactory.create_batch(5, territory=territory)
    UserRecordSettingsFactory(territory=territory, hidden_fields=["notes"])
    UserRecordFactory.create_batch(5, territory=territory, last_name="Martin")

    def budget():
        first = agent_client.get(url("list", territory))
        links = ["", "?q=martin", "?q=06+12", first.context["page"].last_link]
        if first.context["page"].has_next:
            links.append(first.context["page"].next_link)
        return {
            link: count_queries(lambda link=link: agent_client.get(url("list", territory) + link))
            for link in links
        }

    small = budget()
    bulk_records(territory, 500, custom_key=fields[0].key)
    large = budget()
    assert max(small.values()) <= QUERY_BUDGET, small
    for link in small:
        assert small[link] == large[link], link
    # Pages 2 and beyond: no more than the first.
    assert max(large.values()) <= QUERY_BUDGET, large


# --- the indexes each search goes through ---


def plans_of(client, territory, query: dict) -> list[str]:
    """EXPLAIN of every query the list page runs on user records, as the planner chooses
    on a table of realistic size and statistics."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url("list", territory), query).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for executed in captured.captured_queries:
            sql = executed["sql"]
            if 'FROM "user_records_userrecord"' not in sql:
                continue
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert plans
    return plans


@pytest.fixture
def large_territory(territory):
    field = CustomFieldFactory(territory=territory, key="numero_caf", label="Numéro CAF")
    bulk_records(territory, 30_000, custom_key=field.key)
    with connection.cursor() as cursor:
        # What autovacuum does on a live table: the rows just written leave the GIN
        # indexes' pending lists (read whole by every scan until then), statistics.
        for index in ("user_record_text_trgm", "user_record_custom_trgm", "user_record_phone_trgm"):
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        cursor.execute("ANALYZE user_records_userrecord")
    return territory


def test_each_kind_of_search_uses_its_index(agent_client, large_territory):
    territory = large_territory
    record = UserRecord.objects.filter(territory=territory).order_by("pk")[12_345]
    searches = {
        "a rare name": ("Guérin-12", "user_record_text_trgm"),
        # 1 record in 24, all at the end of the alphabet: walking the list's order to
        # them would read nearly every record.
        "a common name": ("vincent", "user_record_text_trgm"),
        "two words, partial": ("helene lefev", "user_record_text_trgm"),
        "an e-mail": (record.email, "user_record_text_trgm"),
        "a case number": (record.case_number.lower(), "user_record_text_trgm"),
        "a custom value": (record.custom_values["numero_caf"], "user_record_custom_trgm"),
        "a phone number": (
            "0" + record.phone[3:4] + " " + record.phone[4:],
            "user_record_phone_trgm",
        ),
    }

    def assert_served_by_indexes():
        for kind, (query, index) in searches.items():
            plans = plans_of(agent_client, territory, {"q": query})
            assert any(index in plan for plan in plans), (kind, plans)
            for plan in plans:
                assert "Seq Scan on user_records_userrecord" not in plan, (kind, plan)
                assert "user_record_list_order" not in plan, (kind, plan)
            assert names(agent_client, territory, query), kind

    assert_served_by_indexes()
    # Where the territory hides fields, the rows found are checked against the fields
    # shown: a check on those rows, the index still finds them.
    UserRecordSettingsFactory(territory=territory, hidden_fields=["birth_name", "notes"])
    CustomFieldFactory(territory=territory, label="Ancien champ", archived_at=record.created_at)
    assert_served_by_indexes()


def test_every_page_is_read_from_the_list_index(agent_client, large_territory):
    territory = large_territory
    first = agent_client.get(url("list", territory)).context["page"]
    for link in (first.next_link, first.last_link):
        params = dict(part.split("=") for part in link.lstrip("?").split("&"))
        page_query = plans_of(agent_client, territory, params)[0]
        assert "user_record_list_order" in page_query, page_query
        assert not re.search(r"Seq Scan|Sort\b", page_query), page_query


# --- an agent narrowed to their organisations' records ---


def follow(organisation, records):
    link = UserRecord.organisations.through
    link.objects.bulk_create(
        link(userrecord_id=record_pk, organisation_id=organisation.pk) for record_pk in records
    )


@pytest.fixture
def organisation_agent(client, large_territory):
    """Logs in a basic agent of the given organisations."""

    def log_in(*organisations):
        agent = AgentFactory()
        for organisation in organisations:
            AgentRoleFactory(agent=agent, organisation=organisation, access_level="basic")
        client.force_login(agent)
        return client

    return log_in


def test_an_agent_whose_organisations_follow_few_records_gets_them_through_the_links(
    organisation_agent, large_territory
):
    territory = large_territory
    pks = list(
        UserRecord.objects.filter(territory=territory).order_by("pk").values_list("pk", flat=True)
    )
    # Every record is followed by one of 30 organisations, 1,000 each, more than the
    # planner's statistics name one by one (as 500 organisations are at the default
    # target): it then guesses 1,000 records for one it knows nothing of.
    organisations = OrganisationFactory.create_batch(30, territory=territory)
    for number, organisation in enumerate(organisations):
        follow(organisation, pks[number::30])
    newcomer, small, other = OrganisationFactory.create_batch(3, territory=territory)
    follow(small, pks[::1000])  # 30 records, all through the alphabet
    follow(other, pks[::3000])  # 10 records, all also followed by `small`
    with connection.cursor() as cursor:
        table = "user_records_userrecord_organisations"
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks on the links
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN organisation_id SET STATISTICS 10")
        cursor.execute(f"ANALYZE {table}")

    client = organisation_agent(newcomer)
    response = client.get(url("list", territory))
    assert response.context["rows"] == []
    assert "Aucune fiche usager pour l'instant." in response.text
    for plan in plans_of(client, territory, {}):
        # A new organisation follows nothing: walking the list's index to learn it would
        # read every record of the territory.
        assert "user_record_list_order" not in plan, plan

    client = organisation_agent(small, other)
    first = client.get(url("list", territory))
    # Each record once, though two of the agent's organisations follow some of them.
    assert "30 fiches usagers" in first.text
    expected = UserRecord.objects.filter(pk__in=pks[::1000]).order_by(*paging.ORDER)
    shown = [record for record, _ in first.context["rows"]]
    assert shown == list(expected[: paging.PAGE_SIZE])
    following = client.get(url("list", territory) + first.context["page"].next_link)
    assert [record for record, _ in following.context["rows"]] == list(expected[paging.PAGE_SIZE :])
    last = client.get(url("list", territory) + first.context["page"].last_link)
    # The last page is the list's last PAGE_SIZE records.
    assert [record for record, _ in last.context["rows"]] == list(expected)[-paging.PAGE_SIZE :]
    for plan in plans_of(client, territory, {}):
        assert "user_record_list_order" not in plan, plan
    # A search finds the agent's records only, whichever way the page is read.
    name = expected[0].last_name.split("-")[0]  # a common name: 1 record in 24
    found = names(client, territory, name)
    assert found == sorted(
        f"{r.first_name} {r.last_name}" for r in expected if r.last_name.startswith(name)
    )
    assert found


def test_an_agent_whose_organisation_follows_many_records_walks_the_list_index(
    organisation_agent, large_territory
):
    territory = large_territory
    busy = OrganisationFactory(territory=territory)
    pks = UserRecord.objects.filter(territory=territory).values_list("pk", flat=True)
    follow(busy, [pk for pk in pks if pk % 2])  # about 15,000 records
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE user_records_userrecord_organisations")

    client = organisation_agent(busy)
    response = client.get(url("list", territory))
    assert "Plus de 10\u00a0000 fiches usagers" in response.text
    assert all(record.pk % 2 for record, _ in response.context["rows"])
    assert len(response.context["rows"]) == paging.PAGE_SIZE
    # Dense among the territory's records: the first page is found in the list's order,
    # and the count is read from the links (no count over the records).
    [page_query] = plans_of(client, territory, {})
    assert "user_record_list_order" in page_query, page_query
