"""What a ``profile_update`` does to an account: its ages, its age check, its creation date
and its guardian links, each kept as ``Account`` keeps them."""

from __future__ import annotations

from safeguarding.domain.accounts import Account
from safeguarding.domain.events import ProfileUpdateEvent


def profile_updated(account: Account, event: ProfileUpdateEvent) -> Account:
    """The account as the update leaves it. A self-declared age check is one more
    declaration (kept in the history beside the others), never a replacement of them."""
    if "declared_age" in event.model_fields_set:
        account = account.declare_age(event.declared_age, event.occurred_at)
    if event.age_assurance is not None:
        if (claimed := event.age_assurance.claimed_age()) is not None:
            account = account.declare_age(claimed, event.occurred_at)
        account = account.assure_age(event.age_assurance)
    if event.account_created_at is not None:
        account = account.model_copy(update={"created_at": event.account_created_at})
    links = {k: getattr(event, k) for k in ("guardian_of", "guardians")}
    if any(v is not None for v in links.values()):
        account = account.model_copy(update={k: v for k, v in links.items() if v is not None})
    return account
