from __future__ import annotations

from typing import Any

from django.utils import timezone

from dorf.users.models import ApiToken, Block, User


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "profile": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.display_name,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "tokens": [
            {
                "name": token.name,
                "created_at": token.created_at.isoformat(),
                "expires_at": token.expires_at.isoformat(),
                "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            }
            for token in ApiToken.objects.filter(user=user).order_by("id")
        ],
        "blocked_users": [
            {"user_id": block.blocked_id, "created_at": block.created_at.isoformat()}
            for block in Block.objects.filter(blocker=user).order_by("id")
        ],
    }


def erase_personal_data(user: User) -> None:
    ApiToken.objects.filter(user=user).delete()
    Block.objects.filter(blocker=user).delete()
    user.email = f"erased-{user.pk}@invalid.dorf"
    user.first_name = "Gelöschtes"
    user.last_name = "Konto"
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.erased_at = timezone.now()
    user.set_unusable_password()
    user.save()
