"""glibc's allocator policy for a benchmark worker: ``--keep-freed-memory`` times every candidate without page faults.

Every training step allocates the same arrays again. glibc's malloc hands large freed blocks back to the operating
system, so the next step gets fresh pages and pays a page fault for every 4 KiB it touches. ``keep_freed_memory``
changes that **for the whole process, for good**, which is why it lives here, applied to each worker process alike,
and not in the tinygrad_edu package.
"""

from __future__ import annotations

import ctypes
import platform

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 2**20  # glibc's ceiling for M_MMAP_THRESHOLD on 64-bit systems
_KEEP_UP_TO = 2**30  # free memory at the top of the heap that malloc keeps instead of returning it


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep freed memory in the process (up to 1 GiB), for the whole process, for good.

    Arrays up to 32 MiB then come from the heap rather than from their own mapping, and freed memory is not
    returned to the system: the process's footprint stays at its peak, and repeated steps stop paying page
    faults. Returns False (and changes nothing) where the C library is not glibc, e.g. on macOS or musl.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX) and mallopt(_M_TRIM_THRESHOLD, _KEEP_UP_TO))
