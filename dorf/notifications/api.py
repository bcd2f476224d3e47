from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.pagination import IdCursorPagination
from dorf.core.serializers import InputSerializer
from dorf.notifications import selectors, services
from dorf.notifications.models import Category
from dorf.users.requests import AuthedRequest


class NotificationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    category = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link_type = serializers.CharField()
    link_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class PreferencesSerializer(InputSerializer):
    muted = serializers.DictField(child=serializers.BooleanField())

    def validate_muted(self, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(Category.values))
        if unknown:
            raise serializers.ValidationError(f"Unknown categories: {', '.join(unknown)}")
        return value


class NotificationListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, required=False)],
        responses=NotificationSerializer(many=True),
        tags=["notifications"],
    )
    def get(self, request: AuthedRequest) -> Response:
        unread_only = request.query_params.get("unread") in {"1", "true"}
        queryset = selectors.notification_list(user=request.user, unread_only=unread_only)
        paginator = IdCursorPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        response = paginator.get_paginated_response(NotificationSerializer(page, many=True).data)
        response.data["unread_count"] = selectors.unread_count(user=request.user)
        return response


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer, tags=["notifications"])
    def post(self, request: AuthedRequest, notification_id: int) -> Response:
        notification = services.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses={200: dict}, tags=["notifications"])
    def post(self, request: AuthedRequest) -> Response:
        changed = services.notification_mark_all_read(user=request.user)
        return Response({"marked_read": changed})


class PreferencesView(APIView):
    @extend_schema(responses={200: dict}, tags=["notifications"])
    def get(self, request: AuthedRequest) -> Response:
        return Response({"muted": services.preferences_get(user=request.user)})

    @extend_schema(request=PreferencesSerializer, responses={200: dict}, tags=["notifications"])
    def put(self, request: AuthedRequest) -> Response:
        data = PreferencesSerializer.parse(request.data)
        muted = services.preferences_set(user=request.user, muted=data["muted"])
        return Response({"muted": muted})
