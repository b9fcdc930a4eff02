from django import forms

from territories.filters import add_organisation_filter

PERIODS = [(3, "3 derniers mois"), (6, "6 derniers mois"), (12, "12 derniers mois")]


class StatisticsFilterForm(forms.Form):
    periode = forms.TypedChoiceField(
        label="Période",
        choices=PERIODS,
        coerce=int,
        required=False,
        empty_value=12,
        error_messages={"invalid_choice": "Choisissez une période de 3, 6 ou 12 mois."},
    )
    organisation = forms.Field(required=False)  # set in __init__; declared for its place

    def __init__(self, *args, territory, organisations, whole_territory: bool, **kwargs):
        super().__init__(*args, **kwargs)
        add_organisation_filter(
            self,
            territory,
            empty_label="Toutes les organisations"
            if whole_territory
            else "Toutes mes organisations",
            organisations=organisations,
        )
        self.fields["organisation"].error_messages["invalid_choice"] = (
            "Cette organisation n'existe pas, ou vous n'en voyez pas les statistiques."
        )
