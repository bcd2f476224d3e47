from django.urls import path

from dorf.chat import api

app_name = "chat"

urlpatterns = [
    path("ws-ticket", api.TicketView.as_view(), name="ws-ticket"),
    path("chat/rooms/", api.MyRoomListView.as_view(), name="room-list"),
    path("chat/rooms/<int:room_id>/", api.RoomDetailView.as_view(), name="room-detail"),
    path("chat/rooms/<int:room_id>/join/", api.RoomJoinView.as_view(), name="room-join"),
    path("chat/rooms/<int:room_id>/leave/", api.RoomLeaveView.as_view(), name="room-leave"),
    path("chat/rooms/<int:room_id>/read/", api.ReadView.as_view(), name="room-read"),
    path("chat/rooms/<int:room_id>/messages/", api.MessageListView.as_view(), name="message-list"),
    path(
        "chat/rooms/<int:room_id>/members/<int:user_id>/approve/",
        api.MemberApproveView.as_view(),
        name="member-approve",
    ),
    path(
        "chat/rooms/<int:room_id>/members/<int:user_id>/mute/",
        api.MemberMuteView.as_view(),
        name="member-mute",
    ),
    path("chat/messages/<int:message_id>/", api.MessageDetailView.as_view(), name="message-detail"),
    path("chat/messages/<int:message_id>/reactions/", api.ReactionView.as_view(), name="reactions"),
    path(
        "chat/messages/<int:message_id>/hide/", api.MessageHideView.as_view(), name="message-hide"
    ),
    path("chat/search/", api.SearchView.as_view(), name="search"),
    path("chat/reports/", api.ReportCreateView.as_view(), name="report-create"),
    path("villages/<slug:slug>/chat/groups/", api.GroupCreateView.as_view(), name="group-create"),
    path("villages/<slug:slug>/chat/direct/", api.DirectOpenView.as_view(), name="direct-open"),
    path("villages/<slug:slug>/chat/reports/", api.ReportQueueView.as_view(), name="report-queue"),
    path(
        "villages/<slug:slug>/chat/reports/<int:report_id>/resolve/",
        api.ReportResolveView.as_view(),
        name="report-resolve",
    ),
]
