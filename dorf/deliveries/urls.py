from django.urls import URLPattern, URLResolver, path

from dorf.deliveries import api

app_name = "deliveries"

P = "villages/<slug:slug>/deliveries/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(f"{P}pickup-points/", api.PickupPointListView.as_view(), name="pickup-point-list"),
    path(
        f"{P}pickup-points/<int:point_id>/",
        api.PickupPointDetailView.as_view(),
        name="pickup-point-detail",
    ),
    path(f"{P}parcels/", api.ParcelListView.as_view(), name="parcel-list"),
    path(f"{P}parcels/mine/", api.MyParcelListView.as_view(), name="my-parcels"),
    path(f"{P}parcels/<int:parcel_id>/", api.ParcelDetailView.as_view(), name="parcel-detail"),
    path(
        f"{P}parcels/<int:parcel_id>/pickup/", api.ParcelPickupView.as_view(), name="parcel-pickup"
    ),
    path(
        f"{P}parcels/<int:parcel_id>/deliver/",
        api.ParcelDeliverView.as_view(),
        name="parcel-deliver",
    ),
    path(f"{P}parcels/<int:parcel_id>/fail/", api.ParcelFailView.as_view(), name="parcel-fail"),
    path(
        f"{P}parcels/<int:parcel_id>/pin-reset/",
        api.ParcelPinResetView.as_view(),
        name="parcel-pin-reset",
    ),
    path(
        f"{P}parcels/<int:parcel_id>/reschedule/",
        api.ParcelRescheduleView.as_view(),
        name="parcel-reschedule",
    ),
    path(f"{P}shifts/", api.ShiftListView.as_view(), name="shift-list"),
    path(f"{P}shifts/<int:shift_id>/", api.ShiftDetailView.as_view(), name="shift-detail"),
    path(
        f"{P}shifts/<int:shift_id>/withdraw/",
        api.ShiftWithdrawView.as_view(),
        name="shift-withdraw",
    ),
    path(f"{P}plans/", api.PlanListView.as_view(), name="plan-list"),
    path(f"{P}plans/<int:job_id>/", api.PlanDetailView.as_view(), name="plan-detail"),
    path(f"{P}routes/", api.RouteListView.as_view(), name="route-list"),
    path(f"{P}routes/<int:route_id>/", api.RouteDetailView.as_view(), name="route-detail"),
    path(f"{P}routes/<int:route_id>/accept/", api.RouteAcceptView.as_view(), name="route-accept"),
    path(
        f"{P}routes/<int:route_id>/decline/",
        api.RouteDeclineView.as_view(),
        name="route-decline",
    ),
    path(
        f"{P}routes/<int:route_id>/no-show/",
        api.RouteNoShowView.as_view(),
        name="route-no-show",
    ),
]
