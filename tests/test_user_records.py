"""The "Fiches usagers" screens: configuration by the territory admin, and the agents'
list, creation, detail and edition that obey it (the export: tests/test_exports.py)."""

import pytest
from django.urls import reverse

from territories.models import AuditEntry
from tests.factories import (
    CustomFieldFactory,
    UserRecordFactory,
    UserRecordSettingsFactory,
)
from tests.queries import assert_flat_query_count
from user_records.models import CustomField, CustomFieldType, UserRecord
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")

NOTICE = (
    "Les modifications que vous apportez s'appliqueront à l'ensemble des "
    "organisations et des services de votre espace."
)


def url(name, territory, *args):
    return reverse(f"user_records:{name}", args=[territory.pk, *args])


@pytest.fixture
def agent_client(client, basic_agent):
    client.force_login(basic_agent)
    return client


# --- configuration (territory admins) ---


def test_configuration_is_for_territory_admins_only(agent_client, territory):
    field = CustomFieldFactory(territory=territory)
    for page in ("section", "preview", "field_create"):
        assert agent_client.get(url(page, territory)).status_code == 403
    assert agent_client.get(url("field_update", territory, field.pk)).status_code == 403
    assert agent_client.post(url("field_archive", territory, field.pk)).status_code == 403
    assert agent_client.post(url("field_move", territory, field.pk)).status_code == 403
    response = agent_client.post(url("section", territory), {"hidden_fields": ["phone"]})
    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_section_shows_the_warning_and_hides_standard_fields(admin_client, territory):
    response = admin_client.get(url("section", territory))
    assert response.status_code == 200
    assert NOTICE in response.content.decode()

    response = admin_client.post(url("section", territory), {"hidden_fields": ["phone", "notes"]})
    assert response.status_code == 302
    settings = territory.user_record_settings
    assert settings.hidden_fields == ["phone", "notes"]
    response = admin_client.get(url("section", territory))
    assert "Les champs standards affichés ont été mis à jour." in response.content.decode()
    assert response.context["form"].initial["hidden_fields"] == ["notes", "phone"]


def test_first_name_cannot_be_hidden_through_the_form(admin_client, territory):
    response = admin_client.post(url("section", territory), {"hidden_fields": ["first_name"]})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_admin_adds_edits_moves_archives_and_restores_a_custom_field(admin_client, territory):
    response = admin_client.post(
        url("field_create", territory),
        {
            "label": "Situation professionnelle",
            "field_type": "single_choice",
            "choices_text": "En emploi\nDemandeur d'emploi\nRetraité",
            "required": "on",
        },
    )
    assert response.status_code == 302
    field = CustomField.objects.get(territory=territory)
    assert field.choices == ["En emploi", "Demandeur d'emploi", "Retraité"]
    assert field.required
    other = CustomFieldFactory(territory=territory, label="Autre", position=10)

    response = admin_client.post(
        url("field_update", territory, field.pk),
        {
            "label": "Situation pro.",
            "field_type": "single_choice",
            "choices_text": "En emploi\nDemandeur d'emploi\nRetraité\nÉtudiant",
        },
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.label, field.required, len(field.choices)) == ("Situation pro.", False, 4)

    admin_client.post(url("field_move", territory, other.pk), {"direction": "up"})
    assert list(CustomField.objects.values_list("label", flat=True)) == ["Autre", "Situation pro."]

    confirm = admin_client.get(url("field_archive", territory, field.pk))
    assert "Êtes-vous sûr de vouloir archiver ce champ" in confirm.content.decode()
    field.refresh_from_db()
    assert field.archived_at is None
    admin_client.post(url("field_archive", territory, field.pk))
    field.refresh_from_db()
    assert field.archived_at is not None
    assert "Champs archivés" in admin_client.get(url("section", territory)).content.decode()

    admin_client.post(url("field_restore", territory, field.pk))
    field.refresh_from_db()
    assert field.archived_at is None
    assert Event.objects.filter(type__startswith="custom_field.").count() == 5


def test_double_submits_on_custom_fields_change_nothing_more(admin_client, territory):
    first = CustomFieldFactory(territory=territory, label="Premier", position=1)
    CustomFieldFactory(territory=territory, label="Second", position=2)
    admin_client.post(url("field_archive", territory, first.pk))
    admin_client.post(url("field_archive", territory, first.pk))
    assert Event.objects.filter(type="custom_field.archived").count() == 1

    # A stale page still offers to move the archived field: a clear refusal, not an error.
    response = admin_client.post(
        url("field_move", territory, first.pk), {"direction": "down"}, follow=True
    )
    assert response.status_code == 200
    assert "est archivé : restaurez-le pour changer sa place" in response.content.decode()

    admin_client.post(url("field_restore", territory, first.pk))
    restored_at = CustomField.objects.get(pk=first.pk).position
    admin_client.post(url("field_restore", territory, first.pk))
    assert CustomField.objects.get(pk=first.pk).position == restored_at
    assert Event.objects.filter(type="custom_field.restored").count() == 1
    assert AuditEntry.objects.filter(action__startswith="custom_field.").count() == 2


def test_invalidating_change_is_refused_with_an_explanation(admin_client, territory):
    field = CustomFieldFactory(
        territory=territory,
        label="Caisse",
        field_type=CustomFieldType.SINGLE_CHOICE,
        choices=["CAF", "MSA"],
    )
    UserRecordFactory(territory=territory, custom_values={field.key: "MSA"})

    response = admin_client.post(
        url("field_update", territory, field.pk),
        {"label": "Caisse", "field_type": "short_text"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Impossible de changer le type : 1 fiche(s)" in page
    assert "Archiver ce champ" in page

    response = admin_client.post(
        url("field_update", territory, field.pk),
        {"label": "Caisse", "field_type": "single_choice", "choices_text": "CAF\nAutre"},
    )
    assert "Impossible de retirer un choix déjà utilisé par des fiches : « MSA »" in (
        response.content.decode()
    )
    field.refresh_from_db()
    assert field.choices == ["CAF", "MSA"]
    assert not AuditEntry.objects.exists()


def test_preview_shows_the_form_agents_will_see(admin_client, territory):
    UserRecordSettingsFactory(territory=territory, hidden_fields=["phone"])
    CustomFieldFactory(territory=territory, label="Numéro France Travail")
    CustomFieldFactory(territory=territory, label="Ancien champ", archived_at="2026-01-01T00:00Z")
    page = admin_client.get(url("preview", territory)).content.decode()
    assert "Numéro France Travail" in page
    assert "Ancien champ" not in page
    assert "Téléphone" not in page
    assert "Adresse e-mail" in page


# --- agents' screens ---


def test_agent_creates_views_and_edits_a_record(agent_client, territory, organisation):
    UserRecordSettingsFactory(territory=territory, hidden_fields=["phone"])
    field = CustomFieldFactory(
        territory=territory,
        label="Situation",
        field_type=CustomFieldType.SINGLE_CHOICE,
        choices=["Seul", "En famille"],
        required=True,
    )
    form_page = agent_client.get(url("create", territory)).content.decode()
    assert "Situation" in form_page
    assert 'name="phone"' not in form_page

    response = agent_client.post(
        url("create", territory),
        {"first_name": "Éloïse", "last_name": "Faure", "email": "eloise@exemple.fr"},
    )
    assert response.status_code == 200  # the required custom field is missing
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not UserRecord.objects.exists()

    response = agent_client.post(
        url("create", territory),
        {
            "first_name": "Éloïse",
            "last_name": "Faure",
            "email": "eloise@exemple.fr",
            "phone": "0612345678",  # hidden: ignored
            f"custom_{field.key}": "En famille",
        },
    )
    record = UserRecord.objects.get()
    assert response.url == url("user_record_detail", territory, record.pk)
    assert (record.phone, record.custom_values) == ("", {field.key: "En famille"})
    assert list(record.organisations.all()) == [organisation]

    detail = agent_client.get(url("user_record_detail", territory, record.pk)).content.decode()
    assert "En famille" in detail
    assert "Téléphone" not in detail
    assert "La fiche d&#x27;Éloïse Faure a été créée." in detail

    response = agent_client.post(
        url("update", territory, record.pk),
        {"first_name": "Éloïse", "last_name": "Faure-Martin", f"custom_{field.key}": "Seul"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.last_name, record.custom_values[field.key]) == ("Faure-Martin", "Seul")
    assert Event.objects.filter(type="user_record.updated").count() == 1

    # Saved again unchanged (or submitted twice): no event, no audit entry for nothing.
    response = agent_client.post(
        url("update", territory, record.pk),
        {"first_name": "Éloïse", "last_name": "Faure-Martin", f"custom_{field.key}": "Seul"},
    )
    assert response.status_code == 302
    assert Event.objects.filter(type="user_record.updated").count() == 1
    assert AuditEntry.objects.filter(action="user_record.updated").count() == 1


def test_an_absurd_number_of_children_is_refused_not_a_crash(agent_client, territory):
    data = {"first_name": "Anne", "last_name": "Petit", "number_of_children": "99999"}
    response = agent_client.post(url("create", territory), data)
    assert response.status_code == 200
    assert "Le nombre d&#x27;enfants ne peut pas dépasser 30." in response.content.decode()
    assert not UserRecord.objects.exists()
    response = agent_client.post(url("create", territory), {**data, "number_of_children": "3"})
    assert UserRecord.objects.get().number_of_children == 3


def test_hidden_values_come_back_when_the_field_is_shown_again(
    admin_client, agent_client, territory, organisation
):
    record = UserRecordFactory(
        territory=territory, organisations=[organisation], phone="+33475000001"
    )
    settings = UserRecordSettingsFactory(territory=territory, hidden_fields=["phone"])
    assert (
        "04 75 00 00 01"
        not in agent_client.get(url("user_record_detail", territory, record.pk)).content.decode()
    )
    agent_client.post(
        url("update", territory, record.pk),
        {"first_name": record.first_name, "last_name": "Nouveau"},
    )
    settings.hidden_fields = []
    settings.save()
    detail = agent_client.get(url("user_record_detail", territory, record.pk)).content.decode()
    assert "04 75 00 00 01" in detail
    assert "NOUVEAU" in detail


def test_list_searches_name_email_and_phone_ignoring_accents(agent_client, territory, organisation):
    UserRecordFactory(
        territory=territory, organisations=[organisation], first_name="Hélène", last_name="Müller"
    )
    UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name="Paul",
        last_name="Durand",
        email="pdurand@exemple.fr",
    )
    UserRecordFactory(
        territory=territory,
        organisations=[organisation],
        first_name="Zoé",
        last_name="Roux",
        phone="+33612345678",
    )

    def names(query):
        response = agent_client.get(url("list", territory), {"q": query})
        return [record.first_name for record, _ in response.context["rows"]]

    assert names("helene muller") == ["Hélène"]
    assert names("PDURAND@") == ["Paul"]
    assert names("06 12 34") == ["Zoé"]
    assert names("0612345678") == ["Zoé"]
    assert names("personne") == []
    UserRecordSettingsFactory(territory=territory, hidden_fields=["phone", "email"])
    assert names("06 12 34") == []  # a hidden field is not searched either
    assert names("pdurand") == []


def test_a_search_with_a_nul_character_is_just_a_search(agent_client, territory, organisation):
    UserRecordFactory(
        territory=territory, organisations=[organisation], first_name="Hélène", last_name="Martin"
    )
    response = agent_client.get(url("list", territory), {"q": "Hél\x00Martin"})
    assert response.status_code == 200
    assert "MARTIN" in response.content.decode()


def test_list_paginates_and_leaves_hidden_columns_out(
    agent_client, territory, other_territory, organisation
):
    UserRecordFactory.create_batch(30, territory=territory, organisations=[organisation])
    UserRecordFactory(territory=other_territory, last_name="Étranger")
    response = agent_client.get(url("list", territory))
    assert response.context["page"].count == 30
    assert len(response.context["rows"]) == 25
    assert "Téléphone" in response.content.decode()
    second = url("list", territory) + response.context["page"].next_link
    assert len(agent_client.get(second).context["rows"]) == 5

    UserRecordSettingsFactory(territory=territory, hidden_fields=["phone"])
    page = agent_client.get(url("list", territory)).content.decode()
    assert "Téléphone" not in page
    assert "ÉTRANGER" not in page


def test_list_query_count_stays_flat(agent_client, territory, organisation):
    fields = CustomFieldFactory.create_batch(10, territory=territory)
    UserRecordSettingsFactory(territory=territory, hidden_fields=["notes"])

    def make(count):
        UserRecordFactory.create_batch(
            count,
            territory=territory,
            organisations=[organisation],
            phone="+33612345678",
            custom_values={f.key: "valeur" for f in fields},
        )

    def fetch():
        assert agent_client.get(url("list", territory)).status_code == 200

    make(5)
    assert_flat_query_count(fetch, lambda: make(495))
    assert UserRecord.objects.count() == 500


def test_records_are_reached_through_the_territory_only(
    agent_client, territory, other_territory, basic_agent
):
    foreign = UserRecordFactory(territory=other_territory)
    for name in ("user_record_detail", "update"):
        assert agent_client.get(url(name, territory, foreign.pk)).status_code == 404
    assert agent_client.get(url("list", other_territory)).status_code == 404
    response = agent_client.post(
        url("update", territory, foreign.pk), {"first_name": "X", "last_name": "Y"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.first_name != "X"
