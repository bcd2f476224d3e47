from django.urls import path

from dorf.appointments import api

app_name = "appointments"

_village = "villages/<slug:slug>/appointments/"

urlpatterns = [
    path(f"{_village}services/", api.ServiceListView.as_view(), name="service-list"),
    path(f"{_village}availability/", api.AvailabilityView.as_view(), name="availability"),
    path(f"{_village}holds/", api.HoldView.as_view(), name="hold"),
    path(f"{_village}mine/", api.MyAppointmentsView.as_view(), name="mine"),
    path(f"{_village}waitlist/", api.WaitlistView.as_view(), name="waitlist"),
    path(
        f"{_village}waitlist/<int:entry_id>/",
        api.WaitlistEntryView.as_view(),
        name="waitlist-entry",
    ),
    path(f"{_village}day/", api.DayListView.as_view(), name="day-list"),
    path(f"{_village}<int:appointment_id>/confirm/", api.ConfirmView.as_view(), name="confirm"),
    path(f"{_village}<int:appointment_id>/cancel/", api.CancelView.as_view(), name="cancel"),
    path(f"{_village}<int:appointment_id>/outcome/", api.OutcomeView.as_view(), name="outcome"),
    path(
        f"{_village}<int:appointment_id>/invitation.ics",
        api.InvitationView.as_view(),
        name="invitation",
    ),
    path(
        "appointments/cancel/<str:token>/",
        api.CancelByTokenView.as_view(),
        name="cancel-by-token",
    ),
]
