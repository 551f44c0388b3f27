from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig

DOMAIN_APPS = ("rcm", "billing", "coding", "claims", "payments", "interop", "reports")


class RcmConfig(AppConfig):
    name = "rcm"
    verbose_name = "RCM platform"

    def ready(self) -> None:
        # Import every domain app's tasks so job handlers and Celery tasks are registered in
        # web processes too (the demo runs jobs in process; the API enqueues them).
        for app in DOMAIN_APPS:
            if find_spec(f"{app}.tasks"):
                import_module(f"{app}.tasks")
