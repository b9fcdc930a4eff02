"""Render form widgets with the DSFR classes and ARIA links to their messages."""

from django import forms, template

register = template.Library()


def widget_kind(field) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


@register.filter
def dsfr_kind(field) -> str:
    return widget_kind(field)


@register.filter
def dsfr_widget(field):
    kind = widget_kind(field)
    attrs = {}
    if kind == "select":
        attrs["class"] = "fr-select" + (" fr-select--error" if field.errors else "")
    elif kind == "input":
        attrs["class"] = "fr-input" + (" fr-input--error" if field.errors else "")
    if kind != "hidden" and (field.errors or field.help_text):
        attrs["aria-describedby"] = f"{field.auto_id}-messages"
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
