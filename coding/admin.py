from django.contrib import admin

from coding.models import Code, CodeSetVersion, CodingLine, EncounterClaim, Worksheet


@admin.register(CodeSetVersion)
class CodeSetVersionAdmin(admin.ModelAdmin):
    list_display = ["system", "label", "effective_from", "effective_to", "code_count", "loaded_at"]
    list_filter = ["system"]


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "system", "billable", "version"]
    list_filter = ["system", "billable"]
    search_fields = ["code", "label"]
    list_select_related = ["version"]


@admin.register(Worksheet)
class WorksheetAdmin(admin.ModelAdmin):
    list_display = ["encounter", "status", "engine_version", "completed_by", "completed_at"]
    list_filter = ["status"]
    raw_id_fields = ["encounter"]


@admin.register(CodingLine)
class CodingLineAdmin(admin.ModelAdmin):
    list_display = ["worksheet", "kind", "code", "suggested_code", "decision", "decided_by"]
    list_filter = ["decision", "kind", "system"]
    raw_id_fields = ["worksheet"]


@admin.register(EncounterClaim)
class EncounterClaimAdmin(admin.ModelAdmin):
    list_display = ["encounter", "user", "claimed_at", "expires_at"]
    raw_id_fields = ["encounter"]
