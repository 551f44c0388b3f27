"""The dashboard's filters (date range, provider, payer, location, aging basis) and a drill-down link's extras."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from billing.forms import DateInput
from reports.selectors import BASES, CLAIM_KPIS, MONEY_MEASURES, NO_PAYER, ListParams, ReportFilters

MAX_RANGE_DAYS = 3 * 366


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(required=False, widget=DateInput(), label="Service from")
    date_to = forms.DateField(required=False, widget=DateInput(), label="Service to")
    month = forms.CharField(required=False, label="Month", widget=forms.TextInput(attrs={"type": "month"}),
                            help_text="A calendar month (YYYY-MM) instead of the range: the monthly report")
    provider = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Provider")
    payer = forms.ChoiceField(required=False, label="Payer")
    location = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Location")
    basis = forms.ChoiceField(required=False, label="Age A/R from",
                              choices=[("dos", "Date of service"), ("submission", "First submission")])

    def __init__(self, *args: Any, practice_id: int, **kwargs: Any) -> None:
        from billing.models import Location, Payer, Provider

        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "All providers")] + [
            (p.pk, str(p)) for p in Provider.objects.filter(practice_id=practice_id)]
        self.fields["payer"].choices = [("", "All payers")] + [
            (str(p.pk), p.name) for p in Payer.objects.filter(practice_id=practice_id).exclude(kind=Payer.Kind.SELF_PAY)
        ] + [("none", "No payer (self-pay)")]
        self.fields["location"].choices = [("", "All locations")] + [
            (loc.pk, loc.name) for loc in Location.objects.filter(practice_id=practice_id)]

    def clean_month(self) -> dt.date | None:
        raw = (self.cleaned_data.get("month") or "").strip()
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(f"{raw}-01")
        except ValueError as exc:
            raise forms.ValidationError("Give the month as YYYY-MM.") from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", "The range ends before it starts.")
            elif (end - start).days > MAX_RANGE_DAYS:
                self.add_error("date_from", "Choose at most three years.")
        return data

    def to_filters(self, today: dt.date | None = None) -> ReportFilters | None:
        """The filters (defaults for what is left blank), or None when the input is invalid."""
        today = today or timezone.localdate()
        default = ReportFilters.default(today)
        if not self.is_bound:
            return default
        if not self.is_valid():
            return None
        d = self.cleaned_data
        start, end = d.get("date_from") or default.date_from, d.get("date_to") or default.date_to
        if d.get("month"):
            start = d["month"]
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        payer = d.get("payer") or ""
        payer_id = NO_PAYER if payer == "none" else (int(payer) if payer else None)
        return ReportFilters(date_from=start, date_to=end, provider_id=d.get("provider"), payer_id=payer_id,
                             location_id=d.get("location"), basis=d.get("basis") or "dos")


class ListParamsForm(forms.Form):
    """A drill-down link's own parameters; anything unexpected is refused (400), not ignored."""

    age = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in
                                                                   ("0_30", "31_60", "61_90", "91_120", "over_120",
                                                                    "over_90", "unsent")])
    bucket = forms.ChoiceField(required=False, choices=[("", ""), ("ins", "Insurance"), ("pat", "Patient")])
    kpi = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in CLAIM_KPIS])
    status = forms.CharField(required=False, max_length=20)
    overdue = forms.BooleanField(required=False)
    category = forms.CharField(required=False, max_length=20)
    carc = forms.CharField(required=False, max_length=5)
    group = forms.CharField(required=False, max_length=2)
    in_month = forms.DateField(required=False, help_text="Money posted (or denials remitted) in this month")
    measure = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in MONEY_MEASURES])
    coder = forms.IntegerField(required=False)

    def to_params(self) -> ListParams | None:
        if not self.is_valid():
            return None
        d = self.cleaned_data
        month = d.get("in_month")
        return ListParams(age=d.get("age") or "", bucket=d.get("bucket") or "", kpi=d.get("kpi") or "",
                          status=d.get("status") or "", overdue=bool(d.get("overdue")), category=d.get("category") or "",
                          carc=(d.get("carc") or "").upper(), group=(d.get("group") or "").upper(),
                          month=month.replace(day=1) if month else None, measure=d.get("measure") or "",
                          coder_id=d.get("coder"))


__all__ = ["BASES", "ListParamsForm", "ReportFilterForm"]
