"""The territory's user record form: hidden standard fields, custom fields and their
validation, and the configuration services (events, audit, invalidating changes)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from territories.errors import ServiceError
from territories.models import AuditEntry
from tests.factories import CustomFieldFactory, UserRecordFactory
from user_records import services
from user_records.fields import HIDEABLE_FIELDS, visible_fields
from user_records.forms import CustomFieldForm, build_user_record_form
from user_records.models import CustomField, CustomFieldType
from webhooks.models import Event

# Test bodies run inside the territory's scope, as requests and tasks do.
pytestmark = pytest.mark.usefixtures("in_territory")


def form_data(**extra):
    return {"first_name": "Hélène", "last_name": "Martin", **extra}


def test_every_hideable_field_leaves_the_form_and_comes_back_with_its_value(territory, admin_agent):
    values = {
        "birth_name": "Durand",
        "birth_date": date(1980, 5, 17),
        "email": "helene@exemple.fr",
        "phone": "+33612345678",
        "address": "3 rue des Lilas, Valence",
        "address_details": "Bâtiment B",
        "notes": "Préfère le matin",
        "affiliation": "caf",
        "affiliation_number": "123456",
        "family_situation": "married",
        "number_of_children": 2,
        "housing_situation": "tenant",
        "case_number": "D-42",
    }
    assert set(values) == set(HIDEABLE_FIELDS)
    record = UserRecordFactory(territory=territory, **values)
    for name in HIDEABLE_FIELDS:
        services.set_hidden_fields(territory, [name], acting_agent=admin_agent)
        form = build_user_record_form(territory, record=record)
        assert name not in form.fields
        assert {"first_name", "last_name"} <= set(form.fields)
        assert name not in [f.name for f in visible_fields(territory)]

        # An agent edits the record while the field is hidden: the value survives.
        form = build_user_record_form(
            territory, record=record, data={**form.initial, "first_name": "Hélène"}
        )
        assert form.is_valid(), form.errors
        services.update_user_record(
            record, form.standard_values(), form.custom_values(), acting_agent=admin_agent
        )
        record.refresh_from_db()
        assert getattr(record, name) == values[name]

    services.set_hidden_fields(territory, [], acting_agent=admin_agent)
    shown = {f.name: f for f in visible_fields(territory)}
    assert shown["phone"].display(record) == "06 12 34 56 78"
    assert shown["birth_date"].display(record) == "17/05/1980"
    assert shown["affiliation"].display(record) == "CAF"
    assert build_user_record_form(territory, record=record).initial["case_number"] == "D-42"


def test_first_and_last_name_cannot_be_hidden(territory, admin_agent):
    settings = services.set_hidden_fields(
        territory, acting_agent=admin_agent, hidden=["first_name", "phone"]
    )
    assert settings.hidden_fields == ["phone"]
    assert {"first_name", "last_name"} <= set(build_user_record_form(territory).fields)


def test_standard_fields_are_validated_in_french(territory):
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = build_user_record_form(
        territory,
        data=form_data(phone="12", email="pas-un-mail", birth_date=tomorrow.isoformat()),
    )
    assert not form.is_valid()
    assert form.errors["phone"] == ["Saisissez un numéro de téléphone français valide."]
    assert form.errors["email"] == ["Saisissez une adresse de courriel valide."]
    assert form.errors["birth_date"] == ["La date de naissance ne peut pas être dans le futur."]
    assert build_user_record_form(territory, data={}).errors["last_name"] == [
        "Ce champ est obligatoire."
    ]

    form = build_user_record_form(territory, data=form_data(phone="06 12 34 56 78"))
    assert form.is_valid()
    assert form.cleaned_data["phone"] == "+33612345678"


@pytest.mark.parametrize(
    ("field_type", "choices", "good", "stored", "bad", "error"),
    [
        (CustomFieldType.SHORT_TEXT, [], "Bonjour", "Bonjour", "x" * 256, "au plus 255"),
        (CustomFieldType.LONG_TEXT, [], "Ligne 1\nLigne 2", "Ligne 1\nLigne 2", "x" * 5001, ""),
        (CustomFieldType.NUMBER, [], "3,5", 3.5, "trois", "Saisissez un nombre."),
        (CustomFieldType.DATE, [], "2026-03-01", "2026-03-01", "hier", "date valide"),
        (CustomFieldType.YES_NO, [], "true", True, "peut-être", "choix valide"),
        (CustomFieldType.SINGLE_CHOICE, ["CAF", "MSA"], "MSA", "MSA", "Autre", "choix valide"),
        (CustomFieldType.MULTIPLE_CHOICE, ["A", "B", "C"], ["A", "C"], ["A", "C"], ["D"], ""),
    ],
)
def test_each_custom_field_type_validates_and_stores_its_value(
    territory, admin_agent, field_type, choices, good, stored, bad, error
):
    field = CustomFieldFactory(territory=territory, field_type=field_type, choices=choices)
    name = f"custom_{field.key}"

    form = build_user_record_form(territory, data=form_data(**{name: bad}))
    assert not form.is_valid()
    assert error in form.errors[name][0]

    form = build_user_record_form(territory, data=form_data(**{name: good}))
    assert form.is_valid(), form.errors
    record = services.create_user_record(
        territory, form.standard_values(), form.custom_values(), acting_agent=admin_agent
    )
    assert record.custom_values == {field.key: stored}
    # The stored value fills the edit form again.
    again = build_user_record_form(territory, record=record)
    assert build_user_record_form(
        territory, record=record, data={**again.initial, name: again.initial[name]}
    ).is_valid()


def test_whole_numbers_are_stored_as_integers_and_no_is_kept_as_false(territory, admin_agent):
    number = CustomFieldFactory(territory=territory, field_type=CustomFieldType.NUMBER)
    yes_no = CustomFieldFactory(territory=territory, field_type=CustomFieldType.YES_NO)
    form = build_user_record_form(
        territory, data=form_data(**{f"custom_{number.key}": "4", f"custom_{yes_no.key}": "false"})
    )
    assert form.is_valid()
    record = services.create_user_record(
        territory, form.standard_values(), form.custom_values(), acting_agent=admin_agent
    )
    assert record.custom_values == {number.key: 4, yes_no.key: False}
    shown = {f.name: f for f in visible_fields(territory)}
    assert shown[yes_no.key].display(record) == "Non"


def test_required_custom_fields_must_be_filled(territory):
    field = CustomFieldFactory(territory=territory, required=True, label="N° de dossier CAF")
    form = build_user_record_form(territory, data=form_data())
    assert form.errors[f"custom_{field.key}"] == ["Ce champ est obligatoire."]
    CustomFieldFactory(territory=territory, field_type=CustomFieldType.YES_NO, required=True)
    assert "custom_" + field.key in build_user_record_form(territory, data=form_data()).errors


def test_custom_fields_follow_their_order_and_archived_ones_leave(territory, admin_agent):
    first = CustomFieldFactory(territory=territory, label="Premier")
    second = CustomFieldFactory(territory=territory, label="Deuxième")
    third = CustomFieldFactory(territory=territory, label="Troisième")

    def order():
        return [f.label for f in visible_fields(territory) if f.custom]

    assert order() == ["Premier", "Deuxième", "Troisième"]
    services.move_custom_field(third, -1, acting_agent=admin_agent)
    assert order() == ["Premier", "Troisième", "Deuxième"]
    services.move_custom_field(first, -1, acting_agent=admin_agent)  # already first
    services.move_custom_field(first, +1, acting_agent=admin_agent)
    assert order() == ["Troisième", "Premier", "Deuxième"]
    form_order = [n for n in build_user_record_form(territory).fields if n.startswith("custom_")]
    assert form_order == [f"custom_{third.key}", f"custom_{first.key}", f"custom_{second.key}"]

    record = UserRecordFactory(territory=territory, custom_values={second.key: "gardé"})
    services.archive_custom_field(second, acting_agent=admin_agent)
    assert order() == ["Troisième", "Premier"]
    form = build_user_record_form(territory, record=record, data={**form_data()})
    assert form.is_valid()
    services.update_user_record(
        record, form.standard_values(), form.custom_values(), acting_agent=admin_agent
    )
    record.refresh_from_db()
    assert record.custom_values == {second.key: "gardé"}

    services.restore_custom_field(second, acting_agent=admin_agent)
    assert order() == ["Troisième", "Premier", "Deuxième"]


def test_emptying_a_custom_value_removes_it(territory, admin_agent):
    field = CustomFieldFactory(territory=territory)
    record = UserRecordFactory(territory=territory, custom_values={field.key: "ancien"})
    form = build_user_record_form(territory, record=record, data=form_data())
    assert form.is_valid()
    services.update_user_record(
        record, form.standard_values(), form.custom_values(), acting_agent=admin_agent
    )
    record.refresh_from_db()
    assert record.custom_values == {}


def field_form(territory, instance=None, **data):
    values = {"label": "Situation", "field_type": "single_choice", "choices_text": "A\nB"}
    return CustomFieldForm(data={**values, **data}, territory=territory, instance=instance)


def test_custom_field_key_is_generated_once_and_kept_when_renamed(territory, admin_agent):
    form = field_form(territory, label="Situation à l'entrée")
    assert form.is_valid(), form.errors
    field = services.create_custom_field(territory, form.values(), acting_agent=admin_agent)
    assert field.key.startswith("situation_a_lentree_")
    assert field.choices == ["A", "B"]

    form = field_form(territory, instance=field, label="Autre libellé")
    assert form.is_valid(), form.errors
    renamed = services.update_custom_field(field, form.values(), acting_agent=admin_agent)
    assert renamed.key == field.key
    assert renamed.label == "Autre libellé"


def test_choice_fields_need_choices(territory):
    form = field_form(territory, choices_text="Seul\n  \nSeul")
    assert form.errors["choices_text"] == ["Indiquez au moins deux choix, un par ligne."]
    form = field_form(territory, field_type="short_text", choices_text="ignoré")
    assert form.is_valid()
    assert form.values()["choices"] == []


def test_type_change_is_refused_once_values_exist(territory, admin_agent):
    field = CustomFieldFactory(territory=territory, field_type=CustomFieldType.SHORT_TEXT)
    form = field_form(territory, instance=field, field_type="number")
    assert form.is_valid()  # nobody holds a value yet
    field = CustomField.objects.get(pk=field.pk)

    UserRecordFactory(territory=territory, custom_values={field.key: "12 bis"})
    form = field_form(territory, instance=field, field_type="number")
    assert not form.is_valid()
    assert "Impossible de changer le type : 1 fiche(s)" in form.errors["field_type"][0]
    assert "Archivez ce champ" in form.errors["field_type"][0]
    with pytest.raises(ServiceError):
        services.update_custom_field(
            field, {**form.cleaned_data, "field_type": "number"}, acting_agent=admin_agent
        )
    # Short text to long text keeps every value valid.
    assert field_form(territory, instance=field, field_type="long_text").is_valid()


@pytest.mark.parametrize("key", ["situation_1a2b3c", "2024_123456"])
def test_removing_a_used_choice_is_refused_an_unused_one_is_not(territory, key):
    # A key made of digits (label "2024", digits-only suffix) must not read as an array index.
    single = CustomFieldFactory(
        territory=territory,
        key=key,
        field_type=CustomFieldType.SINGLE_CHOICE,
        choices=["A", "B", "C"],
    )
    multiple = CustomFieldFactory(
        territory=territory,
        key=f"{key}9",
        field_type=CustomFieldType.MULTIPLE_CHOICE,
        choices=["A", "B", "C"],
    )
    UserRecordFactory(territory=territory, custom_values={single.key: "B", multiple.key: ["C"]})
    for field, used in ((single, "B"), (multiple, "C")):
        kept = [c for c in ["A", "B", "C"] if c != used]
        form = field_form(
            territory, instance=field, field_type=field.field_type, choices_text="\n".join(kept)
        )
        assert f"« {used} »" in form.errors["choices_text"][0]
        form = field_form(
            territory,
            instance=CustomField.objects.get(pk=field.pk),
            field_type=field.field_type,
            choices_text=f"{used}\nD\nE",
        )
        assert form.is_valid(), form.errors


def test_values_of_another_territory_do_not_block_changes(territory, other_territory):
    field = CustomFieldFactory(territory=territory, key="situation")
    UserRecordFactory(territory=other_territory, custom_values={"situation": "x"})
    assert field_form(territory, instance=field, field_type="number").is_valid()


def test_record_events_carry_custom_values_by_stable_key(territory, organisation, admin_agent):
    field = CustomFieldFactory(territory=territory, key="suivi_rsa_ab12cd", label="Suivi RSA")
    form = build_user_record_form(territory, data=form_data(**{f"custom_{field.key}": "oui"}))
    assert form.is_valid()
    record = services.create_user_record(
        territory, form.standard_values(), form.custom_values(), acting_agent=admin_agent
    )
    created = Event.objects.get(type="user_record.created")
    assert created.payload["custom_values"] == {"suivi_rsa_ab12cd": "oui"}
    assert created.payload["first_name"] == "Hélène"
    assert created.organisation_ids == [organisation.pk]
    assert list(record.organisations.all()) == [organisation]

    services.update_user_record(record, {"last_name": "Dupont"}, {}, acting_agent=admin_agent)
    updated = Event.objects.get(type="user_record.updated")
    assert updated.payload["last_name"] == "Dupont"
    entry = AuditEntry.objects.get(action="user_record.updated")
    assert (entry.before["last_name"], entry.after["last_name"]) == ("Martin", "Dupont")


def test_every_configuration_change_leaves_an_audit_entry(territory, admin_agent):
    services.set_hidden_fields(territory, ["phone"], acting_agent=admin_agent)
    services.set_hidden_fields(territory, [], acting_agent=admin_agent)
    form = field_form(territory)
    assert form.is_valid()
    field = services.create_custom_field(territory, form.values(), acting_agent=admin_agent)
    services.update_custom_field(field, {**form.values(), "label": "X"}, acting_agent=admin_agent)
    services.move_custom_field(field, +1, acting_agent=admin_agent)  # alone: nothing moves
    services.archive_custom_field(field, acting_agent=admin_agent)
    services.restore_custom_field(field, acting_agent=admin_agent)
    actions = list(
        AuditEntry.objects.filter(territory=territory, actor=admin_agent)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "user_record_settings.updated",
        "user_record_settings.updated",
        "custom_field.created",
        "custom_field.updated",
        "custom_field.archived",
        "custom_field.restored",
    ]
    hidden = AuditEntry.objects.filter(action="user_record_settings.updated").order_by("pk")
    assert hidden[0].after == {"territory_id": territory.pk, "hidden_fields": ["phone"]}
    assert hidden[1].before["hidden_fields"] == ["phone"]


def test_booking_form_asks_only_the_custom_fields_marked_for_booking(territory):
    asked = CustomFieldFactory(territory=territory, asked_in_booking=True)
    CustomFieldFactory(territory=territory, asked_in_booking=False)
    form = build_user_record_form(territory, booking=True, standard_fields=["email", "phone"])
    assert list(form.fields) == ["first_name", "last_name", "email", "phone", f"custom_{asked.key}"]


def test_a_value_edited_by_hand_still_displays(territory):
    field = CustomFieldFactory(territory=territory, field_type=CustomFieldType.DATE)
    record = UserRecordFactory(territory=territory, custom_values={field.key: "1er mars"})
    shown = {f.name: f for f in visible_fields(territory)}
    assert shown[field.key].display(record) == "1er mars"
