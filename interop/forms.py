from __future__ import annotations

from typing import Any

from django import forms

from billing.models import Location
from interop.models import CsvImport, Format, Hl7Sender, InboundMessage
from interop.services.csv_import import TARGETS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(label="HL7 v2 or FHIR files",
                              help_text="HL7 v2 (.hl7/.txt, one or many messages) or FHIR R4 Bundles (.json)")


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *InboundMessage.Status.choices], required=False)
    format = forms.ChoiceField(choices=[("", "Any format"), *Format.choices], required=False)
    q = forms.CharField(required=False, label="Control ID / type",
                        widget=forms.TextInput(attrs={"placeholder": "MSH-10, ADT^A08 …"}))


class CsvUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=CsvImport.Kind.choices, label="What the file holds")
    file = forms.FileField(label="CSV file")


class MappingForm(forms.Form):
    """One select per field we import: which of the file's columns holds it."""

    def __init__(self, *args: Any, imp: CsvImport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —"), *[(h, h) for h in imp.headers if h]]
        for target in TARGETS[imp.kind]:
            self.fields[target.name] = forms.ChoiceField(
                choices=choices, required=False, initial=imp.mapping.get(target.name, ""),
                label=f"{target.label}{' *' if target.required else ''}")

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}


class SenderForm(forms.ModelForm):
    class Meta:
        model = Hl7Sender
        fields = ["sending_facility", "sending_application", "default_location", "is_active"]

    def __init__(self, *args: Any, practice_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["default_location"].queryset = Location.objects.filter(practice_id=practice_id)
