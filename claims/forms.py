"""Forms for the claims queue (filters, bulk actions) and the claim page (edit in place)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from billing.forms import DateInput
from billing.models import Payer, Provider, Relationship
from claims.models import ClaimStatus
from claims.scrub import RULES
from claims.selectors import OPEN, QueueFilters
from rcm.validators import (
    normalize_icd10,
    validate_icd10cm,
    validate_modifiers,
    validate_pointers,
    validate_procedure_code,
)


def _rule_choices() -> list[tuple[str, str]]:
    return [("", "Any scrub finding")] + [(code, f"{code} · {r.title}") for code, r in sorted(RULES.items())]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[(OPEN, "To work (not with the payer)"), ("all", "All"),
                                                         *ClaimStatus.choices])
    payer = forms.ModelChoiceField(queryset=Payer.objects.none(), required=False, empty_label="All payers")
    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), required=False, empty_label="All providers")
    date_from = forms.DateField(required=False, widget=DateInput(), label="Service from")
    date_to = forms.DateField(required=False, widget=DateInput(), label="Service to")
    amount_min = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Balance ≥",
                                    widget=forms.NumberInput(attrs={"step": "0.01", "style": "width:7em"}))
    amount_max = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Balance ≤",
                                    widget=forms.NumberInput(attrs={"step": "0.01", "style": "width:7em"}))
    age_min = forms.IntegerField(required=False, min_value=0, label="Age ≥ (days)",
                                 widget=forms.NumberInput(attrs={"style": "width:6em"}))
    age_max = forms.IntegerField(required=False, min_value=0, label="Age ≤ (days)",
                                 widget=forms.NumberInput(attrs={"style": "width:6em"}))
    rule = forms.ChoiceField(required=False, choices=_rule_choices, label="Scrub rule")
    deadline_before = forms.DateField(required=False, widget=DateInput(), label="Filing deadline by")
    q = forms.CharField(required=False, label="Patient / claim #",
                        widget=forms.TextInput(attrs={"placeholder": "Name, MRN or claim #"}))

    def __init__(self, *args: Any, practice_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(practice_id=practice_id).exclude(kind=Payer.Kind.SELF_PAY)
        self.fields["provider"].queryset = Provider.objects.filter(practice_id=practice_id)

    def to_filters(self) -> QueueFilters | None:
        """The filters, or None when the input is invalid (the page then shows the errors and no rows)."""
        if not self.is_bound:
            return QueueFilters()
        if not self.is_valid():
            return None
        d = self.cleaned_data
        return QueueFilters(status=d["status"] or OPEN, payer_id=d["payer"].pk if d["payer"] else None,
                            provider_id=d["provider"].pk if d["provider"] else None, date_from=d["date_from"],
                            date_to=d["date_to"], amount_min=d["amount_min"], amount_max=d["amount_max"],
                            age_min=d["age_min"], age_max=d["age_max"], rule=d["rule"] or "",
                            deadline_before=d["deadline_before"], q=d["q"] or "")


class BulkActionForm(forms.Form):
    ACTIONS = [("scrub", "Scrub"), ("queue", "Queue for submission"), ("export_837", "Export 837P")]
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.CharField(required=False, widget=forms.HiddenInput)
    all_matching = forms.BooleanField(required=False)

    def claim_ids(self) -> list[int]:
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else [self.cleaned_data.get("ids", "")]
        out: list[int] = []
        for chunk in raw:
            out += [int(x) for x in re.split(r"[,\s]+", chunk or "") if x.isdigit()]
        return out


def _split(value: str) -> list[str]:
    return [v for v in re.split(r"[,\s]+", (value or "").strip().upper()) if v]


class ClaimEditForm(forms.Form):
    member_id = forms.CharField(max_length=30, required=False, label="Member ID")
    group_number = forms.CharField(max_length=30, required=False)
    relationship = forms.ChoiceField(choices=[("", "—"), *Relationship.choices], required=False)
    subscriber_first_name = forms.CharField(max_length=35, required=False)
    subscriber_last_name = forms.CharField(max_length=60, required=False)
    subscriber_date_of_birth = forms.DateField(required=False, widget=DateInput())
    prior_authorization = forms.CharField(max_length=50, required=False, label="Prior authorization #")
    referring_provider_npi = forms.CharField(max_length=10, required=False, label="Referring NPI")
    referring_provider_name = forms.CharField(max_length=60, required=False, label="Referring name (Last, First)")
    onset_date = forms.DateField(required=False, widget=DateInput(), label="Onset date")
    place_of_service = forms.CharField(max_length=2, required=False, label="Place of service")
    original_payer_claim_number = forms.CharField(max_length=50, required=False, label="Payer's original claim #")
    diagnosis_codes = forms.CharField(required=False, label="Diagnoses (in order)",
                                      help_text="ICD-10-CM codes separated by spaces or commas; the first is principal")

    def clean_diagnosis_codes(self) -> list[str]:
        codes = [normalize_icd10(c) for c in _split(self.cleaned_data["diagnosis_codes"])]
        for c in codes:
            validate_icd10cm(c)
        return codes


class LineEditForm(forms.Form):
    code = forms.CharField(max_length=5, validators=[validate_procedure_code])
    modifiers = forms.CharField(required=False, max_length=20)
    units = forms.IntegerField(min_value=1)
    diagnosis_pointers = forms.CharField(required=False, max_length=20, label="Dx pointers")
    charge_amount = forms.DecimalField(min_value=0, decimal_places=2, max_digits=12)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_modifiers(self) -> list[str]:
        mods = _split(self.cleaned_data["modifiers"])
        validate_modifiers(mods)
        return mods

    def clean_diagnosis_pointers(self) -> list[int]:
        parts = _split(self.cleaned_data["diagnosis_pointers"])
        if any(not p.isdigit() for p in parts):
            raise forms.ValidationError("Pointers are numbers, e.g. 1,2.")
        pointers = [int(p) for p in parts]
        validate_pointers(pointers)
        return pointers
