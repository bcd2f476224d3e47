from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.exceptions import NotFound
from dorf.core.pagination import IdCursorPagination, paginate
from dorf.core.schema import error_responses
from dorf.core.serializers import HourMinuteField, InputSerializer, OutputSerializer
from dorf.core.throttling import AnonThrottle
from dorf.notifications import delivery, selectors, services
from dorf.notifications.categories import category_label
from dorf.notifications.models import Category
from dorf.users.requests import AuthedRequest


class NotificationSerializer(OutputSerializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link_type = serializers.CharField()
    link_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class ChannelsSerializer(serializers.Serializer[Any]):
    category = serializers.ChoiceField(choices=Category.choices)
    name = serializers.CharField(help_text="The category as people read it.")
    in_app = serializers.BooleanField(help_text="The feed: always on.")
    socket = serializers.BooleanField(help_text="Live event while the app is open.")
    push = serializers.BooleanField(help_text="Web Push to every subscribed device.")
    email = serializers.BooleanField(help_text="A mail (only to a confirmed address).")


class QuietHoursSerializer(serializers.Serializer[Any]):
    enabled = serializers.BooleanField()
    starts = HourMinuteField()
    ends = HourMinuteField()


class PreferencesOutSerializer(serializers.Serializer[Any]):
    categories = ChannelsSerializer(many=True)
    quiet_hours = QuietHoursSerializer(
        help_text="Push and e-mail wait until the end (village time); severe warnings do not."
    )


class ChannelsInSerializer(InputSerializer):
    category = serializers.ChoiceField(choices=Category.choices)
    socket = serializers.BooleanField(required=False)
    push = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)


class QuietHoursInSerializer(InputSerializer):
    enabled = serializers.BooleanField(required=False)
    starts = HourMinuteField(required=False)
    ends = HourMinuteField(required=False)


class PreferencesInSerializer(InputSerializer):
    categories = ChannelsInSerializer(many=True, required=False)
    quiet_hours = QuietHoursInSerializer(required=False)


class UnsubscribedSerializer(serializers.Serializer[Any]):
    category = serializers.CharField()
    email = serializers.BooleanField()


def _preferences_out(
    choices: list[services.ChannelChoice], quiet: services.QuietHoursChoice
) -> dict[str, Any]:
    return PreferencesOutSerializer(
        {
            "categories": [
                {
                    "category": c.category,
                    "name": category_label(c.category),
                    "in_app": True,
                    "socket": c.socket,
                    "push": c.push,
                    "email": c.email,
                }
                for c in choices
            ],
            "quiet_hours": {"enabled": quiet.enabled, "starts": quiet.starts, "ends": quiet.ends},
        }
    ).data


class NotificationPagination(IdCursorPagination):
    extra_schema = {"unread_count": {"type": "integer", "description": "Unread in the whole feed."}}


class NotificationListView(APIView):
    pagination_class = NotificationPagination

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, required=False)],
        responses=NotificationSerializer(many=True),
        tags=["notifications"],
    )
    def get(self, request: AuthedRequest) -> Response:
        unread_only = request.query_params.get("unread") in {"1", "true"}
        # Rows, not instances: the page is only written out (NotificationSerializer).
        rows = selectors.notification_rows(user=request.user, unread_only=unread_only)
        return paginate(
            self,
            request,
            rows,
            NotificationSerializer,
            extra={"unread_count": selectors.unread_count(user=request.user)},
        )


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationSerializer, tags=["notifications"])
    def post(self, request: AuthedRequest, notification_id: int) -> Response:
        notification = services.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
        return Response(NotificationSerializer(notification).data)


class MarkedReadSerializer(serializers.Serializer[Any]):
    marked_read = serializers.IntegerField(help_text="How many were unread.")


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses=MarkedReadSerializer, tags=["notifications"])
    def post(self, request: AuthedRequest) -> Response:
        changed = services.notification_mark_all_read(user=request.user)
        return Response({"marked_read": changed})


class PreferencesView(APIView):
    @extend_schema(responses=PreferencesOutSerializer, tags=["notifications"])
    def get(self, request: AuthedRequest) -> Response:
        return Response(_preferences_out(*services.preferences_get(user=request.user)))

    @extend_schema(
        request=PreferencesInSerializer,
        responses=PreferencesOutSerializer,
        tags=["notifications"],
        description="Change channels of some categories and/or the quiet hours; "
        "what is not named stays as it is.",
    )
    def put(self, request: AuthedRequest) -> Response:
        data = PreferencesInSerializer.parse(request.data)
        channels = {
            item["category"]: {k: v for k, v in item.items() if k != "category"}
            for item in data.get("categories", [])
        }
        result = services.preferences_set(
            user=request.user, channels=channels, quiet_hours=data.get("quiet_hours")
        )
        return Response(_preferences_out(*result))


class UnsubscribeView(APIView):
    """The one-click link of every notification mail (RFC 8058): no login, no CSRF token.

    GET (a person clicking the link) and POST (the mail client's button, body
    ``List-Unsubscribe=One-Click``) both switch e-mail off for the mail's category.
    """

    permission_classes = [AllowAny]
    authentication_classes: list[type[Any]] = []
    throttle_classes = [AnonThrottle]
    parser_classes = [FormParser, JSONParser]

    def _unsubscribe(self, token: str) -> Response:
        found = delivery.unsubscribe_token_read(token)
        if found is None:
            raise NotFound()
        user_id, category = found
        services.email_unsubscribe(user_id=user_id, category=category)
        return Response({"category": category, "email": False})

    @extend_schema(request=None, responses=UnsubscribedSerializer, tags=["notifications"], auth=[])
    def get(self, request: Request, token: str) -> Response:
        return self._unsubscribe(token)

    @extend_schema(request=None, responses=UnsubscribedSerializer, tags=["notifications"], auth=[])
    def post(self, request: Request, token: str) -> Response:
        return self._unsubscribe(token)


# --- Web Push ------------------------------------------------------------------------


class VapidKeySerializer(serializers.Serializer[Any]):
    public_key = serializers.CharField(
        help_text="applicationServerKey for PushManager.subscribe (base64url)."
    )


class PushKeysSerializer(InputSerializer):
    p256dh = serializers.RegexField(r"^[A-Za-z0-9_-]{80,100}={0,2}$")
    auth = serializers.RegexField(r"^[A-Za-z0-9_-]{16,30}={0,2}$")


class PushSubscriptionInSerializer(InputSerializer):
    endpoint = serializers.URLField(max_length=1000)
    keys = PushKeysSerializer()
    user_agent = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    old_endpoint = serializers.URLField(
        max_length=1000,
        required=False,
        default="",
        allow_blank=True,
        help_text="On pushsubscriptionchange: the subscription this one replaces.",
    )
    # PushSubscription.toJSON() also has it; the push service decides expiry.
    expirationTime = serializers.IntegerField(required=False, allow_null=True)


class PushSubscriptionDeleteSerializer(InputSerializer):
    endpoint = serializers.URLField(max_length=1000)


class PushSubscriptionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    endpoint = serializers.CharField()
    user_agent = serializers.CharField()
    created_at = serializers.DateTimeField()
    refreshed_at = serializers.DateTimeField()
    last_success_at = serializers.DateTimeField(allow_null=True)


class VapidPublicKeyView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: VapidKeySerializer, **error_responses(404)}, tags=["push"], auth=[]
    )
    def get(self, request: Request) -> Response:
        key = delivery.vapid_public_key()
        if key is None:
            raise NotFound(_("Web Push is not configured on this server."))
        return Response({"public_key": key})


class PushSubscriptionsView(APIView):
    pagination_class = IdCursorPagination

    @extend_schema(responses=PushSubscriptionSerializer(many=True), tags=["push"])
    def get(self, request: AuthedRequest) -> Response:
        return paginate(
            self,
            request,
            selectors.push_subscription_list(user=request.user),
            PushSubscriptionSerializer,
        )

    def _save(self, request: AuthedRequest) -> Response:
        data = PushSubscriptionInSerializer.parse(request.data)
        subscription, created = services.push_subscription_save(
            user=request.user,
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=data["user_agent"],
            old_endpoint=data["old_endpoint"],
        )
        return Response(
            PushSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=PushSubscriptionInSerializer,
        responses={201: PushSubscriptionSerializer, 200: PushSubscriptionSerializer},
        tags=["push"],
        description="Subscribe this device (201), or refresh it when known (200).",
    )
    def post(self, request: AuthedRequest) -> Response:
        return self._save(request)

    @extend_schema(
        request=PushSubscriptionInSerializer,
        responses={201: PushSubscriptionSerializer, 200: PushSubscriptionSerializer},
        tags=["push"],
        description="Refresh at every app start and on pushsubscriptionchange (with old_endpoint).",
    )
    def put(self, request: AuthedRequest) -> Response:
        return self._save(request)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "endpoint",
                str,
                required=True,
                description="The subscription's endpoint URL. (Older clients send "
                '`{"endpoint": …}` as a JSON body, which OpenAPI cannot describe for DELETE.)',
            )
        ],
        request=None,
        responses={204: None},
        tags=["push"],
    )
    def delete(self, request: AuthedRequest) -> Response:
        params = request.query_params if "endpoint" in request.query_params else request.data
        data = PushSubscriptionDeleteSerializer.parse(params)
        services.push_subscription_delete(user=request.user, endpoint=data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)
