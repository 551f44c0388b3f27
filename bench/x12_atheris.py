"""Coverage-guided fuzzing of every X12 reader with atheris (optional: `pip install atheris`).

`python bench/x12_atheris.py -atheris_runs=100000` (any libFuzzer flag). Each input is read by the 835, 999,
277CA, 277, 271 and TA1 readers; anything but a model, `X12SyntaxError` or the 835's `problems` crashes the
run with the input saved by libFuzzer. The Hypothesis fuzz tests (tests/trust/test_x12_fuzz.py) are the CI run.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rcm.settings")


def main() -> None:
    try:
        import atheris
    except ImportError:
        print("atheris is not installed (pip install atheris); nothing to do")
        return
    import django

    django.setup()
    with atheris.instrument_imports():
        from claims.x12.reader_271 import read_271
        from claims.x12.reader_277 import read_277, read_277ca
        from claims.x12.reader_999 import read_999
        from claims.x12.reader_ta1 import read_ta1
        from claims.x12.segments import X12SyntaxError
        from payments.x12.reader_835 import read_835

    readers = [lambda b: read_999(b, validate=False), lambda b: read_277ca(b, validate=False), read_277, read_271,
               read_ta1]

    def one(data: bytes) -> None:
        assert read_835(data) is not None  # never raises
        for reader in readers:
            with contextlib.suppress(X12SyntaxError):
                reader(data)

    atheris.Setup(sys.argv, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
