"""The curated dictionary: dermatology and primary-care terms, abbreviations and synonyms, and the
ICD-10-CM code (or code family resolved by site, laterality or qualifiers) each one means.

Terms are matched on normalised tokens (lower case, singular, punctuation ignored), longest first.
The ICD-10-CM descriptions and inclusion terms from the loaded code set extend this list at run
time (`dictionary.py`); entries here win where both match.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    key: str
    terms: tuple[str, ...]
    code: str | None = None          # a fixed code …
    family: str | None = None        # … or a family resolved by site / laterality (SITE_FAMILIES, LATERAL_FAMILIES)
    resolver: str | None = None      # … or a named resolver in diagnoses.py (qualifiers such as severity)
    problem: str = "acute"           # for medical decision making: chronic | acute | minor | neoplasm | none
    history_code: str | None = None  # personal-history Z code when the condition is stated as past
    family_code: str | None = None   # family-history Z code
    lesion: str | None = None        # premalignant | benign | malignant: destruction and excision classes
    missing: str = ""                # what to document for a more specific code (when the family falls back)


def c(key: str, terms: str, **kw: object) -> Concept:
    return Concept(key=key, terms=tuple(t.strip() for t in terms.split("|") if t.strip()), **kw)  # type: ignore[arg-type]


# --- site-resolved families ------------------------------------------------------------------
Table = dict[str | None, "str | dict[str | None, str]"]


def _c44(d: str) -> Table:
    """C44 by site for one type digit: 0 unspecified, 1 basal cell, 2 squamous cell, 9 other specified."""
    return {
        "lip": f"C44.0{d}",
        "eyelid": {"R upper": f"C44.1{d}21", "R lower": f"C44.1{d}22", "L upper": f"C44.1{d}91",
                   "L lower": f"C44.1{d}92", None: f"C44.1{d}1"},
        "ear": {"R": f"C44.2{d}2", "L": f"C44.2{d}9", None: f"C44.2{d}1"},
        "nose": f"C44.3{d}1", "face": f"C44.3{d}9", "face_unspecified": f"C44.3{d}0",
        "scalp_neck": f"C44.4{d}",
        "anal": f"C44.5{d}0", "breast": f"C44.5{d}1", "trunk": f"C44.5{d}9",
        "upper_limb": {"R": f"C44.6{d}2", "L": f"C44.6{d}9", None: f"C44.6{d}1"},
        "lower_limb": {"R": f"C44.7{d}2", "L": f"C44.7{d}9", None: f"C44.7{d}1"},
        "genital": f"C44.8{d}", None: f"C44.9{d}",
    }


def _skin_family(root: str, *, nose: bool = False, trunk_split: bool = False) -> Table:
    """The site layout shared by C43, D03, D04, D22 and D23."""
    trunk = f"{root}.59" if trunk_split else f"{root}.5"
    return {
        "lip": f"{root}.0",
        "eyelid": {"R upper": f"{root}.111", "R lower": f"{root}.112", "L upper": f"{root}.121",
                   "L lower": f"{root}.122", None: f"{root}.10"},
        "ear": {"R": f"{root}.21", "L": f"{root}.22", None: f"{root}.20"},
        "nose": f"{root}.31" if nose else f"{root}.39", "face": f"{root}.39", "face_unspecified": f"{root}.30",
        "scalp_neck": f"{root}.4",
        "anal": f"{root}.51" if trunk_split else trunk, "breast": f"{root}.52" if trunk_split else trunk, "trunk": trunk,
        "upper_limb": {"R": f"{root}.61", "L": f"{root}.62", None: f"{root}.60"},
        "lower_limb": {"R": f"{root}.71", "L": f"{root}.72", None: f"{root}.70"},
        None: f"{root}.9",
    }


SITE_FAMILIES: dict[str, Table] = {
    "bcc": _c44("1"),
    "scc": _c44("2"),
    "skin_cancer_other": _c44("9"),
    "skin_cancer": _c44("0"),
    "melanoma": _skin_family("C43", nose=True, trunk_split=True) | {"genital": "C43.8"},
    "melanoma_in_situ": _skin_family("D03", trunk_split=True) | {"genital": "D03.8"},
    "scc_in_situ": _skin_family("D04") | {"genital": "D04.8"},
    "nevus": _skin_family("D22"),
    "benign_skin_neoplasm": _skin_family("D23"),
    "lipoma": {"lip": "D17.0", "eyelid": "D17.0", "ear": "D17.0", "nose": "D17.0", "face": "D17.0",
               "face_unspecified": "D17.0", "scalp_neck": "D17.0", "trunk": "D17.1", "breast": "D17.1", "anal": "D17.1",
               "upper_limb": {"R": "D17.21", "L": "D17.22", None: "D17.20"},
               "lower_limb": {"R": "D17.23", "L": "D17.24", None: "D17.20"}, "genital": "D17.39", None: "D17.30"},
    "cellulitis": {"face": "L03.211", "face_unspecified": "L03.211", "nose": "L03.211", "lip": "L03.211",
                   "ear": "L03.211", "eyelid": "L03.213", "scalp_neck": "L03.811", "trunk": "L03.319",
                   "breast": "N61.0", "anal": "L03.319", "genital": "L03.314",
                   "upper_limb": {"R": "L03.113", "L": "L03.114", None: "L03.119"},
                   "lower_limb": {"R": "L03.115", "L": "L03.116", None: "L03.119"}, None: "L03.90"},
    "abscess": {"face": "L02.01", "face_unspecified": "L02.01", "nose": "L02.01", "lip": "L02.01", "ear": "L02.01",
                "eyelid": "L02.01", "scalp_neck": "L02.11", "trunk": "L02.219", "breast": "N61.1", "anal": "K61.0",
                "genital": "L02.214", "upper_limb": {"R": "L02.413", "L": "L02.414", None: "L02.419"},
                "lower_limb": {"R": "L02.415", "L": "L02.416", None: "L02.419"}, None: "L02.91"},
}
# Where a finer site within a region decides the code (regions from sites.Site.icd_region, details from Site.detail).
SITE_DETAIL_OVERRIDES: dict[str, dict[str, str]] = {
    "cellulitis": {"neck": "L03.221", "axilla": "L03.111"},
    "abscess": {"neck": "L02.11", "axilla": "L02.411"},
}
# Trunk parts that have their own cellulitis/abscess codes, matched in the site's words.
TRUNK_PARTS: dict[str, list[tuple[str, str]]] = {
    "cellulitis": [("buttock|gluteal", "L03.317"), ("back|scapula|lumbar|sacral", "L03.312"), ("chest|breast|sternum", "L03.313"),
                   ("groin|inguinal", "L03.314"), ("umbilic", "L03.316"), ("abdom|flank", "L03.311")],
    "abscess": [("buttock|gluteal", "L02.31"), ("back|scapula|lumbar|sacral", "L02.212"), ("chest|sternum", "L02.213"),
                ("groin|inguinal", "L02.214"), ("umbilic", "L02.216"), ("abdom", "L02.211")],
}

LATERAL_FAMILIES: dict[str, dict[str | None, str]] = {
    "otitis_media": {"R": "H66.91", "L": "H66.92", "B": "H66.93", None: "H66.90"},
    "otitis_media_acute_suppurative": {"R": "H66.001", "L": "H66.002", "B": "H66.003", None: "H66.009"},
    "otitis_media_acute_suppurative_ruptured": {"R": "H66.011", "L": "H66.012", "B": "H66.013", None: "H66.019"},
    "otitis_media_suppurative": {"R": "H66.41", "L": "H66.42", "B": "H66.43", None: "H66.40"},
    "otitis_media_acute_serous": {"R": "H65.01", "L": "H65.02", "B": "H65.03", None: "H65.00"},
    "paronychia_finger": {"R": "L03.011", "L": "L03.012", "B": "L03.011", None: "L03.019"},
    "paronychia_toe": {"R": "L03.031", "L": "L03.032", "B": "L03.031", None: "L03.039"},
    "gout_foot": {"R": "M10.071", "L": "M10.072", "B": "M10.09", None: "M10.079"},
    "gout_knee": {"R": "M10.061", "L": "M10.062", "B": "M10.09", None: "M10.069"},
    "gout_hand": {"R": "M10.041", "L": "M10.042", "B": "M10.09", None: "M10.049"},
    "gout_wrist": {"R": "M10.031", "L": "M10.032", "B": "M10.09", None: "M10.039"},
    "gout_elbow": {"R": "M10.021", "L": "M10.022", "B": "M10.09", None: "M10.029"},
    "gout_shoulder": {"R": "M10.011", "L": "M10.012", "B": "M10.09", None: "M10.019"},
    "gout_hip": {"R": "M10.051", "L": "M10.052", "B": "M10.09", None: "M10.059"},
    "otitis_externa": {"R": "H60.91", "L": "H60.92", "B": "H60.93", None: "H60.90"},
    "cerumen": {"R": "H61.21", "L": "H61.22", "B": "H61.23", None: "H61.20"},
    "knee_pain": {"R": "M25.561", "L": "M25.562", "B": "M25.561", None: "M25.569"},
    "shoulder_pain": {"R": "M25.511", "L": "M25.512", "B": "M25.511", None: "M25.519"},
    "hip_pain": {"R": "M25.551", "L": "M25.552", "B": "M25.551", None: "M25.559"},
    "knee_oa": {"R": "M17.11", "L": "M17.12", "B": "M17.0", None: "M17.10"},
    "hip_oa": {"R": "M16.11", "L": "M16.12", "B": "M16.0", None: "M16.10"},
    "hand_oa": {"R": "M19.041", "L": "M19.042", "B": "M19.041", None: "M19.049"},
    "shoulder_oa": {"R": "M19.011", "L": "M19.012", "B": "M19.011", None: "M19.019"},
    "sciatica_lbp": {"R": "M54.41", "L": "M54.42", "B": "M54.42", None: "M54.40"},
    "sciatica": {"R": "M54.31", "L": "M54.32", "B": "M54.32", None: "M54.30"},
    "conjunctivitis": {"R": "H10.31", "L": "H10.32", "B": "H10.33", None: "H10.30"},
    "plantar_fasciitis": {"R": "M72.2", "L": "M72.2", "B": "M72.2", None: "M72.2"},
    "ingrown_nail": {"R": "L60.0", "L": "L60.0", "B": "L60.0", None: "L60.0"},
}

# --- concepts ---------------------------------------------------------------------------------
CONCEPTS: list[Concept] = [
    # Skin cancer and precancer
    c("bcc", "basal cell carcinoma|basal cell ca|basal cell cancer|bcc|basal cell epithelioma|rodent ulcer|"
             "nodular bcc|superficial bcc|infiltrative bcc|morpheaform bcc|basalioma",
      family="bcc", problem="neoplasm", history_code="Z85.828", family_code="Z80.8", lesion="malignant",
      missing="site of the carcinoma"),
    c("scc", "squamous cell carcinoma|squamous cell ca|squamous cell cancer|scc|invasive scc|cutaneous scc|"
             "well differentiated scc|keratoacanthoma type scc",
      family="scc", problem="neoplasm", history_code="Z85.828", family_code="Z80.8", lesion="malignant",
      missing="site of the carcinoma"),
    c("scc_in_situ", "squamous cell carcinoma in situ|scc in situ|scc is|sccis|bowen disease|bowen's disease|"
                     "carcinoma in situ of skin|squamous cell carcinoma in-situ|intraepidermal carcinoma",
      family="scc_in_situ", problem="neoplasm", history_code="Z86.007", lesion="malignant",
      missing="site of the carcinoma in situ"),
    c("melanoma", "melanoma|malignant melanoma|invasive melanoma|mm|superficial spreading melanoma|"
                  "nodular melanoma|lentigo maligna melanoma|acral lentiginous melanoma",
      family="melanoma", problem="neoplasm", history_code="Z85.820", family_code="Z80.8", lesion="malignant",
      missing="site of the melanoma"),
    c("melanoma_in_situ", "melanoma in situ|mis|lentigo maligna|melanoma in-situ|in situ melanoma|"
                          "malignant melanoma in situ|melanoma in situ lentigo maligna type",
      family="melanoma_in_situ", problem="neoplasm", history_code="Z86.006", family_code="Z80.8", lesion="malignant",
      missing="site of the melanoma in situ"),
    c("merkel", "merkel cell carcinoma", code="C4A.9", problem="neoplasm", lesion="malignant",
      missing="site of the Merkel cell carcinoma"),
    c("skin_cancer", "skin cancer|skin ca|nonmelanoma skin cancer|nmsc|cutaneous malignancy|skin malignancy",
      family="skin_cancer", problem="neoplasm", history_code="Z85.828", family_code="Z80.8", lesion="malignant"),
    c("ak", "actinic keratosis|ak|solar keratosis|senile keratosis|hypertrophic actinic keratosis|hak|hypertrophic ak|"
            "precancerous lesion|premalignant lesion|precancer",
      code="L57.0", problem="chronic", lesion="premalignant"),
    c("actinic_cheilitis", "actinic cheilitis|actinic cheilosis", code="L56.8", problem="chronic", lesion="premalignant"),
    c("keratoacanthoma", "keratoacanthoma|ka", code="L85.8", problem="neoplasm", lesion="benign"),
    c("d49_skin", "neoplasm of unspecified behavior|neoplasm of unspecified behavior of skin|"
                  "neoplasm of uncertain nature|lesion of unspecified behavior|nub",
      code="D49.2", problem="neoplasm", lesion="benign"),
    c("d48_skin", "neoplasm of uncertain behavior|neoplasm of uncertain behavior of skin|uncertain behavior neoplasm",
      code="D48.5", problem="neoplasm", lesion="benign"),
    # Benign growths
    c("nevus", "nevus|melanocytic nevus|compound nevus|junctional nevus|intradermal nevus|dysplastic nevus|"
               "atypical nevus|benign nevus|mole|compound melanocytic nevus|benign melanocytic nevus|"
               "dermal nevus|congenital nevus|blue nevus|halo nevus|spitz nevus|nevocellular nevus",
      family="nevus", problem="minor", lesion="benign", missing="site (and side) of the nevus"),
    c("dermatofibroma", "dermatofibroma|benign fibrous histiocytoma|sclerosing hemangioma",
      family="benign_skin_neoplasm", problem="minor", lesion="benign", missing="site (and side) of the lesion"),
    c("benign_adnexal", "benign adnexal neoplasm|syringoma|trichoepithelioma|pilomatricoma|pilomatrixoma|"
                        "sebaceous adenoma|benign neoplasm of skin|hidradenoma|poroma|eccrine poroma|cylindroma",
      family="benign_skin_neoplasm", problem="minor", lesion="benign"),
    c("lipoma", "lipoma|subcutaneous lipoma|angiolipoma", family="lipoma", problem="minor", lesion="benign"),
    c("sk_inflamed", "inflamed seborrheic keratosis|irritated seborrheic keratosis|inflamed sk|irritated sk|"
                     "inflamed seborrheic keratoses|irritated seborrheic keratoses",
      code="L82.0", problem="minor", lesion="benign"),
    c("sk", "seborrheic keratosis|sk|seborrheic wart|stucco keratosis|dermatosis papulosa nigra|dpn",
      resolver="seborrheic_keratosis", problem="minor", lesion="benign"),
    c("skin_tag", "skin tag|acrochordon|fibroepithelial polyp|soft fibroma|cutaneous tag", code="L91.8",
      problem="minor", lesion="benign"),
    c("cherry_angioma", "cherry angioma|senile angioma|campbell de morgan spot|hemangioma of skin|angioma",
      code="D18.01", problem="minor", lesion="benign"),
    c("pyogenic_granuloma", "pyogenic granuloma|lobular capillary hemangioma", code="L98.0", problem="acute",
      lesion="benign"),
    c("sebaceous_hyperplasia", "sebaceous hyperplasia", code="L73.8", problem="minor", lesion="benign"),
    c("lentigo", "solar lentigo|solar lentigines|lentigo|lentigines|age spot|liver spot|sun spot|lentigo simplex",
      code="L81.4", problem="minor", lesion="benign"),
    c("ephelides", "freckle|ephelides|ephelis", code="L81.2", problem="minor"),
    c("epidermal_cyst", "epidermal inclusion cyst|epidermoid cyst|epidermal cyst|eic|infundibular cyst|"
                        "sebaceous cyst|inclusion cyst|epithelial cyst",
      code="L72.0", problem="minor", lesion="benign"),
    c("pilar_cyst", "pilar cyst|trichilemmal cyst|isthmus catagen cyst|trichilemmal pilar cyst",
      code="L72.11", problem="minor", lesion="benign"),
    c("steatocystoma", "steatocystoma", code="L72.2", problem="minor", lesion="benign"),
    c("milia", "milium|milia", code="L72.0", problem="minor", lesion="benign"),
    c("cyst", "cyst|follicular cyst|skin cyst", code="L72.9", problem="minor", lesion="benign"),
    c("digital_mucous_cyst", "digital mucous cyst|myxoid cyst|mucous cyst", code="M67.40", problem="minor",
      lesion="benign"),
    c("keloid", "keloid|keloid scar|hypertrophic scar", code="L91.0", problem="chronic", lesion="benign"),
    # Infections of the skin
    c("wart_common", "verruca vulgaris|common wart|verruca|wart|viral wart|verrucae|periungual wart",
      resolver="wart", problem="acute", lesion="benign"),
    c("wart_plantar", "plantar wart|verruca plantaris|plantar verruca|myrmecia", code="B07.0", problem="acute",
      lesion="benign"),
    c("wart_flat", "flat wart|verruca plana|plane wart", code="B07.8", problem="acute", lesion="benign"),
    c("condyloma", "condyloma|condyloma acuminatum|anogenital wart|genital wart|venereal wart", code="A63.0",
      problem="acute", lesion="benign"),
    c("molluscum", "molluscum contagiosum|molluscum", code="B08.1", problem="acute", lesion="benign"),
    c("tinea_corporis", "tinea corporis|ringworm|tinea of the body", code="B35.4", problem="acute"),
    c("tinea_pedis", "tinea pedis|athlete's foot|athlete foot", code="B35.3", problem="acute"),
    c("tinea_cruris", "tinea cruris|jock itch", code="B35.6", problem="acute"),
    c("tinea_capitis", "tinea capitis", code="B35.0", problem="acute"),
    c("tinea_faciei", "tinea faciei|tinea faciale", code="B35.8", problem="acute"),
    c("onychomycosis", "onychomycosis|tinea unguium|fungal nail infection|fungal nail", code="B35.1", problem="chronic"),
    c("tinea_versicolor", "tinea versicolor|pityriasis versicolor", code="B36.0", problem="acute"),
    c("cutaneous_candidiasis", "cutaneous candidiasis|candidal intertrigo|intertriginous candidiasis|candida intertrigo",
      code="B37.2", problem="acute"),
    c("herpes_zoster", "herpes zoster|shingles|zoster", code="B02.9", problem="acute"),
    c("herpes_labialis", "herpes labialis|cold sore|fever blister|hsv labialis", code="B00.1", problem="acute"),
    c("herpes_simplex", "herpes simplex|hsv infection|hsv", code="B00.9", problem="acute"),
    c("impetigo", "impetigo|impetiginization|impetiginized", code="L01.00", problem="acute"),
    c("cellulitis", "cellulitis", family="cellulitis", problem="acute", missing="site (and side) of the cellulitis"),
    c("abscess", "abscess|skin abscess|cutaneous abscess|furuncle|boil|carbuncle", family="abscess", problem="acute",
      missing="site (and side) of the abscess"),
    c("folliculitis", "folliculitis|bacterial folliculitis", code="L73.9", problem="acute"),
    c("paronychia", "paronychia|acute paronychia", resolver="paronychia", problem="acute",
      missing="finger or toe, and side"),
    c("scabies", "scabies", code="B86", problem="acute"),
    # Inflammatory dermatoses
    c("psoriasis_vulgaris", "psoriasis vulgaris|plaque psoriasis|chronic plaque psoriasis|nummular psoriasis",
      code="L40.0", problem="chronic", family_code="Z84.0"),
    c("psoriasis", "psoriasis", resolver="psoriasis", problem="chronic", family_code="Z84.0", missing="type of psoriasis"),
    c("guttate_psoriasis", "guttate psoriasis", code="L40.4", problem="chronic"),
    c("inverse_psoriasis", "inverse psoriasis|intertriginous psoriasis", code="L40.8", problem="chronic"),
    c("scalp_psoriasis", "scalp psoriasis|sebopsoriasis", code="L40.8", problem="chronic"),
    c("pustular_psoriasis", "palmoplantar pustulosis|pustular psoriasis", code="L40.3", problem="chronic"),
    c("psoriatic_arthritis", "psoriatic arthritis|psa arthritis|psoriatic arthropathy", code="L40.50",
      problem="chronic"),
    c("atopic_dermatitis", "atopic dermatitis|atopic eczema|ad flare|atopic dermatitis flare", code="L20.9",
      problem="chronic", family_code="Z84.0"),
    c("atopic_other", "other atopic dermatitis|adult atopic dermatitis of head and neck|head and neck dermatitis",
      code="L20.89", problem="chronic"),
    c("flexural_eczema", "flexural eczema|flexural dermatitis", code="L20.82", problem="chronic"),
    c("intrinsic_eczema", "intrinsic eczema|intrinsic allergic eczema", code="L20.84", problem="chronic"),
    c("eczema", "eczema|eczematous dermatitis", resolver="eczema", problem="chronic"),
    c("dyshidrotic", "dyshidrotic eczema|dyshidrosis|pompholyx|dyshidrotic dermatitis", code="L30.1", problem="chronic"),
    c("nummular", "nummular eczema|nummular dermatitis|discoid eczema", code="L30.0", problem="chronic"),
    c("hand_dermatitis", "hand dermatitis|hand eczema", code="L30.9", problem="chronic"),
    c("dermatitis", "dermatitis|dermatitis unspecified", code="L30.9", problem="acute"),
    c("contact_dermatitis", "contact dermatitis", code="L25.9", problem="acute"),
    c("allergic_contact", "allergic contact dermatitis", code="L23.9", problem="acute"),
    c("irritant_contact", "irritant contact dermatitis|irritant dermatitis", code="L24.9", problem="acute"),
    c("poison_ivy", "poison ivy|poison oak|rhus dermatitis", code="L23.7", problem="acute"),
    c("seb_derm", "seborrheic dermatitis|seb derm|sebderm|seborrhea|seborrheic eczema|dandruff", code="L21.9",
      problem="chronic"),
    c("cradle_cap", "cradle cap|infantile seborrheic dermatitis", code="L21.1", problem="acute"),
    c("perioral_dermatitis", "perioral dermatitis|periorificial dermatitis", code="L71.0", problem="chronic"),
    c("rosacea", "rosacea|acne rosacea|papulopustular rosacea|erythematotelangiectatic rosacea", code="L71.9",
      problem="chronic"),
    c("rhinophyma", "rhinophyma", code="L71.1", problem="chronic"),
    c("acne", "acne vulgaris|acne|comedonal acne|inflammatory acne|cystic acne|nodulocystic acne|hormonal acne|"
              "papulopustular acne|acne cyst|acne cysts|inflamed acne cyst|acne nodule|acne lesion", code="L70.0",
      problem="chronic"),
    c("acne_conglobata", "acne conglobata", code="L70.1", problem="chronic"),
    c("acne_excoriee", "acne excoriee|acne excoriée", code="L70.5", problem="chronic"),
    c("hidradenitis", "hidradenitis suppurativa|hidradenitis|acne inversa", code="L73.2", problem="chronic"),
    c("urticaria", "urticaria|hives", code="L50.9", problem="acute"),
    c("chronic_urticaria", "chronic urticaria|chronic idiopathic urticaria|chronic spontaneous urticaria",
      code="L50.1", problem="chronic"),
    c("pruritus", "pruritus|itching|itch", code="L29.9", problem="acute"),
    c("lichen_simplex", "lichen simplex chronicus|lsc|neurodermatitis", code="L28.0", problem="chronic"),
    c("prurigo_nodularis", "prurigo nodularis", code="L28.1", problem="chronic"),
    c("lichen_planus", "lichen planus", code="L43.9", problem="chronic"),
    c("lichen_sclerosus", "lichen sclerosus|lichen sclerosus et atrophicus", code="L90.0", problem="chronic"),
    c("granuloma_annulare", "granuloma annulare", code="L92.0", problem="chronic"),
    c("morphea", "morphea|localized scleroderma|circumscribed scleroderma", code="L94.0", problem="chronic"),
    c("discoid_lupus", "discoid lupus|discoid lupus erythematosus|dle", code="L93.0", problem="chronic"),
    c("sclc", "subacute cutaneous lupus|subacute cutaneous lupus erythematosus|scle", code="L93.1", problem="chronic"),
    c("vitiligo", "vitiligo", code="L80", problem="chronic"),
    c("melasma", "melasma|chloasma", code="L81.1", problem="chronic"),
    c("pih", "postinflammatory hyperpigmentation|post inflammatory hyperpigmentation|pih", code="L81.0",
      problem="minor"),
    c("alopecia_areata", "alopecia areata", code="L63.9", problem="chronic"),
    c("alopecia_totalis", "alopecia totalis", code="L63.0", problem="chronic"),
    c("alopecia_universalis", "alopecia universalis", code="L63.1", problem="chronic"),
    c("androgenetic_alopecia", "androgenetic alopecia|androgenic alopecia|male pattern baldness|"
                               "female pattern hair loss|male pattern hair loss", code="L64.9", problem="chronic"),
    c("telogen_effluvium", "telogen effluvium", code="L65.0", problem="acute"),
    c("alopecia", "alopecia|hair loss", code="L65.9", problem="acute"),
    c("hyperhidrosis", "hyperhidrosis|excessive sweating|primary focal hyperhidrosis|focal hyperhidrosis|"
                       "axillary hyperhidrosis|palmar hyperhidrosis|plantar hyperhidrosis|palmoplantar hyperhidrosis|"
                       "generalized hyperhidrosis|secondary hyperhidrosis", resolver="hyperhidrosis", problem="chronic"),
    c("xerosis", "xerosis|xerosis cutis|dry skin|asteatosis|asteatotic eczema", code="L85.3", problem="minor"),
    c("keratosis_pilaris", "keratosis pilaris", code="L85.8", problem="minor"),
    c("intertrigo", "intertrigo", code="L30.4", problem="acute"),
    c("diaper_dermatitis", "diaper dermatitis|diaper rash", code="L22", problem="acute"),
    c("pityriasis_rosea", "pityriasis rosea", code="L42", problem="acute"),
    c("bullous_pemphigoid", "bullous pemphigoid", code="L12.0", problem="chronic"),
    c("pemphigus", "pemphigus vulgaris|pemphigus", code="L10.0", problem="chronic"),
    c("dermatomyositis", "dermatomyositis", code="M33.90", problem="chronic"),
    c("chondrodermatitis", "chondrodermatitis nodularis helicis|chondrodermatitis nodularis chronica helicis|cnh",
      code="H61.009", problem="chronic"),
    c("sunburn", "sunburn", code="L55.9", problem="acute"),
    c("photodamage", "photodamage|photoaging|dermatoheliosis|solar elastosis|chronic actinic damage",
      code="L57.8", problem="minor"),
    c("poikiloderma", "poikiloderma of civatte", code="L57.3", problem="minor"),
    c("ingrown_nail", "ingrown toenail|ingrown nail|onychocryptosis|ingrowing nail", family="ingrown_nail",
      problem="acute"),
    c("nail_dystrophy", "nail dystrophy|onychodystrophy|dystrophic nail", code="L60.3", problem="minor"),
    c("rash", "rash|eruption|skin eruption|annular eruption|nonspecific skin eruption|exanthem|"
              "maculopapular rash|skin rash", code="R21", problem="acute"),
    c("skin_lesion", "lesion|skin lesion|lesion of skin|neoplasm|skin neoplasm|neoplasm of skin|growth|skin growth|"
                     "new growth|changing lesion|new lesion|suspicious lesion|papule|skin papule|bump|spot", resolver="skin_lesion", problem="neoplasm"),
    c("ulcer_skin", "skin ulcer|chronic ulcer of skin", code="L98.499", problem="chronic"),
    c("drug_eruption", "drug eruption|drug rash|morbilliform drug eruption", code="L27.0", problem="acute"),
    c("erythema_nodosum", "erythema nodosum", code="L52", problem="acute"),
    c("stasis_dermatitis", "stasis dermatitis|venous stasis dermatitis", code="I87.2", problem="chronic"),
    c("telangiectasia", "telangiectasia|spider angioma", code="I78.1", problem="minor"),
    # Primary care: cardiometabolic
    c("hypertension", "hypertension|htn|essential hypertension|essential primary hypertension|high blood pressure|"
                      "primary hypertension|benign hypertension|hypertension stage 1|hypertension stage 2|"
                      "elevated blood pressure with diagnosis of hypertension",
      code="I10", problem="chronic", family_code="Z82.49"),
    c("htn_ckd", "hypertensive chronic kidney disease|hypertension with ckd|hypertension with chronic kidney disease|"
                 "hypertensive ckd|hypertensive kidney disease|hypertensive nephropathy",
      resolver="htn_ckd", problem="chronic"),
    c("hypertensive_heart", "hypertensive heart disease", code="I11.9", problem="chronic"),
    c("elevated_bp", "elevated blood pressure|elevated bp|elevated blood pressure reading|high bp reading",
      code="R03.0", problem="acute"),
    c("hyperlipidemia", "hyperlipidemia|hld|dyslipidemia|lipid disorder|hyperlipidaemia", code="E78.5",
      problem="chronic"),
    c("mixed_hyperlipidemia", "mixed hyperlipidemia|combined hyperlipidemia|mixed dyslipidemia", code="E78.2",
      problem="chronic"),
    c("hypercholesterolemia", "hypercholesterolemia|high cholesterol|pure hypercholesterolemia|elevated cholesterol|"
                              "elevated ldl", code="E78.00", problem="chronic"),
    c("familial_hypercholesterolemia", "familial hypercholesterolemia", code="E78.019", problem="chronic"),
    c("hypertriglyceridemia", "hypertriglyceridemia|high triglycerides|elevated triglycerides|"
                              "pure hyperglyceridemia", code="E78.1", problem="chronic"),
    c("t2dm", "type 2 diabetes mellitus|type 2 diabetes|t2dm|dm2|dm 2|diabetes mellitus type 2|diabetes type 2|"
              "type ii diabetes|niddm|t2 dm|adult onset diabetes|diabetes mellitus|diabetes|dm|type 2 dm",
      resolver="diabetes", problem="chronic", family_code="Z83.3"),
    c("t1dm", "type 1 diabetes mellitus|type 1 diabetes|t1dm|dm1|iddm|diabetes mellitus type 1|type 1 dm",
      resolver="diabetes_type1", problem="chronic", family_code="Z83.3"),
    c("prediabetes", "prediabetes|pre diabetes|prediabetic|borderline diabetes|latent diabetes", code="R73.03",
      problem="chronic"),
    c("ifg", "impaired fasting glucose|elevated fasting glucose", code="R73.01", problem="chronic"),
    c("hyperglycemia", "hyperglycemia|elevated blood sugar|elevated glucose", code="R73.9", problem="acute"),
    c("ckd", "chronic kidney disease|ckd|chronic renal insufficiency|chronic renal failure|crf|esrd|"
             "end stage renal disease", resolver="ckd", problem="chronic", family_code="Z84.19",
      missing="stage of the chronic kidney disease"),
    c("obesity", "obesity|obese", resolver="obesity", problem="chronic"),
    c("morbid_obesity", "morbid obesity|severe obesity|class 3 obesity|class iii obesity|obesity class 3|"
                        "morbidly obese", code="E66.01", problem="chronic"),
    c("overweight", "overweight", code="E66.3", problem="chronic"),
    c("cad", "coronary artery disease|cad|ischemic heart disease|ashd|atherosclerotic heart disease|"
             "coronary atherosclerosis|premature cad|premature coronary artery disease", code="I25.10", problem="chronic", family_code="Z82.49"),
    c("mi", "myocardial infarction|heart attack|mi",
      code="I21.9", problem="chronic", family_code="Z82.49", history_code="I25.2"),
    c("afib", "atrial fibrillation|afib|a fib|af", resolver="afib", problem="chronic"),
    c("heart_failure", "heart failure|chf|congestive heart failure|hfref|hfpef|hfmref|systolic heart failure|"
                       "diastolic heart failure|heart failure with reduced ejection fraction|"
                       "heart failure with preserved ejection fraction", resolver="heart_failure", problem="chronic",
      family_code="Z82.49"),
    c("stroke", "stroke|cva|cerebrovascular accident", code="I63.9", problem="chronic", family_code="Z82.3",
      history_code="Z86.73"),
    c("pad", "peripheral arterial disease|peripheral artery disease|pad|peripheral vascular disease|pvd",
      code="I73.9", problem="chronic"),
    c("varicose_veins", "varicose veins|varicosities", code="I83.90", problem="chronic"),
    c("palpitations", "palpitations", code="R00.2", problem="acute"),
    c("chest_pain", "chest pain|cp", code="R07.9", problem="acute"),
    c("chest_wall_pain", "chest wall pain|musculoskeletal chest pain|atypical chest pain|anterior chest wall pain|"
                         "noncardiac chest pain|non cardiac chest pain|chest wall strain|other chest pain",
      code="R07.89", problem="acute"),
    c("costochondritis", "costochondritis|tietze", code="M94.0", problem="acute"),
    c("edema", "edema|peripheral edema|leg swelling|lower extremity edema", code="R60.0", problem="acute"),
    c("syncope", "syncope|fainting", code="R55", problem="acute"),
    c("hypothyroidism", "hypothyroidism|hypothyroid|primary hypothyroidism|underactive thyroid", code="E03.9",
      problem="chronic"),
    c("hashimoto", "hashimoto thyroiditis|hashimoto's thyroiditis|hashimoto|chronic lymphocytic thyroiditis",
      code="E06.3", problem="chronic"),
    c("hyperthyroidism", "hyperthyroidism|thyrotoxicosis|overactive thyroid", code="E05.90", problem="chronic"),
    c("thyroid_nodule", "thyroid nodule", code="E04.1", problem="chronic"),
    c("vit_d_def", "vitamin d deficiency|vit d deficiency|low vitamin d", code="E55.9", problem="chronic"),
    c("b12_def", "vitamin b12 deficiency|b12 deficiency", code="E53.8", problem="chronic"),
    c("ida", "iron deficiency anemia|iron deficiency anaemia", resolver="iron_deficiency_anemia", problem="chronic"),
    c("anemia_ckd", "anemia in ckd|anemia of ckd|anemia in chronic kidney disease|anemia of chronic kidney disease|"
                    "anemia due to ckd|anemia due to chronic kidney disease|renal anemia|anemia of renal disease",
      code="D63.1", problem="chronic"),
    c("anemia", "anemia", code="D64.9", problem="chronic"),
    c("gout", "gout|gout flare|gouty arthritis|acute gout|gout attack", resolver="gout", problem="chronic"),
    # Respiratory and ENT
    c("copd", "chronic obstructive pulmonary disease|copd|chronic obstructive lung disease|col d",
      resolver="copd", problem="chronic"),
    c("emphysema", "emphysema", code="J43.9", problem="chronic"),
    c("chronic_bronchitis", "chronic bronchitis", code="J42", problem="chronic"),
    c("asthma", "asthma|reactive airway disease|bronchial asthma", resolver="asthma", problem="chronic",
      family_code="Z82.5", missing="asthma severity (intermittent / mild, moderate or severe persistent)"),
    c("eib", "exercise induced bronchospasm|exercise induced asthma", code="J45.990", problem="chronic"),
    c("cough_variant_asthma", "cough variant asthma", code="J45.991", problem="chronic"),
    c("common_cold", "common cold|acute nasopharyngitis|viral rhinitis|head cold|coryza", code="J00",
      problem="minor"),
    c("uri", "upper respiratory infection|uri|viral uri|upper respiratory tract infection|urti|viral syndrome",
      code="J06.9", problem="minor"),
    c("acute_sinusitis", "acute sinusitis|acute rhinosinusitis|acute bacterial sinusitis|bacterial sinusitis|"
                         "acute bacterial rhinosinusitis|sinus infection", code="J01.90", problem="acute"),
    c("acute_recurrent_sinusitis", "recurrent acute sinusitis|acute recurrent sinusitis", code="J01.91",
      problem="acute"),
    c("acute_maxillary_sinusitis", "acute maxillary sinusitis|maxillary sinusitis", code="J01.00", problem="acute"),
    c("sinusitis", "sinusitis|rhinosinusitis", resolver="sinusitis", problem="acute"),
    c("chronic_sinusitis", "chronic sinusitis|chronic rhinosinusitis", code="J32.9", problem="chronic"),
    c("pharyngitis", "pharyngitis|acute pharyngitis|sore throat|viral pharyngitis", code="J02.9", problem="acute"),
    c("strep_throat", "strep pharyngitis|streptococcal pharyngitis|strep throat", code="J02.0", problem="acute"),
    c("tonsillitis", "tonsillitis|acute tonsillitis", code="J03.90", problem="acute"),
    c("croup", "croup|viral croup|laryngotracheobronchitis|acute obstructive laryngitis", code="J05.0", problem="acute"),
    c("acute_bronchitis", "acute bronchitis|bronchitis", code="J20.9", problem="acute"),
    c("pneumonia", "pneumonia|community acquired pneumonia|cap", code="J18.9", problem="acute"),
    c("influenza", "influenza|flu|influenza like illness", resolver="influenza", problem="acute"),
    c("covid", "covid 19|covid|sars cov 2 infection|covid19", code="U07.1", problem="acute"),
    c("allergic_rhinitis", "allergic rhinitis|hay fever", code="J30.9", problem="chronic"),
    c("seasonal_allergic_rhinitis", "seasonal allergic rhinitis|seasonal allergies", code="J30.2",
      problem="chronic"),
    c("cough", "cough", resolver="cough", problem="acute"),
    c("otitis_media", "otitis media|acute otitis media|aom|middle ear infection|ear infection",
      resolver="otitis_media", problem="acute", missing="which ear"),
    c("otitis_externa", "otitis externa|swimmer's ear|swimmer ear", family="otitis_externa", problem="acute",
      missing="which ear"),
    c("cerumen", "cerumen impaction|impacted cerumen|earwax impaction|impacted ear wax|cerumen", family="cerumen",
      problem="minor", missing="which ear"),
    c("conjunctivitis", "conjunctivitis|pink eye", family="conjunctivitis", problem="acute", missing="which eye"),
    # GI / GU
    c("gerd", "gerd|gastroesophageal reflux disease|gastroesophageal reflux|acid reflux|reflux|gord",
      resolver="gerd", problem="chronic"),
    c("constipation", "constipation|constipated", code="K59.00", problem="acute"),
    c("diarrhea", "diarrhea", code="R19.7", problem="acute"),
    c("ibs", "irritable bowel syndrome|ibs", code="K58.9", problem="chronic"),
    c("gastroenteritis", "gastroenteritis|viral gastroenteritis|stomach flu", code="K52.9", problem="acute"),
    c("nausea", "nausea", code="R11.0", problem="acute"),
    c("abdominal_pain", "abdominal pain|abd pain|stomach pain", code="R10.9", problem="acute"),
    c("hemorrhoids", "hemorrhoids|hemorrhoid", code="K64.9", problem="acute"),
    c("uti", "urinary tract infection|uti|uncomplicated uti|lower urinary tract infection|"
             "uncomplicated urinary tract infection|bladder infection", code="N39.0", problem="acute"),
    c("cystitis", "acute cystitis|cystitis|hemorrhagic cystitis|acute hemorrhagic cystitis", resolver="cystitis",
      problem="acute"),
    c("menorrhagia", "menorrhagia|heavy menstrual bleeding|heavy periods|heavy menses|excessive menstruation",
      code="N92.0", problem="chronic"),
    c("pyelonephritis", "pyelonephritis", code="N10", problem="acute"),
    c("dysuria", "dysuria", code="R30.0", problem="acute"),
    c("hematuria", "hematuria", code="R31.9", problem="acute"),
    c("bph", "benign prostatic hyperplasia|bph|enlarged prostate|benign prostatic hypertrophy", resolver="bph",
      problem="chronic"),
    c("ed", "erectile dysfunction", code="N52.9", problem="chronic"),
    c("menopausal_symptoms", "menopausal symptoms|menopausal vasomotor symptoms|vasomotor symptoms of menopause|"
                             "menopausal hot flashes|hot flashes|hot flushes|climacteric symptoms|perimenopausal symptoms|"
                             "symptomatic menopause", code="N95.1", problem="chronic"),
    c("oab", "overactive bladder", code="N32.81", problem="chronic"),
    c("incontinence", "urinary incontinence", code="R32", problem="chronic"),
    c("kidney_stone", "kidney stone|nephrolithiasis|renal calculus", code="N20.0", problem="acute"),
    # MSK / neuro / psych
    c("low_back_pain", "low back pain|lbp|lumbago|lower back pain|mechanical low back pain|lumbar pain|"
                       "acute low back pain|chronic low back pain", resolver="low_back_pain", problem="acute"),
    c("sciatica", "sciatica|lumbar radiculopathy", family="sciatica", problem="acute", missing="side of the sciatica"),
    c("neck_pain", "neck pain|cervicalgia", code="M54.2", problem="acute"),
    c("knee_pain", "knee pain|pain in knee", family="knee_pain", problem="acute", missing="which knee"),
    c("shoulder_pain", "shoulder pain|pain in shoulder", family="shoulder_pain", problem="acute",
      missing="which shoulder"),
    c("hip_pain", "hip pain|pain in hip", family="hip_pain", problem="acute", missing="which hip"),
    c("knee_oa", "osteoarthritis of knee|knee osteoarthritis|knee oa|oa of knee|oa knee|degenerative joint disease of knee",
      family="knee_oa", problem="chronic", missing="which knee"),
    c("oa", "osteoarthritis|oa|degenerative joint disease|djd|primary osteoarthritis", resolver="osteoarthritis",
      problem="chronic"),
    c("plantar_fasciitis", "plantar fasciitis", family="plantar_fasciitis", problem="acute"),
    c("fibromyalgia", "fibromyalgia", code="M79.7", problem="chronic"),
    c("osteoporosis", "osteoporosis", code="M81.0", problem="chronic"),
    c("migraine", "migraine|migraine headache|migraines|common migraine|classic migraine|chronic migraine",
      resolver="migraine", problem="chronic"),
    c("tension_headache", "tension headache|tension type headache", code="G44.209", problem="acute"),
    c("headache", "headache|ha|cephalgia", code="R51.9", problem="acute"),
    c("dizziness", "dizziness|lightheadedness|vertigo", code="R42", problem="acute"),
    c("insomnia", "insomnia", code="G47.00", problem="chronic"),
    c("osa", "obstructive sleep apnea|osa|sleep apnea", code="G47.33", problem="chronic"),
    c("neuropathy", "peripheral neuropathy|neuropathy|polyneuropathy", code="G62.9", problem="chronic"),
    c("depression", "depression|depressive disorder|depressed mood|depressive symptoms", resolver="depression",
      problem="chronic", family_code="Z81.8"),
    c("mdd", "major depressive disorder|mdd|major depression", resolver="mdd", problem="chronic",
      family_code="Z81.8"),
    c("dysthymia", "dysthymia|persistent depressive disorder|dysthymic disorder", code="F34.1", problem="chronic"),
    c("gad", "generalized anxiety disorder|gad", code="F41.1", problem="chronic"),
    c("anxiety", "anxiety|anxiety disorder", code="F41.9", problem="chronic"),
    c("panic", "panic disorder|panic attacks", code="F41.0", problem="chronic"),
    c("adhd", "adhd|attention deficit hyperactivity disorder|attention deficit disorder", code="F90.9",
      problem="chronic"),
    c("fatigue", "fatigue|tiredness", code="R53.83", problem="acute"),
    c("fever", "fever|febrile", code="R50.9", problem="acute"),
    c("weight_loss", "unintentional weight loss|unexplained weight loss|involuntary weight loss|abnormal weight loss",
      code="R63.4", problem="acute"),
    # Other cancers: mostly met as personal or family history
    c("colon_cancer", "colon cancer|colorectal cancer|colon ca|rectal cancer|colon carcinoma", code="C18.9",
      problem="neoplasm", family_code="Z80.0", history_code="Z85.038"),
    c("breast_cancer", "breast cancer|breast ca|breast carcinoma", code="C50.919", problem="neoplasm",
      family_code="Z80.3", history_code="Z85.3"),
    c("prostate_cancer", "prostate cancer|prostate ca|prostate carcinoma", code="C61", problem="neoplasm",
      family_code="Z80.42", history_code="Z85.46"),
    c("lung_cancer", "lung cancer|lung ca|lung carcinoma", code="C34.90", problem="neoplasm", family_code="Z80.1",
      history_code="Z85.118"),
    c("ovarian_cancer", "ovarian cancer|ovarian ca", code="C56.9", problem="neoplasm", family_code="Z80.41",
      history_code="Z85.43"),
    c("pancreatic_cancer", "pancreatic cancer", code="C25.9", problem="neoplasm", family_code="Z80.0",
      history_code="Z85.07"),
    # Tobacco
    c("nicotine_dependence", "nicotine dependence|tobacco dependence|cigarette smoker|current smoker|smoker|"
                             "smokes cigarettes|tobacco use disorder|current everyday smoker", code="F17.210",
      problem="chronic", history_code="Z87.891"),
    c("former_smoker", "former smoker|ex smoker|quit smoking|history of tobacco use|history of smoking|"
                       "former tobacco use|past smoker", code="Z87.891", problem="none"),
    c("tobacco_use", "tobacco use", code="Z72.0", problem="none", history_code="Z87.891"),
    # Status codes stated in the assessment ("s/p" marks them historical: history_code keeps them)
    c("coronary_stent", "coronary stent|coronary artery stent|presence of coronary stent|cardiac stent|"
                        "coronary stent placement|pci with stent|drug eluting stent", code="Z95.5", problem="none",
      history_code="Z95.5"),
    c("cabg_status", "cabg|coronary artery bypass graft|coronary bypass|presence of coronary bypass graft",
      code="Z95.1", problem="none", history_code="Z95.1"),
    # Long-term drug therapy stated as a diagnosis ("Long-term (current) use of anticoagulant")
    c("lt_anticoagulant", "long term use of anticoagulant|long term current use of anticoagulant|long term anticoagulation|"
                          "long term anticoagulant use|long term anticoagulant therapy|chronic anticoagulation|"
                          "long term use of anticoagulation", code="Z79.01", problem="none"),
    c("lt_aspirin", "long term use of aspirin|long term current use of aspirin|long term aspirin use|"
                    "long term aspirin therapy", code="Z79.82", problem="none"),
    c("lt_steroid", "long term use of systemic steroid|long term current use of systemic steroid|long term steroid use|"
                    "long term systemic steroid use|chronic steroid use|long term prednisone use", code="Z79.52",
      problem="none"),
    c("lt_opiate", "long term use of opiate analgesic|long term current use of opiate analgesic|long term opioid use|"
                   "long term opiate use|chronic opioid therapy|long term opioid therapy", code="Z79.891", problem="none"),
    c("lt_bisphosphonate", "long term use of bisphosphonate|long term current use of bisphosphonate|"
                           "long term bisphosphonate use|long term bisphosphonate therapy", code="Z79.83", problem="none"),
    c("lt_methotrexate", "long term use of methotrexate|long term methotrexate use|long term methotrexate therapy|"
                         "long term current use of methotrexate", code="Z79.631", problem="none"),
    # Encounters and status
    c("skin_cancer_screening", "skin cancer screening|screening for skin cancer|skin cancer screen|"
                               "screening skin exam|screening for malignant neoplasm of skin", code="Z12.83",
      problem="none"),
    c("need_vaccine", "need for vaccination|need for immunization|need for tdap|need for td|need for flu vaccine|"
                      "need for influenza vaccine|need for pneumococcal vaccine|need for shingles vaccine|"
                      "immunization due|vaccine due|need for tetanus|needs tdap|encounter for immunization",
      code="Z23", problem="none"),
    c("general_exam", "annual physical|annual physical exam|general medical exam|routine physical|preventive visit|"
                      "annual wellness exam|wellness exam|complete physical|routine health maintenance exam|"
                      "general adult medical examination|adult wellness visit|annual exam|well child visit|"
                      "well child check|well-child visit|wcc|well visit|annual wellness visit|awv|"
                      "medicare annual wellness visit|sports physical|school physical",
      resolver="general_exam", problem="none"),
]

# Abbreviations coders type into the code search, expanded to the words ICD descriptions use.
ABBREVIATIONS: dict[str, str] = {
    "bcc": "basal cell carcinoma", "scc": "squamous cell carcinoma", "ak": "actinic keratosis",
    "sk": "seborrheic keratosis", "htn": "hypertension", "t2dm": "type 2 diabetes", "dm": "diabetes",
    "hld": "hyperlipidemia", "copd": "chronic obstructive pulmonary", "ckd": "chronic kidney disease",
    "gerd": "gastro-esophageal reflux", "uti": "urinary tract infection", "uri": "upper respiratory infection",
    "mis": "melanoma in situ", "eic": "epidermal cyst", "cad": "coronary atherosclerotic", "afib": "atrial fibrillation",
    "gad": "generalized anxiety", "mdd": "major depressive", "oa": "osteoarthritis", "bph": "prostatic hyperplasia",
    "lbp": "low back pain", "ad": "atopic dermatitis", "hs": "hidradenitis",
}

# --- drugs and tests for medical decision making -------------------------------------------------
# Prescription drugs commonly managed in dermatology and primary care (generic and brand names).
RX_DRUGS = frozenset("""
amlodipine lisinopril losartan valsartan olmesartan irbesartan hydrochlorothiazide hctz chlorthalidone metoprolol
atenolol carvedilol propranolol nifedipine diltiazem verapamil spironolactone furosemide enalapril ramipril benazepril
atorvastatin rosuvastatin simvastatin pravastatin lovastatin ezetimibe fenofibrate gemfibrozil
metformin glipizide glyburide glimepiride sitagliptin linagliptin saxagliptin pioglitazone empagliflozin dapagliflozin
canagliflozin ertugliflozin semaglutide liraglutide dulaglutide tirzepatide exenatide insulin glargine detemir lispro
aspart degludec levothyroxine synthroid methimazole propylthiouracil
omeprazole pantoprazole esomeprazole lansoprazole rabeprazole famotidine sucralfate ondansetron
sertraline fluoxetine citalopram escitalopram paroxetine bupropion venlafaxine duloxetine mirtazapine trazodone
buspirone hydroxyzine alprazolam lorazepam clonazepam diazepam zolpidem quetiapine aripiprazole lamotrigine
gabapentin pregabalin cyclobenzaprine methocarbamol tizanidine tramadol meloxicam naproxen diclofenac celecoxib
prednisone prednisolone methylprednisolone dexamethasone medrol
amoxicillin augmentin amoxicillin-clavulanate amoxicilin-clavulanate cephalexin cefdinir cefuroxime azithromycin
doxycycline minocycline sarecycline clindamycin trimethoprim sulfamethoxazole bactrim nitrofurantoin ciprofloxacin
levofloxacin penicillin metronidazole fluconazole terbinafine itraconazole griseofulvin valacyclovir acyclovir
famciclovir oseltamivir paxlovid nirmatrelvir
albuterol levalbuterol fluticasone budesonide budesonide-formoterol formoterol salmeterol tiotropium umeclidinium
montelukast ipratropium symbicort advair breo trelegy spiriva
tretinoin adapalene tazarotene trifarotene clascoterone dapsone azelaic isotretinoin spironolactone
clobetasol betamethasone triamcinolone fluocinonide fluocinolone mometasone desonide hydrocortisone-valerate
halobetasol desoximetasone tacrolimus pimecrolimus crisaborole ruxolitinib roflumilast tapinarof calcipotriene
calcipotriol ketoconazole ciclopirox econazole oxiconazole luliconazole nystatin mupirocin retapamulin
ivermectin permethrin imiquimod fluorouracil efudex 5-fu ingenol
methotrexate cyclosporine apremilast deucravacitinib dupilumab tralokinumab lebrikizumab adalimumab etanercept
ustekinumab secukinumab ixekizumab guselkumab risankizumab tildrakizumab bimekizumab abrocitinib upadacitinib
baricitinib omalizumab hydroxychloroquine mycophenolate azathioprine finasteride minoxidil-oral
allopurinol colchicine febuxostat alendronate sildenafil tadalafil tamsulosin oxybutynin mirabegron
warfarin apixaban rivaroxaban clopidogrel sumatriptan rizatriptan topiramate propranolol
benzonatate varenicline macrobid keflex zithromax z-pak zpak duoneb trelegy breo anoro incruse wixela dulera
polymyxin ofloxacin moxifloxacin erythromycin tobramycin olopatadine azelastine cefadroxil dicloxacillin glucagon
hydroquinone nitroglycerin metoclopramide promethazine meclizine prochlorperazine dicyclomine hyoscyamine
oxycodone hydrocodone codeine tamiflu xofluza baloxavir spinosad malathion benzyl selenium-sulfide
cyclopirox tirbanibulin diclofenac-gel bimatoprost latanoprost timolol hydralazine clonidine doxazosin terazosin
bumetanide torsemide eplerenone sacubitril entresto jardiance farxiga ozempic mounjaro trulicity januvia
lantus levemir humalog novolog basaglar tresiba xarelto eliquis plavix lipitor crestor zocor synthroid
""".split())
# Over-the-counter products and advice (low risk): their presence alone does not make risk moderate.
OTC_DRUGS = frozenset("""
acetaminophen tylenol ibuprofen advil motrin aspirin pseudoephedrine phenylephrine guaifenesin dextromethorphan
loratadine cetirizine fexofenadine diphenhydramine saline polyethylene miralax docusate senna fiber psyllium
bisacodyl loperamide calcium vitamin melatonin emollient moisturizer sunscreen spf petrolatum vaseline aquaphor
benzoyl salicylic zinc hydrocortisone cerave cetaphil duct-tape clotrimazole miconazole tolnaftate docosanol
ferrous iron magnesium biotin probiotic lozenges honey naproxen-sodium aleve nicotine-patch artificial-tears asa
""".split())
# Words that can stand before a dose but are not prescription drugs (supplements, foods, test values).
NOT_DRUGS = frozenset("""
vitamin calcium fiber protein sodium potassium-rich caffeine fish oil omega-3 glucosamine turmeric cranberry
multivitamin water fluid fluids dose doses total about approximately then than with plus take takes taking
given dosed daily start started increase increased decrease decreased reduce reduced change changed switch from also
continue continued current currently each every once twice additional another extra
""".split())
# Drugs whose use requires intensive monitoring for toxicity (high risk in the 2021 MDM table).
HIGH_RISK_DRUGS = frozenset("isotretinoin methotrexate cyclosporine azathioprine mycophenolate warfarin".split())
ORAL_HYPOGLYCEMICS = frozenset("""
metformin glipizide glyburide glimepiride sitagliptin linagliptin saxagliptin alogliptin pioglitazone rosiglitazone
empagliflozin dapagliflozin canagliflozin ertugliflozin repaglinide nateglinide acarbose rybelsus
""".split())
INJECTABLE_NON_INSULIN = frozenset("semaglutide liraglutide dulaglutide tirzepatide exenatide ozempic trulicity "
                                   "mounjaro victoza".split())
INSULINS = frozenset("insulin glargine detemir lispro aspart degludec lantus humalog novolog basaglar tresiba".split())

# Unique tests for the data element: any of these names counts as one test (a panel is one test).
TESTS: dict[str, str] = {}
for _test, _names in {
    "lipid panel": "lipid panel|lipids|ldl|hdl|triglycerides|tg|tc|total cholesterol|fasting lipid panel",
    "bmp": "bmp|basic metabolic panel|creatinine|cr|egfr|potassium|k|bun",
    "cmp": "cmp|comprehensive metabolic panel",
    "a1c": "a1c|hba1c|hemoglobin a1c",
    "tsh": "tsh|thyroid stimulating hormone|free t4|ft4",
    "cbc": "cbc|complete blood count",
    "uacr": "uacr|urine albumin creatinine ratio|urine albumin/creatinine ratio|microalbumin",
    "urinalysis": "urinalysis|ua",
    "urine culture": "urine culture",
    "hepatic panel": "hepatic function panel|lfts|lft|liver function tests|alt|ast|hepatic panel",
    "glucose": "fasting glucose|glucose|blood sugar",
    "psa": "psa",
    "vitamin d": "vitamin d level|25 oh vitamin d|vitamin d",
    "b12": "b12 level",
    "ferritin": "ferritin|iron studies",
    "ecg": "ecg|ekg|electrocardiogram",
    "chest x-ray": "cxr|chest x ray|chest xray|chest radiograph",
    "x-ray": "x ray|xray|radiograph|imaging",
    "koh": "koh|koh prep",
    "culture": "culture|wound culture|bacterial culture",
    "strep test": "rapid strep|strep test|throat culture",
    "biopsy pathology": "pathology|path report",
    "pregnancy test": "pregnancy test|hcg",
    "ana": "ana|antinuclear antibody",
    "troponin": "troponin",
    "stress test": "stress echo|stress test",
    "echo": "echocardiogram|echo",
    "hiv": "hiv",
    "hepatitis panel": "hepatitis panel|hepatitis b|hepatitis c|quantiferon|tb test|tuberculosis test",
}.items():
    for _name in _names.split("|"):
        TESTS[_name] = _test
