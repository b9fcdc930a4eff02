from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db.models import Exists, OuterRef, Q

from motifs.models import LocationType, Motif, duplicate_message
from territories.changes import EditFormMixin
from territories.filters import add_organisation_filter, matching_organisations
from territories.models import Organisation, Service, Territory
from territories.queries import active_services
from territories.search import search_q


@dataclass(frozen=True)
class Tab:
    key: str
    title: str
    field_names: list[str]


@dataclass
class BoundTab:
    """A tab as rendered: its fields, those in error, and whether it is shown first."""

    key: str
    title: str
    fields: list[forms.BoundField]
    error_fields: list[forms.BoundField]
    selected: bool = False

    @property
    def has_errors(self) -> bool:
        return bool(self.error_fields)


TABS = [
    Tab(
        "informations",
        "Information générale",
        ["name", "organisations", "default_duration", "location_type", "service", "color"],
    ),
    Tab(
        "reservation-en-ligne",
        "Réservation en ligne",
        ["bookable_by_public", "min_booking_delay", "max_booking_delay", "public_can_move"],
    ),
    Tab(
        "instructions",
        "Instructions et notifications",
        ["instructions_before", "instructions_after"],
    ),
]
# Shown only when the motif is open to usagers; ignored otherwise.
ONLINE_OPTIONS = ["min_booking_delay", "max_booking_delay", "public_can_move"]
DUPLICATE_SUFFIX = "copie"


class MotifForm(EditFormMixin, forms.ModelForm):
    """The three tabs of the motif screen, validated together as one form."""

    # Declared (not generated) because Organisation is scoped: no query at import time.
    organisations = forms.ModelMultipleChoiceField(
        label="Organisations concernées",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Le motif est partagé par les organisations cochées.",
        error_messages={"required": "Cochez au moins une organisation."},
    )

    class Meta:
        model = Motif
        fields = [name for tab in TABS for name in tab.field_names]
        labels = {
            "name": "Nom du motif",
            "default_duration": "Durée par défaut (en minutes)",
            "location_type": "Type de rendez-vous",
            "service": "Service associé",
            "color": "Couleur",
            "bookable_by_public": "Ouvert aux usagers",
            "min_booking_delay": "Délai minimum de réservation",
            "max_booking_delay": "Délai maximum de réservation",
            "public_can_move": "Les usagers peuvent déplacer leur RDV",
            "instructions_before": "Instructions avant la prise de rendez-vous",
            "instructions_after": "Instructions après la prise de rendez-vous",
        }
        help_texts = {
            "default_duration": "Entre 5 et 480 minutes.",
            "service": (
                "Vos motifs seront accessibles par les agents des services associés. "
                "Seuls les services actifs de l'espace sont proposés."
            ),
            "bookable_by_public": (
                "Le motif est proposé à la prise de rendez-vous en ligne ; "
                "une pastille « En ligne » s'affiche dans la liste des motifs."
            ),
            "min_booking_delay": "Les créneaux plus proches ne sont pas proposés en ligne.",
            "max_booking_delay": "Les créneaux plus lointains ne sont pas proposés en ligne.",
            "public_can_move": (
                "Un bouton « Déplacer le RDV » s'affiche dans le récapitulatif du rendez-vous, "
                "accessible depuis les notifications e-mail et SMS."
            ),
            "instructions_before": (
                "Affichées dans le parcours en ligne, avant que l'usager choisisse un créneau. "
                "Texte simple : les retours à la ligne sont conservés et les liens rendus "
                "cliquables."
            ),
            "instructions_after": (
                "Affichées sur l'écran de confirmation, dans le SMS (lien info/annulation) et "
                "dans l'e-mail de confirmation (informations supplémentaires). Texte simple."
            ),
        }
        error_messages = {
            "default_duration": {
                "min_value": "La durée par défaut doit être d'au moins 5 minutes.",
                "max_value": "La durée par défaut ne peut pas dépasser 480 minutes (8 heures).",
            },
        }
        widgets = {
            "location_type": forms.RadioSelect,
            "color": forms.TextInput(attrs={"type": "color"}),
            "bookable_by_public": forms.CheckboxInput(
                attrs={"data-rdv-toggles": " ".join(f"id_{name}-group" for name in ONLINE_OPTIONS)}
            ),
            "instructions_before": forms.Textarea(attrs={"rows": 5}),
            "instructions_after": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, territory: Territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.fields["organisations"].queryset = Organisation.objects.filter(
            territory=territory
        ).order_by("name")
        self._narrow_services()
        for name in ONLINE_OPTIONS:
            self.fields[name].required = False
        for name in ("min_booking_delay", "max_booking_delay"):
            # An emptied choice cleans to None, so clean() asks for a delay (not to compare "").
            self.fields[name].empty_value = None

    def _narrow_services(self) -> None:
        """Active services only; a motif being edited keeps its own, even if deactivated."""
        active = active_services(self.territory)
        active_ids = set(active.values_list("pk", flat=True))
        field = self.fields["service"]
        field.queryset = Service.objects.filter(
            Q(pk__in=active_ids) | Q(pk=self.instance.service_id)
        ).order_by("name")
        field.label_from_instance = lambda service: (
            service.name if service.pk in active_ids else f"{service.name} (service désactivé)"
        )

    @classmethod
    def initial_from(cls, motif: Motif) -> dict:
        """A duplicate's starting values: everything, under a name that does not clash."""
        initial = {name: getattr(motif, name) for name in cls._meta.fields}
        initial["service"] = motif.service_id
        initial["organisations"] = list(motif.organisations.values_list("pk", flat=True))
        taken = {
            name.lower()
            for name in Motif.objects.filter(
                territory=motif.territory, name__istartswith=motif.name
            ).values_list("name", flat=True)
        }
        candidate, number = f"{motif.name} ({DUPLICATE_SUFFIX})", 2
        while candidate.lower() in taken:
            candidate, number = f"{motif.name} ({DUPLICATE_SUFFIX} {number})", number + 1
        initial["name"] = candidate
        return initial

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("bookable_by_public"):
            low, high = cleaned.get("min_booking_delay"), cleaned.get("max_booking_delay")
            for name in ("min_booking_delay", "max_booking_delay"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, "Choisissez un délai.")
            if low is not None and high is not None and high <= low:
                self.add_error(
                    "max_booking_delay",
                    "Le délai maximum de réservation doit être supérieur au délai minimum.",
                )
        else:
            # Closed to usagers: the booking options are hidden and left as they were.
            for name in ONLINE_OPTIONS:
                self.errors.pop(name, None)
                cleaned[name] = getattr(self.instance, name)
        self._check_unique(cleaned)
        return cleaned

    def _check_unique(self, cleaned: dict) -> None:
        # The database constraint involves the territory, which is not a form field.
        name, service = cleaned.get("name"), cleaned.get("service")
        location_type = cleaned.get("location_type")
        if not (name and service and location_type):
            return
        clash = Motif.objects.active().filter(
            territory=self.territory,
            name__iexact=name,
            service=service,
            location_type=location_type,
        )
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            self.add_error("name", duplicate_message(location_type))

    def values(self) -> dict:
        """The motif's own fields, for the service (organisations are given apart)."""
        values = super().values()
        values.pop("organisations")
        return values

    def tabs(self) -> list[BoundTab]:
        """The tabs, the first one in error selected (else the first): an error in a
        hidden tab brings that tab to the front, with or without JavaScript."""
        tabs = []
        for tab in TABS:
            fields = [self[name] for name in tab.field_names]
            tabs.append(
                BoundTab(tab.key, tab.title, fields, [field for field in fields if field.errors])
            )
        selected = next((tab for tab in tabs if tab.has_errors), tabs[0])
        selected.selected = True
        return tabs


class MotifFilterForm(forms.Form):
    q = forms.CharField(label="Nom du motif", required=False)
    organisation = forms.Field(required=False)  # set in __init__; declared for its place
    service = forms.ModelChoiceField(
        label="Service", queryset=Service.objects.none(), required=False
    )
    location_type = forms.ChoiceField(
        label="Type", choices=[("", "Tous les types"), *LocationType.choices], required=False
    )
    online = forms.ChoiceField(
        label="Réservation en ligne",
        choices=[("", "Tous"), ("oui", "En ligne"), ("non", "Pas en ligne")],
        required=False,
    )
    status = forms.ChoiceField(
        label="État",
        choices=[("", "Motifs actifs"), ("archives", "Motifs archivés")],
        required=False,
    )

    def __init__(self, *args, territory: Territory, **kwargs):
        super().__init__(*args, **kwargs)
        self.territory = territory
        add_organisation_filter(self, territory, empty_label="Toutes les organisations")
        self.fields["service"].queryset = (
            Service.objects.filter(
                Q(territory_services__territory=territory) | Q(motifs__territory=territory)
            )
            .distinct()
            .order_by("name")
        )
        self.fields["service"].empty_label = "Tous les services"

    def filter(self, motifs):
        if not self.is_valid():
            return motifs.active()
        data = self.cleaned_data
        motifs = motifs.archived() if data["status"] == "archives" else motifs.active()
        if data["q"]:
            motifs = motifs.filter(search_q(data["q"], "name"))
        if data["organisation"]:
            chosen = matching_organisations(self.territory, data["organisation"])
            links = Motif.organisations.through.objects.filter(
                motif=OuterRef("pk"), organisation__in=chosen
            )
            motifs = motifs.filter(Exists(links))
        if data["service"]:
            motifs = motifs.filter(service=data["service"])
        if data["location_type"]:
            motifs = motifs.filter(location_type=data["location_type"])
        if data["online"]:
            motifs = motifs.filter(bookable_by_public=data["online"] == "oui")
        return motifs
