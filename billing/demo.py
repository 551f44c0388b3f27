"""The demo practice: a dermatology + primary-care group with payers, fees, patients,
coverage and encounters whose chart notes read like real notes.

Deterministic for a seed and a "today"; built with bulk inserts so that
`seed_demo --encounters 100000` takes about a minute. Later stages (claims,
payments) add their own demo data through `<app>.demo.seed_step`.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import import_module
from importlib.util import find_spec
from typing import Any

import pgtrigger
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from billing import demo_notes
from billing.models import (
    ChargeLine,
    ChartNote,
    Coverage,
    Diagnosis,
    Encounter,
    FeeSchedule,
    FeeScheduleEntry,
    Location,
    Membership,
    Patient,
    Payer,
    Practice,
    Provider,
    Relationship,
    Specialty,
)
from rcm.apps import DOMAIN_APPS
from rcm.audit import TRACKED_MODELS
from rcm.roles import Role
from rcm.validators import npi_with_check_digit

DEMO_PASSWORD = "rcm-demo-2026"  # noqa: S105 - printed on purpose: demo logins only
DEMO_USERS = [("coder", Role.CODER, "Casey", "Coder"), ("biller", Role.BILLER, "Blair", "Biller"),
              ("manager", Role.MANAGER, "Morgan", "Manager"), ("admin", Role.ADMIN, "Alex", "Admin")]
BATCH = 5000
WINDOW_DAYS = 270  # dates of service fall in the ~9 months before "today"

# The practice's own charge per code (what it bills every payer), in dollars.
CHARGES: dict[str, str] = {
    "99202": "120", "99203": "185", "99204": "280", "99205": "360", "99211": "45", "99212": "95", "99213": "150",
    "99214": "220", "99215": "300", "11102": "160", "11103": "90", "11104": "190", "11105": "105", "11106": "230",
    "11107": "125", "17000": "140", "17003": "22", "17004": "420", "17110": "190", "17111": "260", "17311": "1150",
    "17312": "620", "17313": "1050", "17314": "580", "17315": "160", "11900": "110", "11901": "150", "88305": "125",
    "90471": "35", "90472": "25", "90715": "65", "90686": "40", "90677": "280", "90732": "150", "81002": "15",
    "81003": "18", "93000": "75", "36415": "15", "87880": "35",
}
# Families priced by size band: base price of the smallest code and a step per band.
_BANDED = [("11300", 6, 110, 30), ("11305", 4, 120, 30), ("11310", 4, 135, 35), ("11400", 7, 220, 50),
           ("11420", 7, 240, 55), ("11440", 7, 260, 60), ("11600", 7, 360, 70), ("11620", 7, 380, 75),
           ("11640", 7, 410, 80), ("12031", 7, 300, 80), ("12041", 7, 320, 85), ("12051", 7, 340, 90)]
for first, count, base, step in _BANDED:
    for i in range(count):
        CHARGES.setdefault(str(int(first) + i), str(base + step * i))

# Allowed amount as a share of the charge, by payer kind (contracted rates are usually a fraction of charges).
ALLOWED_SHARE = {"medicare": Decimal("0.42"), "medicaid": Decimal("0.33"), "commercial": Decimal("0.58")}

PAYERS = [
    ("Medicare Part B", "12502", Payer.Kind.MEDICARE, 365),
    ("State Medicaid", "MCDPA", Payer.Kind.MEDICAID, 180),
    ("Aetna", "60054", Payer.Kind.COMMERCIAL, 120),
    ("UnitedHealthcare", "87726", Payer.Kind.COMMERCIAL, 90),
    ("Cigna", "62308", Payer.Kind.COMMERCIAL, 90),
    ("Blue Cross Blue Shield", "54771", Payer.Kind.COMMERCIAL, 180),
    ("Humana Medicare Advantage", "61101", Payer.Kind.COMMERCIAL, 365),
    ("Self-pay", "", Payer.Kind.SELF_PAY, 3650),
]

FIRST_F = ("Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Nancy Lisa Betty Margaret Sandra "
           "Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Rebecca Sharon Laura Cynthia "
           "Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine Debra Rachel "
           "Carolyn Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina "
           "Joan Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann").split()
FIRST_M = ("James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew Anthony "
           "Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy Ronald Jason Edward Jeffrey Ryan "
           "Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander "
           "Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary Douglas Peter Kyle Noah "
           "Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
        "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
        "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
        "Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
        "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
        "Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
        "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
        "Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
        "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford "
        "Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman "
        "Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon").split()
STREETS = ("Main St|Oak Ave|Maple Dr|Cedar Ln|Pine St|Elm St|Washington Ave|Lake Rd|Hill St|Park Ave|Walnut St|"
           "Chestnut St|Ridge Rd|Church St|Highland Ave|Mill Rd|Spruce St|Locust Ln|Sunset Blvd|River Rd").split("|")
TOWNS = [("Harrisburg", "17101"), ("Camp Hill", "17011"), ("Mechanicsburg", "17055"), ("Carlisle", "17013"),
         ("Hershey", "17033"), ("Lancaster", "17601"), ("York", "17401"), ("Lebanon", "17042"), ("Middletown", "17057")]


@dataclass
class SeedResult:
    practice: Practice
    encounters: int = 0
    coded: int = 0
    patients: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def _npi(rng: random.Random) -> str:
    return npi_with_check_digit("1" + "".join(str(rng.randint(0, 9)) for _ in range(8)))


def _phone(rng: random.Random) -> str:
    return f"717{rng.randint(2000000, 9999999)}"


def _chunks(items: list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# Every sign-in needs a second factor; the demo logins share this TOTP key (printed by `demo`/`seed_demo`;
# `manage.py demo_code` prints the current code). Base32, as authenticator apps take it.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - printed on purpose: demo logins only
DEMO_SYSADMIN = "sysadmin"  # the Django admin account: staff, no practice role (admin accounts are separate)


def demo_users() -> dict[str, Any]:
    User = get_user_model()
    users = {}
    for username, _role, first, last in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[username] = user
    demo_security_setup()
    return users


def demo_security_setup() -> None:
    """The platform admin account and a known TOTP device for every demo login (idempotent)."""
    import base64

    from django_otp.plugins.otp_totp.models import TOTPDevice

    User = get_user_model()
    sysadmin, created = User.objects.get_or_create(username=DEMO_SYSADMIN, defaults={
        "first_name": "Sam", "last_name": "Sysadmin", "is_staff": True, "is_superuser": True})
    if created:
        sysadmin.set_password(DEMO_PASSWORD)
        sysadmin.save()
    # a demo database from before admin accounts were separated had `admin` as staff: it is a practice user
    User.objects.filter(username__in=[u for u, *_ in DEMO_USERS]).update(is_staff=False, is_superuser=False)
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    for user in User.objects.filter(username__in=[u for u, *_ in DEMO_USERS] + [DEMO_SYSADMIN]):
        TOTPDevice.objects.get_or_create(user=user, name="demo authenticator", defaults={"key": key, "confirmed": True})


def _practice(rng: random.Random, name: str) -> Practice:
    town, zip5 = TOWNS[0]
    practice = Practice(name=name, npi=_npi(rng), tax_id=f"{rng.randint(100000000, 999999999)}", taxonomy="193200000X",
                        address_line1=f"{rng.randint(100, 4999)} {rng.choice(STREETS)}", city=town, state="PA",
                        zip_code=f"{zip5}{rng.randint(1000, 9999)}", phone=_phone(rng))
    practice.full_clean()
    practice.save()
    return practice


def _providers(rng: random.Random, practice: Practice) -> list[Provider]:
    spec = [("Elena", "Marsh", "MD", "207N00000X", Specialty.DERMATOLOGY),
            ("Rahul", "Iyer", "MD", "207ND0101X", Specialty.DERMATOLOGY),
            ("Grace", "Okafor", "PA-C", "363A00000X", Specialty.DERMATOLOGY),
            ("Daniel", "Whitfield", "MD", "207Q00000X", Specialty.PRIMARY_CARE),
            ("Sofia", "Brennan", "DO", "207R00000X", Specialty.PRIMARY_CARE),
            ("Marcus", "Lee", "NP", "363LF0000X", Specialty.PRIMARY_CARE)]
    providers = [Provider(practice=practice, first_name=f, last_name=last, credential=c, npi=_npi(rng), taxonomy=t,
                          specialty=s) for f, last, c, t, s in spec]
    for p in providers:
        p.full_clean()
    return Provider.objects.bulk_create(providers)


def _locations(rng: random.Random, practice: Practice) -> list[Location]:
    locations = []
    for name, (town, zip5) in [("Main Street Office", TOWNS[0]), ("Camp Hill Clinic", TOWNS[1])]:
        loc = Location(practice=practice, name=name, npi=_npi(rng), pos_code="11",
                       address_line1=f"{rng.randint(100, 4999)} {rng.choice(STREETS)}", city=town, state="PA",
                       zip_code=f"{zip5}{rng.randint(1000, 9999)}")
        loc.full_clean()
        locations.append(loc)
    return Location.objects.bulk_create(locations)


def _payers_and_fees(practice: Practice, start: dt.date) -> list[Payer]:
    payers = Payer.objects.bulk_create([Payer(practice=practice, name=n, payer_id=pid, kind=k, timely_filing_days=tf,
                                              address_line1="PO Box 1000", city="Harrisburg", state="PA", zip_code="17101")
                                        for n, pid, k, tf in PAYERS])
    charge = FeeSchedule.objects.create(practice=practice, name="Standard charges", kind=FeeSchedule.Kind.CHARGE,
                                        effective_from=start)
    entries = [FeeScheduleEntry(practice=practice, schedule=charge, code=code, amount=Decimal(amount))
               for code, amount in sorted(CHARGES.items())]
    for payer in payers:
        share = ALLOWED_SHARE.get(payer.kind)
        if share is None:
            continue
        if payer.name.startswith(("Aetna", "Cigna")):
            share += Decimal("0.06")
        schedule = FeeSchedule.objects.create(practice=practice, name=f"{payer.name} contract", kind=FeeSchedule.Kind.ALLOWED,
                                              payer=payer, effective_from=start)
        entries += [FeeScheduleEntry(practice=practice, schedule=schedule, code=code,
                                     amount=(Decimal(amount) * share).quantize(Decimal("0.01")))
                    for code, amount in sorted(CHARGES.items())]
    FeeScheduleEntry.objects.bulk_create(entries, batch_size=BATCH)
    return payers


def _analyze(*tables: str) -> None:
    """Refresh planner statistics after a bulk insert: otherwise the foreign-key checks of the next
    bulk insert plan against "empty" parent tables and scan them once per row."""
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"ANALYZE {table}")


def _age(dob: dt.date, on: dt.date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _patients(rng: random.Random, practice: Practice, count: int, today: dt.date, mrn_prefix: str) -> list[Patient]:
    patients = []
    for i in range(count):
        sex = rng.choice("FM")
        # Dermatology skews older; a spread from children to the very old.
        age = min(96, max(1, int(rng.triangular(2, 95, 62))))
        dob = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        town, zip5 = rng.choice(TOWNS)
        patients.append(Patient(
            practice=practice, mrn=f"{mrn_prefix}{i + 1:07d}", first_name=rng.choice(FIRST_F if sex == "F" else FIRST_M),
            middle_name=rng.choice("ABCDEJKLMRST") if rng.random() < 0.6 else "", last_name=rng.choice(LAST),
            date_of_birth=dob, sex=sex, address_line1=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            address_line2=f"Apt {rng.randint(1, 40)}" if rng.random() < 0.15 else "", city=town, state="PA",
            zip_code=zip5, phone=_phone(rng)))
    return Patient.objects.bulk_create(patients, batch_size=BATCH)


def _coverages(rng: random.Random, practice: Practice, patients: list[Patient], payers: list[Payer],
               today: dt.date) -> list[Coverage]:
    by_kind: dict[str, list[Payer]] = {}
    for p in payers:
        by_kind.setdefault(p.kind, []).append(p)
    coverages = []
    for patient in patients:
        age = _age(patient.date_of_birth, today)
        if age >= 65:
            primary = by_kind["medicare"][0] if rng.random() < 0.7 else next(p for p in payers if "Humana" in p.name)
        elif rng.random() < 0.18:
            primary = by_kind["medicaid"][0]
        elif rng.random() < 0.05:
            continue  # self-pay: no coverage on file
        else:
            primary = rng.choice([p for p in by_kind["commercial"] if "Humana" not in p.name])
        start = today - dt.timedelta(days=rng.randint(400, 3000))
        child = age < 19 and primary.kind == Payer.Kind.COMMERCIAL
        cov = Coverage(practice=practice, patient=patient, payer=primary, priority=1,
                       member_id=f"{primary.name[:1]}{rng.randint(10**8, 10**9 - 1)}{rng.choice('ABCDEFGH')}",
                       group_number=f"G{rng.randint(10000, 99999)}" if primary.kind == Payer.Kind.COMMERCIAL else "",
                       plan_name={"medicare": "Part B", "medicaid": "Medical Assistance"}.get(primary.kind, "PPO"),
                       relationship=Relationship.CHILD if child else Relationship.SELF, effective_from=start)
        if child:
            cov.subscriber_first_name = rng.choice(FIRST_F + FIRST_M)
            cov.subscriber_last_name = patient.last_name
            cov.subscriber_date_of_birth = patient.date_of_birth - dt.timedelta(days=rng.randint(22, 40) * 365)
            cov.subscriber_sex = rng.choice("FM")
        coverages.append(cov)
        if primary.kind == Payer.Kind.MEDICARE and rng.random() < 0.45:
            supplement = rng.choice([p for p in by_kind["commercial"] if "Humana" not in p.name])
            coverages.append(Coverage(practice=practice, patient=patient, payer=supplement, priority=2,
                                      member_id=f"S{rng.randint(10**8, 10**9 - 1)}", plan_name="Medigap Plan G",
                                      relationship=Relationship.SELF, effective_from=start))
    return Coverage.objects.bulk_create(coverages, batch_size=BATCH)


def seed_practice(*, name: str, encounters: int, seed: int, today: dt.date, coded_share: float = 0.93,
                  mrn_prefix: str = "M", users: dict[str, Any] | None = None, window_days: int = WINDOW_DAYS,
                  steps: Collection[str] | None = None) -> SeedResult:
    """Build one demo practice. Returns what was created; fast enough for 100,000 encounters.

    Dates of service fall in the `window_days` before `today`. `steps` limits the later stages run
    (`<app>.demo.seed_step`, default all): `seed_demo --lines` grows the practice before EHR imports and the
    summaries, then runs those with `seed_steps`.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    # A bulk load of demo data: its insert events are not written to the change history (they would
    # triple the seed time); updates and deletes made afterwards are audited as usual.
    with transaction.atomic(), pgtrigger.ignore(*(f"billing.{m}:insert_insert" for m in TRACKED_MODELS)):
        practice = _practice(rng, name)
        for username, role, *_ in DEMO_USERS:
            if users and username in users:
                Membership.objects.create(user=users[username], practice=practice, role=role)
        providers = _providers(rng, practice)
        locations = _locations(rng, practice)
        payers = _payers_and_fees(practice, today - dt.timedelta(days=3 * 365))
        n_patients = max(10, encounters // 3)
        patients = _patients(rng, practice, n_patients, today, mrn_prefix)
        _coverages(rng, practice, patients, payers, today)
        _analyze("billing_patient", "billing_provider", "billing_location")

        derm = [p for p in providers if p.specialty == Specialty.DERMATOLOGY]
        pcp = [p for p in providers if p.specialty == Specialty.PRIMARY_CARE]
        seen: set[int] = set()
        rows: list[tuple[Encounter, demo_notes.Visit, bool]] = []
        # Spread dates of service over the window (~9 months by default), older ones coded, the newest awaiting coding.
        offsets = sorted((int(rng.betavariate(1.2, 2.2) * window_days) for _ in range(encounters)), reverse=True)
        for offset in offsets:
            patient = rng.choice(patients)
            dos = today - dt.timedelta(days=offset)
            while dos.weekday() >= 5:
                dos -= dt.timedelta(days=1)
            specialty = Specialty.DERMATOLOGY if rng.random() < 0.62 else Specialty.PRIMARY_CARE
            new_patient = patient.pk not in seen and rng.random() < 0.5
            seen.add(patient.pk)
            visit = demo_notes.generate_visit(rng, specialty=specialty, age=_age(patient.date_of_birth, dos),
                                              sex=patient.sex, new_patient=new_patient)
            # The newest visits wait for a coder; a few older ones too.
            coded = offset > 14 and rng.random() < coded_share
            enc = Encounter(practice=practice, patient=patient,
                            provider=rng.choice(derm if specialty == Specialty.DERMATOLOGY else pcp),
                            location=rng.choice(locations), date_of_service=dos, specialty=specialty,
                            new_patient=visit.new_patient,
                            status=Encounter.Status.CODED if coded else Encounter.Status.AWAITING_CODING)
            rows.append((enc, visit, coded))
        Encounter.objects.bulk_create([r[0] for r in rows], batch_size=BATCH)
        _analyze("billing_patient", "billing_encounter")

        charge_of = {code: Decimal(v) for code, v in CHARGES.items()}
        notes, diagnoses, lines = [], [], []
        for enc, visit, coded in rows:
            notes.append(ChartNote(practice=practice, encounter=enc, kind=visit.kind,
                                   author=f"{enc.provider.first_name} {enc.provider.last_name}, {enc.provider.credential}",
                                   text=visit.text))
            if not coded:
                continue
            for rank, code in enumerate(visit.icd10, start=1):
                diagnoses.append(Diagnosis(practice=practice, encounter=enc, code=code, rank=rank))
            for n, proc in enumerate(visit.procedures, start=1):
                lines.append(ChargeLine(practice=practice, encounter=enc, line_number=n, code=proc.code,
                                        modifiers=list(proc.modifiers), units=proc.units,
                                        diagnosis_pointers=list(proc.pointers),
                                        charge_amount=charge_of.get(proc.code, Decimal("100")) * proc.units))
        for model, objs in ((ChartNote, notes), (Diagnosis, diagnoses), (ChargeLine, lines)):
            for chunk in _chunks(objs):
                model.objects.bulk_create(chunk)

    result = SeedResult(practice=practice, encounters=len(rows), coded=sum(1 for r in rows if r[2]), patients=len(patients))
    seed_steps(result, seed=seed, today=today, apps=DOMAIN_APPS if steps is None else steps)
    result.seconds = time.perf_counter() - started
    return result


def seed_steps(result: SeedResult, *, seed: int, today: dt.date, apps: Collection[str]) -> None:
    """Each later stage adds its own demo data, in the apps' order (only the apps named in `apps`)."""
    for app in DOMAIN_APPS:
        if app in apps and find_spec(f"{app}.demo"):
            step = getattr(import_module(f"{app}.demo"), "seed_step", None)
            if step is not None:
                result.extra[app] = step(practice=result.practice, rng=random.Random(seed + 1), today=today)
