"""The user record form a territory configured, and the forms of its configuration."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model, model_to_dict
from django.utils import timezone

from territories.changes import EditFormMixin
from territories.errors import ServiceError
from territories.models import Territory
from territories.validators import normalize_french_phone
from user_records.fields import (
    ALWAYS_VISIBLE,
    HIDEABLE_FIELDS,
    STANDARD_FIELDS,
    VisibleField,
    custom_value_to_json,
    label_taken,
    standard_label,
    visible_fields,
)
from user_records.models import (
    CHOICE_TYPES,
    DUPLICATE_LABEL_MESSAGE,
    CustomField,
    CustomFieldType,
    UserRecord,
)
from user_records.usage import check_custom_field_change

CUSTOM_PREFIX = "custom_"
DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
STANDARD_WIDGETS = {
    "birth_date": DATE_WIDGET,
    "notes": forms.Textarea(attrs={"rows": 3}),
    "email": forms.EmailInput(attrs={"autocomplete": "off"}),
    "phone": forms.TextInput(attrs={"type": "tel"}),
}
MAX_CHILDREN = 30  # well below the column's limit (a smallint)
YES_NO_CHOICES = [("true", "Oui"), ("false", "Non")]


def custom_form_field(field: CustomField) -> forms.Field:
    """The form field of a custom field: its type decides widget and validation."""
    common = {"label": field.label, "help_text": field.help_text, "required": field.required}
    kind = field.field_type
    if kind == CustomFieldType.SHORT_TEXT:
        return forms.CharField(max_length=255, **common)
    if kind == CustomFieldType.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == CustomFieldType.NUMBER:
        return forms.DecimalField(max_digits=15, decimal_places=4, localize=True, **common)
    if kind == CustomFieldType.DATE:
        return forms.DateField(widget=DATE_WIDGET, **common)
    if kind == CustomFieldType.YES_NO:
        return forms.TypedChoiceField(
            choices=YES_NO_CHOICES,
            coerce=lambda value: value == "true",
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    options = [(choice, choice) for choice in field.choices]
    if kind == CustomFieldType.SINGLE_CHOICE:
        return forms.ChoiceField(choices=[("", "Sélectionner une option"), *options], **common)
    return forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple, **common)


def custom_initial(field: CustomField, value: Any) -> Any:
    if field.field_type == CustomFieldType.YES_NO and value is not None:
        return "true" if value else "false"
    return value


NOTIFICATION_FIELDS = {
    "notify_by_email": "Prévenir par e-mail",
    "notify_by_sms": "Prévenir par SMS",
}
NOTIFICATION_HELP = (
    "Confirmations, RDV déplacés ou annulés par un agent, rappels : si l'adresse ou le "
    "numéro est renseigné."
)


def notification_field(label: str) -> forms.TypedChoiceField:
    """Yes or no, as radios: a form sent without it (an older page, a script) leaves the
    stored preference alone instead of switching it off like a missing checkbox."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("true", "Oui"), ("false", "Non")],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=NOTIFICATION_HELP,
    )


class UserRecordForm(EditFormMixin, forms.Form):
    """Standard fields the territory shows, then its custom fields in order.

    A plain form (not a ModelForm) so that validating never touches the record:
    the service compares before and after and writes."""

    def __init__(
        self,
        *args,
        territory: Territory,
        fields: list[VisibleField],
        record: UserRecord | None = None,
        notifications: bool = True,
        **kwargs,
    ):
        standard = [field.name for field in fields if field.custom is None]
        self.custom_fields = [field.custom for field in fields if field.custom is not None]
        initial = kwargs.pop("initial", None) or {}
        if record is not None:
            initial = {**model_to_dict(record, fields=standard), **initial}
            for custom in self.custom_fields:
                value = (record.custom_values or {}).get(custom.key)
                initial.setdefault(CUSTOM_PREFIX + custom.key, custom_initial(custom, value))
        super().__init__(*args, initial=initial, **kwargs)
        self.territory = territory
        model_fields = fields_for_model(UserRecord, fields=standard, widgets=STANDARD_WIDGETS)
        for name in standard:
            self.fields[name] = model_fields[name]
            self.fields[name].label = standard_label(name)
            if isinstance(self.fields[name], forms.ChoiceField):
                self.fields[name].choices = [("", "Non renseigné"), *self.fields[name].choices[1:]]
        for custom in self.custom_fields:
            self.fields[CUSTOM_PREFIX + custom.key] = custom_form_field(custom)
        if notifications:
            for name, label in NOTIFICATION_FIELDS.items():
                self.fields[name] = notification_field(label)
                wanted = getattr(record, name) if record is not None else True
                self.initial.setdefault(name, "true" if wanted else "false")

    def ask_organisations(self, organisations, initial) -> None:
        """For a new record: which organisations follow it, asked only of an agent who
        works in several (their agents see it; territory admins see every record)."""
        self.organisation_choices = list(organisations)
        if len(self.organisation_choices) > 1:
            self.fields["organisations"] = forms.ModelMultipleChoiceField(
                label="Organisations qui suivent cet usager",
                queryset=organisations,
                initial=initial,
                widget=forms.CheckboxSelectMultiple,
                help_text="Les agents de ces organisations verront la fiche.",
                error_messages={"required": "Choisissez au moins une organisation."},
            )

    def followed_by(self) -> list:
        """The organisations chosen by `ask_organisations` (the only one when one)."""
        return list(self.cleaned_data.get("organisations") or self.organisation_choices)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        return normalize_french_phone(phone) if phone else ""

    def clean_number_of_children(self) -> int | None:
        number = self.cleaned_data["number_of_children"]
        if number is not None and number > MAX_CHILDREN:
            raise ValidationError(f"Le nombre d'enfants ne peut pas dépasser {MAX_CHILDREN}.")
        return number

    def clean_birth_date(self):
        birth_date = self.cleaned_data["birth_date"]
        if birth_date and birth_date > timezone.localdate():
            raise ValidationError("La date de naissance ne peut pas être dans le futur.")
        return birth_date

    def standard_values(self) -> dict[str, Any]:
        values = {name: self.cleaned_data[name] for name in STANDARD_FIELDS if name in self.fields}
        for name in NOTIFICATION_FIELDS:
            if self.cleaned_data.get(name) is not None:
                values[name] = self.cleaned_data[name]
        return values

    def custom_values(self) -> dict[str, Any]:
        """The custom fields of this form, keyed by their stable key, as stored (JSON)."""
        return {
            custom.key: custom_value_to_json(custom, self.cleaned_data[CUSTOM_PREFIX + custom.key])
            for custom in self.custom_fields
        }


def build_user_record_form(
    territory: Territory,
    *,
    data=None,
    record: UserRecord | None = None,
    standard_fields: list[str] | None = None,
    booking: bool = False,
    **kwargs,
) -> UserRecordForm:
    """The user record form as this territory configured it (hidden fields left out).

    `standard_fields` narrows the standard fields further (first and last name always
    stay); `booking=True` keeps only the custom fields asked in online booking."""
    fields = visible_fields(territory)
    if standard_fields is not None:
        wanted = set(standard_fields) | set(ALWAYS_VISIBLE)
        fields = [f for f in fields if f.custom is not None or f.name in wanted]
    if booking:
        fields = [f for f in fields if f.custom is None or f.custom.asked_in_booking]
    # How the usager wants to be told is asked when an agent edits a record: the creation
    # form stays exactly the fields the territory configured (new records accept both).
    notifications = not booking and record is not None
    return UserRecordForm(
        data,
        territory=territory,
        fields=fields,
        record=record,
        notifications=notifications,
        **kwargs,
    )


class HiddenFieldsForm(EditFormMixin, forms.Form):
    hidden_fields = forms.MultipleChoiceField(
        label="Champs standards masqués",
        help_text="Le prénom et le nom restent toujours affichés.",
        choices=[(name, standard_label(name)) for name in HIDEABLE_FIELDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, territory: Territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory


class CustomFieldForm(EditFormMixin, forms.ModelForm):
    choices_text = forms.CharField(
        label="Choix proposés",
        help_text="Pour les types « Choix unique » et « Choix multiples » : un choix par ligne.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    class Meta:
        model = CustomField
        fields = ["label", "field_type", "help_text", "required", "asked_in_booking"]
        help_texts = {
            "required": "Les fiches déjà créées sans valeur devront être complétées "
            "lors de leur prochaine modification.",
            "asked_in_booking": "Le champ sera aussi demandé aux usagers qui réservent en ligne.",
        }

    def __init__(self, *args, territory: Territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["label"].label = "Libellé"
        self.fields["field_type"].label = "Type"
        self.fields["field_type"].choices = [("", "Sélectionner un type"), *CustomFieldType.choices]
        self.fields["help_text"].label = "Texte d'aide"
        self.fields["required"].label = "Obligatoire"
        self.fields["asked_in_booking"].label = "Demandé lors de la réservation en ligne"
        self.order_fields(["label", "field_type", "choices_text", "help_text"])
        if self.instance.pk:
            self.initial.setdefault("choices_text", "\n".join(self.instance.choices))

    def clean(self):
        cleaned = super().clean()
        field_type = cleaned.get("field_type")
        choices: list[str] = []
        for line in cleaned.get("choices_text", "").splitlines():
            choice = " ".join(line.split())
            if choice and choice not in choices:
                choices.append(choice)
        if field_type in CHOICE_TYPES and len(choices) < 2:
            self.add_error("choices_text", "Indiquez au moins deux choix, un par ligne.")
        cleaned["choices"] = choices if field_type in CHOICE_TYPES else []
        label = cleaned.get("label")
        if label and label_taken(self.territory, label, exclude=self.instance.pk):
            self.add_error("label", DUPLICATE_LABEL_MESSAGE)
        if self.instance.pk and field_type and not self.errors:
            # The instance still holds the stored type and choices: ModelForm copies
            # the new ones onto (its copy of) it only after clean().
            try:
                check_custom_field_change(self.instance, field_type, cleaned["choices"])
            except ServiceError as error:
                error.apply_to_form(self)
        return cleaned

    def values(self) -> dict[str, Any]:
        """What the service writes."""
        names = [*self._meta.fields, "choices"]
        return {name: self.cleaned_data[name] for name in names}
