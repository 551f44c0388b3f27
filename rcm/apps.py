from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

DOMAIN_APPS = ("rcm", "billing", "coding", "claims", "payments", "interop", "reports")


class RcmAdminConfig(admin_apps.AdminConfig):
    """The admin site for platform administrators only (rcm.admin_site)."""

    default = False
    default_site = "rcm.admin_site.RcmAdminSite"


class RcmConfig(AppConfig):
    name = "rcm"
    verbose_name = "RCM platform"

    def ready(self) -> None:
        # Import every domain app's tasks so job handlers and Celery tasks are registered in
        # web processes too (the demo runs jobs in process; the API enqueues them).
        for app in DOMAIN_APPS:
            if find_spec(f"{app}.tasks"):
                import_module(f"{app}.tasks")
        from django.contrib.auth.signals import user_logged_in

        from rcm.middleware import session_started

        user_logged_in.connect(session_started, dispatch_uid="rcm.session_started")

        from celery.signals import task_postrun, task_prerun
        from django.db.models.signals import post_migrate

        from rcm import rls
        from rcm.db import trigger_functions

        post_migrate.connect(trigger_functions.post_migrate_install, dispatch_uid="rcm.trigger_functions.install")
        post_migrate.connect(rls.post_migrate_install, dispatch_uid="rcm.rls.install")
        task_prerun.connect(rls.task_started, dispatch_uid="rcm.rls.task_started", weak=False)
        task_postrun.connect(rls.task_finished, dispatch_uid="rcm.rls.task_finished", weak=False)
