"""Vocabularies of the knowledge graph: node types, tie types, layers, confidence.

The layer of a node or tie says which part of a group's power it belongs to. The
essay's argument (Mansour 2024, sections "Force fails" and "Beyond the bombings") is that
outside powers hit the military and formal-finance layers while the groups' power sits
across all of them, so every node and tie is placed in exactly one layer.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "DEFAULT_NODE_LAYER",
    "DEFAULT_TIE_LAYER",
    "TIE_ENDPOINTS",
    "BusinessKind",
    "Confidence",
    "Ideology",
    "InstitutionKind",
    "Layer",
    "NodeType",
    "TieType",
]


class NodeType(StrEnum):
    """Kinds of actors."""

    ARMED_GROUP = "armed_group"
    UMBRELLA = "umbrella"
    PERSON = "person"
    PARTY = "party"
    STATE = "state"
    STATE_INSTITUTION = "state_institution"
    BUSINESS = "business"
    CIVIL_SOCIETY = "civil_society"
    FOREIGN_FORCE = "foreign_force"


class TieType(StrEnum):
    """Kinds of directed ties (``from`` -> ``to``)."""

    LEADS = "leads"  # person -> group; attribute share = authority share
    COMMANDS = "commands"  # group/person -> group/force: operational command
    MEMBER_OF = "member_of"  # group/party/person -> umbrella, coalition or party
    ALLIED_WITH = "allied_with"
    RIVAL_OF = "rival_of"
    SPLIT_FROM = "split_from"  # splinter -> parent
    AFFILIATED_WITH = "affiliated_with"
    PATRON_OF = "patron_of"  # patron -> client: arming, funding, training
    FUNDS = "funds"  # payer -> payee: revenue channel
    OWNS = "owns"  # group/person -> business
    WING_OF = "wing_of"  # party or business -> the group it serves
    HOLDS_OFFICE_IN = "holds_office_in"  # person/group/party -> institution; share
    INTEGRATED_INTO = "integrated_into"  # group -> institution or umbrella
    SANCTIONED_BY = "sanctioned_by"  # target -> sanctioning state or institution
    PROTECTS = "protects"  # protector -> protected: impunity
    ATTACKS = "attacks"  # attacker -> target: an event or campaign
    OPPOSES = "opposes"  # protest, public opposition


class Layer(StrEnum):
    """Layers of the multi-layer network."""

    MILITARY = "military"
    POLITICAL = "political"
    ECONOMIC = "economic"
    STATE = "state"
    PATRONAGE = "patronage"
    CIVIL_SOCIETY = "civil_society"
    INTERNATIONAL = "international"


class Confidence(StrEnum):
    """How sure the sources are about a fact."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Ideology(StrEnum):
    """Ideology type of an armed group (as in the Mapping Militant Organizations coding)."""

    RELIGIOUS = "religious"
    ETHNIC = "ethnic"
    IDEOLOGICAL = "ideological"
    SEPARATIST = "separatist"


class InstitutionKind(StrEnum):
    """What a state institution is, for embeddedness measures."""

    MINISTRY = "ministry"
    PARLIAMENT = "parliament"
    JUDICIARY = "judiciary"
    SECURITY = "security"
    CIVIL_SERVICE = "civil_service"
    EXECUTIVE = "executive"
    COMMISSION = "commission"
    TREASURY = "treasury"
    DIPLOMATIC = "diplomatic"
    OTHER = "other"


class BusinessKind(StrEnum):
    """What a business is, for sanction-exposure measures."""

    BANK = "bank"
    COMPANY = "company"
    AIRLINE = "airline"
    EXCHANGE = "exchange"
    CHARITY = "charity"
    OTHER = "other"


DEFAULT_NODE_LAYER: dict[NodeType, Layer] = {
    NodeType.ARMED_GROUP: Layer.MILITARY,
    NodeType.UMBRELLA: Layer.MILITARY,
    NodeType.PERSON: Layer.POLITICAL,
    NodeType.PARTY: Layer.POLITICAL,
    NodeType.STATE: Layer.INTERNATIONAL,
    NodeType.STATE_INSTITUTION: Layer.STATE,
    NodeType.BUSINESS: Layer.ECONOMIC,
    NodeType.CIVIL_SOCIETY: Layer.CIVIL_SOCIETY,
    NodeType.FOREIGN_FORCE: Layer.MILITARY,
}
"""Layer of a node when the document does not set one."""

DEFAULT_TIE_LAYER: dict[TieType, Layer | None] = {
    TieType.LEADS: Layer.MILITARY,
    TieType.COMMANDS: Layer.MILITARY,
    TieType.MEMBER_OF: None,
    TieType.ALLIED_WITH: None,
    TieType.RIVAL_OF: None,
    TieType.SPLIT_FROM: Layer.MILITARY,
    TieType.AFFILIATED_WITH: None,
    TieType.PATRON_OF: Layer.PATRONAGE,
    TieType.FUNDS: Layer.ECONOMIC,
    TieType.OWNS: Layer.ECONOMIC,
    TieType.WING_OF: Layer.POLITICAL,
    TieType.HOLDS_OFFICE_IN: Layer.STATE,
    TieType.INTEGRATED_INTO: Layer.STATE,
    TieType.SANCTIONED_BY: Layer.ECONOMIC,
    TieType.PROTECTS: Layer.STATE,
    TieType.ATTACKS: Layer.MILITARY,
    TieType.OPPOSES: Layer.CIVIL_SOCIETY,
}
"""Layer of a tie when the document does not set one; ``None`` means the layer of its
``to`` node (membership of a party coalition is political, of the PMF military)."""

_N = NodeType
_GROUPS = frozenset({_N.ARMED_GROUP, _N.UMBRELLA})
_ARMED = frozenset({_N.ARMED_GROUP, _N.UMBRELLA, _N.FOREIGN_FORCE})
_ANY: frozenset[NodeType] = frozenset(NodeType)

TIE_ENDPOINTS: dict[TieType, tuple[frozenset[NodeType], frozenset[NodeType]]] = {
    TieType.LEADS: (frozenset({_N.PERSON}), _GROUPS | {_N.PARTY, _N.STATE_INSTITUTION,
                                                      _N.FOREIGN_FORCE, _N.CIVIL_SOCIETY,
                                                      _N.STATE, _N.BUSINESS}),
    TieType.COMMANDS: (_ARMED | {_N.PERSON, _N.STATE_INSTITUTION, _N.STATE}, _ARMED),
    TieType.MEMBER_OF: (_ANY, _GROUPS | {_N.PARTY, _N.CIVIL_SOCIETY}),
    TieType.ALLIED_WITH: (_ANY, _ANY),
    TieType.RIVAL_OF: (_ANY, _ANY),
    TieType.SPLIT_FROM: (_GROUPS | {_N.PARTY}, _GROUPS | {_N.PARTY}),
    TieType.AFFILIATED_WITH: (_ANY, _ANY),
    TieType.PATRON_OF: (frozenset({_N.STATE, _N.STATE_INSTITUTION, _N.PERSON}) | _GROUPS, _ANY),
    TieType.FUNDS: (_ANY, _ANY),
    TieType.OWNS: (_GROUPS | {_N.PERSON, _N.PARTY, _N.STATE_INSTITUTION}, frozenset({_N.BUSINESS})),
    TieType.WING_OF: (frozenset({_N.PARTY, _N.BUSINESS, _N.CIVIL_SOCIETY}), _GROUPS),
    TieType.HOLDS_OFFICE_IN: (_GROUPS | {_N.PERSON, _N.PARTY},
                              frozenset({_N.STATE_INSTITUTION})),
    TieType.INTEGRATED_INTO: (_GROUPS, _GROUPS | {_N.STATE_INSTITUTION}),
    TieType.SANCTIONED_BY: (_ANY, frozenset({_N.STATE, _N.STATE_INSTITUTION})),
    TieType.PROTECTS: (_ANY, _ANY),
    TieType.ATTACKS: (_ARMED | {_N.STATE, _N.PERSON}, _ANY),
    TieType.OPPOSES: (_ANY, _ANY),
}
"""Node types allowed at the ``from`` and ``to`` end of each tie type."""
