"""Two indexes an ERA wrote on every row and no query reads.

- The ledger entry's source key keeps its unique index (renamed, now a Meta constraint) and loses the
  pattern-ops twin Django adds for a unique CharField: nothing matches ledger source keys with LIKE. No index
  is rebuilt.
- RemitLine.charge_line: no query looks remittance lines up by service line (denials and underpayments carry
  their own charge line, indexed there).
"""

import django.db.models.deletion
from django.db import migrations, models

LIKE_INDEX = "payments_ledgerentry_source_key_40640a9c_like"


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_balance_fillfactor")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {LIKE_INDEX}",
                    f"CREATE INDEX {LIKE_INDEX} ON payments_ledgerentry (source_key varchar_pattern_ops)"),
                migrations.RunSQL(
                    "ALTER TABLE payments_ledgerentry RENAME CONSTRAINT payments_ledgerentry_source_key_key "
                    "TO ledger_entry_source_key_once",
                    "ALTER TABLE payments_ledgerentry RENAME CONSTRAINT ledger_entry_source_key_once "
                    "TO payments_ledgerentry_source_key_key"),
            ],
            state_operations=[
                migrations.AlterField(model_name="ledgerentry", name="source_key",
                                      field=models.CharField(max_length=140)),
                migrations.AddConstraint(model_name="ledgerentry", constraint=models.UniqueConstraint(
                    fields=["source_key"], name="ledger_entry_source_key_once")),
            ],
        ),
        migrations.AlterField(
            model_name="remitline", name="charge_line",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="billing.chargeline")),
    ]
