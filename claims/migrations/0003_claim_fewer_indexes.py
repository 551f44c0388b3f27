"""Three indexes every claim update wrote and no query needs.

A scrub, an export or a payment changes a claim's status, so the row's update is not HOT and writes an entry
in every index of the table (twenty before this). Dropped:
- the single-column index on practice (claim_queue_idx starts with the practice),
- the single-column index on patient (claim_patient_dos_idx starts with the patient),
- the pattern-ops twin Django adds for a unique CharField: the patient control number is only looked up by
  equality. Its unique index stays (renamed, now a Meta constraint); no index is rebuilt.
"""

import django.db.models.deletion
from django.db import migrations, models

LIKE_INDEX = "claims_claim_pcn_9a506d3e_like"


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("claims", "0002_clearinghouse_denials_eligibility"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {LIKE_INDEX}",
                    f"CREATE INDEX {LIKE_INDEX} ON claims_claim (pcn varchar_pattern_ops)"),
                migrations.RunSQL(
                    "ALTER TABLE claims_claim RENAME CONSTRAINT claims_claim_pcn_key TO claim_pcn_unique",
                    "ALTER TABLE claims_claim RENAME CONSTRAINT claim_pcn_unique TO claims_claim_pcn_key"),
                # Only the indexes: the foreign keys stay as they are (no re-validation of a large table).
                migrations.RunSQL("DROP INDEX IF EXISTS claims_claim_patient_id_c2aa2b02",
                                  "CREATE INDEX claims_claim_patient_id_c2aa2b02 ON claims_claim (patient_id)"),
                migrations.RunSQL("DROP INDEX IF EXISTS claims_claim_practice_id_b614ccf8",
                                  "CREATE INDEX claims_claim_practice_id_b614ccf8 ON claims_claim (practice_id)"),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="claim", name="pcn",
                    field=models.CharField(help_text="CLM01; the payer echoes it in the 835 (CLP01)", max_length=20,
                                           verbose_name="patient control number")),
                migrations.AddConstraint(
                    model_name="claim",
                    constraint=models.UniqueConstraint(fields=("pcn",), name="claim_pcn_unique")),
                migrations.AlterField(
                    model_name="claim", name="patient",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="claims", to="billing.patient")),
                migrations.AlterField(
                    model_name="claim", name="practice",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="billing.practice")),
            ],
        ),
    ]
