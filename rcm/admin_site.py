"""The Django admin site, for platform administrators only.

Admin accounts are separate from everyday ones: a staff account holds no practice role (rcm.tenancy ignores
any membership it has), and the admin site refuses a user who holds one. So the account that edits master
data cannot read a practice's PHI through the app, and a practice user's stolen password opens no admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest


class RcmAdminSite(admin.AdminSite):
    site_header = "RCM administration"

    def has_permission(self, request: HttpRequest) -> bool:
        from billing.models import Membership
        from rcm import rls

        user = request.user
        if not super().has_permission(request):
            return False
        with rls.scoped(system=True):  # under row-level security a staff account's own scope sees no memberships
            return not Membership.objects.filter(user_id=user.pk, is_active=True).exists()
