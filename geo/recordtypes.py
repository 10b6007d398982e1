"""Activity and case types: the codes of ``data/indicators.csv`` and how partners spell them.

Activity types are an open list (an unknown one keeps a code made from its text); case types are a
closed list (an unknown one rejects the row). Re-exported by :mod:`geo.validate`.
"""

from __future__ import annotations

from geo.names import fold_name

#: Type code -> spellings found in partners' files (folded). Codes are those of
#: ``data/indicators.csv`` (column ``activity_type``).
ACTIVITY_TYPES: dict[str, tuple[str, ...]] = {
    "focus_group": (
        "focus group",
        "focus groups",
        "focus groupe",
        "groupe de discussion",
        "groupes de discussion",
        "fg",
    ),
    "sensibilisation": (
        "sensibilisation",
        "causerie",
        "causerie educative",
        "causeries",
        "sensibilisation communautaire",
        "awareness",
        "awareness session",
        "sensitisation",
        "prevention",
    ),
    "sensibilisation_masse": (
        "sensibilisation de masse",
        "radio",
        "emission radio",
        "emissions radio",
        "theatre forum",
        "caravane",
        "caravanes",
        "mass sensitisation",
        "radio broadcast",
        "forum theatre",
    ),
    "formation_pairs": (
        "formation pairs",
        "formation des pairs educateurs",
        "formation pairs educateurs",
        "peer educator training",
        "pairs educateurs",
    ),
    "formation_ccpe": ("formation ccpe", "atelier ccpe", "ccpe training", "formation des membres ccpe"),
    "formation_travailleurs_sociaux": (
        "formation travailleurs sociaux",
        "formation des travailleurs sociaux",
        "social worker training",
    ),
    "formation_acteurs": (
        "formation acteurs",
        "formation des acteurs",
        "officials training",
        "formation police",
        "formation agents",
    ),
    "formation_medias": ("formation medias", "formation des medias", "media training"),
    "plan_action": ("plan d action", "plans d action", "action plan"),
}
CASE_TYPES: dict[str, tuple[str, ...]] = {
    "identification": (
        "identification",
        "identifie",
        "identifies",
        "identifiees",
        "victimes identifiees",
        "identified",
    ),
    "prise_en_charge": ("prise en charge", "pec", "cared for", "care"),
    "prise_en_charge_psy": (
        "prise en charge psychosociale",
        "psychosocial",
        "psychosocial care",
        "prise en charge psy",
    ),
    "retour_famille": ("retour en famille", "retour famille", "reunification", "returned", "retour"),
    "reinsertion": ("reinsertion", "reintegration", "reinserted", "reinsertion sociale"),
}


def _type_key(text: object) -> str:
    return fold_name(text, strip_prefix=False)


_TYPE_LOOKUP = {
    kind: {
        **{_type_key(code): code for code in vocab},
        **{_type_key(s): code for code, spellings in vocab.items() for s in spellings},
    }
    for kind, vocab in (("activities", ACTIVITY_TYPES), ("cases", CASE_TYPES))
}


def normalise_type(text: object, kind: str) -> str | None:
    """Return the type code of ``text`` (``"Focus groups"`` -> ``"focus_group"``).

    Unknown activity types keep a code made from their text; unknown case types give ``None``
    (case types are a closed list).
    """
    key = _type_key(text)
    if not key:
        return None
    code = _TYPE_LOOKUP[kind].get(key)
    if code is None and kind == "activities":
        return key.replace(" ", "_")
    return code
