"""The claims ledger: every tracked claim with its status, source and the entities it is about."""
from __future__ import annotations

from ..kinds import CLAIM_STATUSES


def all_claims(res) -> list:
    claims = [a for anchored in res.anchors.values() for a in anchored if a.annotation.kind == "claim"]
    order = {s: i for i, s in enumerate(CLAIM_STATUSES)}
    claims.sort(key=lambda a: (order.get(a.annotation.status, 9), a.source_id, a.start))
    return claims
