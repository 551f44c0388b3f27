"""The API's token authentication, aware of row-level security (its own module: DRF imports it from settings)."""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import TokenAuthentication

from rcm import rls


class ScopedTokenAuthentication(TokenAuthentication):
    """Token authentication that narrows the database scope (row-level security) to the token's user."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None:
            rls.rescope_for(result[0])
        return result
