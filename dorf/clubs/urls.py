from django.urls import path

from dorf.clubs import api

app_name = "clubs"

urlpatterns = [
    path("villages/<slug:slug>/clubs/", api.ClubListView.as_view(), name="club-list"),
    path(
        "villages/<slug:slug>/events/",
        api.VillageOccurrenceListView.as_view(),
        name="village-events",
    ),
    path("clubs/<int:club_id>/", api.ClubDetailView.as_view(), name="club-detail"),
    path("clubs/<int:club_id>/join/", api.ClubJoinView.as_view(), name="club-join"),
    path("clubs/<int:club_id>/leave/", api.ClubLeaveView.as_view(), name="club-leave"),
    path("clubs/<int:club_id>/members/", api.ClubMemberListView.as_view(), name="member-list"),
    path(
        "clubs/<int:club_id>/members/<int:club_membership_id>/",
        api.ClubMemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        "clubs/<int:club_id>/announcements/",
        api.AnnouncementListView.as_view(),
        name="announcement-list",
    ),
    path("clubs/<int:club_id>/events/", api.ClubEventListView.as_view(), name="event-list"),
    path("clubs/<int:club_id>/calendar.ics", api.ClubFeedView.as_view(), name="club-feed"),
    path("club-events/<int:event_id>/", api.EventDetailView.as_view(), name="event-detail"),
    path(
        "club-events/<int:event_id>/occurrences/",
        api.EventOccurrenceView.as_view(),
        name="event-occurrences",
    ),
    path("club-events/<int:event_id>/rsvp/", api.RsvpView.as_view(), name="event-rsvp"),
    path("club-events/<int:event_id>/shifts/", api.ShiftListView.as_view(), name="shift-list"),
    path("shifts/<int:shift_id>/signup/", api.ShiftSignupView.as_view(), name="shift-signup"),
    path(
        "shifts/<int:shift_id>/attendance/",
        api.ShiftAttendanceView.as_view(),
        name="shift-attendance",
    ),
    path("me/calendar/", api.CalendarTokenView.as_view(), name="calendar-token"),
    path("calendar/<str:token>.ics", api.UserFeedView.as_view(), name="user-feed"),
]
