"""The "Fiches usagers" configuration section: hidden standard fields, custom fields,
and a preview of the form agents will see (territory admins only)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from territories import sections
from territories.changes import version_of
from territories.errors import ServiceError
from user_records import services
from user_records.fields import hidden_fields
from user_records.forms import CustomFieldForm, HiddenFieldsForm, build_user_record_form
from user_records.models import CustomField, UserRecordSettings
from user_records.payloads import custom_field_payload, user_record_settings_payload


def section_url(territory) -> str:
    return reverse("user_records:section", kwargs={"territory_pk": territory.pk})


def get_field(request, field_pk: int) -> CustomField:
    return get_object_or_404(CustomField, territory=request.territory, pk=field_pk)


class SectionMixin(sections.SectionMixin):
    section_key = "user_records"


class SettingsView(SectionMixin, FormView):
    """The section's landing page; its form hides and shows standard fields."""

    template_name = "user_records/settings.html"
    form_class = HiddenFieldsForm

    def get_form_kwargs(self):
        territory = self.request.territory
        settings = UserRecordSettings.objects.filter(
            territory=territory
        ).first() or UserRecordSettings(territory=territory)
        return {
            **super().get_form_kwargs(),
            "territory": territory,
            "version": version_of(user_record_settings_payload(settings)),
        }

    def get_initial(self):
        return {"hidden_fields": sorted(hidden_fields(self.request.territory))}

    def get_context_data(self, **kwargs):
        fields = CustomField.objects.filter(territory=self.request.territory)
        active = [f for f in fields if f.archived_at is None]
        return super().get_context_data(
            active_fields=active,
            archived_fields=[f for f in fields if f.archived_at is not None],
            last_index=len(active) - 1,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.set_hidden_fields(
                self.request.territory,
                form.cleaned_data["hidden_fields"],
                acting_agent=self.request.user,
                version=form.shown_version,
            )
        except ServiceError as error:
            error.apply_to_form(form)
            return self.form_invalid(form)
        messages.success(self.request, "Les champs standards affichés ont été mis à jour.")
        return redirect(section_url(self.request.territory))


class PreviewView(SectionMixin, TemplateView):
    template_name = "user_records/preview.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=build_user_record_form(self.request.territory), **kwargs
        )


class CustomFieldFormMixin(SectionMixin):
    form_class = CustomFieldForm
    template_name = "user_records/custom_field_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "territory": self.request.territory}


class CustomFieldCreateView(CustomFieldFormMixin, FormView):
    def form_valid(self, form):
        field = services.create_custom_field(
            self.request.territory, form.values(), acting_agent=self.request.user
        )
        messages.success(self.request, f"Le champ « {field.label} » a été ajouté.")
        return redirect(section_url(self.request.territory))


class FieldObjectMixin:
    """Comes after SectionMixin in the bases: the admin check runs before the lookup."""

    def dispatch(self, request, *args, **kwargs):
        self.field = get_field(request, kwargs["field_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(field=self.field, **kwargs)


class CustomFieldUpdateView(CustomFieldFormMixin, FieldObjectMixin, FormView):
    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.field,
            "version": version_of(custom_field_payload(self.field)),
        }

    def form_valid(self, form):
        try:
            field = services.update_custom_field(
                self.field,
                form.values(),
                acting_agent=self.request.user,
                version=form.shown_version,
            )
        except ServiceError as error:  # values arrived, or another admin saved, meanwhile
            error.apply_to_form(form)
            return self.form_invalid(form)
        messages.success(self.request, f"Le champ « {field.label} » a été modifié.")
        return redirect(section_url(self.request.territory))


class CustomFieldArchiveView(SectionMixin, FieldObjectMixin, TemplateView):
    """GET asks for confirmation, POST archives."""

    template_name = "user_records/custom_field_archive.html"

    def post(self, request, *args, **kwargs):
        services.archive_custom_field(self.field, acting_agent=request.user)
        messages.success(
            request,
            f"Le champ « {self.field.label} » a été archivé. Les valeurs saisies sont conservées.",
        )
        return redirect(section_url(request.territory))


@require_POST
@sections.in_section("user_records")
def field_move(request, territory_pk: int, field_pk: int):
    field = get_field(request, field_pk)
    offset = -1 if request.POST.get("direction") == "up" else 1
    moved = services.move_custom_field(field, offset, acting_agent=request.user)
    if moved.archived_at is not None:
        messages.error(
            request,
            f"Le champ « {field.label} » est archivé : restaurez-le pour changer sa place.",
        )
    else:
        messages.success(request, f"Le champ « {field.label} » a été déplacé.")
    return redirect(section_url(request.territory) + "#champs-personnalises")


@require_POST
@sections.in_section("user_records")
def field_restore(request, territory_pk: int, field_pk: int):
    field = get_field(request, field_pk)
    services.restore_custom_field(field, acting_agent=request.user)
    messages.success(request, f"Le champ « {field.label} » a été restauré.")
    return redirect(section_url(request.territory))
