from django.urls import path

from dorf.users import api

app_name = "users"

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="register"),
    path("auth/login/", api.LoginView.as_view(), name="login"),
    path("auth/logout/", api.LogoutView.as_view(), name="logout"),
    path("auth/password/", api.PasswordChangeView.as_view(), name="password-change"),
    path("auth/email/confirm/", api.EmailConfirmView.as_view(), name="email-confirm"),
    path(
        "auth/email/confirm/resend/",
        api.EmailConfirmResendView.as_view(),
        name="email-confirm-resend",
    ),
    path("auth/password-reset/", api.PasswordResetView.as_view(), name="password-reset"),
    path(
        "auth/password-reset/confirm/",
        api.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/export/", api.ExportView.as_view(), name="export"),
]
