from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q

from billing.models import Coverage, Patient, Payer, Provider, Specialty


class DateInput(forms.DateInput):
    input_type = "date"


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["mrn", "first_name", "middle_name", "last_name", "date_of_birth", "sex", "address_line1", "address_line2",
                  "city", "state", "zip_code", "phone", "email"]
        widgets = {"date_of_birth": DateInput()}


class CoverageForm(forms.ModelForm):
    class Meta:
        model = Coverage
        fields = ["payer", "priority", "member_id", "group_number", "plan_name", "relationship", "subscriber_first_name",
                  "subscriber_last_name", "subscriber_date_of_birth", "subscriber_sex", "effective_from", "effective_to"]
        widgets = {"effective_from": DateInput(), "effective_to": DateInput(), "subscriber_date_of_birth": DateInput()}

    def __init__(self, *args: Any, practice_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(practice_id=practice_id, is_active=True)


class EncounterFilterForm(forms.Form):
    """The queue filters shared by the coding and billing queues (pages and CSV)."""

    provider = forms.ModelChoiceField(queryset=Provider.objects.none(), required=False, empty_label="All providers")
    specialty = forms.ChoiceField(choices=[("", "All specialties"), *Specialty.choices], required=False)
    payer = forms.ModelChoiceField(queryset=Payer.objects.none(), required=False, empty_label="All payers")
    date_from = forms.DateField(required=False, widget=DateInput(), label="Service from")
    date_to = forms.DateField(required=False, widget=DateInput(), label="Service to")
    q = forms.CharField(required=False, label="Patient", widget=forms.TextInput(attrs={"placeholder": "Name or MRN"}))

    def __init__(self, *args: Any, practice_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(practice_id=practice_id)
        self.fields["payer"].queryset = Payer.objects.filter(practice_id=practice_id)

    def filter(self, qs: Any) -> Any:
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["provider"]:
            qs = qs.filter(provider=data["provider"])
        if data["specialty"]:
            qs = qs.filter(specialty=data["specialty"])
        if data["payer"]:
            qs = qs.filter(Exists(Coverage.objects.filter(patient_id=OuterRef("patient_id"), payer=data["payer"], priority=1)))
        if data["date_from"]:
            qs = qs.filter(date_of_service__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(date_of_service__lte=data["date_to"])
        for term in (data["q"] or "").replace(",", " ").split():
            qs = qs.filter(Q(patient__last_name__istartswith=term) | Q(patient__first_name__istartswith=term)
                           | Q(patient__mrn__iexact=term))
        return qs

