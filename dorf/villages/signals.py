"""Domain events of villages, sent inside the service's transaction.

Receivers in other apps (ledger: welcome credit; chat: the village square) do their
part in the same transaction, so a membership is never verified without them.
"""

from django.dispatch import Signal

# kwargs: membership
membership_verified = Signal()
# kwargs: membership
membership_banned = Signal()
