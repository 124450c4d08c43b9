"""Templates compiled once per test run.

A test builds an application of its own (its settings, its database), and with it a new Jinja
environment whose template cache starts empty: compiling the same templates again for every test
was 45% of the access matrix's time in a profile. A running hub compiles each template once per
worker; this gives the test process the same, through Jinja's bytecode cache, keyed by the
template's name and checked against its source, so an edited template is compiled afresh.
"""

from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class InMemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()
