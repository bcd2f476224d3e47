"""Domain events of accounts, sent inside the service's transaction."""

from django.dispatch import Signal

# kwargs: user. The owner proved the address (confirmation link or password reset):
# receivers grant what waited for it (ledger: the welcome credit).
email_confirmed = Signal()
