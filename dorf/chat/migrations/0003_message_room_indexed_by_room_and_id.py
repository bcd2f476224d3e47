import django.db.models.deletion
from django.db import migrations, models

# The index Django made for the foreign key (the same name on every backend).
ROOM_INDEX = "chat_message_room_id_5e7d8d78"


class Migration(migrations.Migration):
    """Message.room loses its own index: the (room, id) index serves every lookup by
    room, and with both PostgreSQL counted unread messages through the room-only one
    (the room's whole history). Only the index is dropped: Django's AlterField would
    also drop and re-add the foreign key, validating every message row again."""

    dependencies = [
        ("chat", "0002_verbose_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="room",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="chat.room",
                        verbose_name="room",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{ROOM_INDEX}"',
                    reverse_sql=f'CREATE INDEX "{ROOM_INDEX}" ON "chat_message" ("room_id")',
                ),
            ],
        ),
    ]
