"""factory-boy factories for the shared model (valid by default, practice-consistent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model

from billing import models
from rcm.roles import Role
from rcm.validators import npi_with_check_digit


def _npi(n: int) -> str:
    return npi_with_check_digit(f"1{n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def totp(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        """Every user has a confirmed TOTP device with a known key (tests.e2e.auth.totp_code); totp=False: none."""
        if create and extracted is not False:
            from django_otp.plugins.otp_totp.models import TOTPDevice

            TOTPDevice.objects.get_or_create(user=obj, name="test authenticator",
                                             defaults={"key": TEST_TOTP_KEY, "confirmed": True})


TEST_TOTP_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, hex


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    npi = factory.Sequence(lambda n: _npi(500000 + n))
    tax_id = "231234567"
    taxonomy = "193200000X"
    address_line1 = "1 Main St"
    city = "Harrisburg"
    state = "PA"
    zip_code = "171011234"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    role = Role.BILLER


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Provider

    practice = factory.SubFactory(PracticeFactory)
    first_name = "Elena"
    last_name = factory.Sequence(lambda n: f"Marsh{n}")
    credential = "MD"
    npi = factory.Sequence(lambda n: _npi(100000 + n))
    taxonomy = "207N00000X"
    specialty = models.Specialty.DERMATOLOGY


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Location

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    pos_code = "11"
    address_line1 = "2 Main St"
    city = "Harrisburg"
    state = "PA"
    zip_code = "17101"


class PayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Payer

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Payer {n}")
    payer_id = factory.Sequence(lambda n: f"{60000 + n}")
    kind = models.Payer.Kind.COMMERCIAL
    timely_filing_days = 90


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Patient

    practice = factory.SubFactory(PracticeFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Doe{n}")
    date_of_birth = dt.date(1960, 5, 17)
    sex = "F"
    address_line1 = "3 Oak Ave"
    city = "Carlisle"
    state = "PA"
    zip_code = "17013"


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Coverage

    practice = factory.SelfAttribute("patient.practice")
    patient = factory.SubFactory(PatientFactory)
    payer = factory.SubFactory(PayerFactory, practice=factory.SelfAttribute("..practice"))
    priority = 1
    member_id = factory.Sequence(lambda n: f"W{n:09d}")
    effective_from = dt.date(2020, 1, 1)


class EncounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Encounter

    practice = factory.SelfAttribute("patient.practice")
    patient = factory.SubFactory(PatientFactory)
    provider = factory.SubFactory(ProviderFactory, practice=factory.SelfAttribute("..practice"))
    location = factory.SubFactory(LocationFactory, practice=factory.SelfAttribute("..practice"))
    date_of_service = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))
    specialty = models.Specialty.DERMATOLOGY


class ChartNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ChartNote

    encounter = factory.SubFactory(EncounterFactory)
    practice = factory.SelfAttribute("encounter.practice")
    text = "72 y/o M, est pt. Actinic keratoses x3 on the scalp. Cryotherapy with LN2 to all 3."


class DiagnosisFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Diagnosis

    encounter = factory.SubFactory(EncounterFactory)
    practice = factory.SelfAttribute("encounter.practice")
    code = "L57.0"
    rank = 1


class ChargeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ChargeLine

    encounter = factory.SubFactory(EncounterFactory)
    practice = factory.SelfAttribute("encounter.practice")
    line_number = 1
    code = "17000"
    units = 1
    diagnosis_pointers = factory.LazyFunction(lambda: [1])
    charge_amount = Decimal("140.00")
