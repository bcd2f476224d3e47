from django.urls import path

from dorf.bookings import api

app_name = "bookings"

_village = "villages/<slug:slug>/"
_resource = f"{_village}resources/<int:resource_id>/"
_booking = f"{_village}bookings/<int:booking_id>/"

urlpatterns = [
    path(f"{_village}resources/", api.ResourceListView.as_view(), name="resource-list"),
    path(_resource, api.ResourceDetailView.as_view(), name="resource-detail"),
    path(f"{_resource}busy.ics", api.ResourceFeedView.as_view(), name="resource-feed"),
    path(f"{_resource}bookings/", api.BookingCreateView.as_view(), name="booking-create"),
    path(f"{_resource}series/", api.SeriesCreateView.as_view(), name="series-create"),
    path(f"{_village}bookings/mine/", api.MyBookingsView.as_view(), name="mine"),
    path(f"{_village}bookings/requests/", api.RequestListView.as_view(), name="requests"),
    path(f"{_booking}decision/", api.DecisionView.as_view(), name="decision"),
    path(f"{_booking}cancel/", api.CancelView.as_view(), name="cancel"),
    path(f"{_booking}check-in/", api.CheckInView.as_view(), name="check-in"),
    path("me/bookings-calendar/", api.FeedTokenView.as_view(), name="feed-token"),
    path("bookings/calendar/<str:token>.ics", api.UserFeedView.as_view(), name="user-feed"),
]
