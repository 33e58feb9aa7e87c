"""Writing files so that a failure leaves nothing half-written: the engine's atomic writer."""

from __future__ import annotations

from apophenic.record import write_atomic

__all__ = ["write_atomic"]
