"""A methods.csv row: one method spec's status, reason, profile and device."""

from __future__ import annotations

from typing import Any

from methods import Method


def method_row(method: Method, status: str, reason: str, device_label: str, **extra: Any) -> dict:
    """The methods.csv row of `method` (profile fields in `extra`)."""
    return {
        "spec": method.spec,
        "method": method.name,
        "display_name": method.display_name,
        "kind": method.kind,
        "status": status,
        "reason": reason,
        "device_name": device_label,
        "weights_source": method.weights.source if method.weights else "",
        "weights_sha256": method.weights.sha256 if method.weights else "",
        **_backend_fields(method),
        **extra,
    }


def _backend_fields(method: Method) -> dict[str, Any]:
    """A neural method's backend, precision, compile time and difference to eager ('' if none)."""
    backend = getattr(method, "backend", None)
    return backend.to_dict() if backend is not None else {}
