"""Anatomic sites in note text, and the site groups codes are organised by.

One parser serves diagnoses (ICD-10-CM skin families: lip, eyelid, ear, nose, face, scalp and
neck, trunk, limbs, with laterality) and procedures (CPT site groups for excision, repair,
Mohs and destruction), so a lesion's site is read once and used consistently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# phrase regex -> (region, detail). Longest phrases first; regions are the building blocks of every grouping.
_SITES: list[tuple[str, str, str]] = [
    (r"(?:(?:vertex|crown|parietal|occipital|frontal|temporal|mid|central|posterior|anterior)\s+)+scalp|scalp|vertex|crown of (?:the )?scalp|occiput", "scalp",
     "scalp"),
    (r"upper (?:cutaneous )?lip|lower (?:cutaneous )?lip|cutaneous lip|vermilion(?: border)?|lips?", "lip", "lip"),
    (r"upper (?:eye)?lids?|lower (?:eye)?lids?|eyelids?|canthus|lid margins?", "eyelid", "eyelid"),
    (r"ear ?lobes?|helical rim|helix|antihelix|concha|tragus|auricles?|pinnae?|external ear|ears?|post-?auricular", "ear",
     "ear"),
    (r"nasal (?:ala|tip|dorsum|sidewall|bridge|vestibule)|alar (?:crease|rim)|ala|columella|nose|nasal", "nose", "nose"),
    (r"nasolabial(?: folds?)?|melolabial|malar|cheeks?|pre-?auricular", "face", "cheek"),
    (r"forehead|glabella|brows?|eyebrows?|frontal hairline|frontal(?! scalp)", "face", "forehead"),
    (r"temples?|temporal(?! scalp)", "face", "forehead"),
    (r"chin|jaw ?line|jaw|mandible|mandibular|mental", "face", "chin"),
    (r"peri-?oral|mouth|oral commissure", "face", "mouth"),
    (r"peri-?orbital|infraorbital|submental", "face", "cheek"),
    (r"face|facial", "face_unspecified", "face"),
    (r"posterior neck|anterior neck|lateral neck|nape|neck", "neck", "neck"),
    (r"axillae|axillary|axilla|armpits?", "axilla", "axilla"),
    (r"breasts?|inframammary|areola", "breast", "breast"),
    (r"peri-?anal|anus|anal", "anal", "anal"),
    (r"scrotum|scrotal|penis|penile|vulva|vulvar|labia|genitals?|genitalia|pubic", "genital", "genital"),
    (r"(?:upper|lower|mid|middle) back|back|(?:upper|lower|mid|anterior|central) chest|chest|sternum|sternal|"
     r"(?:upper|lower) abdomen|abdomen|abdominal|periumbilical|umbilicus|flanks?|trunk|torso|waist(?:line)?|"
     r"scapula|scapular|shoulder blade|buttocks?|gluteal|hip crease|lumbar|sacral|lower back|belt ?line|bra line|"
     r"groin|inguinal|inframammary|gluteal cleft",
     "trunk", "trunk"),
    (r"(?:dorsal |dorsum of (?:the )?)?hands?|palms?|palmar|fingers?|thumbs?|knuckles?|index finger|ring finger|"
     r"(?:proximal |distal )?digits?|finger ?tips?|periungual|nail folds?|wrists?", "hand", "hand"),
    (r"(?:upper|lower) arms?|forearms?|arms?|elbows?|antecubital|shoulders?|deltoid|biceps|triceps|upper extremit(?:y|ies)",
     "arm", "arm"),
    (r"(?:dorsal )?feet|(?:dorsal )?foot|soles?|plantar|heels?|toes?|great toe", "foot", "foot"),
    (r"thighs?|(?:lower )?legs?|knees?|shins?|calf|calves|pretibial|popliteal|lower extremit(?:y|ies)|hips?|ankles?",
     "leg", "leg"),
]
SITE_RE = re.compile(r"\b(?:" + "|".join(f"(?P<g{i}>{p})" for i, (p, _, _) in enumerate(_SITES)) + r")\b", re.IGNORECASE)
LATERALITY_RE = re.compile(r"\b(right|left|rt|lt|r|l|bilateral|bilat|b/l|both)\b\.?\s*(?:[a-z]+\s+){0,2}$",
                           re.IGNORECASE)
UPPER_LOWER_RE = re.compile(r"\b(upper|lower|superior|inferior)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Site:
    start: int
    end: int
    text: str
    region: str       # lip | eyelid | ear | nose | face | face_unspecified | scalp | neck | axilla | breast | anal |
                      # genital | trunk | hand | arm | foot | leg
    detail: str
    laterality: str | None = None  # R | L | B
    lid: str | None = None  # upper | lower (eyelids)

    # ICD-10-CM skin families group sites like this:
    @property
    def icd_region(self) -> str:
        return {"scalp": "scalp_neck", "neck": "scalp_neck", "axilla": "trunk", "hand": "upper_limb",
                "arm": "upper_limb", "foot": "lower_limb", "leg": "lower_limb"}.get(self.region, self.region)

    @property
    def excision_group(self) -> str:
        """CPT excision/shave/destruction groups: trunk-arms-legs | scalp-neck-hands-feet-genitalia | face."""
        if self.region in ("lip", "eyelid", "ear", "nose", "face", "face_unspecified"):
            return "face"
        if self.region in ("scalp", "neck", "hand", "foot", "genital"):
            return "scalp_neck_hands_feet"
        return "trunk_arms_legs"

    @property
    def intermediate_repair_group(self) -> str:
        if self.excision_group == "face":
            return "face"
        if self.region in ("neck", "hand", "foot", "genital"):
            return "neck_hands_feet"
        return "scalp_trunk_limbs"

    @property
    def simple_repair_group(self) -> str:
        return "face" if self.excision_group == "face" else "body"

    @property
    def complex_repair_group(self) -> str:
        """Complex repair and adjacent tissue transfer share these groups."""
        if self.region in ("eyelid", "nose", "ear", "lip"):
            return "eyelid_nose_ear_lip"
        if self.region in ("face", "face_unspecified", "neck", "axilla", "genital", "hand", "foot"):
            return "forehead_cheek_chin_neck_hands_feet"
        if self.region in ("scalp", "arm", "leg"):
            return "scalp_arms_legs"
        return "trunk"

    @property
    def mohs_group(self) -> str:
        return "trunk_arms_legs" if self.excision_group == "trunk_arms_legs" else "head_neck_hands_feet"


def find_sites(text: str, offset: int = 0) -> list[Site]:
    """Every site phrase in `text`, with laterality read from the words just before it."""
    out: list[Site] = []
    for m in SITE_RE.finditer(text):
        idx = next(i for i in range(len(_SITES)) if m.group(f"g{i}") is not None)
        _, region, detail = _SITES[idx]
        phrase = m.group(0)
        before = text[max(0, m.start() - 30):m.start()]
        lat = None
        lm = LATERALITY_RE.search(before)
        if lm:
            word = lm.group(1).lower()
            lat = "B" if word in ("bilateral", "bilat", "b/l", "both") else ("R" if word.startswith("r") else "L")
        elif re.search(r"\b(?:right|left|bilateral)\b", phrase, re.IGNORECASE):
            word = re.search(r"\b(right|left|bilateral)\b", phrase, re.IGNORECASE).group(1).lower()  # type: ignore[union-attr]
            lat = {"right": "R", "left": "L"}.get(word, "B")
        lid = None
        if region == "eyelid":
            ul = UPPER_LOWER_RE.search(phrase) or UPPER_LOWER_RE.search(before[-12:])
            if ul:
                lid = "upper" if ul.group(1).lower() in ("upper", "superior") else "lower"
        out.append(Site(offset + m.start(), offset + m.end(), phrase, region, detail, lat, lid))
    return out
