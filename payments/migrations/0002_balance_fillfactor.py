"""Room on each page of the balance summary, so the ledger trigger's updates stay heap-only (no index writes)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_payments")]

    operations = [
        migrations.RunSQL("ALTER TABLE payments_ledgerbalance SET (fillfactor = 70)",
                          "ALTER TABLE payments_ledgerbalance RESET (fillfactor)"),
    ]
