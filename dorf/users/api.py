from __future__ import annotations

from typing import Any

from django.contrib.auth import logout as session_logout
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dorf.core.serializers import EmailAddressField, InputSerializer
from dorf.core.throttling import AnonThrottle, AuthThrottle, UserThrottle
from dorf.users import services
from dorf.users.models import ApiToken, Language
from dorf.users.requests import AuthedRequest


class UserPublicSerializer(serializers.Serializer[Any]):
    """How other residents see a person."""

    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)
    date_joined = serializers.DateTimeField(read_only=True)
    email_confirmed = serializers.SerializerMethodField()

    def get_email_confirmed(self, user: Any) -> bool:
        return user.email_confirmed_at is not None


class MeUpdateSerializer(InputSerializer):
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class RegisterSerializer(InputSerializer):
    email = EmailAddressField()
    password = serializers.CharField(max_length=128, write_only=True)
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    # Without it, the language the request asks for (Accept-Language), else German.
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class LoginSerializer(InputSerializer):
    email = EmailAddressField()
    password = serializers.CharField(max_length=128, write_only=True)
    device_name = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True
    )


class SessionSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()
    user = MeSerializer()


class PasswordChangeSerializer(InputSerializer):
    old_password = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128)


class EraseSerializer(InputSerializer):
    password = serializers.CharField(max_length=128)


def request_language(request: AuthedRequest) -> str:
    """The stored language for a new account: what the request asked for (LocaleMiddleware
    negotiated it from Accept-Language), German when that is not one we speak."""
    asked = (translation.get_language() or "").split("-")[0]
    return asked if asked in Language.values else Language.GERMAN


def _current_token(request: AuthedRequest) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class AcceptedSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()


class EmailConfirmSerializer(InputSerializer):
    token = serializers.CharField(max_length=500)


class ConfirmedSerializer(serializers.Serializer[Any]):
    email_confirmed = serializers.BooleanField()


class PasswordResetSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(InputSerializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=100)
    new_password = serializers.CharField(max_length=128, write_only=True)


class TokenValidSerializer(serializers.Serializer[Any]):
    valid = serializers.BooleanField()


class RegisterView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle, AnonThrottle]

    @extend_schema(
        request=RegisterSerializer,
        responses={202: AcceptedSerializer},
        tags=["auth"],
        auth=[],
        description="Always the same answer, whether or not the address has an account "
        "(no account enumeration): a new account gets a confirmation link by mail, an "
        "existing one a note. Then sign in with the password.",
    )
    def post(self, request: AuthedRequest) -> Response:
        data = RegisterSerializer.parse(request.data)
        data.setdefault("language", request_language(request))
        services.user_register(**data)
        return Response(
            {"detail": _("Check your mailbox: we sent you a link to confirm the address.")},
            status=status.HTTP_202_ACCEPTED,
        )


class EmailConfirmView(APIView):
    """The link in the confirmation mail (GET ?token=) or the app sending its token (POST)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type[Any]] = []
    throttle_classes = [AuthThrottle, AnonThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        responses=ConfirmedSerializer,
        tags=["auth"],
        auth=[],
    )
    def get(self, request: AuthedRequest) -> Response:
        data = EmailConfirmSerializer.parse({"token": request.query_params.get("token", "")})
        services.email_confirm(token=data["token"])
        return Response({"email_confirmed": True})

    @extend_schema(
        request=EmailConfirmSerializer, responses=ConfirmedSerializer, tags=["auth"], auth=[]
    )
    def post(self, request: AuthedRequest) -> Response:
        data = EmailConfirmSerializer.parse(request.data)
        services.email_confirm(token=data["token"])
        return Response({"email_confirmed": True})


class EmailConfirmResendView(APIView):
    throttle_classes = [AuthThrottle, UserThrottle]

    @extend_schema(request=None, responses={202: AcceptedSerializer}, tags=["auth"])
    def post(self, request: AuthedRequest) -> Response:
        services.email_confirmation_resend(user=request.user)
        return Response(
            {"detail": _("Check your mailbox: we sent you a link to confirm the address.")},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type[Any]] = []
    throttle_classes = [AuthThrottle, AnonThrottle]

    @extend_schema(
        request=PasswordResetSerializer,
        responses={202: AcceptedSerializer},
        tags=["auth"],
        auth=[],
        description="The same answer whether or not the address has an account.",
    )
    def post(self, request: AuthedRequest) -> Response:
        data = PasswordResetSerializer.parse(request.data)
        services.password_reset_request(email=data["email"])
        return Response(
            {
                "detail": _(
                    "If an account has this address, we sent it a link to reset the password."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type[Any]] = []
    throttle_classes = [AuthThrottle, AnonThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("uid", str, required=True),
            OpenApiParameter("token", str, required=True),
        ],
        responses=TokenValidSerializer,
        tags=["auth"],
        auth=[],
        description="Whether the mailed link still works (before asking for a new password).",
    )
    def get(self, request: AuthedRequest) -> Response:
        valid = services.password_reset_check(
            uid=request.query_params.get("uid", ""), token=request.query_params.get("token", "")
        )
        return Response({"valid": valid})

    @extend_schema(
        request=PasswordResetConfirmSerializer, responses={204: None}, tags=["auth"], auth=[]
    )
    def post(self, request: AuthedRequest) -> Response:
        data = PasswordResetConfirmSerializer.parse(request.data)
        services.password_reset_confirm(**data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LoginView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle, AnonThrottle]

    @extend_schema(
        request=LoginSerializer, responses={200: SessionSerializer}, tags=["auth"], auth=[]
    )
    def post(self, request: AuthedRequest) -> Response:
        data = LoginSerializer.parse(request.data)
        user, raw = services.user_login(**data)
        return Response(SessionSerializer({"token": raw, "user": user}).data)


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request: AuthedRequest) -> Response:
        token = _current_token(request)
        if token is not None:
            services.token_revoke(token=token)
        session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    throttle_classes = [AuthThrottle, UserThrottle]

    @extend_schema(request=PasswordChangeSerializer, responses={204: None}, tags=["auth"])
    def post(self, request: AuthedRequest) -> Response:
        data = PasswordChangeSerializer.parse(request.data)
        services.user_change_password(user=request.user, keep_token=_current_token(request), **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer, tags=["me"])
    def get(self, request: AuthedRequest) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer, tags=["me"])
    def patch(self, request: AuthedRequest) -> Response:
        data = MeUpdateSerializer.parse(request.data, partial=True)
        user = services.user_update_profile(user=request.user, **data)
        return Response(MeSerializer(user).data)

    @extend_schema(
        request=EraseSerializer,
        responses={204: None},
        tags=["me"],
        description="Erase my personal data (GDPR). Other people's records stay intact.",
    )
    def delete(self, request: AuthedRequest) -> Response:
        data = EraseSerializer.parse(request.data)
        services.user_erase(user=request.user, password=data["password"])
        session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    @extend_schema(
        responses=inline_serializer("PersonalDataExport", {"exported_at": serializers.CharField()}),
        tags=["me"],
        description="All personal data dorf stores about me, one section per domain.",
    )
    def get(self, request: AuthedRequest) -> Response:
        return Response(services.user_export(user=request.user))
