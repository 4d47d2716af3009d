"""keep_freed_memory: freed arrays stay in the process, so the next training step reuses their pages."""

import platform
import subprocess
import sys

import pytest

PROBE = """
import sys
import numpy as np
import tinygrad_edu as tg

def rss_mib():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096 / 2**20

from tinygrad_edu.memory import keep_freed_memory
applied = keep_freed_memory() if sys.argv[1] == 'keep' else None
before = rss_mib()
a = np.ones(2**20)  # 8 MiB, touched
del a
print(applied, rss_mib() - before)
"""


def freed_mib_still_resident(policy: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", PROBE, policy], capture_output=True, text=True, check=True).stdout
    applied, kept = out.split()
    return applied, float(kept)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's; elsewhere the call returns False")
def test_freed_memory_is_returned_by_default_and_kept_after_the_call():
    assert freed_mib_still_resident("default") == ("None", pytest.approx(0.0, abs=1.0))  # glibc unmapped it
    applied, kept = freed_mib_still_resident("keep")
    assert applied == "True" and kept > 7.5  # the 8 MiB stayed in the heap, ready for the next step
