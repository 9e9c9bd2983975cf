"""The maximum penalty a failure of the children's safety duties could cost: the greater of
£18 million and 10% of qualifying worldwide revenue (the compliance checklist shows it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

PENALTY_FLOOR_GBP = 18_000_000.0
PENALTY_REVENUE_SHARE = 0.10


def penalty_exposure(revenue_gbp: float | None) -> tuple[float, str]:
    """The maximum penalty: the greater of £18m and 10% of qualifying worldwide revenue."""
    if revenue_gbp is None:
        return PENALTY_FLOOR_GBP, (
            "£18,000,000: qualifying worldwide revenue is not configured "
            "(SAFEGUARDING_QUALIFYING_REVENUE_GBP); 10% of it may be more"
        )
    share = PENALTY_REVENUE_SHARE * revenue_gbp
    if share > PENALTY_FLOOR_GBP:
        return share, (
            f"£{share:,.0f}: 10% of qualifying worldwide revenue of £{revenue_gbp:,.0f}, "
            "which is more than £18,000,000"
        )
    return PENALTY_FLOOR_GBP, (
        f"£18,000,000: 10% of qualifying worldwide revenue of £{revenue_gbp:,.0f} "
        f"(£{share:,.0f}) is not more"
    )


class Penalty(BaseModel):
    """The maximum penalty exposure and how it was worked out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount_gbp: float
    explanation: str
    qualifying_revenue_gbp: float | None = None
