"""ISO 639-1 language codes (RMP-V2-LANG).

The 183 two-letter codes assigned in ISO 639-1 (the Library of Congress registration authority's
list as of 2021, after ``bh`` was withdrawn), lowercase as the standard writes them. Withdrawn
codes (``iw``, ``in``, ``ji``, ``jw``, ``mo``, ``sh``, ``bh``) and user-assigned-looking codes
such as ``XX`` are not assigned. The Roomonitor documentation writes codes uppercase ("EN",
"ES"), so the validator expects uppercase and reports other casing as a warning.
"""
from __future__ import annotations

ISO_639_1: frozenset[str] = frozenset("""
aa ab ae af ak am an ar as av ay az
ba be bg bi bm bn bo br bs
ca ce ch co cr cs cu cv cy
da de dv dz
ee el en eo es et eu
fa ff fi fj fo fr fy
ga gd gl gn gu gv
ha he hi ho hr ht hu hy hz
ia id ie ig ii ik io is it iu
ja jv
ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
la lb lg li ln lo lt lu lv
mg mh mi mk ml mn mr ms mt my
na nb nd ne ng nl nn no nr nv ny
oc oj om or os
pa pi pl ps pt
qu
rm rn ro ru rw
sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
ta te tg th ti tk tl tn to tr ts tt tw ty
ug uk ur uz
ve vi vo
wa wo
xh
yi yo
za zh zu
""".split())

# Withdrawn codes and the code that replaced them: a hint for senders with old tables.
WITHDRAWN: dict[str, str] = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "sh": "sr, hr or bs",
                             "bh": "a specific Bihari language has no ISO 639-1 code"}


# The codes as the documentation writes them: such a ``lang`` needs no further look.
ASSIGNED_UPPER: frozenset[str] = frozenset(code.upper() for code in ISO_639_1)


def is_assigned(code: str) -> bool:
    """True when ``code`` (any case) is an assigned ISO 639-1 code."""
    return code.lower() in ISO_639_1
