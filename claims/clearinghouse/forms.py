"""Clearinghouse forms: the connection (secrets write-only) and a hand upload of an answer file."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from claims.clearinghouse.models import ClearinghouseConnection, PayerPolicy
from claims.clearinghouse.secrets import SECRET_NAMES

SECRET_LABELS = {"password": "Password", "private_key": "Private key (PEM/OpenSSH)",
                 "private_key_passphrase": "Private key passphrase", "api_key": "API key",
                 "client_secret": "Client secret", "webhook_secret": "Webhook signing secret"}


class ConnectionForm(forms.ModelForm):
    """Secrets are never rendered back: a blank field keeps the stored value; 'remove' deletes it."""

    options_json = forms.CharField(label="Options (JSON)", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text="Sandbox rules (seed, reject_rate, silent_rate, unenrolled_npis …)")

    class Meta:
        model = ClearinghouseConnection
        fields = ["name", "kind", "is_active", "host", "port", "username", "host_key", "upload_dir", "download_dir",
                  "archive_dir", "base_url", "sender_id", "receiver_id"]
        widgets = {"host_key": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["options_json"].initial = json.dumps(self.instance.options or {}, indent=1) if self.instance.pk else "{}"
        stored = set(self.instance.credentials_set or [])
        for name in SECRET_NAMES:
            widget: forms.Widget = forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}) if name == "private_key" \
                else forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            self.fields[f"secret_{name}"] = forms.CharField(
                label=SECRET_LABELS[name], required=False, widget=widget, strip=False,
                help_text="Stored encrypted — leave blank to keep it" if name in stored else "Not set")
            if name in stored:
                self.fields[f"remove_{name}"] = forms.BooleanField(label=f"Remove the stored {SECRET_LABELS[name].lower()}",
                                                                   required=False)

    def clean_options_json(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("options_json") or "").strip() or "{}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("Options must be a JSON object.")
        return value

    def secrets(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name in SECRET_NAMES:
            if self.cleaned_data.get(f"remove_{name}"):
                out[name] = None
            elif self.cleaned_data.get(f"secret_{name}"):
                out[name] = self.cleaned_data[f"secret_{name}"]
        return out


class UploadForm(forms.Form):
    file = forms.FileField(help_text="A 999, 277CA, 277, 271, TA1 or 835 downloaded from the clearinghouse portal")


class ResendForm(forms.Form):
    reason = forms.CharField(max_length=300)


class PayerPolicyForm(forms.ModelForm):
    class Meta:
        model = PayerPolicy
        fields = ["followup_days", "appeal_days", "paper_claims"]
