from django.contrib import admin

from dorf.clubs.models import Club, ClubEvent


@admin.register(Club)
class ClubAdmin(admin.ModelAdmin[Club]):
    list_display = ["id", "village", "name", "membership_policy"]
    search_fields = ["name"]
    readonly_fields = ["account"]


@admin.register(ClubEvent)
class ClubEventAdmin(admin.ModelAdmin[ClubEvent]):
    list_display = ["id", "club", "title", "starts_at", "capacity", "rrule"]
    readonly_fields = ["uid", "sequence"]
