"""Entity kinds and relation types, described as data (after FollowTheMoney's schema habit)."""
from __future__ import annotations

from dataclasses import dataclass

# content folder -> kind name (singular), in navigation order
KINDS = {
    "people": "person",
    "organizations": "organization",
    "countries": "country",
    "places": "place",
    "crossings": "crossing",
    "events": "event",
    "documents": "document",
}
FOLDER_OF = {kind: folder for folder, kind in KINDS.items()}
KIND_TITLES = {
    "person": ("Person", "People"),
    "organization": ("Organization", "Organizations"),
    "country": ("Country", "Countries"),
    "place": ("Place", "Places"),
    "crossing": ("Border crossing", "Border crossings"),
    "event": ("Event", "Events"),
    "document": ("Document", "Documents"),
}

CROSSING_MODES = ("rail", "road", "pedestrian", "mixed", "unknown")
CROSSING_STATUSES = ("open", "closed", "under-construction", "planned", "built-not-opened", "unknown")
ANNOTATION_KINDS = ("note", "context", "correction", "claim")
CLAIM_STATUSES = ("corroborated", "unverified", "disputed", "refuted")


@dataclass(frozen=True)
class RelationType:
    id: str
    label: str      # read from the entity that declares the relation
    reverse: str    # read from the target


RELATION_TYPES = {r.id: r for r in (
    RelationType("member-of", "member of", "members"),
    RelationType("signed", "signed", "signed by"),
    RelationType("party-to", "party to", "parties"),
    RelationType("crosses", "crosses", "crossed by"),
    RelationType("located-in", "located in", "contains"),
    RelationType("leads", "leads", "led by"),
    RelationType("participant-in", "took part in", "participants"),
    RelationType("operates", "operates", "operated by"),
    RelationType("built-by", "built by", "built"),
    RelationType("successor-of", "successor of", "succeeded by"),
    RelationType("part-of", "part of", "parts"),
    RelationType("borders", "borders", "bordered by"),
    RelationType("connects", "connects", "connected by"),
    RelationType("publishes", "publishes", "published by"),
    RelationType("deployed-to", "deployed to", "received deployment from"),
    RelationType("supplies", "supplies", "supplied by"),
    RelationType("counterpart-of", "counterpart of", "counterpart of"),
    RelationType("related-to", "related to", "related to"),
)}
