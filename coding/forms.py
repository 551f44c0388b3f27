"""Forms of the coder workbench (parsed here, applied by coding.services)."""

from __future__ import annotations

from typing import Any

from django import forms

from billing.forms import DateInput
from coding.models import CodingLine


def split_codes(raw: str) -> list[str]:
    return [part for part in raw.replace(",", " ").split() if part]


class LineDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(CodingLine.Decision.ACCEPTED, "Accept"),
                                          (CodingLine.Decision.REJECTED, "Reject")])
    code = forms.CharField(required=False, max_length=8)
    units = forms.IntegerField(required=False, min_value=1, max_value=999)
    modifiers = forms.CharField(required=False, max_length=20, help_text="e.g. 25 or 59 XS")
    pointers = forms.MultipleChoiceField(required=False, choices=[])

    def __init__(self, *args: Any, diagnoses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pointers"].choices = [(c, c) for c in diagnoses]

    def modifier_list(self) -> list[str] | None:
        raw = self.data.get("modifiers")
        return None if raw is None else split_codes(self.cleaned_data.get("modifiers") or "")

    def pointer_list(self) -> list[str] | None:
        return self.cleaned_data.get("pointers") if "pointers_present" in self.data else None


class LineAddForm(forms.Form):
    kind = forms.ChoiceField(choices=CodingLine.Kind.choices)
    code = forms.CharField(max_length=8)
    units = forms.IntegerField(required=False, min_value=1, max_value=999, initial=1)
    modifiers = forms.CharField(required=False, max_length=20)
    pointers = forms.MultipleChoiceField(required=False, choices=[])

    def __init__(self, *args: Any, diagnoses: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pointers"].choices = [(c, c) for c in diagnoses]


class AcceptanceFilterForm(forms.Form):
    group = forms.ChoiceField(choices=[("family", "By code family"), ("coder", "By coder"), ("system", "By code system")],
                              required=False)
    date_from = forms.DateField(required=False, widget=DateInput(), label="Completed from")
    date_to = forms.DateField(required=False, widget=DateInput(), label="Completed to")
