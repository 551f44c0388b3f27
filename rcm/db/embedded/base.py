"""PostgreSQL backend that starts the embedded server on the first connection.

Starting lazily means commands that never touch the database (ruff, `check`
without database checks) do not pay for it, and every process that does gets it.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from rcm.embedded_pg import ensure_server


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        server = ensure_server(self.settings_dict["NAME"] if self.settings_dict["NAME"] != "postgres" else None)
        params["host"] = server.socket_dir
        params["port"] = server.port
        params.setdefault("user", "postgres")
        return params
