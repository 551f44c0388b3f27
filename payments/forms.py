"""Forms of the payments pages: ERA upload, exception resolution, manual posting, deposits, statements."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from billing.forms import DateInput
from billing.models import Payer
from payments.models import BankImport, PaymentBatch, PaymentMethod
from payments.services.deposits import CsvMapping

MAX_ERA_BYTES = 50 * 1024 * 1024


class EraUploadForm(forms.Form):
    file = forms.FileField(label="835 file", help_text="An X12 835 remittance (any delimiters, several payers)")

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_ERA_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return f


class ExceptionResolveForm(forms.Form):
    claim = forms.CharField(label="Post to claim #", max_length=20, help_text="Our claim number (PCN)")


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"size": 50}))


class BatchForm(forms.Form):
    kind = forms.ChoiceField(choices=PaymentBatch.Kind.choices)
    name = forms.CharField(max_length=80, required=False)
    expected_total = forms.DecimalField(min_value=0, decimal_places=2, max_digits=12, label="Batch total")
    deposit_date = forms.DateField(widget=DateInput(), initial=timezone.localdate)


class PaymentForm(forms.Form):
    method = forms.ChoiceField(choices=PaymentMethod.choices)
    amount = forms.DecimalField(min_value=0.01, decimal_places=2, max_digits=12)
    reference = forms.CharField(max_length=50, required=False, label="Check # / reference")
    received_on = forms.DateField(widget=DateInput(), initial=timezone.localdate)
    payer = forms.ModelChoiceField(queryset=Payer.objects.none(), required=False)
    patient_mrn = forms.CharField(max_length=30, required=False, label="Patient MRN")

    def __init__(self, *args: Any, practice_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = Payer.objects.filter(practice_id=practice_id).exclude(kind=Payer.Kind.SELF_PAY)


class RefundForm(forms.Form):
    amount = forms.DecimalField(min_value=0.01, decimal_places=2, max_digits=12)
    reason = forms.CharField(max_length=200, required=False)


class DepositImportForm(forms.Form):
    kind = forms.ChoiceField(choices=BankImport.Kind.choices, label="Format")
    file = forms.FileField()
    date_column = forms.CharField(initial="Date", required=False)
    amount_column = forms.CharField(initial="Amount", required=False)
    reference_column = forms.CharField(initial="Reference", required=False)
    description_column = forms.CharField(initial="Description", required=False)
    date_format = forms.CharField(initial="%Y-%m-%d", required=False)

    def mapping(self) -> CsvMapping:
        d = self.cleaned_data
        return CsvMapping(date=d["date_column"] or "Date", amount=d["amount_column"] or "Amount",
                          reference=d["reference_column"] or "Reference", description=d["description_column"] or "Description",
                          date_format=d["date_format"] or "%Y-%m-%d")


class PeriodForm(forms.Form):
    start = forms.DateField(widget=DateInput())
    end = forms.DateField(widget=DateInput())

    @staticmethod
    def default() -> tuple[dt.date, dt.date]:
        today = timezone.localdate()
        first = today.replace(day=1)
        last_month_end = first - dt.timedelta(days=1)
        return last_month_end.replace(day=1), last_month_end


class StatementRunForm(forms.Form):
    as_of = forms.DateField(widget=DateInput(), initial=timezone.localdate, label="Statement date")
    minimum = forms.DecimalField(min_value=0, decimal_places=2, max_digits=12, initial=5, label="Minimum balance")
