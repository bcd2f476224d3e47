"""The personal feed tokens move to the shared calendar module (scope "clubs").

The secret itself is kept, so every subscribed URL keeps working; the reverse copies the
tokens back.
"""

import hashlib

from django.db import migrations

SCOPE = "clubs"


def forwards(apps, schema_editor):
    CalendarToken = apps.get_model("clubs", "CalendarToken")
    FeedToken = apps.get_model("calendar", "FeedToken")
    FeedToken.objects.bulk_create(
        [
            FeedToken(
                user_id=old.user_id,
                scope=SCOPE,
                token=old.token,
                token_hash=hashlib.sha256(old.token.encode()).hexdigest(),
                created_at=old.created_at,
            )
            for old in CalendarToken.objects.all().iterator()
        ]
    )


def backwards(apps, schema_editor):
    CalendarToken = apps.get_model("clubs", "CalendarToken")
    FeedToken = apps.get_model("calendar", "FeedToken")
    CalendarToken.objects.bulk_create(
        [
            CalendarToken(user_id=new.user_id, token=new.token, created_at=new.created_at)
            for new in FeedToken.objects.filter(scope=SCOPE).iterator()
        ]
    )
    FeedToken.objects.filter(scope=SCOPE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0002_club_rooms"),
        ("calendar", "0001_feed_tokens"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="CalendarToken"),
    ]
