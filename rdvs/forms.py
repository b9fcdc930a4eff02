from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from agents.models import Agent
from motifs.eligibility import motifs_for
from motifs.models import Motif
from rdvs.models import Rdv, RdvStatus
from rdvs.queries import agents_of, organisations_of, user_records_of
from user_records.models import UserRecord

# Any real agenda lies well inside these days; outside them a forged date would
# overflow the date arithmetic (time zones, end of the RDV, navigation links).
FIRST_AGENDA_DAY = date(1900, 1, 1)
LAST_AGENDA_DAY = date(2999, 12, 31)
DAY_OUT_OF_RANGE = "Choisissez une date entre 1900 et 2999."
# The user records offered in the RDV form (its search finds the others): a
# département's hundreds of thousands as options made a page of seconds and megabytes.
OFFERED_RECORDS = 50


def validate_agenda_day(value: date | datetime) -> None:
    """Field validator for the dates and date-times of RDVs, ranges and absences."""
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_AGENDA_DAY <= day <= LAST_AGENDA_DAY:
        raise ValidationError(DAY_OUT_OF_RANGE)


class OrganisationChoiceForm(forms.Form):
    organisation = forms.ModelChoiceField(label="Organisation", queryset=None)

    def __init__(self, *args, territory, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_of(agent, territory)


class RdvForm(forms.Form):
    """Create or edit an RDV of one organisation. `context` exists only while the
    territory has the field switched on."""

    motif = forms.ModelChoiceField(label="Motif", queryset=None)
    user_records = forms.ModelMultipleChoiceField(
        label="Usagers",
        queryset=None,
        help_text="Maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
    )
    day = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_agenda_day],
    )
    start_time = forms.TimeField(
        label="Heure de début", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration = forms.IntegerField(
        label="Durée (minutes)",
        min_value=5,
        max_value=480,
        required=False,
        help_text="Laissez vide pour reprendre la durée par défaut du motif.",
    )
    agents = forms.ModelMultipleChoiceField(
        label="Agents", queryset=None, widget=forms.CheckboxSelectMultiple
    )
    context = forms.CharField(
        label="Contexte",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Visible uniquement par les agents ayant accès à ce RDV, jamais par l'usager.",
    )

    def __init__(
        self,
        *args,
        organisation,
        agent,
        context_enabled: bool,
        record_query: str = "",
        rdv: Rdv | None = None,
        **kwargs,
    ):
        if rdv is not None:
            kwargs.setdefault("initial", _initial_from(rdv))
        super().__init__(*args, **kwargs)
        motifs = motifs_for(agent, organisation).select_related("service").order_by("name")
        if rdv is not None:  # an archived motif stays possible for the RDV that has it
            motifs = motifs | Motif.objects.filter(pk=rdv.motif_id)
        self.fields["motif"].queryset = motifs.distinct()
        records = user_records_of(agent, organisation.territory, record_query)
        agents = agents_of(agent, organisation)
        if rdv is not None:  # what the RDV already has stays possible
            records = records | UserRecord.objects.filter(pk__in=rdv.user_records.values("pk"))
            agents = agents | Agent.objects.filter(pk__in=rdv.agents.values("pk"))
        self.fields["user_records"].queryset = records  # what may be posted
        self._offer_records(records, rdv)
        self.fields["agents"].queryset = agents
        if rdv is None:
            self.fields["agents"].initial = [agent.pk]
        if not context_enabled:
            del self.fields["context"]

    def _offer_records(self, records, rdv: Rdv | None) -> None:
        """The first OFFERED_RECORDS records (and the RDV's own) as options; a posted
        record is checked against all those the agent sees."""
        field = self.fields["user_records"]
        shown = list(records[: OFFERED_RECORDS + 1])
        if len(shown) > OFFERED_RECORDS:
            shown = shown[:OFFERED_RECORDS]
            field.help_text = (
                f"Seuls les {OFFERED_RECORDS} premiers usagers sont proposés : recherchez "
                "un usager par son nom pour trouver les autres. " + field.help_text
            )
        if rdv is not None:
            shown += [r for r in rdv.user_records.order_by("pk") if r not in shown]
        field.choices = [(record.pk, field.label_from_instance(record)) for record in shown]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        starts_at = timezone.make_aware(datetime.combine(data["day"], data["start_time"]))
        duration = data.get("duration") or data["motif"].default_duration
        data["starts_at"] = starts_at
        data["ends_at"] = starts_at + timedelta(minutes=duration)
        return data

    def rdv_values(self) -> dict:
        """The keyword arguments of `services.book` and `services.update`."""
        data = self.cleaned_data
        values = {
            key: data[key] for key in ("motif", "user_records", "agents", "starts_at", "ends_at")
        }
        if "context" in self.fields:
            values["context"] = data["context"]
        return values


def _initial_from(rdv: Rdv) -> dict:
    local_start = timezone.localtime(rdv.starts_at)
    return {
        "motif": rdv.motif_id,
        "user_records": [record.pk for record in rdv.user_records.all()],
        "day": local_start.date(),
        "start_time": local_start.time(),
        "duration": int((rdv.ends_at - rdv.starts_at).total_seconds() // 60),
        "agents": [link.agent_id for link in rdv.agent_links.all()],
        "context": rdv.context,
    }


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Statut du RDV",
        # Cancelling has its own confirmation page.
        choices=[(value, label) for value, label in RdvStatus.choices if value != "cancelled"],
        widget=forms.RadioSelect,
    )
