"""dehaze-bench methods: one registry, one interface (`get_method(spec).enhance(x)`).

Every module directly in this package is one method; the shared machinery is in `methods.core`.
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
    hazy_input,
    lnet_gie,
    msbdn_dff,
    outputs,
)
from .core import (
    ClassicalMethod,
    Method,
    MethodError,
    NeuralMethod,
    Param,
    Spec,
    SpecError,
    UnknownMethodError,
    UnsafeWeightsError,
    WeightsError,
    WeightsInfo,
    available_methods,
    canonical_spec,
    expand_spec,
    get_method,
    method_class,
    parse_spec,
    register_method,
    resolve_device,
)

__all__ = [
    "ClassicalMethod",
    "Method",
    "MethodError",
    "NeuralMethod",
    "Param",
    "Spec",
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
