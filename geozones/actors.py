"""Actor names as reports write them, normalised into groups that scenarios name.

Reports write the same force many ways: "Hizballah", "Hezbollah", "Lebanese Hezbollah";
"IRGC", "Quds Force", "Iranian advisers"; "Shi'ite militias". An :class:`ActorNormaliser`
maps free text to zero or more groups by whole-word aliases, case-, accent- and
apostrophe-insensitively. The default groups are :data:`DEFAULT_GROUPS`; extend them with
:meth:`ActorNormaliser.extend` or a TOML table of ``group = ["alias", ...]``.

Examples
--------
>>> normalise = ActorNormaliser()
>>> normalise(["Hizballah fighters", "IRGC advisers and Hezbollah", "Syrian Arab Army"]).tolist()
['hezbollah', 'hezbollah;iran', 'syrian_government']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from geozones.errors import InputError

__all__ = ["DEFAULT_GROUPS", "IRAN_AXIS", "ActorNormaliser", "normalise_actor_text"]

#: Groups and the aliases that name them. Aliases match whole words after normalisation,
#: longest first (so "Iran-backed militias" is a militia, not Iran); an alias written
#: ``"=alias"`` only matches the whole text (UCDP's actor "IS", not the word "is").
DEFAULT_GROUPS: dict[str, tuple[str, ...]] = {
    "iran": (
        "iran",
        "iranian",
        "iranians",
        "irgc",
        "islamic revolutionary guard corps",
        "revolutionary guard",
        "revolutionary guards",
        "pasdaran",
        "quds force",
        "qods force",
        "al quds force",
        "iranian advisers",
        "iranian advisors",
        "iranian forces",
        "islamic republic of iran",
        "government of iran",
    ),
    "hezbollah": (
        "hezbollah",
        "hizballah",
        "hizbollah",
        "hizbullah",
        "hezbolla",
        "hizb allah",
        "lebanese hezbollah",
        "party of god",
        "حزب الله",
    ),
    "iran_backed_militias": (
        "shiite militias",
        "shiite militia",
        "shia militias",
        "shia militia",
        "shi ite militias",
        "shi a militias",
        "iran backed militias",
        "iran backed militia",
        "iranian backed militias",
        "pro iranian militias",
        "iranian militias",
        "fatemiyoun",
        "fatemiyoun brigade",
        "liwa fatemiyoun",
        "zainabiyoun",
        "zeinabiyoun",
        "liwa zainabiyoun",
        "nujaba",
        "harakat al nujaba",
        "kataib hezbollah",
        "kata ib hezbollah",
        "asaib ahl al haq",
        "popular mobilization forces",
        "popular mobilisation forces",
        "hashd al shaabi",
    ),
    "syrian_government": (
        "government of syria",
        "syrian government",
        "syrian arab army",
        "saa",
        "regime forces",
        "syrian regime",
        "assad regime",
        "syrian army",
        "national defence forces",
        "national defense forces",
        "ndf",
        "4th division",
        "fourth division",
        "tiger forces",
    ),
    "russia": (
        "russia",
        "russian",
        "russian forces",
        "russian military police",
        "government of russia",
        "russian federation",
    ),
    "israel": (
        "israel",
        "israeli",
        "government of israel",
        "idf",
        "israel defense forces",
        "israel defence forces",
        "israeli forces",
    ),
    "opposition": (
        "syrian insurgents",
        "rebels",
        "rebel",
        "opposition",
        "southern front",
        "free syrian army",
        "fsa",
        "jaysh al islam",
        "ahrar al sham",
    ),
    "jihadists": (
        "hts",
        "hayat tahrir al sham",
        "hayat tahrir al-sham",
        "jabhat fateh al sham",
        "jabhat al nusra",
        "nusra front",
        "al nusra",
        "=is",
        "isis",
        "isil",
        "islamic state",
        "daesh",
        "khalid ibn al walid army",
        "jaysh khalid ibn al walid",
    ),
}

#: The groups Israel's demands and the 2017 arrangement name: Iranian forces and the
#: militias allied with them.
IRAN_AXIS = ("iran", "hezbollah", "iran_backed_militias")

_GROUP_NAME = re.compile(r"\w+")


def _checked_groups(groups: object) -> dict[str, tuple[str, ...]]:
    """``{group: (alias, ...)}`` from a mapping, or an InputError naming the group.

    A group name is letters, digits and underscores (results join groups with ``;``); its
    aliases are a list of texts: one string would be read letter by letter.
    """
    if not isinstance(groups, Mapping):
        msg = f"actor groups must be a mapping {{group: [alias, ...]}}, not {type(groups).__name__}"
        raise InputError(msg)
    checked = {}
    for group, aliases in groups.items():
        if not (isinstance(group, str) and _GROUP_NAME.fullmatch(group)):
            msg = f"actor group names are letters, digits and underscores, not {group!r}"
            raise InputError(msg)
        if isinstance(aliases, str) or not isinstance(aliases, Iterable):
            msg = f"actor group {group!r}: aliases must be a list of names, not {aliases!r}" + (
                f" (write [{aliases!r}])" if isinstance(aliases, str) else ""
            )
            raise InputError(msg)
        aliases = tuple(aliases)
        for alias in aliases:
            if not isinstance(alias, str):
                msg = f"actor group {group!r}: aliases must be text, not {alias!r}"
                raise InputError(msg)
        checked[group] = aliases
    return checked


_APOSTROPHES = "'`‘’ʿʾ´\u02bc"
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")


def normalise_actor_text(text: str) -> str:
    """Lower-case, strip accents and apostrophes, and reduce punctuation to spaces.

    Examples
    --------
    >>> normalise_actor_text("Shi'ite  Militias (Iran-backed)")
    'shiite militias iran backed'
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _ARABIC_MARKS.sub("", text)
    text = text.translate({ord(c): None for c in _APOSTROPHES}).lower()
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class ActorNormaliser:
    """Map free-text actor names to groups.

    Parameters
    ----------
    groups
        ``{group: [alias, ...]}``; :data:`DEFAULT_GROUPS` when omitted.

    Examples
    --------
    >>> ActorNormaliser().groups_of("Quds Force and Hizbollah")
    ('hezbollah', 'iran')
    """

    def __init__(self, groups: Mapping[str, Iterable[str]] | None = None) -> None:
        source = DEFAULT_GROUPS if groups is None else _checked_groups(groups)
        self.groups: dict[str, tuple[str, ...]] = {
            g: tuple(
                dict.fromkeys(a if a.startswith("=") else normalise_actor_text(a) for a in aliases)
            )
            for g, aliases in source.items()
        }
        self._whole: dict[str, str] = {}
        words = []
        for group, aliases in self.groups.items():
            for alias in aliases:
                if alias.startswith("="):
                    self._whole[normalise_actor_text(alias[1:])] = group
                elif alias:
                    words.append((alias, group))
        words.sort(key=lambda item: len(item[0]), reverse=True)
        self._patterns = [(g, re.compile(rf"(?<!\w){re.escape(a)}(?!\w)")) for a, g in words]

    def extend(self, groups: Mapping[str, Iterable[str]]) -> ActorNormaliser:
        """Return a new normaliser with more groups or more aliases for existing ones.

        Examples
        --------
        >>> n = ActorNormaliser().extend({"hezbollah": ["Radwan Force"]})
        >>> n.groups_of("Radwan Force unit")
        ('hezbollah',)
        """
        merged = {g: list(a) for g, a in self.groups.items()}
        for group, aliases in _checked_groups(groups).items():
            merged.setdefault(group, []).extend(aliases)
        return ActorNormaliser(merged)

    def groups_of(self, text: str) -> tuple[str, ...]:
        """Return the sorted groups named in one piece of text."""
        norm = normalise_actor_text(text)
        if not norm:
            return ()
        if norm in self._whole:
            return (self._whole[norm],)
        found = set()
        for group, pattern in self._patterns:  # longest alias first; a match uses its words
            norm, hits = pattern.subn(" ", norm)
            if hits:
                found.add(group)
        return tuple(sorted(found))

    def __call__(self, texts: Sequence[str | None] | pd.Series) -> pd.Categorical[str]:
        """Return, for each text, its groups joined by ``;`` ("" when none).

        Each distinct text is matched once, so long columns with repeated names are cheap.
        """
        series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
        codes, uniques = pd.factorize(series)  # arrow-backed text: hashed without Python
        found = [";".join(self.groups_of(t)) if isinstance(t, str) else "" for t in uniques]
        labels = list(dict.fromkeys([*found, ""]))
        index = {label: k for k, label in enumerate(labels)}
        lookup = np.array([index[f] for f in found] + [index[""]], dtype=np.intp)  # -1: ""
        return pd.Categorical.from_codes(lookup[codes], pd.Index(labels))


# --------------------------------------------------------------------------------------
# Roles: who is named in which role
# --------------------------------------------------------------------------------------

#: The roles a reader keeps, in order: UCDP GED's two sides, ACLED's actors and associated
#: actors, and a plain ``actor`` column (the role of a file that names one actor per row).
UCDP_ROLES = ("side_a", "side_b")
ACLED_ROLES = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")
ROLES = ("actor", *UCDP_ROLES, *ACLED_ROLES)


def role_columns(columns: Iterable[object]) -> dict[str, object]:
    """The columns that name actors in a role, as ``{role: column}``, in :data:`ROLES` order.

    UCDP's ``side_a`` / ``side_b`` and ACLED's ``actor1``, ``assoc_actor_1``, ``actor2`` and
    ``assoc_actor_2`` are found by name, without case; ``actor`` is the plain actor column
    (:func:`geozones.read_positions` writes the actor text there). A row names its actors
    in the specific roles when any of their cells holds text, else in ``actor``.

    Examples
    --------
    >>> role_columns(["id", "Side_A", "side_b", "actor"])
    {'actor': 'actor', 'side_a': 'Side_A', 'side_b': 'side_b'}
    """
    lookup: dict[str, object] = {}
    for column in columns:
        lookup.setdefault(str(column).strip().lower(), column)
    return {role: lookup[role] for role in ROLES if role in lookup}
