from django.contrib import admin

from interop.models import CsvImport, ExternalRef, Hl7Sender, InboundMessage, UnroutedMessage


@admin.register(Hl7Sender)
class Hl7SenderAdmin(admin.ModelAdmin):
    list_display = ["sending_facility", "practice", "sending_application", "default_location", "is_active"]
    list_filter = ["is_active", "practice"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "practice", "format", "channel", "message_type", "sender", "control_id", "status",
                    "ack_code"]
    list_filter = ["format", "channel", "status", "ack_code"]
    search_fields = ["control_id", "reference"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]


@admin.register(UnroutedMessage)
class UnroutedMessageAdmin(admin.ModelAdmin):
    """Messages the listener could not attribute to a practice: only administrators see them."""

    list_display = ["received_at", "channel", "peer", "sender", "control_id", "reason"]
    readonly_fields = [f.name for f in UnroutedMessage._meta.fields]


@admin.register(ExternalRef)
class ExternalRefAdmin(admin.ModelAdmin):
    list_display = ["practice", "kind", "key", "object_id", "source_time", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["key"]


@admin.register(CsvImport)
class CsvImportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "practice", "kind", "filename", "row_count", "status"]
    list_filter = ["kind", "status"]
    exclude = ["content"]
