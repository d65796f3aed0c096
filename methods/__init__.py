"""dehaze-bench methods: one registry, one interface (`get_method(spec).enhance(x)`).

Built-in methods register themselves on import; third-party ones through the entry-point group
`dehaze_bench.methods`. This package never imports `benchmark`.
"""

from . import (  # noqa: F401  (registration side effects)
    aodnet,
    c2pnet,
    cap,
    da_dehazing,
    dcp,
    ffanet,
    gcanet,
    griddehazenet,
    identity,
    lnet_gie,
    msbdn_dff,
)
from .base import ClassicalMethod, Method, NeuralMethod, Param
from .errors import MethodError, SpecError, UnknownMethodError, UnsafeWeightsError, WeightsError
from .registry import (
    available_methods,
    canonical_spec,
    expand_spec,
    get_method,
    method_class,
    parse_spec,
    register_method,
    resolve_device,
)
from .weights import WeightsInfo

__all__ = [
    "ClassicalMethod",
    "Method",
    "MethodError",
    "NeuralMethod",
    "Param",
    "SpecError",
    "UnknownMethodError",
    "UnsafeWeightsError",
    "WeightsError",
    "WeightsInfo",
    "available_methods",
    "canonical_spec",
    "expand_spec",
    "get_method",
    "method_class",
    "parse_spec",
    "register_method",
    "resolve_device",
]
