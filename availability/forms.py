"""Forms of the agents' availability screens. Every choice list is narrowed to the territory."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from availability.models import WEEKDAY_CHOICES, Absence, AvailabilityRange, Recurrence
from motifs.eligibility import motifs_for, motifs_for_any
from motifs.models import Motif
from rdvs.forms import validate_agenda_day
from territories import permissions
from territories.changes import EditFormMixin
from territories.models import AgentRole, Organisation

EVERY_N_WEEKS_CHOICES = [
    (1, "Toutes les semaines"),
    (2, "Toutes les 2 semaines"),
    (3, "Toutes les 3 semaines"),
    (4, "Toutes les 4 semaines"),
]


class AgentChoiceMixin:
    """Who manages others' agendas chooses the agent; agents act for themselves."""

    def setup_agent(self, territory, acting_agent) -> None:
        self.territory = territory
        self.acting_agent = acting_agent
        if permissions.manages_other_agendas(acting_agent, territory):
            self.fields["agent"].queryset = permissions.agenda_agents(acting_agent, territory)
            self.fields["agent"].initial = acting_agent.pk
        else:
            del self.fields["agent"]

    def chosen_agent(self):
        if "agent" in self.fields:
            return self.cleaned_data.get("agent")
        return self.acting_agent

    def check_agenda(self, agent, organisation=None) -> bool:
        """Refuses a range or absence the acting agent may not manage (an organisation
        admin acts for the agents of their organisations, each agent for themselves)."""
        allowed = agent is None or permissions.may_fill_agenda(
            self.acting_agent, self.territory, agent, organisation
        )
        if not allowed:
            self.add_error(
                "organisation" if organisation is not None else "agent",
                "Vous ne pouvez pas gérer l'agenda de cet agent dans cette organisation."
                if organisation is not None
                else "Vous ne pouvez pas gérer les absences de cet agent.",
            )
        return allowed


class AvailabilityRangeForm(EditFormMixin, AgentChoiceMixin, forms.ModelForm):
    # Querysets are set per territory in __init__ (scoped managers refuse a bare query).
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organisation._base_manager.none()
    )
    motifs = forms.ModelMultipleChoiceField(
        label="Motifs",
        queryset=Motif._base_manager.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": (
                "Cet agent ne peut pas proposer ce motif ici : choisissez parmi les motifs "
                "de la liste."
            )
        },
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Jours de la semaine",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Pour une plage répétée chaque semaine.",
    )
    every_n_weeks = forms.TypedChoiceField(
        label="Fréquence", choices=EVERY_N_WEEKS_CHOICES, coerce=int, initial=1
    )

    class Meta:
        model = AvailabilityRange
        fields = [
            "agent",
            "organisation",
            "title",
            "motifs",
            "first_day",
            "start_time",
            "end_time",
            "recurrence",
            "weekdays",
            "every_n_weeks",
            "until",
        ]
        widgets = {
            "recurrence": forms.RadioSelect,
            "first_day": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {"until": "Laissez vide pour une plage sans fin."}

    def __init__(self, *args, territory, acting_agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_agent(territory, acting_agent)
        for name in ("first_day", "until"):
            self.fields[name].validators.append(validate_agenda_day)
        self.fields["organisation"].queryset = permissions.agenda_organisations(
            acting_agent, territory
        )
        # Only what the agent (or, while the agent is still to choose, one of them) may
        # take in one of these organisations: clean() checks the chosen pair.
        if "agent" in self.fields:
            agents = self.fields["agent"].queryset
        else:
            agents = get_user_model().objects.filter(pk=acting_agent.pk)
        self.fields["motifs"].queryset = motifs_for_any(
            agents, self.fields["organisation"].queryset, territory
        ).order_by("name")
        self.fields[
            "motifs"
        ].help_text = (
            "Seuls les motifs des services de l'agent, proposés dans l'organisation, sont acceptés."
        )

    def clean(self):
        cleaned = super().clean()
        agent = self.chosen_agent()
        organisation = cleaned.get("organisation")
        start_time, end_time = cleaned.get("start_time"), cleaned.get("end_time")
        if start_time and end_time and end_time <= start_time:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        if cleaned.get("recurrence") == Recurrence.WEEKLY:
            if not cleaned.get("weekdays"):
                self.add_error("weekdays", "Choisissez au moins un jour de la semaine.")
        else:
            cleaned["weekdays"] = []
            cleaned["every_n_weeks"] = 1
            cleaned["until"] = None
        until, first_day = cleaned.get("until"), cleaned.get("first_day")
        if until and first_day and until < first_day:
            self.add_error("until", "La date de fin de répétition doit suivre le premier jour.")
        if agent and organisation and self.check_agenda(agent, organisation):
            if not AgentRole.objects.filter(agent=agent, organisation=organisation).exists():
                self.add_error("organisation", "Cet agent ne fait pas partie de l'organisation.")
            elif cleaned.get("motifs"):
                allowed = set(motifs_for(agent, organisation).values_list("pk", flat=True))
                refused = [m.name for m in cleaned["motifs"] if m.pk not in allowed]
                if refused:
                    self.add_error(
                        "motifs",
                        "Cet agent ne peut pas proposer ces motifs dans cette organisation : "
                        + ", ".join(refused)
                        + ".",
                    )
        return cleaned

    def save(self, commit: bool = True):
        self.instance.territory = self.territory
        self.instance.agent = self.chosen_agent()
        return super().save(commit=commit)


class AbsenceForm(EditFormMixin, AgentChoiceMixin, forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["agent", "title", "starts_at", "ends_at"]
        widgets = {
            "starts_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "ends_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, territory, acting_agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_agent(territory, acting_agent)
        for name in ("starts_at", "ends_at"):
            self.fields[name].validators.append(validate_agenda_day)

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "La fin de l'absence doit être après son début.")
        self.check_agenda(self.chosen_agent())
        return cleaned

    def save(self, commit: bool = True):
        self.instance.territory = self.territory
        self.instance.agent = self.chosen_agent()
        return super().save(commit=commit)
