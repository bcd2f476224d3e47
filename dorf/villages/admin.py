from django.contrib import admin

from dorf.villages.models import AddressEntry, Household, Membership, Village


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin[Village]):
    list_display = ["name", "slug", "timezone", "credit_limit_minutes", "created_at"]
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "village", "role", "state", "verified_at"]
    list_filter = ["village", "role", "state"]
    search_fields = ["user__email", "user__last_name"]
    raw_id_fields = ["user", "household", "verified_by"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    list_display = ["street", "house_number", "village"]
    list_filter = ["village"]
    search_fields = ["street"]


@admin.register(AddressEntry)
class AddressEntryAdmin(admin.ModelAdmin[AddressEntry]):
    list_display = ["street", "house_number", "postcode", "village"]
    list_filter = ["village"]
    search_fields = ["street"]
