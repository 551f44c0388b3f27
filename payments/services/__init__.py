"""Writes of the payments app, one module per area; import from here."""

from payments.services.era import (
    ImportResult,
    era_import,
    exception_dismiss,
    exception_resolve,
    remittance_post,
    remittance_store,
)
from payments.services.ledger import claim_balances_refresh, ledger_sync_charges

__all__ = ["ImportResult", "claim_balances_refresh", "era_import", "exception_dismiss", "exception_resolve",
           "ledger_sync_charges", "remittance_post", "remittance_store"]
