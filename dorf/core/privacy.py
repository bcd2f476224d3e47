"""Shared by every app's personal-data module (GDPR erasure)."""

# What stands where an erased person's words were: a chat message, a posting's title, a
# parcel note. Stored data, the same in every language, defined once.
ERASED = "[gelöscht]"
