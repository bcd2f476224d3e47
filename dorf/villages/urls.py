from django.urls import path

from dorf.villages import api

app_name = "villages"

urlpatterns = [
    path("villages/", api.VillageListView.as_view(), name="village-list"),
    path("villages/<slug:slug>/", api.VillageDetailView.as_view(), name="village-detail"),
    path("villages/<slug:slug>/join/", api.JoinView.as_view(), name="join"),
    path("villages/<slug:slug>/members/", api.MemberListView.as_view(), name="member-list"),
    path(
        "villages/<slug:slug>/members/<int:membership_id>/verify/",
        api.MemberVerifyView.as_view(),
        name="member-verify",
    ),
    path(
        "villages/<slug:slug>/members/<int:membership_id>/ban/",
        api.MemberBanView.as_view(),
        name="member-ban",
    ),
    path("villages/<slug:slug>/invite-code/", api.InviteCodeView.as_view(), name="invite-code"),
    path("villages/<slug:slug>/household/", api.HouseholdView.as_view(), name="household"),
    path("villages/<slug:slug>/addresses/", api.AddressSearchView.as_view(), name="address-search"),
    path("me/blocks/", api.BlockListView.as_view(), name="block-list"),
    path("me/blocks/<int:user_id>/", api.BlockDetailView.as_view(), name="block-detail"),
]
