"""A regression floor on notes the demo generator writes with their gold codes (a second corpus, written
by another author, so the rules are not only checked against examples of our own)."""

from __future__ import annotations

import random
from collections import Counter

from billing.demo_notes import generate_visit
from coding.evaluation import Tally
from tests.coding.engine_helpers import run


def test_engine_f1_on_300_generated_notes_stays_above_the_floor() -> None:
    rng = random.Random(2024)
    icd, cpt = Tally(), Tally()
    for _ in range(300):
        specialty = "dermatology" if rng.random() < 0.6 else "primary_care"
        age, sex, new = rng.randint(5, 90), rng.choice("FM"), rng.random() < 0.3
        visit = generate_visit(rng, specialty=specialty, age=age, sex=sex, new_patient=new)
        out = run(visit.text, age=age, sex=sex, new=visit.new_patient)
        icd.add(Counter({d.code for d in out.diagnoses}), Counter(set(visit.icd10)))
        cpt.add(Counter((p.code, p.units) for p in out.procedures), Counter((p.code, p.units) for p in visit.procedures))
    assert icd.f1 >= 0.95, (icd.precision, icd.recall)
    assert cpt.f1 >= 0.95, (cpt.precision, cpt.recall)
